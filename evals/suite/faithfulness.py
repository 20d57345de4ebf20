"""Faithfulness scorers for the evaluation: deliberately NOT the check the answer path ran.

The answer path (`rag.verify` with `rag.judges.LLMJudge`) asks the local LLM "Does the passage support
the claim? Yes/No" with the passage first, the claim framed by the question, against a window of the
best-covering sentences of ONE cited passage, and compares P(Yes) with its threshold. The scorers here
differ in prompt and formulation:

- `llm` (`TrueFalseScorer`): the statement comes first, then the concatenation of ALL the passages the
  sentence cites (whole passages, no window, no question framing), and the model is asked "Is the
  statement true according to the text? Answer True or False"; the score is P(True) / (P(True) +
  P(False)) of its first token. `rag.judges.checks.deterministic_issues` (numbers, dates, names, negation the
  evidence lacks) runs first and scores a flagged sentence 0.
- `overlap` (`RecallScorer`, model-free, for CI): `deterministic_issues` first (score 0 when flagged),
  then the share of the sentence's content-word stems (exact stem match, no fuzzy prefixes) found in
  the evidence; supported at 0.75 or more. The answer path's `OverlapJudge` instead matches close
  inflections by shared prefixes and passes at 0.6.

Both are measured on the human-labelled judge sets by `rag eval judge` (balanced accuracy and
not-supported recall, threshold tuned on one set and reported on the others).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from rag.judges.checks import deterministic_issues
from rag.text import QUERY_STOPWORDS

PROMPT_ID = "eval-truefalse-v1"
SYSTEM_PROMPT = (
    "You are a careful fact checker. You are given a statement and a text. Decide whether the statement is "
    "true according to the text alone, ignoring anything you know from elsewhere. A statement that adds "
    "details the text does not give, or changes any name, number, date or place, is false. "
    "Answer with one word: True or False."
)
_TRUE = ("True", " True", "true", " true", "TRUE")
_FALSE = ("False", " False", "false", " false", "FALSE")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CITATION = re.compile(r"\[\d+(?:\s*[,\-–]\s*\d+)*\]")
MAX_EVIDENCE_CHARS = 9000  # about 2,200 tokens: the prompt stays within the model's 4,096


def user_prompt(claim: str, evidence: str) -> str:
    claim = " ".join(_CITATION.sub(" ", claim).split())
    return (
        f"Statement: {claim}\n\nText:\n{evidence.strip()[:MAX_EVIDENCE_CHARS]}\n\n"
        "Is the statement true according to the text? Answer True or False."
    )


class Scorer(Protocol):
    name: str
    threshold: float

    def score(self, claim: str, evidence: str) -> tuple[float, tuple[str, ...]]:
        """A support score in [0, 1] (checks included) and the reasons for a low one."""
        ...


def support(scorer: Scorer, claim: str, evidence: str) -> tuple[bool, float, tuple[str, ...]]:
    """(supported, score, reasons) under the scorer's threshold."""
    score, reasons = scorer.score(claim, evidence)
    return score >= scorer.threshold, score, reasons


def stem(word: str) -> str:
    """A light suffix strip: "confirmed", "confirms", "confirming" -> "confirm"; "policies" -> "policy"."""
    w = word.lower().replace("’", "'").removesuffix("'s")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) - len(suffix) >= 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def content_stems(text: str) -> list[str]:
    words = _WORD.findall(_CITATION.sub(" ", text))
    return [stem(w) for w in words if w.lower() not in QUERY_STOPWORDS and not w.isdigit()]


class RecallScorer:
    """Model-free: deterministic checks, then the share of the claim's content-word stems in the evidence."""

    name = "overlap"

    def __init__(self, threshold: float = 0.75) -> None:
        self.threshold = threshold

    @property
    def id(self) -> str:
        return f"overlap-recall-v1@{self.threshold}"

    def score(self, claim: str, evidence: str) -> tuple[float, tuple[str, ...]]:
        issues = deterministic_issues(claim, evidence)
        if issues:
            return 0.0, tuple(i.message for i in issues)
        wanted = content_stems(claim)
        if not wanted:
            return 1.0, ()
        have = set(content_stems(evidence))
        missing = [w for w in wanted if w not in have]
        recall = 1 - len(missing) / len(wanted)
        return recall, (f"missing: {', '.join(dict.fromkeys(missing))}",) if missing else ()


# P(True) at which `TrueFalseScorer` calls a sentence supported: the threshold that maximised balanced
# accuracy on WiCE (80 pairs, half supported) in `rag eval judge --scorer llm --judge-limit 80`, as the
# `docs/measurements.md` reports it with the other sets held out.
LLM_THRESHOLD = 0.354


class TrueFalseScorer:
    """Deterministic checks, then the local LLM's P(True) for "Is the statement true according to the text?"."""

    name = "llm"

    def __init__(self, llm: Any = None, threshold: float = LLM_THRESHOLD, checks: bool = True) -> None:
        if llm is None:
            from rag.llm import LocalLLM

            llm = LocalLLM()
        self.llm = llm
        self.threshold = threshold
        self.checks = checks
        self.tokens = 0  # prompt tokens evaluated (not reused from the KV cache)

    @property
    def id(self) -> str:
        from rag.llm import MODEL_NAME

        return f"llm:{MODEL_NAME}:{PROMPT_ID}:checks={self.checks}@{self.threshold}"

    def warm_up(self) -> None:
        self.llm.warm_up()

    def probability(self, claim: str, evidence: str) -> float:
        """P(True) / (P(True) + P(False)) for the first token of the model's reply."""
        p = self.llm.choice_probability(SYSTEM_PROMPT, user_prompt(claim, evidence), _TRUE, _FALSE)
        self.tokens += int(self.llm.last_stats.get("evaluated_tokens", 0))
        return p

    def score(self, claim: str, evidence: str) -> tuple[float, tuple[str, ...]]:
        if self.checks:
            issues = deterministic_issues(claim, evidence)
            if issues:
                return 0.0, tuple(i.message for i in issues)
        p = self.probability(claim, evidence)
        return p, () if p >= self.threshold else (f"p(true)={p:.2f} < {self.threshold}",)


def make_scorer(kind: str, llm: Any = None, threshold: float | None = None) -> Scorer:
    if kind == "overlap":
        return RecallScorer() if threshold is None else RecallScorer(threshold)
    if kind == "llm":
        return TrueFalseScorer(llm) if threshold is None else TrueFalseScorer(llm, threshold)
    raise ValueError(f"unknown scorer {kind!r}; known: llm, overlap")


def judge_pairs_scores(scorer: Scorer, pairs: Sequence[Any]) -> list[float]:
    """The scorer's score for each (claim, evidence) judge-set pair, in order."""
    return [scorer.score(p.claim, p.evidence)[0] for p in pairs]
