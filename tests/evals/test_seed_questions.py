"""The hand-written question set about the seed article: it loads, and its gold answers stand on the article."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.suite.datasets.seed_set import DEFAULT_PATH, KINDS, SEED_ARTICLE, SeedQuestion, load_seed_questions
from tests.conftest import SEED


@pytest.fixture(scope="module")
def questions() -> list[SeedQuestion]:
    return load_seed_questions()


def test_shipped_file_loads_in_id_order(questions: list[SeedQuestion]) -> None:
    assert DEFAULT_PATH.name == "seed_questions.jsonl"
    assert [q.id for q in questions] == [f"s{n:02d}" for n in range(1, len(questions) + 1)]
    assert all(q.kind in KINDS for q in questions)


def test_seed_article_path_is_the_seed() -> None:
    assert SEED.resolve() == SEED_ARTICLE
    assert SEED_ARTICLE.is_file()


def test_enough_questions_of_each_kind(questions: list[SeedQuestion]) -> None:
    kinds = Counter(q.kind for q in questions)
    assert len(questions) >= 30
    assert len(questions) - kinds["answerable"] >= 8
    assert kinds["answerable"] >= 20
    assert kinds["false_premise"] >= 5
    assert kinds["unanswerable"] >= 3


def test_ids_and_questions_are_unique(questions: list[SeedQuestion]) -> None:
    ids = [q.id for q in questions]
    assert len(set(ids)) == len(ids)
    texts = [q.question.strip().lower() for q in questions]
    assert len(set(texts)) == len(texts)


def test_evidence_is_verbatim_from_the_article(questions: list[SeedQuestion]) -> None:
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    missing = [q.id for q in questions if q.answerable and q.evidence not in article]
    assert not missing, f"evidence not found verbatim in the seed article: {missing}"


def test_every_gold_alias_occurs_in_its_evidence(questions: list[SeedQuestion]) -> None:
    bad = [(q.id, a) for q in questions for a in q.answers if a.lower() not in q.evidence.lower()]
    assert not bad, f"aliases missing from their evidence: {bad}"


def test_answers_are_short(questions: list[SeedQuestion]) -> None:
    long = [(q.id, a) for q in questions for a in q.answers if len(a.split()) > 5]
    assert not long, f"gold answers should be short strings: {long}"


def test_non_answerable_questions_explain_why(questions: list[SeedQuestion]) -> None:
    for q in questions:
        if q.answerable:
            assert not q.note, q.id
        else:
            assert q.answers == () and q.evidence == "", q.id
            assert q.note.strip(), f"{q.id} needs a note saying why it cannot be answered"


def test_the_canonical_question_is_there(questions: list[SeedQuestion]) -> None:
    (q,) = [q for q in questions if q.question == "Who confirmed the refusal?"]
    assert q.answerable and {"Guido Crosetto", "Crosetto"} <= set(q.answers)


def test_file_is_utf8_without_ascii_escapes() -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert not re.search(r"\\u[0-9a-fA-F]{4}", text)
    assert text.endswith("\n")


GOOD = {"id": "a1", "question": "Who?", "kind": "answerable", "answers": ["Crosetto"], "evidence": "Crosetto said."}


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ('{"id": "a2", "question": "Who?",', "invalid JSON"),
        ('["a2", "Who?"]', "JSON object"),
        (json.dumps({**GOOD, "id": "a2", "kind": "opinion"}), "unknown kind"),
        (json.dumps(GOOD), "duplicate id"),
        (json.dumps({**GOOD, "id": "a2", "evidence": ""}), "evidence"),
        (json.dumps({**GOOD, "id": "a2", "answers": []}), "at least one answer"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "question"} | {"id": "a2"}), "missing key"),
        (json.dumps({**GOOD, "id": "a2", "kind": "false_premise", "evidence": ""}), "must have no answers"),
        (json.dumps({**GOOD, "id": "a2", "answer": ["x"]}), "unknown key"),
    ],
    ids=["invalid-json", "not-object", "unknown-kind", "duplicate-id", "no-evidence", "no-answers", "missing-key",
         "false-premise-with-answers", "unknown-key"],
)  # fmt: skip
def test_loader_rejects_bad_lines_naming_file_and_line(tmp_path: Path, second_line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + second_line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        load_seed_questions(path)
    assert f"{path}:2:" in str(info.value)


def test_loader_accepts_a_minimal_good_file(tmp_path: Path) -> None:
    path = tmp_path / "good.jsonl"
    unanswerable = {"id": "a2", "question": "Why?", "kind": "unanswerable", "answers": [], "evidence": "", "note": "n"}
    path.write_text(json.dumps(GOOD) + "\n\n" + json.dumps(unanswerable) + "\n", encoding="utf-8")
    loaded = load_seed_questions(path)
    assert [q.id for q in loaded] == ["a1", "a2"]
    assert loaded[0].answerable and loaded[0].answers == ("Crosetto",)
    assert not loaded[1].answerable and loaded[1].note == "n"


def test_seed_eval_replays_recorded_drafts_through_the_current_verification(tmp_path: Path) -> None:
    """`evals.seed_eval --replay` answers with an earlier run's drafts; verification runs on them as usual."""
    from evals import seed_eval

    recorded = tmp_path / "earlier.json"
    drafts = {"s01": "Guido Crosetto confirmed the refusal [1].", "s29": "NOT STATED"}
    recorded.write_text(json.dumps({"rows": [{"id": k, "draft": v} for k, v in drafts.items()]}))
    out = tmp_path / "now.json"
    env = {"RAG_EMBED__MODEL": "fake-hash", "RAG_VERIFY__JUDGE": "overlap"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        args = ["--generator", "extractive", "--replay", str(recorded), "--ids", "s01", "s29", "--out", str(out)]
        assert seed_eval.main(args) == 0
    rows = {r["id"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows["s01"]["draft"] == drafts["s01"] and rows["s01"]["contains_gold"]
    assert rows["s29"]["draft"] == "NOT STATED" and not rows["s29"]["answerable"]
