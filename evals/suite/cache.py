"""The per-question result cache of `rag eval`: an interrupted run, started again, asks only what is missing.

Every scored question is appended at once to `<out>/cache/<set>.jsonl`, keyed by set, item id and content
(`item_hash`) and a fingerprint of the configuration (`fingerprint`: settings, generator, scorer, corpus,
URL). Questions that failed with an error are not cached, so they are retried.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from evals.suite.config import SUITE_VERSION, RunConfig
from evals.suite.sets import Item


class ResultCache:
    """Append-only JSONL of scored questions; a line is written and flushed as soon as one is scored."""

    def __init__(self, path: Path, fresh: bool = False) -> None:
        self.path = path
        self.rows: dict[str, dict[str, Any]] = {}
        if path.exists() and not fresh:
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.rows[entry["key"]] = entry["row"]
                except (ValueError, KeyError, TypeError):  # a line cut short by an interruption
                    continue
        elif fresh and path.exists():
            path.unlink()

    @staticmethod
    def key(set_name: str, item_id: str, fingerprint: str) -> str:
        return hashlib.sha256(f"{set_name}\0{item_id}\0{fingerprint}".encode()).hexdigest()[:32]

    def get(self, key: str) -> dict[str, Any] | None:
        return self.rows.get(key)

    def put(self, key: str, row: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "row": row}, ensure_ascii=False) + "\n")
            f.flush()
        self.rows[key] = row


def item_hash(item: Item) -> str:
    """A hash of what the item asks and counts as right: a changed loader does not reuse old scores."""
    parts = [
        item.question,
        item.kind,
        item.answers,
        item.evidence,
        item.gold_articles,
        item.article_ids,
        item.false_answers,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


def fingerprint(settings: Any, config: RunConfig, scorer_id: str, corpus: str) -> str:
    """A hash of everything that changes an answer or its score (not where the index lives). Code changes
    outside the settings and the prompts are not seen: use `--fresh` or another `--out` to measure them."""
    from rag.generators.prompt import PROMPT_VERSION as ANSWER_PROMPT
    from rag.judges.llm import PROMPT_VERSION as JUDGE_PROMPT

    dump = settings.model_dump(mode="json", exclude={"index_dir": True, "api": True, "llm": {"api_key"}})
    parts = {
        "prompts": [ANSWER_PROMPT, JUDGE_PROMPT],
        "as_of": config.as_of,
        "replay": str(config.replay.resolve()) if config.replay else "",
        "suite": SUITE_VERSION,
        "settings": dump,
        "generator": config.generator or settings.answer.generator,
        "scorer": scorer_id,
        "corpus": corpus,
        "url": config.url or "",
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
