"""The support judge contract: `judge(claim, evidence, question="") -> Judgement`.

Used by verification on the answer path, by `rag judge` and by the evaluation scripts, with every
implementation (`OverlapJudge`, `LLMJudge`, the test fakes) passing one contract test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rag.types import Reason

# The LLM judge's P(Yes) threshold: 0.5 to 0.6 maximised balanced accuracy on 120 labelled pairs from
# WiCE, FactCheck-GPT and SummEdits (docs/measurements.md); with this strict prompt P(Yes) runs low.
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Judgement:
    """Whether a claim is supported; `score` in [0, 1] (higher is better supported) and why not."""

    supported: bool
    score: float
    reasons: tuple[Reason, ...] = ()


@runtime_checkable
class SupportJudge(Protocol):
    """Decides whether `evidence` supports `claim`. Subclass it to inherit `judge_many`."""

    def judge(self, claim: str, evidence: str, question: str = "") -> Judgement:
        """`question`, when given, is what the claim answers: a fragment ("Guido Crosetto.") is read with it."""
        ...

    def judge_many(self, pairs: Iterable[tuple[str, str]]) -> list[Judgement]:
        """One judgement per (claim, evidence) pair, in order."""
        return [self.judge(claim, evidence) for claim, evidence in pairs]
