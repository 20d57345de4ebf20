"""The project's "updated story" set: questions on running stories asked at a date when the archive holds both
the latest figure (or office holder) and earlier, different ones. The right answer gives the latest first and
says that earlier reports gave other values (`rag.conflicts`, status `update`).

`updates_questions.jsonl` holds one JSON object a line, written by hand for this repository from the RealTimeQA
`_gcs` articles (several weeks of one story: refugees leaving Ukraine, the Smokehouse Creek fire's acreage,
the Gaza death toll, delegate counts, an inflation figure, office holders):

- `id`: unique, `u<number><letter>`; `question`; `as_of`: the day it is asked at (YYYY-MM-DD);
- `answers`: short aliases of the latest value, each found in `evidence` (as the scoring reads answers);
- `evidence`: the sentence that gives it, verbatim from the article at `article_url`, published on
  `published_at` (on or before `as_of`);
- `earlier`: the values earlier reports gave, each `{answers, evidence, article_url, published_at}` like the
  latest, published before it, with no alias in common with it;
- `note`: the story in a line.

Only these short evidence sentences come from the articles. `load_updates_questions` checks every line and
raises ValueError naming the file and line; `corpus_problems` checks the evidence against the articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from evals.suite.datasets import json_object, load_jsonl
from evals.suite.datasets.realtimeqa import normalise
from evals.suite.metrics import contains_answer
from rag.types import Article

DEFAULT_PATH = Path(__file__).with_name("updates_questions.jsonl")

_FIELDS = ("id", "question", "as_of", "answers", "evidence", "article_url", "published_at", "earlier", "note")
_REPORT_FIELDS = ("answers", "evidence", "article_url", "published_at")
_ID = re.compile(r"^u\d+[a-z]$")


@dataclass(frozen=True)
class Report:
    """One report of the story: the value it gave (`answers`), in the sentence `evidence` of the article at
    `article_url`, published on `published_at`."""

    answers: tuple[str, ...]
    evidence: str
    article_url: str
    published_at: str


@dataclass(frozen=True)
class UpdateQuestion:
    """A question asked at `as_of`: `latest` is the answer then, `earlier` the values it replaced."""

    id: str
    question: str
    as_of: str
    latest: Report
    earlier: tuple[Report, ...]
    note: str

    @property
    def earlier_answers(self) -> list[str]:
        return [a for r in self.earlier for a in r.answers]


def load_updates_questions(path: Path = DEFAULT_PATH) -> list[UpdateQuestion]:
    """Every question in `path` (JSON lines; blank lines skipped), in file order, each line checked."""
    questions = load_jsonl(path, _parse)
    return questions


def corpus_problems(questions: Iterable[UpdateQuestion], corpus: Mapping[str, Article]) -> list[str]:
    """What does not stand on the articles: every evidence sentence (the latest and the earlier ones) must occur,
    after normalising case, quotes and spaces, in the article at its `article_url`, published on its date."""
    by_url: dict[str, list[Article]] = {}
    for article in corpus.values():
        by_url.setdefault(article.url, []).append(article)
    problems = []
    for q in questions:
        for name, report in (("latest", q.latest), *((f"earlier {r.published_at}", r) for r in q.earlier)):
            sentence = normalise(report.evidence)
            own = [a for a in by_url.get(report.article_url, []) if sentence in normalise(a.body)]
            if not own:
                problems.append(f"{q.id} ({name}): the evidence is not in {report.article_url}")
            elif not any(a.published_at[:10] == report.published_at for a in own):
                problems.append(f"{q.id} ({name}): {report.article_url} is not dated {report.published_at}")
    return problems


def _parse(line: str, where: str) -> UpdateQuestion:
    row = json_object(line, where, _FIELDS)
    for key in ("id", "question", "note"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise ValueError(f"{where}: {key!r} must be a non-empty string")
    if not _ID.match(row["id"]):
        raise ValueError(f"{where}: id {row['id']!r} is not u<number><letter>")
    if not _is_date(row["as_of"]):
        raise ValueError(f"{where}: 'as_of' must be a date (YYYY-MM-DD), got {row['as_of']!r}")
    latest = _report(row, where, "the latest report")
    if latest.published_at > row["as_of"]:
        raise ValueError(f"{where}: the latest report ({latest.published_at}) is newer than the as-of date")
    if not isinstance(row["earlier"], list) or not row["earlier"]:
        raise ValueError(f"{where}: 'earlier' must be a non-empty list of reports")
    earlier = tuple(_report(r, where, f"earlier report {i}") for i, r in enumerate(row["earlier"], 1))
    for i, report in enumerate(earlier, 1):
        if report.published_at >= latest.published_at:
            raise ValueError(f"{where}: earlier report {i} ({report.published_at}) is not older than the latest")
        if shared := [a for a in report.answers if contains_answer(a, latest.answers) or contains_answer(
                latest.answers[0], [a])]:  # fmt: skip
            raise ValueError(f"{where}: earlier report {i} gives the latest value ({shared[0]!r})")
    return UpdateQuestion(row["id"], row["question"], row["as_of"], latest, earlier, row["note"])


def _report(row: Any, where: str, what: str) -> Report:
    if not isinstance(row, dict):
        raise ValueError(f"{where}: {what} must be an object")
    if missing := [k for k in _REPORT_FIELDS if k not in row]:
        raise ValueError(f"{where}: {what} lacks {', '.join(missing)}")
    answers = row["answers"]
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a.strip() for a in answers):
        raise ValueError(f"{where}: {what}: 'answers' must be a non-empty list of non-empty strings")
    for key in ("evidence", "article_url"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise ValueError(f"{where}: {what}: {key!r} must be a non-empty string")
    if not _is_date(row["published_at"]):
        raise ValueError(f"{where}: {what}: 'published_at' must be a date (YYYY-MM-DD)")
    if missing := [a for a in answers if not contains_answer(row["evidence"], [a])]:
        raise ValueError(f"{where}: {what}: answer(s) not in the evidence sentence: {', '.join(missing)}")
    return Report(tuple(answers), row["evidence"], row["article_url"], row["published_at"])


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
