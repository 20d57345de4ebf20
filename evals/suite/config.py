"""What a `rag eval` run is asked to do (`RunConfig`), the constants every part of the suite shares, and the
error that stops a run."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUITE_VERSION = "eval-suite-v1"
RETRIEVAL_K = 10
DEFAULT_CACHE_DIR = Path(os.environ.get("RAG_EVAL_CACHE", Path.home() / ".cache" / "rag" / "eval"))
Echo = Callable[[str], None]  # where progress messages go (stderr in `rag eval`)


class EvalError(Exception):
    """A problem that stops the evaluation (bad options, an unreachable service)."""


@dataclass
class RunConfig:
    """The options of one `rag eval` run, as the command line gives them."""

    sets: list[str]
    data: Path
    out: Path
    limit: int | None = None
    seed: int = 0
    url: str | None = None
    generator: str | None = None
    scorer: str = "overlap"  # overlap | llm (slower, and no better on the judge sets: docs/measurements.md)
    scorer_threshold: float | None = None
    cache_dir: Path = DEFAULT_CACHE_DIR
    index: Path | None = None
    fresh: bool = False
    judge_limit: int | None = None  # pairs per judge set; default: 40 with the LLM scorer, all without
    timeout: float = 300.0
    api_key: str = ""
    # The moment each question is asked at: "question" (its own date, where the set gives one; RealTimeQA
    # does), "none" (no as-of date: the pipeline's default, today), or an ISO date for every question.
    as_of: str = "question"
    replay: Path | None = None  # answer with the drafts recorded in this results file instead of generating
    extra: dict[str, Any] = field(default_factory=dict)

    def as_of_for(self, item_date: str) -> str:
        """The as-of date to ask a question with, given the date its set gives it ("" if none)."""
        if self.as_of == "none":
            return ""
        if self.as_of == "question":
            return item_date.replace("/", "-")[:10] if item_date else ""
        return self.as_of
