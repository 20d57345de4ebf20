"""Settings: every one is documented, and the environment and TOML sources work."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from rag.config import GENERATED_MARK, Settings, reference_rows, reference_table, render_reference
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


def test_every_setting_has_a_description() -> None:
    names = env_names(Settings)
    assert len(names) > 10
    rows = reference_rows()
    assert [name for name, _, _ in rows] == names
    undocumented = [name for name, _, meaning in rows if len(meaning) < 10]
    assert not undocumented, f"settings without a description: {undocumented}"


def test_the_configuration_reference_is_up_to_date() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert GENERATED_MARK in doc
    assert doc == render_reference(doc), (
        "docs/configuration.md is stale: python -m rag.config --write docs/configuration.md"
    )


def test_the_reference_names_defaults_and_never_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_LLM__API_KEY", "sk-secret")
    table = reference_table()
    assert "| `RAG_RETRIEVE__TOP_K` | `5` |" in table
    assert "| `RAG_LLM__API_KEY` | (none) |" in table and "sk-secret" not in table


def test_reading_settings_loads_no_model() -> None:
    """Configuration defaults come from contract modules: importing them must not import a model runtime."""
    import subprocess
    import sys

    heavy = ("torch", "llama_cpp", "onnxruntime", "sentence_transformers", "faiss", "rag.llm")
    code = f"import sys, rag.config; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


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
