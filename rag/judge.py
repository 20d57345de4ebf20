"""The support judge: does a cited passage support the sentence that cites it?

Two layers. Deterministic checks catch what a small model misses (a changed number, date or name, a
flipped negation) and cost nothing, so they run first; a claim they flag is unsupported without asking
the model. Otherwise the local LLM's probability of answering "Yes" to "Does the passage support the
claim?" decides against a threshold, which is tuned on human-labelled data (`evals/judge_eval.py`).
Judge against the short cited passage, not a whole article: the model is slower and worse on long text.

A calibrated variant (`LLMJudge(calibration=default_calibration())`, `rag judge --judge calibrated`) keeps
the checks, asks the model about the passage sentences that cover the claim best only, and combines its
P(Yes) with model-free features (`support_features`) in a logistic regression trained and thresholded on
half of the labelled sets (`evals/judge_classifier.py`, constants in `rag/judge_calibration.py`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rag.llm import LocalLLM

# Tuned with evals/judge_eval.py (120 pairs from WiCE, FactCheck-GPT, SummEdits scitldr): with this strict
# prompt the model's P(Yes) is low, and 0.5 to 0.6 maximised balanced accuracy; 0.85 kept only 13% of the
# supported claims. A small sample: re-tune on more pairs before relying on it.
DEFAULT_THRESHOLD = 0.5
PROMPT_VERSION = "support-v1"  # bump when the prompt changes: evaluation caches are keyed on it

SYSTEM_PROMPT = (
    "You check citations in news reports. Given a passage and a claim, decide whether the passage supports "
    "the claim: every fact in the claim (names, numbers, dates, places, who did what, and whether something "
    "happened or did not) must be stated in or directly implied by the passage. If any part of the claim is "
    "missing from the passage or contradicts it, the answer is No. Answer with one word: Yes or No."
)


@dataclass(frozen=True)
class Judgement:
    """Whether a claim is supported; `score` in [0, 1] (higher is better supported) and why."""

    supported: bool
    score: float
    reasons: tuple[str, ...] = ()


@runtime_checkable
class SupportJudge(Protocol):
    """Decides whether `evidence` supports `claim`. Subclass it to inherit `judge_many`."""

    def judge(self, claim: str, evidence: str, question: str = "") -> Judgement:
        """`question`, when given, is what the claim answers: a fragment ("Guido Crosetto.") is read with it."""
        ...

    def judge_many(self, pairs: Iterable[tuple[str, str]]) -> list[Judgement]:
        """One judgement per (claim, evidence) pair, in order."""
        return [self.judge(claim, evidence) for claim, evidence in pairs]


# ---------------------------------------------------------------- deterministic checks

_CITATION = re.compile(r"\[\d+(?:\s*[,\-–]\s*\d+)*\]")
_YEAR_RANGE = re.compile(r"\b(1[89]|20)(\d{2})\s*([–-])\s*(\d{2})\b(?![–-]\d)")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# A number not glued to letters before it (so "G7" and "F-35" are names, not numbers).
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?(?!\w)(?:\s+(thousand|million|billion|trillion)\b)?"
)
_WORD = re.compile(r"[^\W_](?:[\w'’\-]*\w)?")
_SENTENCE_END = re.compile(r"[.!?:;]['\"”’)]*\s+|\n+|[\"“(]")
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTH_ABBR = {m[:3]: m for m in _MONTHS} | {"sept": "september"}
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does during for from had has have he her hers
    him his how i if in into is it its me more most my of on or our over she so such than that the their them
    then there these they this those through to under until up upon us very was we were what when where which
    while who whom whose why will with would you your also after before about against between both each few
    other some any all only own same just now here out off again further once said says say according""".split()
)
_HONORIFICS = frozenset("mr mrs ms dr prof sir dame st mt jr sr".split())
_NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor without cannot denied denies deny denial refused refuses "
    "refuse refusal".split()
)
# Only plain grammatical negation in the passage counts against an affirmative claim: "refused to
# comment" must not flag "declined to comment".
_GRAMMATICAL_NEGATIONS = frozenset("not no never cannot".split())
# After these a negation word does not negate the next verb ("not only", "no longer than", "not until").
_NEGATION_EXCEPTIONS = frozenset("only just merely until least longer doubt".split())


def deterministic_issues(claim: str, evidence: str) -> list[str]:
    """Reasons the evidence cannot support the claim, found without a model; empty when none is found.

    Conservative by design (precision over recall): numbers, months and weekdays, capitalised names and
    negation that the claim states but the passage lacks. A finding here is meant to be near-certain.
    """
    claim = _normalise(claim)
    evidence = _normalise(evidence)
    ev_words = _words(evidence)
    issues = _number_issues(claim, evidence, ev_words)
    issues += _date_issues(claim, ev_words)
    issues += _name_issues(claim, ev_words)
    issues += _negation_issues(claim, evidence)
    return issues


def entity_issues(claim: str, evidence: str) -> list[str]:
    """Like `deterministic_issues` but only names, numbers and dates: what a question may presuppose.

    A question naming someone, a figure or a date that no passage mentions cannot be answered from them
    ("Why did Germany deny access?" when the passages say Italy did).
    """
    claim = _normalise(claim)
    evidence = _normalise(evidence)
    ev_words = _words(evidence)
    names = _name_issues(claim, ev_words, skip=_is_descriptive)
    return _number_issues(claim, evidence, ev_words) + _date_issues(claim, ev_words) + names


# Words a question uses to describe rather than name: "American" when the passage says "US", "North
# African" when it says "Libya". Skipping them only narrows the premise check; verification still runs.
_DEMONYM = re.compile(r"(?:ian|ean|can|ese|ish|ern)$")
_COMPASS = frozenset("north south east west central northern southern eastern western".split())


def _is_descriptive(token: str) -> bool:
    low = token.lower()
    return low in _COMPASS or (len(low) > 5 and bool(_DEMONYM.search(low)))


def coverage(text: str, evidence: str) -> float:
    """The fraction of `text`'s content words found in `evidence` (close inflections count); 0 when none."""
    words = content_words(text)
    ev = set(content_words(evidence))
    return sum(in_words(w, ev) for w in words) / len(words) if words else 0.0


def answer_words(question: str, text: str) -> list[str]:
    """The content words of `text` (an answer) that the question does not already hold: what it answers with."""
    asked = set(content_words(question))
    return [w for w in content_words(text) if not in_words(w, asked)]


def share_held(words: Sequence[str], text: str) -> float:
    """The share of `words` that `text` holds (close inflections count); 0 when there are none."""
    if not words:
        return 0.0
    held = set(content_words(text))
    return sum(in_words(w, held) for w in words) / len(words)


def content_words(text: str) -> list[str]:
    """Lower-cased words of `text` that carry content (no stopwords, no citation markers)."""
    return [w for w in _words(_normalise(text), keep_case=False) if w not in _STOPWORDS and not w.isdigit()]


def _normalise(text: str) -> str:
    text = _CITATION.sub(" ", text)
    text = text.replace("’", "'").replace("\u00a0", " ")
    # ISO dates become words so that "2022-08-31" matches "August 31, 2022" and "08" is not a number.
    months = list(_MONTHS)
    text = _ISO_DATE.sub(
        lambda m: f"{int(m[3])} {months[int(m[2]) - 1].title()} {m[1]}" if 1 <= int(m[2]) <= 12 else m[0], text
    )
    return _YEAR_RANGE.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{m[1]}{m[4]}", text)  # "2018–19" is 2018 to 2019


def _words(text: str, keep_case: bool = False) -> list[str]:
    words = [w[:-2] if w.endswith("'s") else w for w in _WORD.findall(text)]
    return words if keep_case else [w.lower() for w in words]


def _numbers(text: str, bases: bool = True) -> set[float]:
    """Every value a number in `text` may denote: 3.5 million gives 3.5 (unless not `bases`) and 3,500,000."""
    values: set[float] = set()
    for m in _NUMBER.finditer(text):
        base = float(m[1].replace(",", "") + (m[2] or ""))
        if bases or not m[3]:
            values.add(base)
        if m[3]:
            values.add(base * _SCALES[m[3].lower()])
    return values


def _number_issues(claim: str, evidence: str, ev_words: list[str]) -> list[str]:
    """Figures in the claim the passage lacks. Spelled-out numbers in the passage count ("3" matches
    "three"), but the claim's are not checked: "two terms" is often backed by "a second term".
    """
    words = {float(_NUMBER_WORDS[w]) for w in ev_words if w in _NUMBER_WORDS}
    ev_values = _numbers(evidence) | words
    # A scaled figure ("12 billion") must match a value, not the bare count of another scale ("12 million").
    ev_exact = _numbers(evidence, bases=False) | words
    issues = []
    for m in _NUMBER.finditer(claim):
        base = float(m[1].replace(",", "") + (m[2] or ""))
        candidates, pool = ({base * _SCALES[m[3].lower()]}, ev_exact) if m[3] else ({base}, ev_values)
        if not any(_close(c, v) for c in candidates for v in pool):
            issues.append(f"number {m[0].strip()} not in passage")
    return issues


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _date_issues(claim: str, ev_words: list[str]) -> list[str]:
    ev_months = {_MONTH_ABBR.get(w, w) for w in ev_words} & set(_MONTHS)
    ev_days = set(ev_words) & _WEEKDAYS
    issues = []
    for w in _words(claim, keep_case=True):
        # Only capitalised: lower-case "may" and "march" are a verb and a noun.
        if not w[0].isupper():
            continue
        low = w.lower()
        month = _MONTH_ABBR.get(low.rstrip("."), low)
        if month in _MONTHS and month not in ev_months:
            issues.append(f"month {w} not in passage")
        elif low in _WEEKDAYS and low not in ev_days:
            issues.append(f"day {w} not in passage")
    return issues


def _name_issues(claim: str, ev_words: list[str], skip: Callable[[str], bool] | None = None) -> list[str]:
    """Names in the claim the passage lacks.

    A name passes when its last word (surname, head noun) and at least half its words occur in the
    passage, so "Barack Obama" is backed by "Obama" and "United States Supreme Court" by "the Supreme
    Court", while "Antonio Tajani" is not backed by "Antonio Guterres". An all-capital acronym also
    passes when consecutive passage words begin with its letters ("CNN", "convolutional neural network").
    """
    ev = set(ev_words)
    ev |= {part for w in ev_words if "-" in w for part in w.split("-") if part}
    issues = []
    for name in _names(claim):
        if skip is not None:
            name = [t for t in name if not skip(t)]
            if not name:
                continue
        found = [in_words(t.lower(), ev) or _is_acronym_of(t, ev_words) for t in name]
        if not (found[-1] and 2 * sum(found) >= len(found)):
            missing = ", ".join(t for t, ok in zip(name, found, strict=True) if not ok)
            issues.append(f"name {' '.join(name)!r} not in passage ({missing} missing)")
    return issues


def _is_acronym_of(token: str, words: list[str]) -> bool:
    if not (2 <= len(token) <= 6 and token.isalpha() and token.isupper()):
        return False
    letters = token.lower()
    n = len(letters)
    return any(
        all(words[i + k][0] == letters[k] for k in range(n))
        for i in range(len(words) - n + 1)
        if words[i][0] == letters[0]
    )


def _names(text: str) -> list[list[str]]:
    """Runs of capitalised words, minus stopwords, honorifics, dates and a lone sentence-initial word.

    A single capitalised word at the start of a sentence is usually an ordinary word ("Officials
    said"), so it counts only when a capitalised run continues after it ("Guido Crosetto said").
    """
    names = []
    for sentence in _SENTENCE_END.split(text):
        # A comma or bracket ends a name: "Franeker, Netherlands" is two names, checked separately.
        for n, segment in enumerate(re.split(r"[,;()\[\]]", sentence)):
            names += _capitalised_runs(_words(segment, keep_case=True), at_sentence_start=n == 0)
    return names


def _capitalised_runs(words: list[str], at_sentence_start: bool) -> list[list[str]]:
    names = []
    run: list[tuple[int, str]] = []
    for i, w in enumerate([*words, ""]):
        if w and (w[0].isupper() or (run and w.lower() in {"de", "van", "von", "bin", "al", "da", "del"})):
            run.append((i, w))
            continue
        # In "AI-based" only "AI" is a name; in "Neuro-Symbolic" both parts are.
        tokens = [p for _, t in run for p in t.split("-") if p and _is_name_token(p)]
        lone_first = at_sentence_start and len(run) == 1 and run[0][0] == 0
        if tokens and not lone_first:
            names.append(tokens)
        run = []
    return names


def _is_name_token(token: str) -> bool:
    low = token.lower().rstrip(".")
    return (
        len(low) > 1
        and low not in _STOPWORDS
        and low not in _HONORIFICS
        and low not in _MONTHS
        and low not in _MONTH_ABBR
        and low not in _WEEKDAYS
        and low not in _NUMBER_WORDS
        and token[0].isupper()
    )


def in_words(token: str, words: set[str]) -> bool:
    """`token` or a close inflection of it ("Italian"/"Italy", "confirm"/"confirmed") is among `words`."""
    if token in words or token + "s" in words or token + "es" in words:
        return True
    if len(token) < 4:
        return False
    return any(
        len(w) >= 4 and _common_prefix(token, w) >= max(4, min(len(token), len(w)) - 2)
        for w in words
        if w[0] == token[0]
    )


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _negation_issues(claim: str, evidence: str) -> list[str]:
    claim_words = _words(claim)
    ev_sentences = [_words(s) for s in re.split(r"(?<=[.!?])\s+|\n+", evidence) if s.strip()]
    claim_negs = _negation_targets(claim_words)
    if claim_negs:
        return _claim_negation_issues(claim_negs, ev_sentences)
    best = _best_sentence(claim_words, ev_sentences)
    if best is None:
        return []
    claim_set = set(claim_words)
    for cue, target in _negation_targets(best):
        grammatical = cue in _GRAMMATICAL_NEGATIONS or cue.endswith("n't")
        if grammatical and target and in_words(target, claim_set):
            return [f"passage says {cue!r} {target!r} but the claim has no negation"]
    return []


def _claim_negation_issues(claim_negs: list[tuple[str, str]], ev_sentences: list[list[str]]) -> list[str]:
    """A negated claim needs a negation in the passage: beside its verb where the verb occurs, else anywhere."""
    for cue, target in claim_negs:
        with_target = [s for s in ev_sentences if target and in_words(target, set(s))]
        # Beside the verb, only a grammatical negation or one aimed at the same verb counts: "confirmed
        # the refusal" does not back "did not confirm".
        if with_target and not any(_negates(s, target) for s in with_target):
            return [f"claim says {cue!r} {target!r} but the passage states {target!r} without negation"]
        if not with_target and not any(_negation_targets(s) for s in ev_sentences):
            return [f"claim says {cue!r} but the passage has no negation"]
    return []


def _negates(words: Sequence[str], target: str) -> bool:
    return any(
        cue in _GRAMMATICAL_NEGATIONS or cue.endswith("n't") or (t and in_words(t, {target}))
        for cue, t in _negation_targets(words)
    )


def _negation_targets(words: Sequence[str]) -> list[tuple[str, str]]:
    """(negation word, the first content word within three words after it, or "")."""
    found = []
    for i, w in enumerate(words):
        if w not in _NEGATIONS and not w.endswith("n't"):
            continue
        following = words[i + 1 : i + 4]
        if following and following[0] in _NEGATION_EXCEPTIONS:
            continue
        target = next((f for f in following if f not in _STOPWORDS and not f[0].isdigit()), "")
        found.append((w, target))
    return found


def _best_sentence(claim_words: list[str], sentences: list[list[str]]) -> list[str] | None:
    """The passage sentence sharing most content words with the claim, if it shares at least half."""
    wanted = {w for w in claim_words if w not in _STOPWORDS}
    if not wanted:
        return None
    best = max(sentences, default=[], key=lambda s: len(wanted & set(s)))
    return best if len(wanted & set(best)) * 2 >= len(wanted) else None


# ---------------------------------------------------------------- features for the calibrated judge

ISSUE_KINDS = ("number", "month", "day", "name", "negation")  # how deterministic issues begin


def support_features(claim: str, evidence: str) -> dict[str, float]:
    """Model-free evidence about support, the inputs (with the model's P(Yes)) of the calibrated judge.

    Counts of deterministic issues by kind, the claim's word coverage and content-bigram coverage,
    and sizes. Deterministic and cheap (a few milliseconds).
    """
    issues = deterministic_issues(claim, evidence)
    kinds = ["negation" if i.startswith(("claim says", "passage says")) else i.split(" ", 1)[0] for i in issues]
    feats = {f"issues_{k}": float(kinds.count(k)) for k in ISSUE_KINDS}
    words = content_words(claim)
    ev_words = content_words(evidence)
    ev = set(ev_words)
    found = [in_words(w, ev) for w in words]
    bigrams = list(itertools.pairwise(words))
    ev_bigrams = set(itertools.pairwise(ev_words))
    feats |= {
        "coverage": sum(found) / len(found) if found else 0.0,
        "missing_words": float(len(found) - sum(found)),
        "bigram_coverage": sum(b in ev_bigrams for b in bigrams) / len(bigrams) if bigrams else 0.0,
        # a multi-sentence claim is only as supported as its worst-covered sentence
        "min_part_coverage": min(coverage(part, evidence) for part in claim_parts(claim)),
        "claim_words": float(len(words)),
        "log_evidence_words": math.log1p(len(ev_words)),
    }
    return feats


# ---------------------------------------------------------------- judges


class OverlapJudge(SupportJudge):
    """A deterministic, model-free judge: no deterministic issue and enough shared words.

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
        return Judgement(False, overlap, (f"word overlap {overlap:.2f} < {self.min_overlap}",))


@dataclass(frozen=True)
class Calibration:
    """A logistic regression over `support_features` and the model's logit P(Yes) under one or more prompts.

    Trained by `evals/judge_classifier.py` on labelled data and shipped as constants
    (`rag/judge_calibration.py`); applied here with numpy. `threshold` was fixed on the training data.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    prompts: dict[str, str]  # feature name -> prompt (a key of PROMPTS) whose logit P(Yes) it is
    window: bool = True  # the model reads the best-covering sentences, not the whole evidence
    split: bool = False  # each sentence of the claim is judged on its own; the lowest P(Yes) counts

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
        x = np.array([values[f] for f in self.features], dtype=float)
        z = (x - np.array(self.mean)) / np.array(self.scale)
        return float(1.0 / (1.0 + np.exp(-(z @ np.array(self.coef) + self.intercept))))


def default_calibration() -> Calibration:
    """The calibration shipped with the package (see `rag/judge_calibration.py` for how it was trained)."""
    from rag.judge_calibration import CALIBRATION

    return Calibration.from_dict(CALIBRATION)


def claim_parts(claim: str) -> list[str]:
    """The sentences of a claim (a multi-sentence claim is supported only if each of them is)."""
    from rag.chunk import split_sentences

    parts = [claim[a:b].strip() for a, b in split_sentences(claim)]
    return [p for p in parts if len(content_words(p)) >= 2] or [claim]


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


class LLMJudge(SupportJudge):
    """Deterministic checks, then the local LLM's P(Yes) to "Does the passage support the claim?".

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
        system, user = PROMPTS[prompt]
        return self.llm.yes_probability(system, user(claim, evidence))

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
        return Judgement(False, p, (f"llm p(yes)={p:.2f} < {self.threshold}", *_missing_words(claim, evidence)))

    def _calibrated(self, cal: Calibration, claim: str, evidence: str, question: str) -> Judgement:
        from rag.verify import evidence_window  # here: rag.verify imports this module

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
        return Judgement(
            False, score, (f"support {score:.2f} < {self.threshold:.2f} ({model})", *_missing_words(claim, evidence))
        )

    def judge_many(self, pairs: Iterable[tuple[str, str]]) -> list[Judgement]:
        """Like `judge` for each pair, run grouped by evidence so the model reuses each passage's prefix."""
        items = list(pairs)
        order = sorted(range(len(items)), key=lambda i: (items[i][1], i))
        out: dict[int, Judgement] = {i: self.judge(*items[i]) for i in order}
        return [out[i] for i in range(len(items))]


def _missing_words(claim: str, evidence: str, most: int = 6) -> tuple[str, ...]:
    """A reason naming the claim's content words the evidence lacks, if any."""
    ev = set(content_words(evidence))
    missing = list(dict.fromkeys(w for w in content_words(claim) if not in_words(w, ev)))
    if not missing:
        return ()
    more = f" and {len(missing) - most} more" if len(missing) > most else ""
    return (f"not in passage: {', '.join(missing[:most])}{more}",)


# A second prompt, measured against the first with evals/judge_eval.py (`--prompt support-v2`): the claim
# comes first, the model is asked whether every detail is stated, and four worked examples sit in the
# system prompt (its KV cache is reused across calls, so they cost time only on the first call).
SYSTEM_PROMPT_V2 = (
    "You check whether a passage states every detail of a claim. A claim is supported only if each of its "
    "names, numbers, dates, places, and actions (who did what, and whether it happened or not) is stated "
    "in the passage or follows directly from it. A claim that says more than the passage, changes a "
    "detail, or is about something else is not supported. Answer with one word: Yes or No.\n\n"
    "Examples:\n"
    "Claim: The mayor opened the bridge in May.\nPassage: Mayor Ann Lee opened the new bridge on May 3.\n"
    "Answer: Yes\n"
    "Claim: The mayor opened the bridge in June.\nPassage: Mayor Ann Lee opened the new bridge on May 3.\n"
    "Answer: No\n"
    "Claim: The mayor opened the bridge, which cost $40 million.\n"
    "Passage: Mayor Ann Lee opened the new bridge on May 3.\nAnswer: No\n"
    "Claim: Ann Lee's deputy opened the bridge.\nPassage: Mayor Ann Lee opened the new bridge on May 3.\n"
    "Answer: No"
)


def user_prompt_v2(claim: str, evidence: str) -> str:
    """The second prompt's question: the claim first, then the passage, then "is every detail stated?"."""
    claim = " ".join(_CITATION.sub(" ", claim).split())
    return (
        f"Claim: {claim}\n\nPassage:\n{evidence.strip()}\n\n"
        "Is every detail of the claim stated in the passage? Answer Yes or No."
    )


PROMPTS: dict[str, tuple[str, Callable[[str, str], str]]] = {
    "support-v1": (SYSTEM_PROMPT, lambda c, e: user_prompt(c, e)),
    "support-v2": (SYSTEM_PROMPT_V2, user_prompt_v2),
}


def framed(claim: str, question: str) -> str:
    """The claim as the model reads it: a fragment answering `question` is put in its context."""
    if not question:
        return claim
    return f'Asked "{" ".join(question.split())}", the answer is: {claim}'


def user_prompt(claim: str, evidence: str) -> str:
    """The question put to the model; the passage comes first so claims about it share its KV cache."""
    claim = " ".join(_CITATION.sub(" ", claim).split())
    return f"Passage:\n{evidence.strip()}\n\nClaim: {claim}\n\nDoes the passage support the claim? Answer Yes or No."
