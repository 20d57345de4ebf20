"""Question in, verified answer out: retrieve, gate, draft, verify, assemble. The path every interface uses.

Abstentions are decided here, from evidence rather than from the prompt alone:
- `no_relevant_passages` when no retrieved passage is close enough to the question (by embedding
  similarity or by shared words); the generator is not called;
- `insufficient_support` when the question names a person, place, figure or date that no retrieved
  passage mentions (it presupposes what the articles do not say), when the generator declines, when no
  drafted sentence survives verification, or when the articles the answer cites never mention something
  the question's asking sentence names (it answers about something else);
- `no_articles_in_period` when the period the question names holds no retrieved article;
- `outdated` when only reports over `outdated_days` older than the as-of date back the answer while newer
  relevant ones were retrieved, or while the question presumes a current event (`outdated`).

When the generator drafted an answer but none of its sentences that address the question survives
verification (a small model's garbled or unsupported wording), second tries follow, cheapest first: the
optional `fallback` (the extractive generator) is asked for the passage sentence that best answers, with
the failed draft as a hint; then the one name or figure the failed sentences gave, alone (`AskParams.span`:
"TikTok" out of a sentence that restated the question around it); then a generator that can revise
(`Reviser`: the local and OpenAI-compatible ones) is shown its failed sentences and why each failed
(`revision_feedback`) and drafts once more (`AskParams.revise`, off by default: the bundled 1.5B model
mostly repeats its draft or declines, see the README). Every second draft goes through the same
verification. A generator that declined is not overruled, and a second draft that declines ends the answer
as an abstention.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from rag.citations import assemble, dropped_sentences, metadata_answer
from rag.dates import day_of, in_words
from rag.disagreement import Resolved, resolve
from rag.errors import InputError, NotFoundError
from rag.excerpts import excerpts
from rag.generators.base import NOT_STATED, Draft, Generator, Reviser, Revision
from rag.judges.checks import entity_issues, unnamed
from rag.question import (
    Kind,
    Relation,
    answer_span,
    asked_relation,
    expected_kind,
    focus,
    gives_kind,
    holds_relation,
    metadata_field,
)
from rag.retrieve import Retriever, as_of_date, join_neighbours
from rag.text import answer_words, content_words, coverage, share_held, words
from rag.timeframe import TimeFrame, current_event, without_time
from rag.types import AbstainReason, Answer, Filters, Passage, Reason, ReasonKind, Sentence, Source
from rag.verify import FRAGMENT_WORDS, RECENT_DAYS, CheckedSentence, Verifier, is_fragment

NO_RELEVANT_PASSAGES = AbstainReason.NO_RELEVANT_PASSAGES
INSUFFICIENT_SUPPORT = AbstainReason.INSUFFICIENT_SUPPORT
NO_ARTICLES_IN_PERIOD = AbstainReason.NO_ARTICLES_IN_PERIOD
OUTDATED = AbstainReason.OUTDATED
ABSTAIN_TEXT = {
    NO_RELEVANT_PASSAGES: "The indexed articles do not cover this question.",
    INSUFFICIENT_SUPPORT: "The articles don't say: no answer could be verified against the retrieved passages.",
    NO_ARTICLES_IN_PERIOD: "No indexed article was published in the period the question asks about.",
    OUTDATED: "Only reports much older than the question answer this: the story has moved on since, or the question "
    "asks about now.",
}

DISAGREE_NOTE = "the passages disagree on what was asked: answered with the disagreement"

# Called as the answer takes shape: ("passages", list[Passage]) after retrieval, then ("sentence",
# CheckedSentence) for each sentence as soon as it is verified (citations index those passages).
# It may raise (for example when the client that asked has gone) to stop the work early.
PipelineEvent = Sequence[Passage] | CheckedSentence
EventHook = Callable[[str, PipelineEvent], None]


# A second draft is used only if it holds this share of the first draft's answer words (those not in the
# question): told to quote the passages, a small model that drifts to another sentence is not answering.
AGREEMENT = 0.5


class Fallback(Protocol):
    """Drafts again when nothing answering survived (the extractive generator), guided by the failed draft."""

    def __call__(self, question: str, passages: Sequence[Passage], *, hint: str) -> Draft: ...


@dataclass(frozen=True)
class AskParams:
    """How many passages the generator sees and when the pipeline abstains before generating."""

    passages: int = 5
    min_similarity: float = 0.2  # cosine between question and passage (MiniLM) that counts as relevant
    min_coverage: float = 0.5  # or: this share of the question's content words in one passage
    max_question_chars: int = 1000
    premise_check: bool = True
    span: bool = True  # when no answering sentence survives, check the draft's one name or figure alone
    revise: bool = False  # when no answering sentence survives, ask a generator that can revise once more
    join_neighbours: bool = False  # overlapping or touching passages of one article become one (shorter prompt)
    relevant_only: bool = False  # the generator sees only the passages that pass the relevance gate
    excerpt_words: int = 80  # the generator reads this many words of each passage (rag.excerpts); 0: all
    excerpt_total_words: int = 0  # and this many of all passages together (each keeps its best sentence); 0: off
    answer_kind: bool = True  # an answer must give the kind of thing asked (a place for "where", ...) and say it
    metadata: bool = True  # "Who wrote the article?" is answered from the article's stored fields
    fallback_agreement: bool = True  # a fallback quote must hold half the failed draft's answer words
    conflicts: bool = True  # when the passages disagree on what was asked, the answer says so (rag.conflicts)
    # An answer resting only on reports over this many days older than the as-of date is declined (`outdated`)
    # when a relevant passage retrieved is from within them: the story has moved on. 0: off.
    outdated_days: int = 31

    def __post_init__(self) -> None:
        if self.passages < 1:
            raise InputError(f"passages must be at least 1, got {self.passages}")
        if not -1 <= self.min_similarity <= 1:
            raise InputError(f"min_similarity must be between -1 and 1, got {self.min_similarity}")
        if not 0 <= self.min_coverage <= 1:
            raise InputError(f"min_coverage must be between 0 and 1, got {self.min_coverage}")
        if self.max_question_chars < 1:
            raise InputError(f"max_question_chars must be at least 1, got {self.max_question_chars}")
        if self.excerpt_words < 0:
            raise InputError(f"excerpt_words must be 0 or more, got {self.excerpt_words}")
        if self.excerpt_total_words < 0:
            raise InputError(f"excerpt_total_words must be 0 or more, got {self.excerpt_total_words}")
        if self.outdated_days < 0:
            raise InputError(f"outdated_days must be 0 or more, got {self.outdated_days}")


class Pipeline:
    """Answers questions from an index. `body_of(article_id)` gives the article text offsets refer to."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator,
        verifier: Verifier,
        body_of: Callable[[str], str],
        params: AskParams | None = None,
        *,
        reading: Callable[[], AbstractContextManager[Any]] = nullcontext,
        fallback: Fallback | None = None,
    ) -> None:
        """`reading()` is held while passages and their articles are read (a service's index read lock):
        an answer is assembled from the articles as they were at retrieval, whatever changes meanwhile.
        `fallback(question, passages, hint=draft)` drafts again when no answering sentence survives."""
        self.retriever = retriever
        self.generator = generator
        self.verifier = verifier
        self.body_of = body_of
        self.params = params or AskParams()
        self.reading = reading
        self.fallback = fallback

    def check_question(self, question: str) -> str:
        """The question, stripped; InputError when it is empty or longer than the limit."""
        question = " ".join(question.split())
        if not question:
            raise InputError("the question is empty")
        limit = self.params.max_question_chars
        if len(question) > limit:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is {limit} "
                "(setting answer.max_question_chars)"
            )
        return question

    def ask(self, question: str, filters: Filters = Filters(), on_event: EventHook | None = None) -> Answer:
        """Answer `question` at `filters.as_of` (today when not given): nothing published after that day is
        read, and a time expression in the question narrows or orders what is (`rag.retrieve`)."""
        question = self.check_question(question)
        emit = on_event or (lambda kind, payload: None)
        started = time.perf_counter()
        timings: dict[str, float] = {}
        as_of = filters.as_of or date.today().isoformat()
        filters = replace(filters, as_of=as_of)
        usage: dict[str, object] = {"generator": self.generator.name}
        notes: list[str] = []
        if as_of_date(filters) and as_of > date.today().isoformat():
            notes.append(f"the as-of date {as_of} is after today")

        def done(answer_or_reason: Answer | AbstainReason, dropped: list[Sentence] | None = None) -> Answer:
            timings["total"] = time.perf_counter() - started
            rounded = {k: round(v, 4) for k, v in timings.items()}
            if notes:
                usage["notes"] = [*notes, *usage.get("notes", [])]  # type: ignore[misc]
            if isinstance(answer_or_reason, AbstainReason):
                reason = answer_or_reason
                text = ABSTAIN_TEXT[reason]
                return Answer(question, text, False, reason, [], [], rounded, usage, list(dropped or []), as_of)
            return replace(answer_or_reason, timings=rounded, usage=usage, as_of=as_of)

        t = time.perf_counter()
        with self.reading():
            retrieval = self.retriever.retrieve(question, self.params.passages, filters)
            passages = retrieval.passages
            if not passages and self.retriever.store.counts()["chunks"] == 0:
                raise NotFoundError("the index holds no articles yet: add some with `rag ingest PATH...`")
            bodies = {p.article_id: self.body_of(p.article_id) for p in passages}
            if self.params.join_neighbours:
                passages = join_neighbours(passages, bodies.__getitem__)
        timings["retrieve"] = time.perf_counter() - t
        frame = retrieval.timeframe
        if frame is not None:
            notes.append(f"time in the question: {frame.describe()}")
        if retrieval.in_window == 0:  # the window holds no article, or none about this
            if any(p.published_at for p in passages) or not passages:
                return done(NO_ARTICLES_IN_PERIOD)
            notes.append("no retrieved article is dated: the period asked about cannot be checked")
        asked = without_time(question, frame)  # what the passages must be about; the time is in the filters
        retrieved = passages
        relevant = [p for p in passages if self._relevant(asked, p)]
        if self.params.relevant_only and relevant:
            passages = relevant  # what the generator is shown, and what citations number
        usage["passages"] = len(passages)
        emit("passages", passages)
        if not relevant:
            best = max((p.dense_score or 0.0 for p in passages), default=0.0)
            usage["notes"] = [f"best passage similarity {best:.2f} < {self.params.min_similarity}"]
            return done(NO_RELEVANT_PASSAGES)
        if self.params.metadata and (field := metadata_field(question)) is not None:
            answered = metadata_answer(field, relevant[0], bodies[relevant[0].article_id])
            if answered is None:
                notes.append(f"the article has no stored {field}")
                return done(INSUFFICIENT_SUPPORT)
            sentence, source = answered
            notes.append(f"answered from the article's stored {field}")
            return done(Answer(question, sentence.text, True, None, [sentence], [source]))
        if self.params.premise_check:
            bylines = [p.byline for p in retrieved]
            issues = [i for i in entity_issues(asked, _evidence(retrieved)) if not _reporter(i, bylines)]
            if issues:
                usage["notes"] = [
                    f"question: {i.message.replace('not in passage', 'in no retrieved passage')}" for i in issues
                ]
                return done(INSUFFICIENT_SUPPORT)

        # Only a question without time words, or one asking for the newest ("the latest figures"): one with
        # other time words has every sentence bound to its period (rag.verify); one asking when gets its date
        # from whichever report tells it.
        asked_kind = expected_kind(asked)
        asks_when = asked_kind in (Kind.DATE, Kind.YEAR)
        newest = frame is not None and frame.asks_newest
        moved_on = self.params.outdated_days if (frame is None or newest) and not asks_when else 0
        about_now = (frame.phrase if frame is not None else current_event(asked)) if moved_on else None
        if about_now is not None and not self._current_at(as_of, moved_on):
            about_now = None  # an archive that ends earlier: its newest reports are the news it has (dated below)

        def current(answer: Answer, before: Sequence[Sentence] = ()) -> Answer:
            """`answer` returned, or declined as `outdated` when the story has moved on past its reports."""
            if (why := outdated(answer.sources, relevant, as_of, moved_on, about_now)) is None:
                return done(answer)
            notes.append(why)
            return done(OUTDATED, dropped=[*answer.sentences, *before, *answer.dropped])

        def disagreement(checked: Sequence[CheckedSentence]) -> Resolved | None:
            """The answer with the passages' disagreement stated, when they disagree (timed as `conflicts`)."""
            if not self.params.conflicts:
                return None
            t = time.perf_counter()
            found = resolve(asked, passages, checked, bodies.__getitem__, relevant=relevant, frame=frame,
                            on_statement=lambda c: emit("sentence", c))  # fmt: skip
            timings["conflicts"] = timings.get("conflicts", 0.0) + time.perf_counter() - t
            return found

        # An answer from reports over a month old says their date (one asking when gives a date already).
        old_days = 0 if asks_when else RECENT_DAYS

        def said(sentences: Sequence[Sentence], sources: Sequence[Source]) -> str:
            return dated(" ".join(s.text for s in sentences), frame, as_of, sources, old_days)

        def stated(resolved: Resolved, dropped: list[Sentence]) -> Answer:
            # a disagreement dates each side itself: only a question about a time dates it as a whole
            text = dated(" ".join(s.text for s in resolved.sentences), frame, as_of, resolved.sources)
            return Answer(question, text, True, None, resolved.sentences, resolved.sources,
                          dropped=dropped + resolved.dropped, conflicts=resolved.conflicts)  # fmt: skip

        def off_subject(sources: Sequence[Source]) -> str | None:
            """Why an answer citing `sources` answers something else than was asked, or None: the question
            names what none of the articles it cites mentions ("the Rodney Reservoir" answered from a report on
            the Newark Reservoir); a reporter's name may be in the byline only."""
            if not self.params.premise_check or not sources:
                return None
            cited = {s.article_id: s for s in sources}
            text = "\n\n".join(f"{s.title}\n{bodies[a]}" for a, s in cited.items())
            years = {s.published_at[:4] for s in cited.values() if s.published_at}
            bylines = [s.author for s in cited.values()]
            issues = [i for i in unnamed(focus(asked), text, years) if not _reporter(i, bylines)]
            if not issues:
                return None
            return "the cited articles do not mention what the question names: " + "; ".join(i.message for i in issues)

        # A model reads excerpts (when set); verification, citations and the fallback read whole passages.
        budget = self.params.excerpt_words if getattr(self.generator, "reads_prompt", True) else 0
        shown = excerpts(asked, passages, budget, self.params.excerpt_total_words)
        t = time.perf_counter()
        draft = self.generator.generate(question, shown, as_of=as_of)
        timings["generate"] = time.perf_counter() - t
        usage["draft"] = draft.text
        for key in ("prompt_tokens", "completion_tokens"):
            if key in draft.stats:
                usage[key] = int(draft.stats[key])

        t = time.perf_counter()
        verification = self.verifier.verify(question, passages, draft, lambda c: emit("sentence", c), as_of)
        sentences, sources, lost = assemble(verification.sentences, passages, bodies.__getitem__)
        timings["verify"] = time.perf_counter() - t
        usage["judge_calls"] = verification.judge_calls
        dropped = dropped_sentences(verification.dropped) + lost
        if verification.declined:
            usage["notes"] = ["the generator found no answer in the passages"]
            if resolved := disagreement([]):
                usage["notes"] = ["the generator found no answer in the passages", DISAGREE_NOTE]
                return current(stated(resolved, dropped))
            return done(INSUFFICIENT_SUPPORT, dropped=dropped)
        kind = asked_kind if self.params.answer_kind else None
        relation = asked_relation(asked) if kind is not None else None
        failure = _failure(question, sentences, dropped, kind, relation, sources) or off_subject(sources)
        calls = verification.judge_calls
        failed = list(verification.dropped)  # every failed sentence so far: a later second try reads them
        retries = self._retries(question, passages, shown, draft, failed, as_of) if failure else []
        tried: list[str] = []  # why each second try that was verified is no answer either (for the notes)
        for stage, what, redraft in retries:
            t = time.perf_counter()
            second = redraft()
            if second is None:
                continue  # nothing to try at this stage
            usage[f"{stage}_draft"] = second.text
            must_agree = stage == "revise" or (stage == "fallback" and self.params.fallback_agreement)
            if must_agree and share_held(answer_words(question, draft.text), second.text) < AGREEMENT:
                timings[stage] = time.perf_counter() - t
                continue  # it answers with something else than the first draft did: neither is trusted
            checked = self.verifier.verify(question, passages, second, lambda c: emit("sentence", c), as_of)
            kept, kept_sources, kept_lost = assemble(checked.sentences, passages, bodies.__getitem__)
            timings[stage] = time.perf_counter() - t
            calls += checked.judge_calls
            usage["judge_calls"] = calls
            failed.extend(checked.dropped)
            lost = dropped_sentences(checked.dropped) + kept_lost
            dropped = dropped + lost  # the user sees why it failed too
            retry_failure = checked.declined or (
                _failure(question, kept, lost, kind, relation, kept_sources) or off_subject(kept_sources)
            )
            if isinstance(retry_failure, str):
                tried.append(f"{what}: {retry_failure}")
            if not retry_failure:
                usage["notes"] = [f"{failure}: answered with {what} instead"]
                if resolved := disagreement(checked.sentences):
                    return current(stated(resolved, sentences + dropped))
                text = said(kept, kept_sources)
                answer = Answer(question, text, True, None, kept, kept_sources, dropped=sentences + dropped)
                return current(answer)
        if failure:
            usage["notes"] = [failure, *tried]
            if resolved := disagreement([]):
                usage["notes"] = [failure, *tried, DISAGREE_NOTE]
                return current(stated(resolved, sentences + dropped))
            return done(INSUFFICIENT_SUPPORT, dropped=sentences + dropped)
        if resolved := disagreement(verification.sentences):
            return current(stated(resolved, dropped))
        text = said(sentences, sources)
        return current(Answer(question, text, True, None, sentences, sources, dropped=dropped))

    def _retries(
        self,
        question: str,
        passages: Sequence[Passage],
        shown: Sequence[Passage],
        draft: Draft,
        failed: Sequence[CheckedSentence],
        as_of: str,
    ) -> list[tuple[str, str, Callable[[], Draft | None]]]:
        """Second tries when no answering sentence survived, cheapest first: quote the passage sentence that
        answers (milliseconds), then the one name or figure the draft answered with, alone (a 1.5B model wraps
        a right "TikTok" in the question's words, which its passage lacks), then ask the generator again, told
        why its draft failed (another generation). Each is (stage name, what the answer then is, how to draft
        it); each draft is verified like the first. The generator is shown what it was shown the first time
        (`shown`: excerpts or whole passages)."""
        retries: list[tuple[str, str, Callable[[], Draft | None]]] = []
        if self.fallback is not None:
            fallback = self.fallback
            retries.append(
                (
                    "fallback",
                    "the passage sentence that best answers",
                    lambda: fallback(question, passages, hint=draft.text),
                )
            )
        if self.params.span:  # read when its turn comes: `failed` then holds the fallback quote's failure too
            retries.append(("span", "the name or figure it gave, alone", lambda: _span_draft(question, failed)))
        if self.params.revise and isinstance(self.generator, Reviser):
            reviser, revision = self.generator, Revision(draft.text, revision_feedback(failed))
            retries.append(
                (
                    "revise",
                    "a second draft, told why the first failed",
                    lambda: reviser.revise(question, shown, revision, as_of),
                )
            )
        return retries

    def _current_at(self, as_of: str, days: int) -> bool:
        """The archive holds a report of the `days` days up to `as_of`: it follows the news at that date."""
        asked, newest = day_of(as_of), day_of(self.retriever.store.newest_published(as_of))
        return asked is not None and newest is not None and (asked - newest).days <= days

    def _relevant(self, question: str, passage: Passage) -> bool:
        p = self.params
        if passage.dense_score is not None and passage.dense_score >= p.min_similarity:
            return True
        return coverage(question, f"{passage.title}\n{passage.text}") >= p.min_coverage


# A sentence that failed on these says something of the question's own terms that its passage does not: a name
# it holds, alone, would drop the very words that failed ("Hazlet Town Center" for "the first Bubbakoo's",
# "Nevada" for a primary "this week" that the quote tried before dated 6 February).
_SPAN_REFUSED = frozenset({ReasonKind.RANK, ReasonKind.OTHER_PERIOD, ReasonKind.ONLY_ASKED, ReasonKind.MODALITY})
# The kinds of answer a name or a figure alone gives, and "which ...?" ("Which fast food chain ...?"); a date
# or a year is the time rules', a reason or a description no name's.
_SPAN_KINDS = frozenset({Kind.PERSON, Kind.PLACE, Kind.NAME, Kind.NUMBER})
_WHICH = re.compile(r"\bwhich\b", re.I)


def _span_draft(question: str, failed: Sequence[CheckedSentence]) -> Draft | None:
    """A draft of the one name or figure the failed sentences answered with (`rag.question.answer_span`),
    citing what the first sentence giving it cited: "TikTok [2]"; None when the question asks for no person,
    place, name or number and is no "which ...?", when they give none or several, or when a failed sentence
    holding it failed on the question's own terms (`_SPAN_REFUSED`)."""
    kind = expected_kind(question)
    if kind not in _SPAN_KINDS and (kind is not None or not _WHICH.search(focus(question))):
        return None
    refused = [s.text for s in failed if any(r.kind in _SPAN_REFUSED for top in s.reasons for r in top.walk())]
    spans = [(span, s) for s in failed if s.text not in refused and (span := answer_span(s.text, question))]
    if not spans or len({span for span, _ in spans}) > 1 or any(spans[0][0] in text for text in refused):
        return None
    span, sentence = spans[0]
    return Draft(span + "".join(f" [{i + 1}]" for i in sentence.citations))


def outdated(
    sources: Sequence[Source], relevant: Sequence[Passage], as_of: str, days: int, about_now: str | None = None
) -> str | None:
    """Why an answer citing `sources` is out of date, or None: every cited report is over `days` days older
    than `as_of` while a relevant passage retrieved is from within them and backs nothing the answer says, or
    while the question's grammar presumes a current event (`about_now`, from `rag.timeframe.current_event`:
    "has been grounded", "will soon decide").
    On the RealTimeQA sample the first declined 10 wrong answers and no right one, the second 6 more wrong
    ones and no right one (both chosen on that sample); on the 179 development questions held out from the
    choice, the second declined 5 wrong answers and 1 right one (docs/measurements.md, "Answers from old
    reports").
    Undated reports decide nothing."""
    asked = day_of(as_of)
    cited = [d for d in (day_of(s.published_at) for s in sources) if d is not None]
    if days <= 0 or asked is None or not cited or (asked - max(cited)).days <= days:
        return None
    if about_now is not None:
        return (
            f"out of date: the question asks about a current event ({about_now!r}), and the answer rests on "
            f"reports of {max(cited).isoformat()} and earlier, over {days} days before {as_of}"
        )
    recent = [d for d in (day_of(p.published_at) for p in relevant) if d is not None and (asked - d).days <= days]
    if not recent:
        return None
    return (
        f"out of date: the answer rests on reports of {max(cited).isoformat()} and earlier, while relevant "
        f"passages of {max(recent).isoformat()} (within {days} days of {as_of}) do not back it"
    )


def dated(text: str, frame: TimeFrame | None, as_of: str, sources: Sequence[Source], old_days: int = 0) -> str:
    """An answer says when, "As of 8 January 2026 (reports of 6 January 2026): ...", when its question is about a
    time (`frame`) or when its newest cited report is over `old_days` days older than the as-of date (0:
    never): an answer from a report of 2019 says so. The dates come from the as-of date and the cited
    articles' metadata, so they need no verifying."""
    days = sorted({s.published_at[:10] for s in sources if s.published_at})
    asked, newest = day_of(as_of), day_of(days[-1]) if days else None
    old = old_days > 0 and asked is not None and newest is not None and (asked - newest).days > old_days
    if frame is None and not old:
        return text
    reported = ""
    if days:
        span = in_words(days[0]) if len(days) == 1 else f"{in_words(days[0])} to {in_words(days[-1])}"
        reported = f" (reports of {span})"
    return f"As of {in_words(as_of)}{reported}: {text}"


_DATING = re.compile(r"^As of [^:()]+(?: \(reports of [^)]+\))?: ")


def undated(text: str) -> str:
    """An answer's text without the dating `dated` put before it: what the answer itself says."""
    return _DATING.sub("", text, count=1)


def _failure(
    question: str,
    sentences: Sequence[Sentence],
    dropped: Sequence[Sentence],
    kind: Kind | None = None,
    relation: Relation | None = None,
    sources: Sequence[Source] = (),
) -> str | None:
    """Why these verified sentences cannot be the answer, or None when they can. With `kind` (what the
    question asks for), an answer none of whose sentences gives such a thing is no answer; with `relation`
    (`rag.question.asked_relation`: the "won" of "Who won ...?"), nor is one none of whose sentences says it.
    A fragment (a name or figure alone, read with its question) says it when the quote it cites (`sources`)
    does, or, for the counted thing of "how many", always ("300,000 in Rome alone" counts people unnamed)."""
    supported = [s for s in sentences if s.verdict != "unsupported"]
    if not supported:
        return "no drafted sentence is supported by the passages"
    if kind is not None and not any(gives_kind(s.text, kind, question) for s in supported):
        return f"no supported sentence gives the {kind} the question asks for"
    if relation and not any(_says(s, relation, sources) for s in supported):
        return f"no supported sentence says what the question asks about ({relation.word!r})"
    if dropped and (
        not any(_addresses(question, s.text) for s in supported)
        or max(coverage(question, s.text) for s in dropped) > max(coverage(question, s.text) for s in supported)
    ):
        # What survived is true but beside the point: the sentence that took up the question was dropped.
        return "the sentences that answered the question failed verification"
    return None


def revision_feedback(dropped: Sequence[CheckedSentence], limit: int = 3) -> str:
    """What a generator is told when none of its sentences survived: each failed sentence (up to `limit`)
    with the plainest reason the verifier gave, and the rules again."""
    lines = []
    for c in dropped[:limit]:
        found = [r for reason in c.reasons for r in reason.walk()]
        echoed = next((r for r in found if r.kind is ReasonKind.PREMISE_ECHO), None)
        missing_kinds = (ReasonKind.MISSING_NUMBER, ReasonKind.MISSING_DATE, ReasonKind.MISSING_NAME)
        missing = list(dict.fromkeys(r.values[0] for r in found if r.kind in missing_kinds and r.values))
        if echoed:
            reason = f"it uses the question's words ({', '.join(echoed.values)}), which the passages do not use"
        elif missing:
            reason = f"the passages do not give {', '.join(missing)}"
        elif c.reasons and all(r.kind is ReasonKind.NO_CITATION for r in c.reasons):
            reason = "it has no passage number"
        else:
            reason = "the passages do not support it"
        lines.append(f'- "{c.text}": {reason}')
    return (
        "None of these sentences could be checked against the passages:\n"
        + "\n".join(lines)
        + "\nCopy, word for word, the one sentence of the passages that answers the question, followed by the "
        "number of its passage in square brackets. If no sentence answers it, reply exactly: "
        f"{NOT_STATED}"
    )


def _says(sentence: Sentence, relation: Relation, sources: Sequence[Source]) -> bool:
    """`sentence` says what `relation` asks about (`_failure`)."""
    if holds_relation(sentence.text, relation.word):
        return True
    if not is_fragment(sentence.text):
        return False
    quotes = [s.quote for s in sources if s.n in sentence.citations]
    return not relation.act or any(holds_relation(q, relation.word) for q in quotes)


def _addresses(question: str, sentence: str) -> bool:
    """The sentence shares a content word with the question, or is a short answer (a name, a figure)."""
    words = content_words(sentence)
    return len(words) < FRAGMENT_WORDS or coverage(sentence, question) > 0


def _evidence(passages: Sequence[Passage]) -> str:
    return "\n\n".join(f"{p.title}\n{p.text}" for p in passages)


def _reporter(reason: Reason, bylines: Sequence[str]) -> bool:
    """`reason` is a missing name of two words or more that a byline holds whole: the question names a
    reporter ("What did Maria Rossi report ...?"). One word is not enough: a byline's "The Week UK" is no
    mention of the UK."""
    if reason.kind is not ReasonKind.MISSING_NAME or not reason.values:
        return False
    name = [w.lower() for w in words(reason.values[0])]
    return len(name) >= 2 and any(set(name) <= {w.lower() for w in words(b)} for b in bylines)
