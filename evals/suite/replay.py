"""Replaying recorded drafts: a generator that answers each question with the draft an earlier run wrote.

A verification or judge change is then measured on the very same drafts, without generating again (the
local model's drafts also vary a little from run to run). Retrieval must be the one the recorded run used,
or the drafts' citation numbers point at other passages.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.generators.base import Draft, Revision
from rag.types import Passage


class ReplayGenerator:
    """Returns the recorded draft of the question set in `current` (by id); `revise` its recorded second draft."""

    def __init__(self, drafts: dict[str, dict[str, str]], name: str = "replay") -> None:
        self.drafts = drafts
        self.name = name
        self.current = ""

    @classmethod
    def from_results(cls, path: Path) -> ReplayGenerator:
        """From a `rag eval` results JSON (rows of every set, `drafts` per row) or an `evals.seed_eval --out`
        file (rows with `draft` and `revise_draft`)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [r for s in data.get("sets", {}).values() for r in s.get("rows", [])] or data.get("rows", [])
        drafts = {}
        for r in rows:
            recorded = r.get("drafts") or {k: r[k] for k in ("draft", "revise_draft") if k in r}
            if recorded:
                drafts[str(r["id"])] = recorded
        if not drafts:
            raise ValueError(f"{path} holds no recorded drafts")
        return cls(drafts, f"replay:{path.name}")

    def warm_up(self) -> None:
        pass

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "") -> Draft:
        if self.current not in self.drafts:
            raise KeyError(f"no recorded draft for question {self.current}")
        return Draft(self.drafts[self.current].get("draft", ""), {})

    def revise(self, question: str, passages: Sequence[Passage], revision: Revision, as_of: str = "") -> Draft:
        """The second draft the earlier run recorded; none recorded reads as a decline (and is said)."""
        text = self.drafts.get(self.current, {}).get("revise_draft", "")
        if not text:
            print(f"{self.current}: no second draft recorded; replayed as a decline", file=sys.stderr)
        return Draft(text, {})
