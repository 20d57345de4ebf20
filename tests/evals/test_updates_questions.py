"""The updated-story set and the disagreement scores: every line is well formed, its evidence stands on the
articles, and `rag eval` counts a flagged conflict, the latest value first and an earlier value given alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.suite import scoring, sets
from evals.suite.datasets.updates import DEFAULT_PATH, corpus_problems, load_updates_questions
from evals.suite.faithfulness import RecallScorer
from evals.suite.sets import Item
from tests.conftest import DATASETS

REALTIMEQA = DATASETS / "realtimeqa"


def test_the_set_is_small_well_formed_and_dated() -> None:
    questions = load_updates_questions()
    assert 15 <= len(questions) <= 30
    for q in questions:
        assert q.latest.published_at <= q.as_of
        assert all(r.published_at < q.latest.published_at for r in q.earlier)
        assert q.latest.answers and q.earlier_answers
        assert all(len(r.evidence) < 400 for r in (q.latest, *q.earlier)), "only short evidence sentences"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"as_of": "2024-02-01"}, "newer than the as-of date"),
        ({"answers": ["999"]}, "not in the evidence"),
        ({"earlier": []}, "non-empty list"),
        ({"id": "t01"}, "u<number><letter>"),
    ],
)
def test_bad_lines_are_refused_with_their_place(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    row = json.loads(DEFAULT_PATH.read_text(encoding="utf-8").splitlines()[7])
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(row | change) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as e:
        load_updates_questions(path)
    assert f"{path}:1" in str(e.value)


def test_an_earlier_report_may_not_give_the_latest_value(tmp_path: Path) -> None:
    row = json.loads(DEFAULT_PATH.read_text(encoding="utf-8").splitlines()[7])
    row["earlier"][0] = {**row["earlier"][0], "evidence": row["evidence"], "answers": row["answers"]}
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="gives the latest value"):
        load_updates_questions(path)


def test_the_evidence_stands_on_the_articles() -> None:
    if not any(REALTIMEQA.glob("*_gcs.jsonl.gz")):
        pytest.skip(f"RealTimeQA articles not present: no *_gcs.jsonl.gz in {REALTIMEQA}")
    evalset = sets.load_updates(REALTIMEQA)
    assert corpus_problems(load_updates_questions(), evalset.corpus) == []
    assert {i.meta["date"] for i in evalset.items} and all(i.meta["earlier"] for i in evalset.items)


# ---------------------------------------------------------------- the scores


def conflict(status: str, *values: tuple[str, list[int]]) -> dict[str, Any]:
    return {"slot": "q", "kind": "number", "status": status,
            "values": [{"value": v, "sources": [{"n": n, "value": v} for n in ns]} for v, ns in values]}  # fmt: skip


def answer(text: str, conflicts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"answer": text, "answerable": True, "sentences": [], "sources": []}
    if conflicts is not None:
        out["conflicts"] = conflicts
    return out


def score(item: Item, a: dict[str, Any]) -> dict[str, Any]:
    return scoring.score_item(item, a, [], None, {}, RecallScorer())


UPDATE = Item(
    "updates",
    "u1",
    "How many?",
    "answerable",
    ("31 people",),
    meta={"earlier": ["12 people"], "other_dates": ["12 people"]},
)  # as sets.load_updates builds it


def test_an_update_flagged_with_the_latest_first_scores_so() -> None:
    row = score(UPDATE, answer("AP reported 31 people [1]; an earlier report gave 12 people [2].",
                               [conflict("update", ("31 people", [1]), ("12 people", [2]))]))  # fmt: skip
    assert (row["update_flagged"], row["latest_first"], row["stale_unflagged"]) == (True, True, False)
    upside_down = score(UPDATE, answer("...", [conflict("disagreement", ("12 people", [1]), ("31 people", [2]))]))
    assert (upside_down["update_flagged"], upside_down["latest_first"]) == (True, False)


def test_an_earlier_value_given_alone_is_stale_and_unflagged() -> None:
    row = score(UPDATE, answer("12 people died [1].", []))
    assert (row["update_flagged"], row["latest_first"], row["stale_unflagged"]) == (False, False, True)
    assert row["confidently_wrong"] is True
    latest = score(UPDATE, answer("31 people died [1].", []))
    assert (latest["latest_first"], latest["stale_unflagged"]) == (True, False)


RGB = Item("rgb", "r1", "Where?", "counterfactual", ("Tampa, Florida",), false_answers=("Glendale, Arizona",))


def test_rgb_counts_a_flag_from_the_conflicts_structure_when_the_answer_has_one() -> None:
    flagged = score(RGB, answer("The sources disagree: ...", [conflict("disagreement", ("Tampa, Florida", [1]),
                                                                       ("Glendale, Arizona", [2]))]))  # fmt: skip
    assert flagged["flags_conflict"] and not flagged["repeats_false_unflagged"]
    repeated = score(RGB, answer("It was played in Glendale, Arizona [1].", []))
    assert repeated["repeats_false"] and not repeated["flags_conflict"] and repeated["repeats_false_unflagged"]
    # Another system's answer (no structure) is read by its words, as before.
    worded = score(RGB, answer("Sources contradict each other: Glendale, Arizona or Tampa, Florida [1][2]."))
    assert worded["flags_conflict"]


def test_every_set_reports_the_share_of_answers_with_conflicts() -> None:
    rows = [score(UPDATE, answer("31 people [1].", [])), score(UPDATE, answer("x", [conflict("update",
            ("31 people", [1]), ("12 people", [2]))]))]  # fmt: skip
    summary = scoring.summarise(rows)
    assert summary["conflicts"] == {"answered": 2, "with_conflicts": 1, "rate": 0.5,
                                    "by_status": {"update": 1, "minority": 0, "disagreement": 0}}  # fmt: skip
    assert summary["updates"]["update_flagged"] == 0.5
