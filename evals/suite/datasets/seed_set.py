"""The project's own question set about the seed article (`seeds/000_397e3221e5c587a0.txt`).

`seed_questions.jsonl` holds one JSON object a line, written by hand for this repository:

- `id`: unique ("s01", "s02", ...); `question`: the question as a newsroom researcher would ask it.
- `kind`: "answerable"; "unanswerable" (on or off topic, the article does not say); or "false_premise"
  (the question assumes something the article contradicts or never says).
- `answers`: short gold aliases (a name, a number, a date), each found case-insensitively in `evidence`;
  empty for the other kinds, which the service must decline to answer.
- `evidence`: the supporting sentence copied verbatim from the article ("" when not answerable).
- `note` (optional): why a question cannot be answered, and what the article says instead.

The questions are asked as of `ASKED_ON`, the seed article's publication day: they were written about it
as news ("When did the refusal happen?" is answered "a few nights ago"), and asked months later the
article's "recent" and "a few nights ago" no longer hold for today (`rag.verify`'s time-word check).

`load_seed_questions` checks every line and raises ValueError naming the file and line on any problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evals.suite.datasets import REPO_ROOT, json_object, load_jsonl

DEFAULT_PATH = Path(__file__).with_name("seed_questions.jsonl")
SEED_ARTICLE = REPO_ROOT / "seeds" / "000_397e3221e5c587a0.txt"

ASKED_ON = "2026-04-01"  # the seed article's date line
KINDS = ("answerable", "unanswerable", "false_premise")
_REQUIRED = ("id", "question", "kind", "answers", "evidence")
_OPTIONAL = ("note",)


@dataclass(frozen=True)
class SeedQuestion:
    """One question about the seed article, with its gold answers and supporting sentence."""

    id: str
    question: str
    kind: str
    answers: tuple[str, ...]
    evidence: str
    note: str = ""

    @property
    def answerable(self) -> bool:
        return self.kind == "answerable"


def load_seed_questions(path: Path = DEFAULT_PATH) -> list[SeedQuestion]:
    """Every question in `path` (JSON lines; blank lines are skipped), in file order."""
    return load_jsonl(path, _parse)


def _parse(line: str, where: str) -> SeedQuestion:
    row = json_object(line, where, _REQUIRED, _OPTIONAL)
    for key in ("id", "question"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise ValueError(f"{where}: {key!r} must be a non-empty string")
    for key in ("evidence", *(k for k in _OPTIONAL if k in row)):
        if not isinstance(row[key], str):
            raise ValueError(f"{where}: {key!r} must be a string")
    kind = row["kind"]
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}; known: {', '.join(KINDS)}")
    answers = row["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise ValueError(f"{where}: 'answers' must be a list of non-empty strings")
    if kind == "answerable":
        if not answers:
            raise ValueError(f"{where}: an answerable question needs at least one answer")
        if not row["evidence"].strip():
            raise ValueError(f"{where}: an answerable question needs its evidence sentence")
    elif answers:
        raise ValueError(f"{where}: a {kind} question must have no answers")
    return SeedQuestion(
        id=row["id"],
        question=row["question"],
        kind=kind,
        answers=tuple(answers),
        evidence=row["evidence"],
        note=row.get("note", ""),
    )
