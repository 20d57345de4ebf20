"""Verification: every sentence of a draft is checked against the passages it cites before a user sees it.

Per sentence, in order:
1. citation numbers must refer to passages that were given to the generator (others are discarded);
2. text the sentence puts in quotation marks must occur in a cited passage (a fabricated quote fails
   the sentence outright: no other passage can make it true);
3. the support judge must find the sentence supported by a cited passage on its own, or by all its
   cited passages together. A sentence copied verbatim from a cited passage is supported without
   asking the judge; one the passage only asks ("Vice President Aaron Rodgers?": `only_asked`), or one
   repeating a rank the question asks about that the passage lacks ("the first", `RANKS`), is not. A
   fragment (a name or figure alone, `is_fragment`) is judged with its question, and must sit in a passage
   sentence about what was asked (`alignment_issue`), verbatim or not; any sentence's answer must not be
   said only of the other of two relatives the question names ("Jason Kelce's brother Travis":
   `relative_issue`). The judge reads a window of a long passage (`rag.text.evidence_window`: the sentences
   covering the claim's words, and those giving its figures), and the passage's relative dates resolved
   against its publication date ("yesterday" in an article of 1 April is 31 March:
   `rag.timeframe.dating_note`, appended to the passage, so a window keeps it when the claim's figures or
   words are in it);
4. words of time in the sentence that count from the as-of date ("this week", "recently", "now") must
   hold for the cited article's publication date: a three-week-old report does not back "this week", and
   an undated one backs no such word. The question's own time binds every sentence of its answer, quoted
   ones included: a 2017 report answers no question about "this week", "recently" or "in 2024"
   (`question_time_issue`), nor a sentence naming only 2020 and 2021 one about "in 2022" (`year_issue`),
   nor one naming only 6 February one about this week of January (`day_issue`).
A sentence that fails is re-cited to the retrieved passage that best supports it, if one passes;
otherwise it is dropped (strict, the default) or kept and marked unsupported (lenient).
Sentences that only say the passages do not answer are set aside: they are not claims. A kept sentence
loses the prompt's word for the articles ("According to the passage, ...") once it is checked.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from rag.dates import day_of
from rag.generators.base import Draft, is_not_stated
from rag.judges.base import SupportJudge
from rag.judges.checks import modality_issue
from rag.question import asked_words, kin_pair, proper_names
from rag.text import (
    TRAILING_PUNCT,
    claim_coverage,
    content_words,
    coverage,
    evidence_window,
    in_words,
    normalise,
    occurs_in,
    split_sentences,
    straight_quotes,
    supporting_span,
    words,
)
from rag.timeframe import TimeFrame, dating_note, find_time, named_days
from rag.types import Passage, Reason, ReasonKind

SUPPORTED = "supported"
SUPPORTED_ELSEWHERE = "supported_elsewhere"  # its own citation failed; another retrieved passage supports it
UNSUPPORTED = "unsupported"

# [1], [1][2], [1, 2], [1-3], [Passage 2], 【1】
_MARKER = re.compile(r"\s*[\[【]\s*(?:passages?\s*)?(\d+(?:\s*(?:,|-|–|and)\s*\d+)*)\s*[\]】]", re.IGNORECASE)
_LEADING_MARKERS = re.compile(rf"^(?:{_MARKER.pattern})+", re.IGNORECASE)
_LEADER = re.compile(r"^\s*(?:answer\s*:|[-*•]\s+|\d+[.)]\s+)\s*", re.IGNORECASE)
# The prompt's word for the articles is not the user's: "According to the passage, ..." and "..., as stated in
# passage 2" leave the sentence (a law's "passage through Congress" is not followed by a stop or a comma).
# Stripped only after verification: checked as drafted, a sentence hedged so often fails, and the two that
# stripping before the check let through (RealTimeQA, SQuAD 2.0 replays) were both wrong answers.
_PROMPT_TALK = re.compile(
    r"^\s*according to (?:the )?passages?(?:\s*\d+)?\s*,\s*"
    r"|,?\s*(?:according to|as (?:stated|mentioned|said|given|shown) in) (?:the )?passages?(?:\s*\d+)?"
    r"(?=\s*[,.;!?]|\s*$)",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")
# Passages cited together support a sentence none supports alone only with this much confidence: the
# small judge says yes too easily to a long concatenation.
COMBINED_MIN_SCORE = 0.8
# A sentence that repeats this many of the question's content words which its passage lacks may be
# restating the question's premise ("Crosetto resigned ..." for "When did Crosetto resign?"); the judge
# must then be at least this sure. Measured with `python -m experiments.premise_echo` (SQuAD 2.0, 60 answers
# restating a true premise and 60 restating a false one): at 0.5, 50% of true and 32% of false pass; at
# 0.65, 8% and 3%; at 0.75, 2% and 0%. 0.65 keeps false premises rare while letting the seed set's
# restated right answers through (they score 0.67-0.70; false premises there score below 0.5).
# A figure alone ("4" for how many cups of coffee) says what it counts only through the question, as a restated
# premise does: it needs the same bar (the seed set's right "300,000" scores 0.67-0.69; two wrong figures
# RealTimeQA's replayed drafts gave, 0.55 and 0.58).
PREMISE_WORDS = 1
PREMISE_MIN_SCORE = 0.65
# A rank the question asks about must be the passage's own word, however sure the judge: "The first Bubbakoo's
# restaurant is at Hazlet Town Center" from "Bubbakoo's opens a new restaurant at Hazlet Town Center" (0.85),
# "The highest price of oil was nearly $12" (SQuAD). Words of time ("latest", "last") are the time rules'.
RANKS = frozenset(
    "first second third only sole largest biggest highest lowest smallest oldest youngest best worst fastest "
    "slowest longest shortest".split()
)
# "recently", "now", "currently", "latest" in a sentence: its cited article is at most this old.
RECENT_DAYS = 31
# A calendar period in a question ("on Jan. 7, 2024") is answered by reports from this many days before it
# on: events are announced ("begins airing Sunday, Jan. 7" in a report of 5 January).
ANNOUNCED_DAYS = 7
# A sentence with fewer content words than this is an answer fragment ("Guido Crosetto."): the judge
# reads it together with the question, or "300,000 [2]" could be checked against nothing. So is a name or
# figure alone however long ("Foreign Minister Antonio Tajani": `is_fragment`).
FRAGMENT_WORDS = 4


@dataclass(frozen=True)
class DraftSentence:
    """One sentence of a draft: its text without citation markers, and the numbers it cited."""

    text: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class CheckedSentence:
    """A sentence after verification. `citations` are 0-based indices into the passages; `spans` maps
    each to the (start, end) of the supporting text inside that passage's text."""

    text: str
    citations: tuple[int, ...]
    verdict: str  # supported | supported_elsewhere | unsupported
    support: float  # the judge's score for the citations kept, 0..1
    reasons: tuple[Reason, ...] = ()
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdict != UNSUPPORTED


@dataclass(frozen=True)
class Verification:
    """What survived (`sentences`), what was dropped and why, and what it cost."""

    sentences: list[CheckedSentence]
    dropped: list[CheckedSentence]
    declined: bool  # the draft only said the passages do not answer
    judge_calls: int
    seconds: float


def parse_draft(text: str) -> list[DraftSentence]:
    """The sentences of a draft with the citation numbers each carries.

    Markers written after a sentence's full stop ("... refusal. [1]") belong to that sentence.
    """
    text = straight_quotes(text).strip()
    pieces = [text[s:e] for s, e in split_sentences(text)]
    sentences: list[DraftSentence] = []
    for piece in pieces:
        lead = _LEADING_MARKERS.match(piece)
        if lead and sentences:  # markers opening this piece close the previous sentence
            prev = sentences[-1]
            sentences[-1] = DraftSentence(prev.text, prev.citations + _numbers(lead.group(0)))
            piece = piece[lead.end() :]
        citations = _numbers(" ".join(m.group(0) for m in _MARKER.finditer(piece)))
        clean = _LEADER.sub("", _MARKER.sub("", piece))
        clean = " ".join(clean.split())
        clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
        if clean.strip(TRAILING_PUNCT + " "):
            sentences.append(DraftSentence(clean, citations))
        elif citations and sentences:
            prev = sentences[-1]
            sentences[-1] = DraftSentence(prev.text, prev.citations + citations)
    return [DraftSentence(s.text, tuple(dict.fromkeys(s.citations))) for s in sentences]


def without_prompt_talk(sentence: str) -> str:
    """`sentence` without "according to the passage" and its like (see `_PROMPT_TALK`): what a user reads."""
    talk = _PROMPT_TALK.sub("", sentence).strip()
    return sentence if talk == sentence else talk[:1].upper() + talk[1:]


def _numbers(markers: str) -> tuple[int, ...]:
    out: list[int] = []
    for group in re.findall(r"[\[【]([^\]】]*)[\]】]", markers):
        for part in re.split(r"\s*(?:,|and)\s*", re.sub(r"(?i)passages?", "", group)):
            bounds = [int(x) for x in re.findall(r"\d+", part)]
            if len(bounds) == 2 and re.search(r"[-–]", part) and 0 < bounds[1] - bounds[0] < 10:
                out += range(bounds[0], bounds[1] + 1)
            else:
                out += bounds
    return tuple(out)


def quotes_in(sentence: str) -> list[str]:
    """Text the sentence presents as quoted (double quotes, at least two words)."""
    found = [m.group(1).strip().rstrip(TRAILING_PUNCT).strip() for m in _QUOTE.finditer(straight_quotes(sentence))]
    return [q for q in found if len(q.split()) >= 2]


def _verbatim(sentence: str, passage_text: str) -> bool:
    body = straight_quotes(sentence).strip().rstrip(TRAILING_PUNCT).strip().strip('"').strip()
    return len(body.split()) >= 3 and occurs_in(body.rstrip(TRAILING_PUNCT), passage_text)


def _bare_figure(claim: str) -> bool:
    """`claim` is a figure and nothing else ("171", "87.29%"): what it counts is only in the question."""
    return not content_words(claim) and any(c.isdigit() for w in words(normalise(claim)) for c in w)


def is_fragment(claim: str) -> bool:
    """`claim` is an answer fragment rather than a statement: fewer than `FRAGMENT_WORDS` content words, or
    only names and figures ("Foreign Minister Antonio Tajani", "Vice President Aaron Rodgers")."""
    said = content_words(claim)
    if len(said) < FRAGMENT_WORDS:
        return True
    written = {w.lower(): w for w in words(normalise(claim), keep_case=True)}
    return all(written.get(w, w)[:1].isupper() or any(c.isdigit() for c in w) for w in said)


def only_asked(claim: str, evidence: str) -> Reason | None:
    """Why the evidence backs `claim` only by asking it, or None: every content word of the claim is in one of
    the passage's questions ("Vice President Aaron Rodgers?", "Will Rodgers be Kennedy's running mate?") and
    in none of its statements. A question in an article asserts nothing, yet the judge reads it as it reads
    any sentence (it passed "Vice President Aaron Rodgers" at 0.74)."""
    said = content_words(claim)
    if not said:
        return None
    asked: list[set[str]] = []
    stated: list[set[str]] = []
    for a, b in split_sentences(evidence):
        text = evidence[a:b]
        (asked if text.rstrip("\"'”’»)] ").endswith("?") else stated).append(set(content_words(text)))
    if not any(all(in_words(w, q) for w in said) for q in asked):
        return None
    if any(all(in_words(w, s) for w in said) for s in stated):
        return None
    return Reason(ReasonKind.ONLY_ASKED, "the passage only asks it", tuple(dict.fromkeys(said)))


def premise_words(question: str, claim: str, evidence: str) -> list[str]:
    """Content words of the claim that come from the question but that the evidence lacks."""
    asked = set(content_words(question))
    ev = set(content_words(evidence))
    return [w for w in dict.fromkeys(content_words(claim)) if in_words(w, asked) and not in_words(w, ev)]


def rank_echoes(question: str, claim: str, evidence: str) -> list[str]:
    """The question's ranks (`RANKS`: "first", "highest") that the claim repeats and the evidence lacks, word for
    word: "higher" is not "highest"."""
    asked, said = set(words(normalise(question))), set(words(normalise(evidence)))
    return [w for w in dict.fromkeys(words(normalise(claim))) if w in RANKS and w in asked and w not in said]


class Verifier:
    """Checks drafts against passages with a support judge; see the module docstring for the rules."""

    def __init__(
        self,
        judge: SupportJudge,
        *,
        strict: bool = True,
        recite_candidates: int = 2,
        recite_min_score: float = 0.0,
        modality: bool = True,
        alignment: bool = True,
        time_words: bool = True,
    ) -> None:
        """`recite_min_score`: the judge score a sentence re-cited to another passage needs (each passage tried
        is one more chance for the judge to say yes); `modality`: a sentence stating as done what its passage
        states as planned or possible fails; `alignment`: the answer's names and figures must appear in a
        passage sentence about what the question asks, not only elsewhere in the passage; `time_words`: words of
        time in a sentence ("this week", "recently") must hold for its cited article's date."""
        if recite_candidates < 0:
            raise ValueError(f"recite_candidates must be at least 0, got {recite_candidates}")
        if not 0 <= recite_min_score <= 1:
            raise ValueError(f"recite_min_score must be between 0 and 1, got {recite_min_score}")
        self.judge = judge
        self.strict = strict
        self.recite_candidates = recite_candidates
        self.recite_min_score = recite_min_score
        self.modality = modality
        self.alignment = alignment
        self.time_words = time_words
        self._calls = 0
        self._question = ""
        self._as_of: date | None = None
        self._frame: TimeFrame | None = None  # the question's time, which binds every sentence of the answer

    def verify(
        self,
        question: str,
        passages: Sequence[Passage],
        draft: Draft | str,
        on_sentence: Callable[[CheckedSentence], None] | None = None,
        as_of: str = "",
    ) -> Verification:
        """Check every sentence of `draft`; `on_sentence` is called with each one kept, as soon as it is.
        `as_of` (an ISO date) is when the question is asked: words of time in a sentence are checked against it."""
        started = time.perf_counter()
        text = draft.text if isinstance(draft, Draft) else draft
        run = copy.copy(self)  # per-call state lives on a copy, so one Verifier serves many threads
        run._calls = 0
        run._question = question
        run._as_of = day_of(as_of)
        run._frame = find_time(question, run._as_of) if run._as_of is not None and self.time_words else None
        kept: list[CheckedSentence] = []
        dropped: list[CheckedSentence] = []
        parsed = parse_draft(text)
        claims = [s for s in parsed if not is_not_stated(s.text)]
        for sentence in claims:
            checked = run._check(question, passages, sentence)
            checked = replace(checked, text=without_prompt_talk(checked.text))
            if checked.ok or not self.strict:
                kept.append(checked)
                if on_sentence is not None:
                    on_sentence(checked)
            else:
                dropped.append(checked)
        declined = not claims
        return Verification(kept, dropped, declined, run._calls, time.perf_counter() - started)

    def _judge(self, claim: str, evidence: str, fragment: bool) -> tuple[bool, float, tuple[Reason, ...]]:
        """The judge's verdict; a `fragment` (`is_fragment`) is read with the question."""
        self._calls += 1
        # The judge reads the claim against the passage sentences that cover it best (and their neighbours):
        # a small model judges a short text better, and faster.
        j = self.judge.judge(claim, evidence_window(claim, evidence), question=self._question if fragment else "")
        return j.supported, j.score, j.reasons

    def _check(self, question: str, passages: Sequence[Passage], sentence: DraftSentence) -> CheckedSentence:
        reasons: list[Reason] = []
        cited = []
        for n in sentence.citations:
            if 1 <= n <= len(passages):
                cited.append(n - 1)
            else:
                message = f"citation [{n}] refers to no passage (there were {len(passages)})"
                reasons.append(Reason(ReasonKind.BAD_CITATION, message, (str(n),)))
        if not sentence.citations:
            reasons.append(Reason(ReasonKind.NO_CITATION, "no citation"))
        claim = sentence.text
        quotes = quotes_in(claim)
        fabricated = [q for q in quotes if not any(occurs_in(q, p.text) for p in passages)]
        if fabricated:
            message = f"quote {fabricated[0]!r} occurs in no passage"
            reasons.append(Reason(ReasonKind.FABRICATED_QUOTE, message, (fabricated[0],)))
            return CheckedSentence(claim, tuple(cited), UNSUPPORTED, 0.0, tuple(reasons))
        # Quotes must occur in the passages a sentence keeps as citations.
        usable = [i for i in cited if all(occurs_in(q, passages[i].text) for q in quotes)]
        for i in cited:
            if i not in usable:
                message = f"quoted text is not in passage [{i + 1}]"
                reasons.append(Reason(ReasonKind.QUOTE_NOT_IN_PASSAGE, message, (str(i + 1),)))
        if usable:
            result = self._support(claim, passages, usable, reasons)
            if result is not None:
                keep, score = result
                return self._checked(claim, passages, keep, SUPPORTED, score, reasons)
        # Re-cite: the other passages that share most words with the sentence, best first; among those that hold
        # a name or figure alone equally ("171" in three passages), the ones holding most of what was asked.
        others = [
            i for i in range(len(passages)) if i not in usable and all(occurs_in(q, passages[i].text) for q in quotes)
        ]
        if self._frame is not None and self._as_of is not None:  # one from outside the question's period fails
            others = [i for i in others if not question_time_issue(self._frame, passages[i].published_at, self._as_of)]
        shares = {i: claim_coverage(claim, passages[i].text) for i in others}  # to rank them
        asked = " ".join(asked_words(self._question)) if self._question and is_fragment(claim) else ""
        about = {i: coverage(asked, passages[i].text) if asked else 0.0 for i in others}
        others = sorted((i for i in others if shares[i] > 0), key=lambda i: (-shares[i], -about[i]))
        others = others[: self.recite_candidates]
        best_score = 0.0
        for i in others:
            ok, score, why = self._verdict(claim, passages[i].text, (passages[i].published_at,))
            best_score = max(best_score, score)
            if ok and score < self.recite_min_score:
                ok = False
                why = (Reason(ReasonKind.BELOW_THRESHOLD, f"re-cited needs {self.recite_min_score}, got {score:.2f}"),)
            if ok:
                return self._checked(claim, passages, [i], SUPPORTED_ELSEWHERE, score, reasons)
            message = f"re-citing to [{i + 1}] failed: {_joined(why)}"
            reasons.append(Reason(ReasonKind.RECITE_FAILED, message, (str(i + 1),), why))
        return CheckedSentence(claim, tuple(usable or cited), UNSUPPORTED, best_score, tuple(reasons))

    def _support(
        self, claim: str, passages: Sequence[Passage], cited: list[int], reasons: list[Reason]
    ) -> tuple[list[int], float] | None:
        """The cited passages that support the claim and the score, or None (with why, in `reasons`)."""
        single = [(i, *self._verdict(claim, passages[i].text, (passages[i].published_at,))) for i in cited]
        good = [(i, score) for i, ok, score, _ in single if ok]
        if good:
            return [i for i, _ in good], max(score for _, score in good)
        if len(cited) > 1:  # a sentence may combine facts from several passages
            dates = tuple(passages[i].published_at for i in cited)
            ok, score, _ = self._verdict(claim, "\n\n".join(passages[i].text for i in cited), dates)
            if ok and score >= COMBINED_MIN_SCORE:
                return cited, score
        reasons += [
            Reason(ReasonKind.NOT_SUPPORTED, f"[{i + 1}] does not support it: {_joined(why)}", (str(i + 1),), why)
            for i, _, _, why in single
        ]
        return None

    def _verdict(self, claim: str, evidence: str, dates: tuple[str, ...]) -> tuple[bool, float, tuple[Reason, ...]]:
        if self._frame is not None and self._as_of is not None:
            outside = question_time_issue(self._frame, max(dates, default=""), self._as_of)
            if outside is not None:  # before the verbatim rule: a quote of 2017 answers nothing about this week
                return False, 0.0, (outside,)
        if self._frame is not None and (other := year_issue(self._frame, claim)) is not None:
            return False, 0.0, (other,)  # a quote about 2021 answers nothing about 2022 either
        if self._frame is not None and (other := day_issue(self._frame, claim, max(dates, default=""))) is not None:
            return False, 0.0, (other,)  # nor one about 6 February anything about this week of January
        if (asked := only_asked(claim, evidence)) is not None:
            return False, 0.0, (asked,)
        # A bare name the passage holds ("Five Star Movement") is its words, not yet an answer: it must sit where
        # the passage talks of what was asked, verbatim or not.
        fragment = is_fragment(claim)
        if fragment and self.alignment and (elsewhere := alignment_issue(self._question, claim, evidence, True)):
            return False, 0.0, (elsewhere,)
        if self.alignment and (other := relative_issue(self._question, claim, evidence)):
            return False, 0.0, (other,)
        if _verbatim(claim, evidence):  # the article's own words: its "now" is its date, shown with the source
            return True, 1.0, (Reason(ReasonKind.VERBATIM, "verbatim"),)
        stale = time_issue(claim, max(dates, default=""), self._as_of) if self.time_words else None
        if stale is not None:
            return False, 0.0, (stale,)
        if self.modality and (planned := modality_issue(claim, evidence)) is not None:
            return False, 0.0, (planned,)
        if self.alignment and not fragment and (elsewhere := alignment_issue(self._question, claim, evidence)):
            return False, 0.0, (elsewhere,)
        if ranked := rank_echoes(self._question, claim, evidence):  # "opens a new restaurant" is not "the first"
            message = f"repeats the question's {', '.join(ranked)}, which the passage does not say"
            return False, 0.0, (Reason(ReasonKind.RANK, message, tuple(ranked)),)
        if len(dates) == 1 and (note := dating_note(evidence, dates[0])):
            evidence = f"{evidence}\n{note}"
        ok, score, reasons = self._judge(claim, evidence, fragment)
        echoed = premise_words(self._question, claim, evidence)
        if ok and len(echoed) >= PREMISE_WORDS and score < PREMISE_MIN_SCORE:
            message = f"repeats the question's {', '.join(echoed)}, which the passage lacks"
            return False, score, (Reason(ReasonKind.PREMISE_ECHO, message, tuple(echoed)),)
        if ok and _bare_figure(claim) and score < PREMISE_MIN_SCORE:
            message = f"a figure alone needs P(yes) {PREMISE_MIN_SCORE}, got {score:.2f}"
            return False, score, (Reason(ReasonKind.BELOW_THRESHOLD, message),)
        return ok, score, reasons

    @staticmethod
    def _checked(
        claim: str, passages: Sequence[Passage], keep: list[int], verdict: str, score: float, reasons: list[Reason]
    ) -> CheckedSentence:
        spans = {i: supporting_span(claim, passages[i].text) for i in keep}
        return CheckedSentence(claim, tuple(keep), verdict, score, tuple(reasons), spans)


# An answer's names and figures must sit in a passage sentence holding this share of the question's focus
# words, or at least half the share of the passage sentence that holds most of them.
ALIGNMENT_MIN = 0.5


def alignment_issue(question: str, claim: str, evidence: str, fragment: bool = False) -> Reason | None:
    """Why the claim's answer (its names and figures new to the question) is not where the passage talks of
    what the question asks ("captured in New York" from "captured in Caracas ... landed in New York"), or
    None. Sentences are compared by the share of the question's focus words each holds. A `fragment` ("Antonio
    Tajani" for "Who confirmed the refusal?") says nothing of its own, so its sentence must hold at least one
    focus word even in a passage about something else."""
    if not question:
        return None
    focus = asked_words(question)
    answer = _answer_words(question, claim)
    if len(focus) < 2 or not answer:
        return None
    pool = set(focus)
    shares = []
    for a, b in split_sentences(evidence):
        said = set(words(normalise(evidence[a:b])))
        held = sum(in_words(w, said) for w in pool) / len(pool)
        shares.append((held, bool(set(answer) & said)))
    holding = [held for held, has_answer in shares if has_answer]
    if not holding:
        return None  # the answer words are not in the passage as such: the judge and checks decide
    best_any = max(held for held, _ in shares)
    if max(holding) >= min(ALIGNMENT_MIN, best_any / 2) and (max(holding) > 0 or not fragment):
        return None
    message = f"{', '.join(dict.fromkeys(answer))} appear in the passage only where it is not about what was asked"
    return Reason(ReasonKind.NOT_ALIGNED, message, tuple(dict.fromkeys(answer)))


def _answer_words(question: str, claim: str) -> list[str]:
    """The claim's answer: its names and figures that are not the question's, lower case."""
    asked = set(words(question))
    answer = [w.lower() for w in proper_names(claim, question)]
    return answer + [w for w in words(normalise(claim)) if any(c.isdigit() for c in w) and w not in asked]


def relative_issue(question: str, claim: str, evidence: str) -> Reason | None:
    """Why the claim's answer is said of the other of two relatives the question names ("Jason Kelce's brother
    Travis": "His older brother, Jason Kelce, is the starting center for the Philadelphia Eagles" says nothing
    of Travis's team), or None: the passage's sentences holding the answer name the other relative in full and
    none names the one asked about (by the words of that name the other's lacks). Verbatim or not: the quote
    is about the other."""
    pair = kin_pair(question) if question else None
    answer = _answer_words(question, claim) if pair else []
    if pair is None or not answer:
        return None
    other = set(words(normalise(pair.other)))
    asked = set(words(normalise(pair.asked))) - other
    sentences = [set(words(normalise(evidence[a:b]))) for a, b in split_sentences(evidence)]
    holding = [said for said in sentences if set(answer) & said]
    if not asked or not holding or any(asked & said for said in holding):
        return None
    if not any(other <= said for said in holding):
        return None
    message = f"{', '.join(dict.fromkeys(answer))}: the passage says it of {pair.other}, not of {pair.asked}"
    return Reason(ReasonKind.NOT_ALIGNED, message, tuple(dict.fromkeys(answer)))


# Words that mark time in a question but describe rather than date a thing in an answer ("a new law").
_NOT_CLAIMS = frozenset({"new", "current", "newest"})


def time_issue(claim: str, published_at: str, as_of: date | None) -> Reason | None:
    """Why the article's date cannot back the claim's words of time counted from `as_of`, or None."""
    if as_of is None:
        return None
    frame = find_time(claim, as_of)
    if frame is None or not frame.relative or frame.phrase.lower() in _NOT_CLAIMS:
        return None
    published = day_of(published_at)
    if published is None:
        return Reason(
            ReasonKind.TIME_MISMATCH, f"{frame.phrase!r}: the passage has no publication date", (frame.phrase,)
        )
    if frame.recent:
        if (as_of - published).days <= RECENT_DAYS:
            return None
        message = f"{frame.phrase!r}: the passage was published {published}, over {RECENT_DAYS} days before {as_of}"
        return Reason(ReasonKind.TIME_MISMATCH, message, (frame.phrase, published.isoformat()))
    if (frame.start is None or frame.start <= published) and (frame.end is None or published < frame.end):
        return None
    message = f"{frame.describe()}, but the passage was published {published.isoformat()}"
    return Reason(ReasonKind.TIME_MISMATCH, message, (frame.phrase, published.isoformat()))


_YEARS = re.compile(r"\b((?:19|20)\d\d)(?:\s*[-–/]\s*(\d\d)\b)?")


def _years(text: str) -> set[str]:
    """The years `text` names, a span's second year included ("2021-22" names 2021 and 2022)."""
    found = set()
    for m in _YEARS.finditer(text):
        found.add(m[1])
        if m[2]:
            found.add(m[1][:2] + m[2])
    return found


def year_issue(frame: TimeFrame, claim: str) -> Reason | None:
    """Why `claim` is about another year than the one a question asks about ("How many hate crimes were
    reported in 2022?" answered "40% increase in incidents between 2020 and 2021"), or None. Only for a
    calendar year ("in 2022"; not "in January 2024", where a December report's "2023" may set the scene),
    and only when the claim names years, none of them that one."""
    if frame.relative or frame.start is None or frame.end is None or not 365 <= (frame.end - frame.start).days <= 367:
        return None
    asked, said = _years(frame.phrase), _years(claim)
    if not asked or not said or asked & said:
        return None
    message = f"it names {', '.join(sorted(said))}; the question asks about {', '.join(sorted(asked))}"
    return Reason(ReasonKind.OTHER_PERIOD, message, (frame.phrase, *sorted(said)))


def day_issue(frame: TimeFrame, claim: str, published_at: str) -> Reason | None:
    """Why `claim` is about other days than the short period a question asks about ("Which state conducted
    a Republican primary this week?" answered "There was a state-run Nevada Republican primary on Feb. 6"),
    or None. Only for a period of a month or less ("this week", "yesterday", "on Jan. 7, 2024"), and only when
    the claim names days by their month ("Feb. 6", a day without its year read near the cited article's
    date), none of them within `ANNOUNCED_DAYS` of the period."""
    published = day_of(published_at)
    if published is None or frame.start is None or frame.end is None or (frame.end - frame.start).days > 34:
        return None
    said = named_days(claim, published)
    slack = timedelta(days=ANNOUNCED_DAYS)
    if not said or any(frame.start - slack <= d < frame.end + slack for d in said):
        return None
    message = f"it names {', '.join(d.isoformat() for d in said)}; the question asks about {frame.describe()}"
    return Reason(ReasonKind.OTHER_PERIOD, message, (frame.phrase, *(d.isoformat() for d in said)))


def question_time_issue(frame: TimeFrame, published_at: str, as_of: date) -> Reason | None:
    """Why an article published at `published_at` cannot answer a question asked with `frame`, or None.

    A period counted from the as-of date ("this week", "yesterday") holds reports published in it; a calendar
    period ("on Jan. 7, 2024", "in 2024") holds reports published from a week before its start on (a later
    report may look back on it, an announcement may precede it by days, a report months earlier cannot report
    it); "recently", "now", "new" hold reports at most `RECENT_DAYS` old; "latest", "newest" any report here
    (the pipeline holds it to the news when the archive follows it: `rag.pipeline.outdated`). An undated
    article is not refused here: the pipeline notes that the period cannot be checked."""
    published = day_of(published_at)
    if published is None:
        return None
    if frame.recent:
        if frame.asks_newest or (as_of - published).days <= RECENT_DAYS:
            return None
        message = (
            f"the question asks about {frame.phrase!r}; the passage was published {published.isoformat()}, "
            f"over {RECENT_DAYS} days before {as_of.isoformat()}"
        )
        return Reason(ReasonKind.TIME_MISMATCH, message, (frame.phrase, published.isoformat()))
    ahead = timedelta(0) if frame.relative else timedelta(days=ANNOUNCED_DAYS)
    before = frame.start is not None and published < frame.start - ahead
    after = frame.relative and frame.end is not None and published >= frame.end
    if not (before or after):
        return None
    message = f"the question asks about {frame.describe()}; the passage was published {published.isoformat()}"
    return Reason(ReasonKind.TIME_MISMATCH, message, (frame.phrase, published.isoformat()))


def _joined(reasons: Sequence[Reason]) -> str:
    return "; ".join(r.message for r in reasons) or "judge says no"
