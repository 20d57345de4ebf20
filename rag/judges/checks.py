"""Deterministic checks of a claim against its evidence: no model, milliseconds, and meant to be near-certain.

What a small model misses and a rule does not: a number, month, weekday or name that the claim states and
the evidence lacks, or a negation on one side only. A finding is a typed `Reason` (`MISSING_NUMBER`, ...)
whose message says what is missing. The judges run these first and do not ask a model about a claim they
flag; the pipeline runs `entity_issues` on the question itself against the retrieved passages (a false
premise) and `unnamed` against the articles an answer cites (an answer about something else). `support_features` turns
them, with word coverage, into the inputs of the calibrated judge.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Collection, Sequence

from rag.text import (
    IRREGULAR_PAST,
    STOPWORDS,
    content_words,
    coverage,
    in_words,
    normalise,
    split_sentences,
    word_pool,
    words,
)
from rag.types import Reason, ReasonKind

# A number not glued to letters before it (so "G7" and "F-35" are names, not numbers).
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?(?!\w)(?:\s+(thousand|million|billion|trillion)\b)?"
)
_NAME_BREAK = re.compile(r"[.!?:;]['\"”’)]*\s+|\n+|[\"“(]")
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


def deterministic_issues(claim: str, evidence: str) -> list[Reason]:
    """Reasons the evidence cannot support the claim, found without a model; empty when none is found.

    Conservative by design (precision over recall): numbers, months and weekdays, capitalised names and
    negation that the claim states but the passage lacks. A finding here is meant to be near-certain.
    """
    claim = normalise(claim)
    evidence = normalise(evidence)
    ev_words = words(evidence)
    issues = _number_issues(claim, evidence, ev_words)
    issues += _date_issues(claim, ev_words)
    issues += _name_issues(claim, ev_words)
    issues += _negation_issues(claim, evidence)
    return issues


def entity_issues(claim: str, evidence: str) -> list[Reason]:
    """Like `deterministic_issues` but only names, numbers and dates: what a question may presuppose.

    A question naming someone, a figure or a date that no passage mentions cannot be answered from them
    ("Why did Germany deny access?" when the passages say Italy did).
    """
    claim = normalise(claim)
    evidence = normalise(evidence)
    ev_words = words(evidence)
    names = _name_issues(claim, ev_words, skip=_is_descriptive)
    return _number_issues(claim, evidence, ev_words) + _date_issues(claim, ev_words) + names


def unnamed(question: str, article: str, years: Collection[str] = ()) -> list[Reason]:
    """What `question` names that `article` (the whole text of an article an answer cites) never mentions:
    `entity_issues`, read strictly, since an article names in full what it is about. Every word of a name
    must occur ("Rodney Reservoir" is not backed by "Newark Reservoir", nor "Bethany Beach" by "Virginia
    Beach"), except a title opening it ("Governor John Carney" is backed by "Gov. John Carney"), a word
    opening the sentence ("Besides France") and words of two letters ("TV"); a year among `years` (the
    article's own dates) needs no mention ("How many high schools were there in 2024?" answered by a report
    of 2024).
    """
    claim = normalise(question)
    evidence = normalise(article)
    ev_words = words(evidence)
    found = [
        r
        for r in _number_issues(claim, evidence, ev_words) + _date_issues(claim, ev_words)
        if not (r.values and r.values[0] in years)
    ]
    issues = [Reason(r.kind, r.message.replace("not in passage", "not in the article"), r.values) for r in found]
    ev = word_pool(ev_words)
    for name, opens in _name_runs(claim):
        if opens:  # "Besides France", "Approximately 40 Democrats": a sentence's first word may be no name
            name = name[1:]
        while len(name) > 1 and name[0].lower().rstrip(".") in _TITLES:
            name = name[1:]
        checked = [t for t in name if len(t) > 2 and not _is_descriptive(t)]
        missing = [t for t in checked if not _mentioned(t, ev, ev_words)]
        if missing:
            full = " ".join(name)
            message = f"name {full!r} not in the article ({', '.join(missing)} missing)"
            issues.append(Reason(ReasonKind.MISSING_NAME, message, (full,)))
    return issues


# Words that open a name without being part of it.
_TITLES = _HONORIFICS | frozenset(
    "president governor gov senator sen representative rep mayor king queen prince princess pope director coach "
    "judge justice secretary minister chancellor general gen sheriff chief ceo chairman chairwoman former "
    "lord lady duke duchess captain capt officer commissioner ambassador".split()
)

# Words a question uses to describe rather than name: "American" when the passage says "US", "North
# African" when it says "Libya". Skipping them only narrows the premise check; verification still runs.
_DEMONYM = re.compile(r"(?:ian|ean|can|ese|ish|ern)$")
_COMPASS = frozenset("north south east west central northern southern eastern western".split())


def _is_descriptive(token: str) -> bool:
    low = token.lower()
    return low in _COMPASS or (len(low) > 5 and bool(_DEMONYM.search(low)))


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


def _number_issues(claim: str, evidence: str, ev_words: list[str]) -> list[Reason]:
    """Figures in the claim the passage lacks. Spelled-out numbers in the passage count ("3" matches
    "three"), but the claim's are not checked: "two terms" is often backed by "a second term".
    """
    spelled = {float(_NUMBER_WORDS[w]) for w in ev_words if w in _NUMBER_WORDS}
    ev_values = _numbers(evidence) | spelled
    # A scaled figure ("12 billion") must match a value, not the bare count of another scale ("12 million").
    ev_exact = _numbers(evidence, bases=False) | spelled
    issues = []
    for m in _NUMBER.finditer(claim):
        base = float(m[1].replace(",", "") + (m[2] or ""))
        candidates, pool = ({base * _SCALES[m[3].lower()]}, ev_exact) if m[3] else ({base}, ev_values)
        if not any(_close(c, v) for c in candidates for v in pool):
            value = m[0].strip()
            issues.append(Reason(ReasonKind.MISSING_NUMBER, f"number {value} not in passage", (value,)))
    return issues


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _date_issues(claim: str, ev_words: list[str]) -> list[Reason]:
    ev_months = {_MONTH_ABBR.get(w, w) for w in ev_words} & set(_MONTHS)
    ev_days = set(ev_words) & _WEEKDAYS
    issues = []
    for w in words(claim, keep_case=True):
        # Only capitalised: lower-case "may" and "march" are a verb and a noun.
        if not w[0].isupper():
            continue
        low = w.lower()
        month = _MONTH_ABBR.get(low.rstrip("."), low)
        if month in _MONTHS and month not in ev_months:
            issues.append(Reason(ReasonKind.MISSING_DATE, f"month {w} not in passage", (w,)))
        elif low in _WEEKDAYS and low not in ev_days:
            issues.append(Reason(ReasonKind.MISSING_DATE, f"day {w} not in passage", (w,)))
    return issues


def _name_issues(claim: str, ev_words: list[str], skip: Callable[[str], bool] | None = None) -> list[Reason]:
    """Names in the claim the passage lacks.

    A name passes when its last word (surname, head noun) and at least half its words occur in the
    passage, so "Barack Obama" is backed by "Obama" and "United States Supreme Court" by "the Supreme
    Court", while "Antonio Tajani" is not backed by "Antonio Guterres". An all-capital acronym also
    passes when consecutive passage words begin with its letters ("CNN", "convolutional neural network").
    """
    ev = word_pool(ev_words)
    issues = []
    for name in _names(claim):
        if skip is not None:
            name = [t for t in name if not skip(t)]
            if not name:
                continue
        found = [_mentioned(t, ev, ev_words) for t in name]
        if not (found[-1] and 2 * sum(found) >= len(found)):
            missing = ", ".join(t for t, ok in zip(name, found, strict=True) if not ok)
            full = " ".join(name)
            issues.append(Reason(ReasonKind.MISSING_NAME, f"name {full!r} not in passage ({missing} missing)", (full,)))
    return issues


def _mentioned(token: str, pool: set[str], ev_words: list[str]) -> bool:
    """A name's word occurs in the evidence (`word_pool` of `ev_words`), or is an acronym of its words."""
    return in_words(token.lower(), pool) or _is_acronym_of(token, ev_words)


def _is_acronym_of(token: str, pool: list[str]) -> bool:
    if not (2 <= len(token) <= 6 and token.isalpha() and token.isupper()):
        return False
    letters = token.lower()
    n = len(letters)
    return any(
        all(pool[i + k][0] == letters[k] for k in range(n))
        for i in range(len(pool) - n + 1)
        if pool[i][0] == letters[0]
    )


def _names(text: str) -> list[list[str]]:
    """Runs of capitalised words, minus stopwords, honorifics, dates and a lone sentence-initial word.

    A single capitalised word at the start of a sentence is usually an ordinary word ("Officials
    said"), so it counts only when a capitalised run continues after it ("Guido Crosetto said").
    """
    return [name for name, _ in _name_runs(text)]


def _name_runs(text: str) -> list[tuple[list[str], bool]]:
    """`_names`, each with whether it opens its sentence (its first word may then be an ordinary word:
    "Besides France")."""
    names = []
    for sentence in _NAME_BREAK.split(text):
        # A comma or bracket ends a name: "Franeker, Netherlands" is two names, checked separately.
        for n, segment in enumerate(re.split(r"[,;()\[\]]", sentence)):
            names += _capitalised_runs(words(segment, keep_case=True), at_sentence_start=n == 0)
    return names


def _capitalised_runs(found: list[str], at_sentence_start: bool) -> list[tuple[list[str], bool]]:
    names = []
    run: list[tuple[int, str]] = []
    for i, w in enumerate([*found, ""]):
        if w and (w[0].isupper() or (run and w.lower() in {"de", "van", "von", "bin", "al", "da", "del"})):
            run.append((i, w))
            continue
        # In "AI-based" only "AI" is a name; in "Neuro-Symbolic" both parts are.
        tokens = [p for _, t in run for p in t.split("-") if p and _is_name_token(p)]
        opens = at_sentence_start and bool(run) and run[0][0] == 0
        if tokens and not (opens and len(run) == 1):
            names.append((tokens, opens))
        run = []
    return names


def _is_name_token(token: str) -> bool:
    low = token.lower().rstrip(".")
    return (
        len(low) > 1
        and low not in STOPWORDS
        and low not in _HONORIFICS
        and low not in _MONTHS
        and low not in _MONTH_ABBR
        and low not in _WEEKDAYS
        and low not in _NUMBER_WORDS
        and token[0].isupper()
    )


def _negation_issues(claim: str, evidence: str) -> list[Reason]:
    claim_words = words(claim)
    ev_sentences = [words(s) for s in re.split(r"(?<=[.!?])\s+|\n+", evidence) if s.strip()]
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
            message = f"passage says {cue!r} {target!r} but the claim has no negation"
            return [Reason(ReasonKind.NEGATION, message, (cue, target))]
    return []


def _claim_negation_issues(claim_negs: list[tuple[str, str]], ev_sentences: list[list[str]]) -> list[Reason]:
    """A negated claim needs a negation in the passage: beside its verb where the verb occurs, else anywhere."""
    for cue, target in claim_negs:
        with_target = [s for s in ev_sentences if target and in_words(target, set(s))]
        # Beside the verb, only a grammatical negation or one aimed at the same verb counts: "confirmed
        # the refusal" does not back "did not confirm".
        if with_target and not any(_negates(s, target) for s in with_target):
            message = f"claim says {cue!r} {target!r} but the passage states {target!r} without negation"
            return [Reason(ReasonKind.NEGATION, message, (cue, target))]
        if not with_target and not any(_negation_targets(s) for s in ev_sentences):
            return [Reason(ReasonKind.NEGATION, f"claim says {cue!r} but the passage has no negation", (cue,))]
    return []


def _negates(sentence: Sequence[str], target: str) -> bool:
    return any(
        cue in _GRAMMATICAL_NEGATIONS or cue.endswith("n't") or (t and in_words(t, {target}))
        for cue, t in _negation_targets(sentence)
    )


def _negation_targets(sentence: Sequence[str]) -> list[tuple[str, str]]:
    """(negation word, the first content word within three words after it, or "")."""
    found = []
    for i, w in enumerate(sentence):
        if w not in _NEGATIONS and not w.endswith("n't"):
            continue
        following = sentence[i + 1 : i + 4]
        if following and following[0] in _NEGATION_EXCEPTIONS:
            continue
        target = next((f for f in following if f not in STOPWORDS and not f[0].isdigit()), "")
        found.append((w, target))
    return found


def _best_sentence(claim_words: list[str], sentences: list[list[str]]) -> list[str] | None:
    """The passage sentence sharing most content words with the claim, if it shares at least half."""
    wanted = {w for w in claim_words if w not in STOPWORDS}
    if not wanted:
        return None
    best = max(sentences, default=[], key=lambda s: len(wanted & set(s)))
    return best if len(wanted & set(best)) * 2 >= len(wanted) else None


# ---------------------------------------------------------------- features for the calibrated judge

# The calibrated judge's features count issues by these names (fixed by the trained weights).
ISSUE_KINDS = ("number", "month", "day", "name", "negation")


def support_features(claim: str, evidence: str) -> dict[str, float]:
    """Model-free evidence about support, the inputs (with the model's P(Yes)) of the calibrated judge.

    Counts of deterministic issues by kind, the claim's word coverage and content-bigram coverage,
    and sizes. Deterministic and cheap (a few milliseconds).
    """
    issues = deterministic_issues(claim, evidence)
    kinds = [_feature_kind(i) for i in issues]
    feats = {f"issues_{k}": float(kinds.count(k)) for k in ISSUE_KINDS}
    claim_words = content_words(claim)
    ev_words = content_words(evidence)
    ev = set(ev_words)
    found = [in_words(w, ev) for w in claim_words]
    bigrams = list(itertools.pairwise(claim_words))
    ev_bigrams = set(itertools.pairwise(ev_words))
    feats |= {
        "coverage": sum(found) / len(found) if found else 0.0,
        "missing_words": float(len(found) - sum(found)),
        "bigram_coverage": sum(b in ev_bigrams for b in bigrams) / len(bigrams) if bigrams else 0.0,
        # a multi-sentence claim is only as supported as its worst-covered sentence
        "min_part_coverage": min(coverage(part, evidence) for part in claim_parts(claim)),
        "claim_words": float(len(claim_words)),
        "log_evidence_words": math.log1p(len(ev_words)),
    }
    return feats


def _feature_kind(issue: Reason) -> str:
    if issue.kind is ReasonKind.MISSING_DATE:
        return "month" if issue.message.startswith("month") else "day"
    return {
        ReasonKind.MISSING_NUMBER: "number",
        ReasonKind.MISSING_NAME: "name",
        ReasonKind.NEGATION: "negation",
    }[issue.kind]


def claim_parts(claim: str) -> list[str]:
    """The sentences of a claim (a multi-sentence claim is supported only if each of them is)."""
    parts = [claim[a:b].strip() for a, b in split_sentences(claim)]
    return [p for p in parts if len(content_words(p)) >= 2] or [claim]


def missing_words(claim: str, evidence: str, most: int = 6) -> tuple[Reason, ...]:
    """A reason naming the claim's content words the evidence lacks, if any."""
    pool = set(content_words(evidence))
    missing = list(dict.fromkeys(w for w in content_words(claim) if not in_words(w, pool)))
    if not missing:
        return ()
    more = f" and {len(missing) - most} more" if len(missing) > most else ""
    return (Reason(ReasonKind.MISSING_WORDS, f"not in passage: {', '.join(missing[:most])}{more}", tuple(missing)),)


# ---------------------------------------------------------------- modality: a plan is not a deed

# Words before a verb that make it a plan, a forecast or a possibility rather than something that happened.
_MODAL = re.compile(
    r"\b(?:will|would|could|may|might|shall|should|(?:is|are|was|were) (?:set|expected|scheduled|due|likely|poised|"
    r"slated|planning|going) to|plans? to|planned to|intends? to|aims? to|hopes? to|seeks? to|threatens? to|"
    r"vows? to|wants? to|proposed|proposes? to|considering|could soon)\s+(?:\w+\s+){0,2}?(?P<verb>\w{3,})",
    re.IGNORECASE,
)
_CLAIM_MODAL = re.compile(
    r"\b(?:will|would|could|can|cannot|may|might|shall|should|set to|expected|scheduled|due to|likely|poised|slated|"
    r"plan\w*|intend\w*|aim\w*|hope\w*|seek\w*|threat\w*|vow\w*|want\w*|propos\w*|consider\w*|possib\w*|if)\b",
    re.IGNORECASE,
)


def modality_issue(claim: str, evidence: str) -> Reason | None:
    """The evidence states as planned, expected or possible ("will sign", "is set to lay off") what the
    claim states as done ("signed", "laid off"): the claim's verb follows a modal word in the evidence
    sentence that covers the claim best, and the claim carries no modal word of its own."""
    if _CLAIM_MODAL.search(claim):
        return None
    claim_words = words(normalise(claim))
    claim_set = set(claim_words) | {IRREGULAR_PAST[w] for w in claim_words if w in IRREGULAR_PAST}
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", normalise(evidence)) if s.strip()]
    best = _best_sentence(claim_words, [words(s) for s in sentences])
    if best is None:
        return None
    sentence = next(s for s in sentences if words(s) == best)
    for m in _MODAL.finditer(sentence):
        verb = m["verb"].lower()
        if verb not in STOPWORDS and in_words(verb, claim_set):
            phrase = " ".join(m.group(0).split())
            return Reason(
                ReasonKind.MODALITY, f"passage says {phrase!r}: planned or possible, not done", (phrase, verb)
            )
    return None
