"""The calibrated judge's classifier: a logistic regression over `support_features` and the model's logit P(Yes).

Trained on half of the human-labelled judge sets by `experiments/judge_classifier.py`, which writes the
weights into `calibration_weights.py`; applied here with numpy, so no training library is needed at run time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """Feature weights, the threshold fixed on the training data, and how the model is asked.

    `prompts` maps each model feature to the prompt (a key of `rag.judges.llm.PROMPTS`) whose logit
    P(Yes) it is; `window`: the model reads the evidence sentences covering the claim best, not all of
    it; `split`: each sentence of the claim is judged on its own and the lowest P(Yes) counts.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    prompts: dict[str, str]
    window: bool = True
    split: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        n = len(d["features"])
        if not all(len(d[k]) == n for k in ("mean", "scale", "coef")):
            raise ValueError("calibration: features, mean, scale and coef differ in length")
        return cls(
            tuple(d["features"]),
            tuple(d["mean"]),
            tuple(d["scale"]),
            tuple(d["coef"]),
            float(d["intercept"]),
            float(d["threshold"]),
            dict(d.get("prompts", {})),
            bool(d.get("window", True)),
            bool(d.get("split", False)),
        )

    def probability(self, values: dict[str, float]) -> float:
        """The classifier's probability of support from named feature values."""
        x = np.array([values[f] for f in self.features], dtype=float)
        z = (x - np.array(self.mean)) / np.array(self.scale)
        return float(1.0 / (1.0 + np.exp(-(z @ np.array(self.coef) + self.intercept))))


def default_calibration() -> Calibration:
    """The calibration shipped with the package (`calibration_weights.py` says how it was trained)."""
    from rag.judges.calibration_weights import CALIBRATION

    return Calibration.from_dict(CALIBRATION)


def logit(p: float) -> float:
    """log(p / (1 - p)), with p clipped to [1e-4, 1 - 1e-4]."""
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))
