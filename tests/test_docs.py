"""The docs match the code: every link between them resolves, and every file and module they name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from rag.config import Settings
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")
PATH = re.compile(r"`((?:rag|api|evals|experiments|tests|scripts)/[\w/.-]+\.(?:py|jsonl|md))`")
MODULE = re.compile(r"`((?:rag|api|evals)(?:\.\w+)+)`")
SETTINGS = {
    f"{section}.{name}"
    for section, field in Settings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    for name in field.annotation.model_fields
}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_and_paths_resolve(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    broken = [link for link in LINK.findall(text) if not (doc.parent / link).resolve().is_file()]
    missing = [path for path in PATH.findall(text) if not (ROOT / path).exists()]
    assert not broken, f"{doc.name}: broken links {broken}"
    assert not missing, f"{doc.name}: names files that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_named_modules_exist(doc: Path) -> None:
    """`rag.x.y` in the docs is a module, or a name defined in one (settings such as `api.keys` aside)."""
    missing = []
    for dotted in MODULE.findall(doc.read_text(encoding="utf-8")):
        if dotted in SETTINGS or dotted.endswith(".toml"):
            continue
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            base = ROOT.joinpath(*parts[:cut])
            if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
                rest = parts[cut:]
                source = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
                if rest and not re.search(rf"\b(def|class)\s+{rest[0]}\b|^{rest[0]}\s*[:=]", source.read_text(), re.M):
                    missing.append(dotted)
                break
        else:
            missing.append(dotted)
    assert not missing, f"{doc.name}: names modules or objects that do not exist: {missing}"
