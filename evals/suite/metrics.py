"""Every metric of the evaluation suite, defined exactly. `docs/evaluation.md` explains each in one line.

Answers
- `contains_gold`: the normalised answer contains a normalised gold alias as whole words (lower case,
  citation markers and punctuation removed, spaces collapsed); an abstention never contains one.
- `squad_em` / `squad_f1`: the official SQuAD 2.0 script's exact match and token F1 (lower case,
  punctuation and the articles a/an/the removed), maximised over the gold answers; an unanswerable
  question's only gold answer is "" and an abstention predicts "". Citation markers are removed first.

- `contains_answer`: like `contains_gold` after both sides are canonicalised (`canonical`): number words
  and ordinals become digits ("five" = "5", "third" = "3rd" = "3"), thousands separators go ("10,000" =
  "10000"), "%" = "percent" = "per cent", "U.S."/"US"/"United States", "U.K."/"UK"/"United Kingdom" and
  "U.N."/"UN"/"United Nations" become one form, and a leading "the" is dropped; a gold that is a person's
  whole name after a title or description ("Russian President Vladimir Putin", "NFL quarterback Aaron
  Rodgers") is also found as that whole name ("Vladimir Putin"; not "Putin" alone: `name_variants`).
  Containment in the reports means this.
- `names_wrong_choice`: the answer contains one of the question's wrong choices (or, for SQuAD, a
  plausible answer) and not the right one: a *confidently wrong* answer when it was given.

Retrieval (only questions with gold evidence)
- `hits_at(rank, k)`: 1 when the first gold passage is ranked within the top k, else 0.
- `reciprocal_rank(rank, k)`: 1/rank when the first gold passage is within the top k, else 0 (MRR@k
  is its mean).

Faithfulness (ALCE, Gao et al. 2023; only answered questions)
- citation recall of an answer: the share of its sentences that the concatenation of their cited
  passages supports (a sentence without citations counts as unsupported);
- citation precision of an answer: the share of its citations that are relevant: a citation is
  irrelevant when its sentence is not supported by all its citations together, or when it alone does
  not support the sentence AND the sentence is still supported without it;
- fully supported: 1 when every sentence of the answer is supported by its citations;
- quote exactness: the share of sources whose quote equals `body[start:end]` of the article.

Abstention (abstaining = `answerable: false`)
- precision: abstentions on unanswerable questions / all abstentions;
- recall: abstentions on unanswerable questions / unanswerable questions; F1 their harmonic mean;
- false-abstention rate: abstentions on answerable questions / answerable questions.

Judge quality (human-labelled supported / not supported pairs; "supported" when score >= threshold)
- balanced accuracy: the mean of the recall on supported and on not-supported pairs;
- not-supported recall: the share of not-supported pairs judged not supported;
- AUC (`auc`, used by the judge experiments): the probability that a supported pair scores above a
  not-supported one, ties counting half.
"""

from __future__ import annotations

import collections
import itertools
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

_MARKERS = re.compile(r"\[\d+(?:\s*[,\-–]\s*\d+)*\]")
_PUNCT = re.compile(r"[^\w\s]")
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_SQUAD_PUNCT = set(string.punctuation)


def strip_markers(text: str) -> str:
    """`text` without citation markers such as "[1]" or "[1, 2]", spaces collapsed."""
    return " ".join(_MARKERS.sub(" ", text).split())


# ---------------------------------------------------------------- answers


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, citation markers and punctuation removed, spaces collapsed."""
    text = _MARKERS.sub(" ", text.lower().replace("’", "'").replace("‘", "'"))
    return " ".join(_PUNCT.sub(" ", text).split())


def contains_gold(answer: str, golds: Iterable[str]) -> bool:
    """The normalised answer contains a normalised gold alias as whole words."""
    text = f" {normalise(answer)} "
    return any(f" {g} " in text for g in (normalise(x) for x in golds) if g)


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90"}
_ORDINALS = {
    w: str(i)
    for i, w in enumerate(
        "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
    )
}
_ORDINAL_SUFFIX = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
# Abbreviations only in capitals ("us" is a pronoun), full names in any case.
_PLACES = [
    (re.compile(r"\bU\.\s?S\.(?:\s?A\.)?|\bUSA?\b|\b(?i:united states(?: of america)?)\b"), " united_states "),
    (re.compile(r"\bU\.\s?K\.|\bUK\b|\b(?i:united kingdom)\b"), " united_kingdom "),
    (re.compile(r"\bU\.\s?N\.|\bUN\b|\b(?i:united nations)\b"), " united_nations "),
]


_PERCENT = re.compile(r"\s*%|\s+per\s?cent\b", re.I)


def canonical(text: str) -> str:
    """`normalise`d text with number words, ordinals, thousands separators and a few country and body
    names written one way, and a leading "the" dropped (see `contains_answer`)."""
    text = _THOUSANDS.sub("", text.replace("’", "'"))
    text = _PERCENT.sub(" percent", text)  # "19%" is not the 19 of "COVID-19"
    for pattern, form in _PLACES:
        text = pattern.sub(form, text)
    text = _ORDINAL_SUFFIX.sub(r"\1", normalise(text))
    words = [_NUMBER_WORDS.get(w) or _ORDINALS.get(w) or w for w in text.split()]
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


# Words that, ending a description, stand before a person's name: "Russian President Vladimir Putin".
_TITLES = frozenset(
    "president vice prime minister secretary governor gov senator sen representative rep mayor chancellor king "
    "queen prince princess pope judge justice ambassador general gen chief ceo chair chairman chairwoman coach "
    "director speaker leader dr mr mrs ms".split()
)
# Words that join a name's parts, or a work and its author, rather than end a description: "Bank of New York
# Mellon", "The Scream by Edvard Munch".
_JOINING = frozenset("of and the for de du da di del von van la le in on at to by from with as".split())
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|Jr\.?|Sr\.?|I{2,3}|IV)$")


def name_variants(gold: str) -> list[str]:
    """`gold` and, when it is a person's name after a title or a description, the name alone: "Russian
    President Vladimir Putin" is also "Vladimir Putin", "Attorney and tech entrepreneur Nicole Shanahan" also
    "Nicole Shanahan". The name must keep two words or more (a surname alone names no one for certain), and
    the word before it must be a title or a lower-case word that does not join a name ("Bank of New York
    Mellon" stays whole)."""
    words = gold.split()
    run = 0
    while run < len(words) and _NAME_WORD.match(words[len(words) - 1 - run]):
        run += 1
    if run < 2:
        return [gold]
    if run == len(words):  # all capitalised: a title may still end the description ("Russian President ...")
        titled = [i for i, w in enumerate(words) if w.lower().strip(".") in _TITLES]
        name = words[titled[-1] + 1 :] if titled else []
        return [gold, " ".join(name)] if len(name) >= 2 else [gold]
    before = words[len(words) - run - 1]
    if before.lower().strip(".") in _TITLES or (before.islower() and before not in _JOINING):
        return [gold, " ".join(words[len(words) - run :])]
    return [gold]


def contains_answer(answer: str, golds: Iterable[str]) -> bool:
    """The canonical answer contains a canonical gold alias, or a gold's `name_variants`, as whole words."""
    text = f" {canonical(answer)} "
    variants = (v for x in golds for v in name_variants(x))
    return any(f" {g} " in text for g in (canonical(v) for v in variants) if g)


def names_wrong_choice(answer: str, golds: Iterable[str], wrong: Iterable[str]) -> bool:
    """The answer names a wrong choice (canonically contained) and no gold alias."""
    golds = list(golds)
    return not contains_answer(answer, golds) and any(
        contains_answer(answer, [w]) for w in wrong if canonical(w) and not contains_answer(w, golds)
    )


def squad_normalise(text: str) -> str:
    """The official SQuAD `normalize_answer`: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _SQUAD_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _squad_tokens(text: str) -> list[str]:
    return squad_normalise(text).split() if text else []


def squad_em(prediction: str, golds: Sequence[str]) -> float:
    """Official exact match, the best over `golds` (an empty `golds` means the gold answer is "")."""
    golds = [g for g in golds if squad_normalise(g)] or [""]
    return max(float(squad_normalise(strip_markers(prediction)) == squad_normalise(g)) for g in golds)


def squad_f1(prediction: str, golds: Sequence[str]) -> float:
    """Official token F1, the best over `golds` (an empty `golds` means the gold answer is "")."""
    golds = [g for g in golds if squad_normalise(g)] or [""]
    pred = _squad_tokens(strip_markers(prediction))
    return max(_f1(pred, _squad_tokens(g)) for g in golds)


def _f1(pred: list[str], gold: list[str]) -> float:
    if not pred or not gold:
        return float(pred == gold)  # both empty: 1; one empty: 0
    common = collections.Counter(pred) & collections.Counter(gold)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


# ---------------------------------------------------------------- retrieval


def first_gold_rank(gold: Sequence[bool]) -> int | None:
    """The 1-based rank of the first gold passage in a ranked list of gold flags, or None."""
    return next((i + 1 for i, g in enumerate(gold) if g), None)


def hits_at(rank: int | None, k: int) -> float:
    return float(rank is not None and rank <= k)


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    return 1.0 / rank if rank is not None and rank <= k else 0.0


# ---------------------------------------------------------------- abstention


def abstention_scores(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, float | None]:
    """Precision, recall and F1 of abstaining on unanswerable questions, and the false-abstention rate.

    A value is None when its denominator is zero (no abstentions, no unanswerable or no answerable items).
    """
    pairs = list(zip(abstained, unanswerable, strict=True))
    tp = sum(a and u for a, u in pairs)
    n_abstained = sum(a for a, _ in pairs)
    n_unanswerable = sum(u for _, u in pairs)
    n_answerable = len(pairs) - n_unanswerable
    precision = tp / n_abstained if n_abstained else None
    recall = tp / n_unanswerable if n_unanswerable else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    false_rate = sum(a and not u for a, u in pairs) / n_answerable if n_answerable else None
    return {"precision": precision, "recall": recall, "f1": f1, "false_abstention": false_rate}


# ---------------------------------------------------------------- faithfulness

# (claim, evidence) -> (supported, score, reasons)
SupportFn = Callable[[str, str], tuple[bool, float, tuple[str, ...]]]


@dataclass(frozen=True)
class SentenceCitations:
    """One answer sentence (citation markers removed) and the texts of the passages it cites."""

    text: str
    cited: tuple[str, ...]


def citation_scores(sentences: Sequence[SentenceCitations], support: SupportFn) -> dict[str, object]:
    """ALCE citation recall and precision of one answer, and per-sentence verdicts.

    Joint evidence is the cited passages joined by blank lines. For precision, a citation counts as
    relevant when the sentence is jointly supported and either the citation alone supports it, or
    the sentence is no longer supported without it (a lone citation of a supported sentence is
    relevant); every citation of a sentence that is not jointly supported is irrelevant.
    """
    memo: dict[tuple[str, str], tuple[bool, float, tuple[str, ...]]] = {}

    def ask(claim: str, evidence: str) -> tuple[bool, float, tuple[str, ...]]:
        if (claim, evidence) not in memo:
            memo[(claim, evidence)] = support(claim, evidence)
        return memo[(claim, evidence)]

    verdicts = []
    supported_sentences = relevant = citations = 0
    for s in sentences:
        cited = list(s.cited)
        if not cited:
            verdicts.append({"text": s.text, "supported": False, "score": 0.0, "reasons": ["no citation"],
                             "citations": []})  # fmt: skip
            continue
        joint, score, reasons = ask(s.text, "\n\n".join(cited))
        per_citation = []
        for i, passage in enumerate(cited):
            if not joint:
                ok = False
            elif len(cited) == 1:
                ok = True
            else:
                alone = ask(s.text, passage)[0]
                rest = "\n\n".join(p for j, p in enumerate(cited) if j != i)
                ok = alone or not ask(s.text, rest)[0]
            per_citation.append(ok)
        supported_sentences += joint
        relevant += sum(per_citation)
        citations += len(cited)
        verdicts.append({"text": s.text, "supported": joint, "score": round(score, 4), "reasons": list(reasons),
                         "citations": per_citation})  # fmt: skip
    n = len(sentences)
    return {
        "recall": supported_sentences / n if n else None,
        "precision": relevant / citations if citations else None,
        "fully_supported": float(n > 0 and supported_sentences == n) if n else None,
        "sentences": verdicts,
        "judge_calls": len(memo),
    }


def quote_exact(quote: str, start: int, end: int, body: str | None) -> bool | None:
    """The quote is `body[start:end]` exactly (None when the article is unknown)."""
    if body is None:
        return None
    return 0 <= start <= end <= len(body) and bool(quote) and body[start:end] == quote


# ---------------------------------------------------------------- judge quality


def at_threshold(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> dict[str, float | None]:
    """Balanced accuracy, not-supported recall and supported recall when `score >= threshold` is supported."""
    pred = [s >= threshold for s in scores]
    pos = [p for p, y in zip(pred, labels, strict=True) if y]
    neg = [not p for p, y in zip(pred, labels, strict=True) if not y]
    sup = sum(pos) / len(pos) if pos else None
    uns = sum(neg) / len(neg) if neg else None
    bal = (sup + uns) / 2 if sup is not None and uns is not None else None
    return {"threshold": threshold, "balanced_accuracy": bal, "not_supported_recall": uns, "supported_recall": sup}


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve: the probability that a supported pair outscores an unsupported one (ties count
    half); None without both kinds."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def tune_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The threshold maximising balanced accuracy (midway between neighbouring scores; ties: nearest 0.5)."""
    values = sorted(set(scores))
    candidates = [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(values)] + [1.0 + 1e-9]
    return max(candidates, key=lambda t: (at_threshold(scores, labels, t)["balanced_accuracy"] or 0.0, -abs(t - 0.5)))


# ---------------------------------------------------------------- aggregation helpers


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None
