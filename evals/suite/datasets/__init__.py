"""Dataset loaders of the evaluation suite: the project's seed questions and the public sets it reads in place.

- `seed_set`: the hand-written questions about the seed article (`seed_questions.jsonl`, beside it);
- `realtimeqa`: RealTimeQA questions and the evidence check shared by the suite and the benchmark;
- `timeline`: the hand-written questions on running stories whose answer depends on the as-of date
  (`timeline_questions.jsonl`, beside it);
- `judge_sets`: the human-labelled (claim, evidence, supported) sets the support judge is measured on.

The public sets live in `SHARED_DATASETS` (`../shared/datasets/` beside the repository) and are never
copied into the project: every loader takes a folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, Protocol, TypeVar

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


Q = TypeVar("Q", bound=_HasId)


def load_jsonl(path: Path, parse: Callable[[str, str], Q]) -> list[Q]:
    """Every line of the JSON-lines file `path` read by `parse(line, "path:N")`, in file order; blank lines are
    skipped and a repeated id is a ValueError naming both lines (the hand-written question sets)."""
    items: list[Q] = []
    seen: dict[str, int] = {}
    with Path(path).open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            item = parse(line, f"{path}:{number}")
            if item.id in seen:
                raise ValueError(f"{path}:{number}: duplicate id {item.id!r} (first on line {seen[item.id]})")
            seen[item.id] = number
            items.append(item)
    return items


def json_object(line: str, where: str, required: Collection[str], optional: Collection[str] = ()) -> dict[str, Any]:
    """`line` as a JSON object holding every `required` key and no key beyond `required` and `optional`;
    a ValueError starting with `where` otherwise."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"{where}: invalid JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(row).__name__}")
    if missing := [k for k in required if k not in row]:
        raise ValueError(f"{where}: missing key(s): {', '.join(missing)}")
    if unknown := sorted(set(row) - set(required) - set(optional)):
        raise ValueError(f"{where}: unknown key(s): {', '.join(unknown)}")
    return row
