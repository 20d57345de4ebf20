"""Settings: every one is documented, and the environment and TOML sources work."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from rag.config import Settings
from tests.conftest import ROOT


def env_names(model: type[BaseModel], prefix: str = "RAG_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    names = env_names(Settings)
    assert len(names) > 10
    missing = [n for n in names if f"`{n}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"


def test_environment_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "rag.toml"
    toml.write_text('index_dir = "elsewhere"\n[retrieve]\ntop_k = 9\ncandidates = 30\n')
    monkeypatch.setenv("RAG_CONFIG", str(toml))
    monkeypatch.setenv("RAG_RETRIEVE__CANDIDATES", "70")
    settings = Settings()
    assert settings.index_dir == Path("elsewhere")
    assert settings.retrieve.top_k == 9
    assert settings.retrieve.candidates == 70  # the environment wins over the file


def test_bad_values_fail_with_the_field_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVE__MODE", "sparse")
    with pytest.raises(ValidationError, match=r"retrieve\.mode"):
        Settings()
