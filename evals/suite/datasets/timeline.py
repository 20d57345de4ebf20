"""The project's own question set on running stories, where the right answer depends on the as-of date.

`timeline_questions.jsonl` holds one JSON object a line, written by hand for this repository from the
RealTimeQA `_gcs` articles (several weeks of one story: a delegate count, a death toll, a fire's acreage,
an office holder, the latest primary):

- `id`: unique; questions of one group share a stem and differ by a final letter ("t03a", "t03b"): the
  same question asked at different as-of dates, with a different right answer at each;
- `question`; `as_of`: the day it is asked at (YYYY-MM-DD);
- `answers`: short gold aliases, each found case-insensitively in `evidence`;
- `evidence`: the sentence that holds the answer, verbatim from the article at `article_url`, which was
  published on `published_at` (YYYY-MM-DD), on or before `as_of`;
- `kind`: `changes` (a plain present-tense question whose answer changed over time), `latest` (asked
  with "latest", "so far", "this week", "currently", "most recently"), `period` (names a period,
  "in February 2022", "last month", while newer, different facts exist before the as-of date) or
  `before` (the answer stands only in an article older than a newer, different one that the as-of
  date excludes);
- `note`: why the date matters (what the other dates' answers are).

`load_timeline_questions` checks every line and raises ValueError naming the file and line on any
problem; `corpus_problems` checks the evidence against the articles themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from evals.suite.datasets import json_object, load_jsonl
from evals.suite.datasets.realtimeqa import normalise
from evals.suite.metrics import contains_answer
from rag.types import Article

DEFAULT_PATH = Path(__file__).with_name("timeline_questions.jsonl")

KINDS = ("changes", "latest", "period", "before")
_FIELDS = ("id", "question", "as_of", "answers", "evidence", "article_url", "published_at", "kind", "note")
_ID = re.compile(r"^(?P<group>t\d+)(?P<member>[a-z]?)$")


@dataclass(frozen=True)
class TimelineQuestion:
    """One question of the timeline set, asked at `as_of`, with the sentence that answers it then."""

    id: str
    question: str
    as_of: str
    answers: tuple[str, ...]
    evidence: str
    article_url: str
    published_at: str
    kind: str
    note: str

    @property
    def group(self) -> str:
        """The id without its member letter: questions of one group are one question at several dates."""
        match = _ID.match(self.id)
        return match["group"] if match else self.id


def load_timeline_questions(path: Path = DEFAULT_PATH) -> list[TimelineQuestion]:
    """Every question in `path` (JSON lines; blank lines skipped), in file order, checked line by line and
    as groups (at least two members, each at its own date, with answers that share no alias)."""
    questions = load_jsonl(path, _parse)
    for group, members in groups(questions).items():
        if len(members) == 1 and members[0].id != group:
            raise ValueError(f"{path}: {members[0].id} is the only member of group {group}")
        if len(members) > 1 and (problem := _group_problem(members)):
            raise ValueError(f"{path}: group {group}: {problem}")
    return questions


def groups(questions: Iterable[TimelineQuestion]) -> dict[str, list[TimelineQuestion]]:
    """Questions by group, in file order; a question without a member letter is a group of one."""
    out: dict[str, list[TimelineQuestion]] = {}
    for q in questions:
        out.setdefault(q.group, []).append(q)
    return out


def other_answers(question: TimelineQuestion, questions: Iterable[TimelineQuestion]) -> list[str]:
    """The gold aliases of the other members of `question`'s group: the answers at the other dates."""
    return [a for q in questions if q.group == question.group and q.id != question.id for a in q.answers]


def corpus_problems(questions: Iterable[TimelineQuestion], corpus: Mapping[str, Article]) -> list[str]:
    """What does not stand on the articles: for each question, its evidence sentence must occur (after
    normalising case, quotes and spaces) in an article of `corpus` published on or before its as-of date,
    and its `article_url` must be such an article. Returns one line per problem, empty when none."""
    by_url: dict[str, list[Article]] = {}
    for article in corpus.values():
        by_url.setdefault(article.url, []).append(article)
    bodies = [(a.published_at[:10], normalise(a.body)) for a in corpus.values() if a.published_at]
    problems = []
    for q in questions:
        sentence = normalise(q.evidence)
        own = [a for a in by_url.get(q.article_url, []) if sentence in normalise(a.body)]
        if not own:
            problems.append(f"{q.id}: the evidence is not in {q.article_url}")
        elif not any(a.published_at[:10] == q.published_at for a in own):
            problems.append(f"{q.id}: {q.article_url} is not dated {q.published_at}")
        if not any(day and day <= q.as_of and sentence in body for day, body in bodies):
            problems.append(f"{q.id}: no article published on or before {q.as_of} holds the evidence")
    return problems


def _parse(line: str, where: str) -> TimelineQuestion:
    row = json_object(line, where, _FIELDS)
    for key in ("id", "question", "evidence", "article_url", "note"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise ValueError(f"{where}: {key!r} must be a non-empty string")
    if not _ID.match(row["id"]):
        raise ValueError(f"{where}: id {row['id']!r} is not t<number> with an optional member letter")
    for key in ("as_of", "published_at"):
        if not _is_date(row[key]):
            raise ValueError(f"{where}: {key!r} must be a date (YYYY-MM-DD), got {row[key]!r}")
    if row["published_at"] > row["as_of"]:
        raise ValueError(f"{where}: the article ({row['published_at']}) is newer than the as-of date ({row['as_of']})")
    if row["kind"] not in KINDS:
        raise ValueError(f"{where}: unknown kind {row['kind']!r}; known: {', '.join(KINDS)}")
    answers = row["answers"]
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a.strip() for a in answers):
        raise ValueError(f"{where}: 'answers' must be a non-empty list of non-empty strings")
    if missing := [a for a in answers if normalise(a) not in normalise(row["evidence"])]:
        raise ValueError(f"{where}: answer(s) not in the evidence sentence: {', '.join(missing)}")
    return TimelineQuestion(
        id=row["id"],
        question=row["question"],
        as_of=row["as_of"],
        answers=tuple(answers),
        evidence=row["evidence"],
        article_url=row["article_url"],
        published_at=row["published_at"],
        kind=row["kind"],
        note=row["note"],
    )


def _group_problem(members: list[TimelineQuestion]) -> str:
    """Why a group is not one question at several dates with different answers ("" when it is)."""
    if len({q.question for q in members}) > 1:
        return "its members ask different questions"
    if len({q.as_of for q in members}) < len(members):
        return "two members share an as-of date"
    for i, q in enumerate(members):
        for other in members[i + 1 :]:
            # as the scoring reads answers: one alias contained in another counts as the same answer
            same = [a for a in q.answers if contains_answer(a, other.answers) or any(
                contains_answer(b, [a]) for b in other.answers)]  # fmt: skip
            if same:
                return f"{q.id} and {other.id} share the answer {same[0]!r}"
    return ""


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
