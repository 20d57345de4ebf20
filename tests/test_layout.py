"""The layout rules a newcomer relies on, checked on the source: no private names across modules, and the
product (rag, api, evals) never imports the unpackaged experiments or the tests. (The layer order itself is
import-linter's contract in pyproject.toml, run by .ci/run.)"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.conftest import ROOT

PROJECT = ("rag", "api", "evals", "experiments", "tests")
PRODUCT = ("rag", "api", "evals")


def modules(*packages: str) -> Iterator[tuple[str, ast.Module]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            yield name, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _project_module(name: str) -> bool:
    return name.split(".")[0] in PROJECT


def private_uses(name: str, tree: ast.Module) -> Iterator[str]:
    """`from M import _x`, and `alias._x` where `alias` names another project module."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _project_module(node.module):
            if node.module == name:
                continue
            for a in node.names:
                if _is_private(a.name):
                    yield f"{name}: from {node.module} import {a.name}"
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if _project_module(a.name):
                    aliases[a.asname or a.name.split(".")[0]] = (a.asname and a.name) or a.name.split(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in aliases and aliases[base.id] != name:
                yield f"{name}: {ast.unparse(node)}"


def test_no_module_uses_a_private_name_of_another() -> None:
    found = [use for name, tree in modules("rag", "api", "evals", "experiments") for use in private_uses(name, tree)]
    assert not found, "\n".join(found)


def test_the_check_catches_a_private_import() -> None:
    tree = ast.parse("from rag.store import _secret\nimport rag.llm as llm\nllm._logsumexp([1.0])\n")
    assert list(private_uses("evals.x", tree)) == [
        "evals.x: from rag.store import _secret",
        "evals.x: llm._logsumexp",
    ]


def test_the_product_never_imports_experiments_or_tests() -> None:
    bad = []
    for name, tree in modules(*PRODUCT):
        for node in ast.walk(tree):
            targets = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module]
            bad += [f"{name} imports {t}" for t in targets if t.split(".")[0] in ("experiments", "tests")]
    assert not bad, "\n".join(bad)


def test_the_wheel_ships_the_product_only() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(p.rstrip("*") for p in include) == sorted(PRODUCT)
