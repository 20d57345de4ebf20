"""The LLM judge: deterministic checks, then the local LLM's P(Yes) to "Does the passage support the claim?".

Judge against the short cited passage, not a whole article: the small model is slower and worse on long
text, so the verifier passes the evidence window (`rag.text.evidence_window`). The plain judge compares
P(Yes) with a threshold; the calibrated one feeds P(Yes) and model-free features to a trained classifier
(`rag.judges.calibration`). Measured accuracy: docs/measurements.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rag.judges.base import DEFAULT_THRESHOLD, Judgement, SupportJudge
from rag.judges.calibration import Calibration, logit
from rag.judges.checks import claim_parts, deterministic_issues, missing_words, support_features
from rag.llm import LocalLLM
from rag.text import CITATION, evidence_window
from rag.types import Reason, ReasonKind

PROMPT_VERSION = "support-v1"  # bump when the prompt changes: evaluation caches are keyed on it

SYSTEM_PROMPT = (
    "You check citations in news reports. Given a passage and a claim, decide whether the passage supports "
    "the claim: every fact in the claim (names, numbers, dates, places, who did what, and whether something "
    "happened or did not) must be stated in or directly implied by the passage. If any part of the claim is "
    "missing from the passage or contradicts it, the answer is No. Answer with one word: Yes or No."
)


def user_prompt(claim: str, evidence: str) -> str:
    """The question put to the model; the passage comes first so claims about it share its KV cache."""
    claim = " ".join(CITATION.sub(" ", claim).split())
    return f"Passage:\n{evidence.strip()}\n\nClaim: {claim}\n\nDoes the passage support the claim? Answer Yes or No."


@dataclass(frozen=True)
class Prompt:
    """A way of asking the model: its system prompt and how the user turn is built from (claim, evidence)."""

    system: str
    user: Callable[[str, str], str]


# Prompts by name; a calibration names the ones its features were scored with. Experiments register theirs.
PROMPTS: dict[str, Prompt] = {PROMPT_VERSION: Prompt(SYSTEM_PROMPT, user_prompt)}


def framed(claim: str, question: str) -> str:
    """The claim as the model reads it: a fragment answering `question` is put in its context."""
    if not question:
        return claim
    return f'Asked "{" ".join(question.split())}", the answer is: {claim}'


class LLMJudge(SupportJudge):
    """Deterministic checks, then the local LLM's P(Yes) against `threshold`.

    With `checks=False` only the model decides (for measuring what the checks add). With a
    `calibration`, the score is instead a small trained classifier's probability of support from the
    model's P(Yes) and model-free features (`support_features`), and `threshold` (default: the one the
    calibration was tuned with) applies to that probability.
    """

    def __init__(
        self,
        llm: LocalLLM | None = None,
        threshold: float | None = None,
        *,
        checks: bool = True,
        calibration: Calibration | None = None,
    ) -> None:
        if threshold is None:
            threshold = calibration.threshold if calibration is not None else DEFAULT_THRESHOLD
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        self.llm = llm or LocalLLM()
        self.threshold = threshold
        self.checks = checks
        self.calibration = calibration

    def warm_up(self) -> None:
        self.llm.warm_up()

    def probability(self, claim: str, evidence: str, prompt: str = PROMPT_VERSION) -> float:
        """The model's P(Yes) that `evidence` supports `claim` under `prompt` (a key of `PROMPTS`),
        ignoring the deterministic checks."""
        asked = PROMPTS[prompt]
        return self.llm.yes_probability(asked.system, asked.user(claim, evidence))

    def judge(self, claim: str, evidence: str, question: str = "") -> Judgement:
        if self.checks:
            issues = deterministic_issues(claim, evidence)
            if issues:  # near-certain already: the model's time is better spent elsewhere
                return Judgement(False, 0.0, tuple(issues))
        if self.calibration is not None:
            return self._calibrated(self.calibration, claim, evidence, question)
        p = self.probability(framed(claim, question), evidence)
        if p >= self.threshold:
            return Judgement(True, p, ())
        low = Reason(ReasonKind.BELOW_THRESHOLD, f"llm p(yes)={p:.2f} < {self.threshold}")
        return Judgement(False, p, (low, *missing_words(claim, evidence)))

    def _calibrated(self, cal: Calibration, claim: str, evidence: str, question: str) -> Judgement:
        parts = claim_parts(claim) if cal.split and not question else [claim]
        ps = {
            name: min(
                self.probability(
                    framed(part, question), evidence_window(part, evidence) if cal.window else evidence, prompt
                )
                for part in parts
            )
            for name, prompt in cal.prompts.items()
        }
        values = support_features(claim, evidence)
        values |= {name: logit(p) for name, p in ps.items()}
        score = cal.probability(values)
        if score >= self.threshold:
            return Judgement(True, score, ())
        model = ", ".join(f"p(yes)={p:.2f}" for p in ps.values())
        low = Reason(ReasonKind.BELOW_THRESHOLD, f"support {score:.2f} < {self.threshold:.2f} ({model})")
        return Judgement(False, score, (low, *missing_words(claim, evidence)))

    def judge_many(self, pairs: Iterable[tuple[str, str]]) -> list[Judgement]:
        """Like `judge` for each pair, run grouped by evidence so the model reuses each passage's prefix."""
        items = list(pairs)
        order = sorted(range(len(items)), key=lambda i: (items[i][1], i))
        out: dict[int, Judgement] = {i: self.judge(*items[i]) for i in order}
        return [out[i] for i in range(len(items))]
