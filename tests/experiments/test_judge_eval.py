"""experiments.judge_eval: the metrics at a threshold, the tuned threshold, the score cache and what the checks read."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.suite.datasets.judge_sets import Pair
from experiments.judge_eval import Cache, at_threshold, checked_evidence, tune_threshold


def test_eval_metrics() -> None:
    labels = [True, True, False, False]
    m = at_threshold([0.9, 0.8, 0.1, 0.85], labels, 0.82)
    assert m["balanced_accuracy"] == 0.5 * (0.5 + 0.5) and m["unsupported_recall"] == 0.5
    assert tune_threshold([0.9, 0.8, 0.1, 0.2], labels) == pytest.approx(0.5)


def test_a_pair_read_through_another_window_is_scored_again(tmp_path: Path) -> None:
    calls: list[str] = []

    def score(pair: Pair) -> dict[str, float]:
        calls.append(pair.claim)
        return {"p": 0.5, "seconds": 0.0}

    cache = Cache(tmp_path / "scores.jsonl")
    pair = Pair("Intel got $8.5 billion.", "A long passage about grants.", True, "wice")
    cache.get_or_score("llm:window", pair, score, read="about grants")
    cache.get_or_score("llm:window", pair, score, read="about grants")
    assert len(calls) == 1  # the same window: cached
    cache.get_or_score("llm:window", pair, score, read="about grants … Intel")
    assert len(calls) == 2  # another window is another score
    assert len(Cache(tmp_path / "scores.jsonl").rows) == 2  # and both are on disk


def test_with_window_evidence_the_checks_read_the_window() -> None:
    filler = " ".join(f"Filler sentence number {i} about nothing." for i in range(30))
    pair = Pair(
        "The House voted for the ban.", f"The vote was 352-65. {filler} The House voted for the ban.", True, "x"
    )
    assert checked_evidence(pair, "full") == pair.evidence
    assert "352-65" not in checked_evidence(pair, "window")
