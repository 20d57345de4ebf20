"""Internal data: frozen dataclasses that flow one way through the pipeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Article:
    """One news article as ingested; `body` is the text every offset refers to."""

    id: str
    title: str
    body: str
    content_hash: str
    byline: str = ""
    outlet: str = ""
    url: str = ""
    published_at: str = ""  # ISO date or datetime, "" when unknown
    source: str = ""  # where it was read from: a path, path:line, or "api"


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article; `body[start:end] == text` always holds."""

    article_id: str
    position: int
    start: int
    end: int
    text: str
    n_tokens: int  # in the chunking encoding (tiktoken)

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.position}"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's metadata and how it ranked."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    score: float  # fused (reciprocal rank) score; higher is better
    title: str = ""
    byline: str = ""
    outlet: str = ""
    url: str = ""
    published_at: str = ""
    source: str = ""
    dense_score: float | None = None  # cosine similarity to the question, when dense search found it
    dense_rank: int | None = None
    bm25_rank: int | None = None
    # chunk ids of near-identical passages (syndicated copies) collapsed into this one
    duplicates: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Filters:
    """Restrictions on what retrieval may return; empty means no restriction.

    Dates are ISO strings compared as text, so "2024-01" matches all of January 2024 as a lower bound.
    `as_of` is the moment a question is asked: nothing published after that day is returned. Unlike
    `published_before`, it keeps articles without a date (nothing says they are newer), which retrieval
    then treats as old and which can never back a claim about time.
    """

    published_after: str = ""  # inclusive; an undated article never matches
    published_before: str = ""  # exclusive; an undated article never matches
    outlets: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    as_of: str = ""  # an ISO date, inclusive; "" for no cut-off

    def __bool__(self) -> bool:
        return bool(self.published_after or self.published_before or self.outlets or self.article_ids or self.as_of)


class ReasonKind(StrEnum):
    """Why a claim was judged unsupported, or a sentence dropped: what code reads instead of the message."""

    # found by the deterministic checks (rag.judges.checks)
    MISSING_NUMBER = "missing_number"
    MISSING_DATE = "missing_date"  # a month or weekday
    MISSING_NAME = "missing_name"
    NEGATION = "negation"
    # found by a judge
    BELOW_THRESHOLD = "below_threshold"  # the model's (or overlap's) score fell short
    MISSING_WORDS = "missing_words"  # the claim's content words the evidence lacks (said beside a low score)
    # found by verification (rag.verify)
    VERBATIM = "verbatim"  # not a failure: the sentence is copied from the passage
    FROM_VALUES = "from_values"  # not a failure: a disagreement stated from values the cited sentences give
    NO_CITATION = "no_citation"
    BAD_CITATION = "bad_citation"  # a number that refers to no passage
    FABRICATED_QUOTE = "fabricated_quote"
    QUOTE_NOT_IN_PASSAGE = "quote_not_in_passage"
    PREMISE_ECHO = "premise_echo"  # repeats question words the passage lacks, and the judge is not sure
    NOT_SUPPORTED = "not_supported"  # a cited passage does not support it (`causes` say why)
    RECITE_FAILED = "recite_failed"  # another passage tried for it does not support it either
    NO_QUOTE_LOCATED = "no_quote_located"  # its quote could not be found at offsets in the article
    TIME_MISMATCH = "time_mismatch"  # "this week", "recently": the cited article is not from then (or undated)
    OTHER_PERIOD = "other_period"  # the sentence names only years or days outside the period asked about
    MODALITY = "modality"  # the passage says "will sign", the sentence "signed"
    NOT_ALIGNED = "not_aligned"  # the answer's words appear in the passage only where it talks of something else
    ONLY_ASKED = "only_asked"  # the passage only asks it: "Vice President Aaron Rodgers?"
    RANK = "rank"  # repeats the question's "first", "highest", which the passage does not say
    NOT_THE_KIND_ASKED = "not_the_kind_asked"  # asked "where", the answer names no place


@dataclass(frozen=True)
class Reason:
    """One reason, typed for code (`kind`, `values`, `causes`) and worded for people (`message`).

    `values` are what the reason is about (the missing number, the echoed words, the passage number);
    `causes` are the reasons beneath it (why a cited passage does not support the sentence).
    """

    kind: ReasonKind
    message: str
    values: tuple[str, ...] = ()
    causes: tuple[Reason, ...] = ()

    def __str__(self) -> str:
        return self.message

    def walk(self) -> list[Reason]:
        """This reason and every cause beneath it, depth first."""
        return [self, *(r for c in self.causes for r in c.walk())]


class AbstainReason(StrEnum):
    """Why an answer is an abstention (`Answer.abstain_reason`); decided by the pipeline alone."""

    NO_RELEVANT_PASSAGES = "no_relevant_passages"  # nothing retrieved is close enough to the question
    INSUFFICIENT_SUPPORT = "insufficient_support"  # a false premise, a decline, or nothing survived verification
    NO_ARTICLES_IN_PERIOD = "no_articles_in_period"  # the question's time window ("this week") holds no article
    OUTDATED = "outdated"  # only reports much older than the as-of date back the answer; newer ones do not


@dataclass(frozen=True)
class Source:
    """A cited passage: its article, and the quote that supports the answer, at [start, end) of the body."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    author: str
    published_at: str
    url: str
    quote: str
    start: int
    end: int
    outlet: str = ""
    path: str = ""  # where the article was read from, when it has no URL


@dataclass(frozen=True)
class Sentence:
    """One answer sentence with its citation numbers (into `Answer.sources`) and how it was verified."""

    text: str
    citations: tuple[int, ...]
    verdict: str  # supported | supported_elsewhere | metadata | unsupported (lenient mode only)
    support: float  # the judge's score, 0..1
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConflictSource:
    """One source of a disputed value: its number in `Answer.sources`, its article's stored outlet and date,
    the passage sentence that gives the value, and the value as that sentence words it."""

    n: int
    article_id: str
    outlet: str
    published_at: str
    sentence: str
    value: str = ""


@dataclass(frozen=True)
class ConflictValue:
    """One of the values the sources give, as the first of them words it, with every source that gives it."""

    value: str
    sources: list[ConflictSource]


@dataclass(frozen=True)
class Conflict:
    """The passages disagree on what the question asks (`slot`, a `kind` of value: number, date, name).

    `status`: `update` (the values differ by publication date: the latest first), `minority` (one source
    alone against several: the majority's value first) or `disagreement` (neither: the best supported
    first). The answer states it in a sentence of verdict `disagreement` and never gives a minority or
    outdated value as the answer.
    """

    slot: str
    kind: str
    status: str
    values: list[ConflictValue]


@dataclass(frozen=True)
class Answer:
    """Everything `rag ask --json` prints and `POST /v1/ask` returns."""

    question: str
    answer: str
    answerable: bool
    abstain_reason: AbstainReason | None
    sentences: list[Sentence]
    sources: list[Source]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    usage: dict[str, Any] = field(default_factory=dict)  # tokens, judge calls, models
    dropped: list[Sentence] = field(default_factory=list)  # drafted sentences that failed verification
    as_of: str = ""  # the day the question was asked at (ISO); nothing published after it was used
    conflicts: list[Conflict] = field(default_factory=list)  # where the sources disagree on what was asked

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
