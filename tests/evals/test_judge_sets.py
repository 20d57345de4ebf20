"""evals.suite.datasets.judge_sets: the human-labelled support sets load with both labels, and are sampled as told."""

from __future__ import annotations

import pytest

from evals.suite.datasets.judge_sets import FILES, Pair, load_set, sample_pairs
from tests.conftest import DATASETS

JUDGE_DIR = DATASETS / "judge"


@pytest.mark.parametrize(
    ("name", "size"),
    [("wice", 1043), ("factcheckgpt", 3305), ("summedits_podcast", 500), ("summedits_scitldr", 466)],
)
def test_judge_sets_load_with_both_labels(name: str, size: int) -> None:
    if not (JUDGE_DIR / FILES[name]).exists():
        pytest.skip(f"dataset file {JUDGE_DIR / FILES[name]} is absent")
    pairs = load_set(name, JUDGE_DIR)
    assert len(pairs) == size
    assert {p.supported for p in pairs} == {True, False}
    assert all(p.claim and p.evidence and p.set == name for p in pairs)
    short = load_set(name, JUDGE_DIR, max_evidence_words=200)
    assert all(len(p.evidence.split()) <= 200 for p in short)


def test_partially_supported_counts_as_not_supported() -> None:
    if not (JUDGE_DIR / FILES["wice"]).exists():
        pytest.skip("WiCE dev is absent")
    pairs = load_set("wice", JUDGE_DIR)
    assert sum(p.supported for p in pairs) == 342  # supported only; 576 partial + 125 not_supported are not


def test_sample_pairs_is_balanced_and_seeded() -> None:
    pairs = [Pair(f"c{i}", "e", i % 5 == 0, "x") for i in range(100)]
    chosen = sample_pairs(pairs, 10, seed=1)
    assert sum(p.supported for p in chosen) == 5 and chosen == sample_pairs(pairs, 10, seed=1)
