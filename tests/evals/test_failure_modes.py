"""The answer metrics that say how an answer fails: canonical containment, confidently wrong, declines by
cause, wrong-but-verified and stale citations, answer@k."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.suite import metrics as m
from evals.suite.faithfulness import RecallScorer
from evals.suite.scoring import STALE_DAYS, score_item, summarise
from evals.suite.sets import Item


@pytest.mark.parametrize(
    ("answer", "gold", "found"),
    [
        ("It lasted five years [1].", "5 years", True),
        ("It lasted 5 years.", "Five years", True),
        ("The US Postal Service raised prices.", "United States Postal Service", True),
        ("The U.S. Postal Service raised prices.", "United States Postal Service", True),
        ("She finished third.", "3rd", True),
        ("About 10,000 people came.", "10000", True),
        ("Turnout was 19 percent.", "19%", True),
        ("Turnout was 19 per cent.", "19%", True),
        ("67% have had the latest COVID-19 vaccine.", "19%", False),  # a percentage, not any 19
        ("The Eagles won.", "Eagles", True),
        ("Tell us more about it.", "United States", False),  # "us", the pronoun
        ("It lasted fifty years.", "5 years", False),
        ("Humphries won.", "Luke Humphries", False),  # a surname alone is not the name
        ("Vladimir Putin won a fifth term.", "Russian President Vladimir Putin", True),  # the name, untitled
        ("Nicole Shanahan joined him.", "Attorney and tech entrepreneur Nicole Shanahan", True),
        ("Putin won a fifth term.", "Russian President Vladimir Putin", False),
        ("Edvard Munch painted it.", "The Scream by Edvard Munch", False),  # the painter is not the painting
        ("New York Mellon fell.", "Bank of New York Mellon", False),
        ("India's Prime Minister spoke.", "the Prime Minister of India", False),
    ],
)
def test_canonical_containment(answer: str, gold: str, found: bool) -> None:
    assert m.contains_answer(answer, [gold]) is found


def test_naming_a_wrong_choice_and_not_the_right_one_is_confidently_wrong() -> None:
    choices = ["Rob Cross", "Michael van Gerwen", "Scott Williams"]
    assert m.names_wrong_choice("Rob Cross won the final [1].", ["Luke Humphries"], choices)
    assert not m.names_wrong_choice("Luke Humphries beat Rob Cross [1].", ["Luke Humphries"], choices)
    assert not m.names_wrong_choice("The final was held in London [1].", ["Luke Humphries"], choices)
    running_mates = ["Attorney and tech entrepreneur Nicole Shanahan", "NFL quarterback Aaron Rodgers"]
    assert m.names_wrong_choice("Vice President Aaron Rodgers [1].", running_mates[:1], running_mates[1:])


def item(**meta: Any) -> Item:
    return Item("realtimeqa", "q1", "Who won the darts final this week?", "answerable", ("Luke Humphries",), meta=meta)


def answer(text: str, answerable: bool = True, published: str = "2024-01-04", reason: str | None = None) -> dict:
    sentences = [{"text": text, "citations": [1], "verdict": "supported", "support": 0.9}] if answerable else []
    sources = [{"n": 1, "article_id": "a", "chunk_id": "a:0", "quote": text, "start": 0, "end": 5,
                "published_at": published}] if answerable else []  # fmt: skip
    return {"answer": text, "answerable": answerable, "abstain_reason": reason, "sentences": sentences,
            "sources": sources, "timings": {}, "usage": {}}  # fmt: skip


def passage(text: str) -> dict:
    return {"chunk_id": "a:0", "article_id": "a", "published_at": "2024-01-04", "text": text, "duplicates": []}


def row(ans: dict, shown: list[dict], **meta: Any) -> dict:
    choices = meta.pop("choices", ["Luke Humphries", "Rob Cross", "Scott Williams", "Michael Smith"])
    it = item(date="2024/01/05", choices=choices, **meta)
    return score_item(it, ans, shown, shown, {}, RecallScorer(), as_of="2024-01-05")


def test_rows_and_summary_name_each_failure_mode() -> None:
    right = row(answer("Luke Humphries won the final [1]."), [passage("Luke Humphries won the final.")])
    wrong = row(answer("Rob Cross won the final [1]."), [passage("Rob Cross won the final.")])
    stale = row(answer("Scott Williams won [1].", published="2023-01-02"), [passage("Scott Williams won.")])
    missed = row(answer("", answerable=False, reason="insufficient_support"), [passage("Nothing about it.")])
    gated = row(answer("", answerable=False, reason="insufficient_support"), [passage("Luke Humphries won.")])
    assert right["contains_gold"] and right["answer_rank"] == 1 and right["time_phrased"]
    assert wrong["confidently_wrong"] and not wrong["contains_gold"]
    assert stale["cited_age_days"] == [368] and STALE_DAYS < 368
    assert missed["gold_in_shown"] is False and gated["gold_in_shown"] is True
    s = summarise([right, wrong, stale, missed, gated])["answers"]
    assert s["containment"] == pytest.approx(0.2) and s["answered"] == 3
    assert s["wrong_but_verified"] == 2 and s["wrong_but_verified_stale"] == 1
    assert s["confidently_wrong"] == 2 and s["confidently_wrong_of_answered"] == pytest.approx(0.667)
    assert s["declined_by_cause"] == {"retrieval": 1, "gate": 1}
    assert s["declined_by_reason"] == {"insufficient_support": {"retrieval": 1, "gate": 1}}
    retrieval = summarise([right, wrong, stale, missed, gated])["answer_retrieval"]
    assert retrieval["answer@1"] == pytest.approx(0.4) and retrieval["answer@shown"] == pytest.approx(0.4)


def test_an_answer_is_scored_without_the_dates_put_before_it() -> None:
    # the dating names 4 January: a question whose gold is "4" is not answered by it
    dated = answer("As of 5 January 2024 (reports of 4 January 2024): Rob Cross won the final [1].")
    it = Item("realtimeqa", "q2", "How many sets did he win?", "answerable", ("4",), meta={"date": "2024/01/05"})
    scored = score_item(it, dated, [], [], {}, RecallScorer(), as_of="2024-01-05")
    assert scored["answer"] == dated["answer"] and scored["contains_gold"] is False
    won = answer("As of 5 January 2024 (reports of 4 January 2024): He won 4 sets [1].")
    assert score_item(it, won, [], [], {}, RecallScorer(), as_of="2024-01-05")["contains_gold"] is True


def test_two_runs_side_by_side() -> None:
    from evals.suite.compare import report

    right = row(answer("Luke Humphries won the final [1]."), [passage("Luke Humphries won the final.")])
    wrong = row(answer("Rob Cross won the final [1]."), [passage("Rob Cross won the final.")])
    before = {"sets": {"realtimeqa": {"rows": [wrong]}}}
    after = {"sets": {"realtimeqa": {"rows": [right]}}}
    text = report(before, after, "realtimeqa", 5)
    assert "| containment | 0.000 | 1.000 |" in text
    assert "| confidently wrong (names a wrong choice) | 1 | 0 |" in text
    assert "before — wrong: Rob Cross won the final [1]." in text and "after — right: Luke Humphries" in text


def test_a_comparison_can_leave_out_the_questions_of_another_run(tmp_path: Path) -> None:
    from evals.suite.compare import main

    right = row(answer("Luke Humphries won the final [1]."), [passage("Luke Humphries won the final.")])
    wrong = row(answer("Rob Cross won the final [1]."), [passage("Rob Cross won the final.")])
    other = {**wrong, "id": "q2"}
    files = {}
    for name, rows in (("before", [wrong, other]), ("after", [right, other]), ("chosen_on", [right])):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps({"sets": {"realtimeqa": {"rows": rows}}}), encoding="utf-8")
    out = tmp_path / "report.md"
    args = [str(files["before"]), str(files["after"]), "--out", str(out)]
    assert main([*args, "--without", str(files["chosen_on"])]) == 0
    assert "1 questions in both runs" in out.read_text() and "| containment | 0.000 | 0.000 |" in out.read_text()
    assert main(args) == 0 and "2 questions in both runs" in out.read_text()
