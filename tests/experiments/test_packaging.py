"""experiments/ stays out of the product: nothing in rag/, api/ or evals/ imports it, and the wheel leaves it out."""

from __future__ import annotations

import ast
import fnmatch
import tomllib

from tests.conftest import ROOT


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_product_never_imports_experiments() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in ("rag", "api", "evals")
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in imported_modules(path.read_text(encoding="utf-8"))
        if name == "experiments" or name.startswith("experiments.")
    ]
    assert not offenders


def test_the_wheel_leaves_experiments_out() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert any(fnmatch.fnmatch("evals.bench", pattern) for pattern in include)
    assert not any(fnmatch.fnmatch(name, pattern) for pattern in include for name in ("experiments", "tests"))
