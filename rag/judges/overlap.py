"""A deterministic, model-free judge: the checks, then enough of the claim's words in the evidence."""

from __future__ import annotations

from rag.judges.base import Judgement, SupportJudge
from rag.judges.checks import deterministic_issues
from rag.text import coverage
from rag.types import Reason, ReasonKind


class OverlapJudge(SupportJudge):
    """No deterministic issue and enough shared words.

    Used by tests and where no LLM fits; far weaker than `LLMJudge` at catching paraphrased errors.
    `score` is the fraction of the claim's content words found in the evidence (0 when an issue is found).
    """

    def __init__(self, min_overlap: float = 0.6) -> None:
        if not 0 <= min_overlap <= 1:
            raise ValueError(f"min_overlap must be between 0 and 1, got {min_overlap}")
        self.min_overlap = min_overlap

    def judge(self, claim: str, evidence: str, question: str = "") -> Judgement:
        issues = deterministic_issues(claim, evidence)
        if issues:
            return Judgement(False, 0.0, tuple(issues))
        overlap = coverage(claim, evidence)
        if overlap >= self.min_overlap:
            return Judgement(True, overlap, ())
        why = Reason(ReasonKind.BELOW_THRESHOLD, f"word overlap {overlap:.2f} < {self.min_overlap}")
        return Judgement(False, overlap, (why,))
