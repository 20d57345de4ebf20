"""experiments.retrieval_variants: the pure helpers behind the variant table (fusion, article cap, budget, windows)."""

from __future__ import annotations

import pytest

from experiments.retrieval_variants import one_per_article_first, rrf, widen, within_budget


def test_rrf_weights_ranks_and_breaks_ties_by_row() -> None:
    fused = rrf([(1.0, [7, 3]), (1.0, [3, 9])], constant=0)
    assert fused == [(3, pytest.approx(1 / 2 + 1)), (7, 1.0), (9, 0.5)]
    assert [row for row, _ in rrf([(1.0, [5]), (1.0, [4])], constant=60)] == [4, 5]  # equal scores: by row
    assert [row for row, _ in rrf([(3.0, [1, 2]), (1.0, [2, 1])], constant=1)] == [1, 2]


def test_one_per_article_first_keeps_rank_order_within_each_pass() -> None:
    article = {1: "a", 2: "a", 3: "b", 4: "c", 5: "b"}.__getitem__
    assert one_per_article_first([1, 2, 3, 4, 5], article) == [1, 3, 4, 2, 5]


def test_within_budget_stops_at_the_first_result_that_does_not_fit() -> None:
    results = [("x", 40), ("y", 50), ("z", 5)]
    assert within_budget(results, 95) == [("x", 40), ("y", 50), ("z", 5)]
    assert within_budget(results, 60) == [("x", 40)]  # "z" would fit, but results stay a prefix
    assert within_budget(results, 10) == []


def test_widen_moves_what_one_side_cannot_take_to_the_other() -> None:
    assert widen("0123456789" * 3, 10, 15, 3) == (7, 18)
    assert widen("0123456789" * 3, 1, 4, 3) == (0, 9)  # 1 char before instead of 3: 2 more after
    assert widen("0123456789", 2, 8, 50) == (0, 10)
