"""The timeline question set: every line is well formed, its gold answers stand on an article published on
or before its as-of date, and the questions of a group have a different right answer at each date."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from evals.suite import sets
from evals.suite.config import RunConfig
from evals.suite.datasets.timeline import (
    DEFAULT_PATH,
    KINDS,
    TimelineQuestion,
    corpus_problems,
    groups,
    load_timeline_questions,
)
from evals.suite.metrics import contains_answer
from evals.suite.scoring import wrong_choices
from rag.text import split_sentences
from tests.conftest import DATASETS

REALTIMEQA = DATASETS / "realtimeqa"
FIELDS = ("id", "question", "as_of", "answers", "evidence", "article_url", "published_at", "kind", "note")


@pytest.fixture(scope="module")
def questions() -> list[TimelineQuestion]:
    return load_timeline_questions()


@pytest.fixture(scope="module")
def evalset() -> sets.EvalSet:
    if not any(REALTIMEQA.glob("*_gcs.jsonl.gz")):
        pytest.skip(f"RealTimeQA articles not present: no *_gcs.jsonl.gz in {REALTIMEQA}")
    return sets.load_timeline(REALTIMEQA)


def test_every_line_has_every_field() -> None:
    rows = [json.loads(line) for line in DEFAULT_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert 24 <= len(rows) <= 40
    assert all(tuple(row) == FIELDS for row in rows)


def test_fields_are_well_formed(questions: list[TimelineQuestion]) -> None:
    for q in questions:
        assert date.fromisoformat(q.as_of).isoformat() == q.as_of
        assert date.fromisoformat(q.published_at) <= date.fromisoformat(q.as_of), q.id
        assert q.kind in KINDS and q.question.strip() and q.note.strip() and q.article_url.startswith("http")
        assert q.answers and all(len(a.split()) <= 4 for a in q.answers), q.id
    ids = [q.id for q in questions]
    assert len(set(ids)) == len(ids)


def test_every_gold_alias_occurs_in_its_evidence(questions: list[TimelineQuestion]) -> None:
    bad = [(q.id, a) for q in questions for a in q.answers if a.lower() not in q.evidence.lower()]
    assert not bad, f"aliases missing from their evidence: {bad}"


def test_the_required_mix(questions: list[TimelineQuestion]) -> None:
    pairs = [g for g in groups(questions).values() if len(g) > 1]
    assert len(pairs) >= 8
    kinds = Counter(q.kind for q in questions)
    assert kinds["latest"] >= 3 and kinds["period"] >= 3 and kinds["before"] >= 1
    phrased = [q for q in questions if any(w in q.question.lower() for w in ("latest", "so far", "this week"))]
    assert len(phrased) >= 3


def test_each_group_asks_one_question_with_a_different_answer_at_each_date(questions: list[TimelineQuestion]) -> None:
    for members in (g for g in groups(questions).values() if len(g) > 1):
        assert len({q.question for q in members}) == 1
        assert len({q.as_of for q in members}) == len(members)
        for q in members:
            for other in members:
                if other is not q:
                    assert not any(contains_answer(a, other.answers) for a in q.answers), (q.id, other.id)


def test_a_malformed_line_is_refused_with_its_place(tmp_path: Path, questions: list[TimelineQuestion]) -> None:
    row = {k: getattr(questions[0], k) for k in FIELDS} | {"answers": list(questions[0].answers), "id": "t99"}
    path = tmp_path / "q.jsonl"
    for change, message in [
        ({"as_of": "2024-13-01"}, "must be a date"),
        ({"as_of": "2020-01-01"}, "newer than the as-of date"),
        ({"answers": ["not in it"]}, "not in the evidence"),
        ({"kind": "soon"}, "unknown kind"),
        ({"id": "t99a"}, "only member"),
    ]:
        path.write_text(json.dumps(row | change) + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match=message) as info:
            load_timeline_questions(path)
        assert f"{path}" in str(info.value)
    same = [row | {"id": "t99a"}, row | {"id": "t99b", "as_of": "2024-12-31"}]
    path.write_text("\n".join(json.dumps(r) for r in same) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="share the answer"):
        load_timeline_questions(path)


def test_evidence_stands_on_an_article_published_by_the_as_of_date(
    questions: list[TimelineQuestion], evalset: sets.EvalSet
) -> None:
    assert corpus_problems(questions, evalset.corpus) == []


def test_evidence_is_one_whole_sentence_of_its_article(
    questions: list[TimelineQuestion], evalset: sets.EvalSet
) -> None:
    by_url = {a.url: a for a in evalset.corpus.values()}
    for q in questions:
        body = by_url[q.article_url].body
        assert q.evidence in {body[s:e] for s, e in split_sentences(body)}, q.id


def test_the_set_loads_with_as_of_dates_the_runner_asks_at(
    questions: list[TimelineQuestion], evalset: sets.EvalSet
) -> None:
    assert [i.id for i in evalset.items] == [q.id for q in questions]
    assert len(evalset.corpus) > 2000  # every RealTimeQA article, not only the evidence ones
    config = RunConfig(sets=["timeline"], data=DATASETS, out=Path("unused"))
    for item, q in zip(evalset.items, questions, strict=True):
        assert item.kind == "answerable" and item.answers == q.answers and item.evidence == (q.evidence,)
        assert config.as_of_for(item.meta["date"]) == q.as_of
        others = {a for o in questions if o.group == q.group and o is not q for a in o.answers}
        assert set(wrong_choices(item)) == others
    sample = sets.load("timeline", DATASETS, limit=5, seed=1)
    assert len(sample.items) == 5 and len(sample.corpus) == len(evalset.corpus)
    assert sets.missing_reason("timeline", DATASETS) is None


def test_the_set_is_skipped_with_a_reason_without_the_articles(tmp_path: Path) -> None:
    assert sets.missing_reason("timeline", tmp_path) == f"no *_gcs.jsonl.gz files in {tmp_path / 'realtimeqa'}"
