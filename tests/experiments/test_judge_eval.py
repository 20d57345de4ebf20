"""experiments.judge_eval: the metrics at a threshold and the tuned threshold."""

from __future__ import annotations

import pytest

from experiments.judge_eval import at_threshold, tune_threshold


def test_eval_metrics() -> None:
    labels = [True, True, False, False]
    m = at_threshold([0.9, 0.8, 0.1, 0.85], labels, 0.82)
    assert m["balanced_accuracy"] == 0.5 * (0.5 + 0.5) and m["unsupported_recall"] == 0.5
    assert tune_threshold([0.9, 0.8, 0.1, 0.2], labels) == pytest.approx(0.5)
