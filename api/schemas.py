"""Every request and response body of the service, in one place, as pydantic models.

The native API (api.native), the OpenAI-compatible chat API (api.chat) and the MCP tools (api.mcp)
all speak these shapes. Internal data are frozen dataclasses (rag.types); each response model is built
from its dataclass by a `from_...` classmethod here and nowhere else. One shape per thing: a passage is
a `PassageOut` in `/v1/search`, in the `passages` stream event and in the MCP `search` tool; an answer
is an `AnswerOut` (the JSON of `rag ask --json`) from `/v1/ask`, its `answer` stream event and MCP `ask`.

Over ~400 lines on purpose: the point of the module is that every wire shape is found in this one file.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, field_validator, model_serializer

from rag.errors import InputError
from rag.timeframe import parse_as_of
from rag.types import AbstainReason, Answer, Article, Conflict, Filters, Passage, Sentence, Source
from rag.verify import CheckedSentence

if TYPE_CHECKING:
    from api.service import UpsertResult


class Out(BaseModel):
    """Base of the response models: every field is always sent, so the published schema marks each required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# -- errors ----------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = Field(description="machine-readable: invalid_request, unauthorized, not_found, overloaded, ...")
    message: str = Field(description="one line for people; never a traceback")


class ErrorOut(Out):
    """Every error the service answers, with a fitting status; also the `error` stream event."""

    error: ErrorDetail

    @classmethod
    def of(cls, type: str, message: str, **extra: Any) -> ErrorOut:
        return cls(error=ErrorDetail(type=type, message=message, **extra))


# -- passages and answers --------------------------------------------------------------------------
class PassageOut(Out):
    """One retrieved passage: `text` is exactly the article body's characters [start, end)."""

    n: int = Field(description="rank, from 1; in the ask stream, the number the sentences' citations use")
    article_id: str
    chunk_id: str = Field(description="<article>:<position>, or <article>:<first>-<last> for joined neighbours")
    title: str
    author: str = Field(description="the article's byline")
    published_at: str = Field(description="ISO date or datetime; empty when unknown")
    url: str = Field(description="the article's URL; empty when it has none")
    outlet: str
    path: str = Field(description="where the article was read from (a file, file:line, or 'api')")
    text: str
    start: int = Field(description="offset of the passage in the article body (characters)")
    end: int = Field(description="end offset (exclusive)")
    score: float = Field(description="retrieval score (reciprocal-rank fusion); higher is better")
    dense_score: float | None = Field(None, description="cosine similarity to the query, when dense search found it")
    dense_rank: int | None = Field(None, description="rank in dense search, from 1, when it found the passage")
    bm25_rank: int | None = Field(None, description="rank in BM25 search, from 1, when it found the passage")
    duplicates: list[str] = Field(
        default_factory=list, description="chunk ids of near-identical passages (syndicated copies) folded into this"
    )
    byline: str = Field(deprecated=True, description="deprecated, the same as `author`; to be removed")
    source: str = Field(deprecated=True, description="deprecated, the same as `path`; to be removed")

    @classmethod
    def from_passage(cls, n: int, p: Passage) -> PassageOut:
        # Every Passage field under its own name (byline and source being the deprecated duplicates),
        # plus the rank and the public names.
        return cls(n=n, author=p.byline, path=p.source, **asdict(p))

    @classmethod
    def numbered(cls, passages: list[Passage]) -> list[PassageOut]:
        """The passages numbered from 1, in order."""
        return [cls.from_passage(n, p) for n, p in enumerate(passages, 1)]


class SearchOut(Out):
    """What `/v1/search` and the MCP `search` tool return."""

    query: str
    passages: list[PassageOut]


class PassagesEvent(Out):
    """The first event of an ask stream: the passages the generator reads, numbered as its citations."""

    passages: list[PassageOut]


Verdict = Literal["supported", "supported_elsewhere", "metadata", "disagreement", "unsupported"]


class SentenceOut(Out):
    """One sentence of an answer, as verified."""

    text: str = Field(description="the sentence; in the answer, with its [n] citation markers")
    citations: list[int] = Field(description="numbers of the sources (in a stream: of the passages) it cites")
    verdict: Verdict = Field(
        description="supported: by a passage it cites; supported_elsewhere: its own citation failed and another"
        " retrieved passage supports it (it cites that one); metadata: built from the cited article's stored"
        ' byline, date or outlet ("Who wrote the article?"); disagreement: states that the sources disagree, built'
        " from the values the cited sentences give (each checked to be in the sentence it cites) and the articles'"
        " stored outlets and dates; unsupported: kept in lenient mode only"
    )
    support: float = Field(description="the verifier's support score, 0..1")
    reasons: list[str] = Field(default_factory=list, description="why it was re-cited, kept unsupported or dropped")

    @classmethod
    def from_sentence(cls, s: Sentence) -> SentenceOut:
        return cls.model_validate(s, from_attributes=True)

    @classmethod
    def from_checked(cls, c: CheckedSentence) -> SentenceOut:
        """A sentence as the stream sends it once verified: its citations number the streamed passages."""
        return cls(
            text=c.text,
            citations=[i + 1 for i in c.citations],
            verdict=c.verdict,
            support=round(c.support, 4),
            reasons=[r.message for r in c.reasons],
        )


class SourceOut(Out):
    """A cited source: `quote` is exactly the article body's characters [start, end)."""

    n: int = Field(description="the number the answer's [n] markers refer to")
    article_id: str
    chunk_id: str
    title: str
    author: str = Field(description="the article's byline")
    published_at: str = Field(description="ISO date or datetime; empty when unknown")
    url: str = Field(description="the article's URL; empty when it has none")
    quote: str = Field(description="the verbatim passage that supports the sentences citing it")
    start: int = Field(description="offset of the quote in the article body (characters)")
    end: int = Field(description="end offset (exclusive)")
    outlet: str = ""
    path: str = Field("", description="where the article was read from (a file, file:line, or 'api')")

    @classmethod
    def from_source(cls, s: Source) -> SourceOut:
        return cls.model_validate(s, from_attributes=True)


class ConflictSourceOut(Out):
    """A source of a disputed value."""

    n: int = Field(description="the number of the source in `sources` (the answer's [n] markers)")
    article_id: str
    outlet: str = Field(description="the article's stored outlet; empty when unknown")
    published_at: str = Field(description="the article's stored publication date; empty when unknown")
    sentence: str = Field(description="the passage sentence that gives the value")
    value: str = Field("", description="the value as that sentence words it")


class ConflictValueOut(Out):
    """One of the values the sources give, with the sources that give it (the latest first)."""

    value: str = Field(description="as the first of its sources words it")
    sources: list[ConflictSourceOut]


class ConflictOut(Out):
    """Where the sources disagree on what the question asks."""

    slot: str = Field(description="what the question asks (its asking part)")
    kind: Literal["number", "date", "name"] = Field(description="the kind of value disputed")
    status: Literal["update", "minority", "disagreement"] = Field(
        description="update: the values differ by publication date and the latest comes first; minority: one source"
        " alone against several, the majority's value first; disagreement: neither, the best supported first"
    )
    values: list[ConflictValueOut] = Field(description="in the order the answer gives them")

    @classmethod
    def from_conflict(cls, c: Conflict) -> ConflictOut:
        return cls.model_validate(c, from_attributes=True)


class AnswerOut(Out):
    """The answer: the same JSON as `rag ask --json`, `POST /v1/ask` and the MCP `ask` tool."""

    question: str
    answer: str = Field(description="the answer text with [n] markers, or why there is no answer")
    answerable: bool = Field(description="false when the articles do not support an answer")
    abstain_reason: AbstainReason | None = Field(description="why the answer abstains; null when it answers")
    sentences: list[SentenceOut]
    sources: list[SourceOut] = Field(description="numbered in the order the answer first cites them")
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage, and total")
    usage: dict[str, Any] = Field(default_factory=dict, description="generator, tokens, judge calls, draft, notes")
    dropped: list[SentenceOut] = Field(default_factory=list, description="drafted sentences that failed verification")
    as_of: str = Field("", description="the day the question was asked at; nothing published after it was used")
    conflicts: list[ConflictOut] = Field(
        default_factory=list,
        description="where the relevant passages disagree on what the question asks, each value with its sources;"
        " empty when they agree (answerable stays true: the disagreement is the answer)",
    )

    @classmethod
    def from_answer(cls, a: Answer) -> AnswerOut:
        """Field for field (sentences, sources and dropped through their own models), so the JSON is
        `Answer.to_dict()`'s."""
        return cls.model_validate(a, from_attributes=True)


# -- native requests -------------------------------------------------------------------------------
def _as_of_date(value: str) -> str:
    """A request's `as_of`, checked: a bad date is a 422 naming it (pydantic reports ValueError)."""
    try:
        return parse_as_of(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None


class FiltersIn(BaseModel):
    """Restrict retrieval; every field is optional. Dates are ISO strings (a prefix like "2024-01" works)."""

    model_config = ConfigDict(extra="forbid")

    after: str = Field("", max_length=40, description="only articles published on or after this date")
    before: str = Field("", max_length=40, description="only articles published before this date")
    outlets: list[str] = Field(default_factory=list, max_length=100, description="only these outlets")
    article_ids: list[str] = Field(default_factory=list, max_length=1000, description="only these articles")

    def to_filters(self) -> Filters:
        return Filters(
            published_after=self.after.strip(),
            published_before=self.before.strip(),
            outlets=tuple(self.outlets),
            article_ids=tuple(self.article_ids),
        )


class AskIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "Who confirmed the refusal?"}]}
    )

    question: str = Field(..., min_length=1, description="the question; limit: setting answer.max_question_chars")
    stream: bool = Field(False, description="send server-sent events: passages, each verified sentence, the answer")
    filters: FiltersIn = Field(default_factory=FiltersIn)
    as_of: str = Field(
        "",
        max_length=40,
        description="the day the question is asked at (YYYY-MM-DD; default: setting answer.as_of, else today); "
        "nothing published after it is retrieved or cited, and 'this week' counts from it",
    )

    _as_of = field_validator("as_of")(classmethod(lambda cls, v: _as_of_date(v)))


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"query": "Sigonella refusal", "k": 5}]})

    query: str = Field(..., min_length=1, description="what to look for")
    k: int | None = Field(None, ge=1, le=100, description="passages to return (default: setting retrieve.top_k)")
    filters: FiltersIn = Field(default_factory=FiltersIn)
    as_of: str = Field("", max_length=40, description="as in /v1/ask: nothing published after this day")

    _as_of = field_validator("as_of")(classmethod(lambda cls, v: _as_of_date(v)))


# -- documents -------------------------------------------------------------------------------------
class DocumentIn(BaseModel):
    """One article. Its id is `id`, else derived from `url`, else from the text: re-sending it replaces it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, description="the article body")
    id: str | None = Field(None, description="1-128 characters of A-Z a-z 0-9 . _ : -")
    title: str | None = None
    url: str | None = None
    authors: str | list[str] | None = Field(None, description="byline: a string or a list of names")
    published_at: str | None = Field(None, description="publication date, ISO or a common written form")
    outlet: str | None = None

    def record(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class DocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentIn] = Field(..., min_length=1, max_length=1000)


class DocumentSummaryOut(Out):
    """An article in the list: its metadata, without the text."""

    id: str
    title: str
    byline: str
    outlet: str
    url: str
    published_at: str
    source: str = Field(description="where the article was read from (a file, file:line, or 'api')")
    ingested_at: str
    chunks: int = Field(description="how many chunks it was split into")


class DocumentListOut(Out):
    """A page of articles, newest first."""

    documents: list[DocumentSummaryOut]
    total: int = Field(description="articles in the index")
    offset: int
    limit: int


class DocumentOut(Out):
    """One article with its text: answer and passage offsets (`start`, `end`) index `body`."""

    id: str
    title: str
    body: str
    content_hash: str
    byline: str
    outlet: str
    url: str
    published_at: str
    source: str = Field(description="where the article was read from (a file, file:line, or 'api')")

    @classmethod
    def from_article(cls, a: Article) -> DocumentOut:
        return cls.model_validate(a, from_attributes=True)


class ProblemOut(Out):
    """An input that could not be read, and why."""

    source: str = Field(description="the file (and line), or documents[i]")
    reason: str


class UpsertOut(Out):
    """What an upsert did, by article id (201 when it created one, else 200)."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]
    chunks: int = Field(description="chunks written")
    problems: list[ProblemOut]

    @classmethod
    def from_result(cls, r: UpsertResult) -> UpsertOut:
        return cls(
            created=r.created,
            updated=r.updated,
            unchanged=r.unchanged,
            chunks=r.chunks,
            problems=[ProblemOut(source=p.source, reason=p.reason) for p in r.problems],
        )


class DeletedOut(Out):
    deleted: str = Field(description="the id of the article removed")


# -- health ----------------------------------------------------------------------------------------
class HealthOut(Out):
    status: Literal["ok"]


class IndexStatus(Out):
    # Any further count the store reports (Store.counts()) passes through.
    model_config = ConfigDict(extra="allow")

    path: str
    articles: int
    chunks: int
    tokens: int


class ModelsStatus(Out):
    embedder: str
    generator: str
    judge: str
    llm: str | None = Field(description="the LLM behind the generator or the judge, if any")


class QueueStatus(Out):
    pending: int = Field(description="answers waiting or running")
    capacity: int = Field(description="setting api.queue_size")


class ReadyOut(Out):
    """`/readyz`: 200 once the index is open and the models are warm, else 503 with the same body."""

    ready: bool
    version: str
    index: IndexStatus
    models: ModelsStatus
    queue: QueueStatus
    uptime_s: float

    @classmethod
    def from_status(cls, status: dict[str, Any]) -> ReadyOut:
        """From `Service.status()`."""
        return cls.model_validate(status)


# -- OpenAI-compatible chat ------------------------------------------------------------------------
class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str = Field(..., max_length=32)
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatIn(BaseModel):
    """OpenAI's chat request; sampling options (temperature, max_tokens, ...) are accepted and ignored."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"model": "rag-news", "messages": [{"role": "user", "content": "Who confirmed the refusal?"}]}]
        },
    )

    model: str = Field(..., max_length=200)
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    sources_footer: bool | None = Field(None, description="append a Sources: list (default: api.sources_footer)")


class ModelOut(Out):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "rag-news"


class ModelsOut(Out):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class UrlCitation(Out):
    url: str
    title: str
    start_index: int = Field(description="offset of the [n] marker in the message")
    end_index: int


class AnnotationOut(Out):
    type: Literal["url_citation"] = "url_citation"
    url_citation: UrlCitation


class ChatSearchResult(Out):
    """A cited source as chat clients read it (`search_results`): the quote is the `snippet`."""

    n: int
    title: str
    url: str = Field(description="the article's URL, else this service's /v1/documents/{id}#chars=START-END")
    date: str | None
    snippet: str = Field(description="the verbatim quote, at [start, end) of the article body")
    article_id: str
    start: int
    end: int
    author: str
    outlet: str

    @classmethod
    def from_source(cls, s: Source, url: str) -> ChatSearchResult:
        return cls(
            n=s.n,
            title=s.title,
            url=url,
            date=s.published_at or None,
            snippet=s.quote,
            article_id=s.article_id,
            start=s.start,
            end=s.end,
            author=s.author,
            outlet=s.outlet,
        )


class RagInfo(Out):
    answerable: bool
    abstain_reason: AbstainReason | None
    conflicts: list[ConflictOut] = Field(
        default_factory=list, description="where the sources disagree, as in the native answer's `conflicts`"
    )


class ChatUsage(Out):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def from_answer(cls, a: Answer) -> ChatUsage:
        prompt = int(a.usage.get("prompt_tokens", 0) or 0)
        completion = int(a.usage.get("completion_tokens", 0) or 0)
        return cls(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


class ChatReply(Out):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None
    annotations: list[AnnotationOut]


class ChatChoice(Out):
    index: int = 0
    message: ChatReply
    logprobs: None = None
    finish_reason: Literal["stop"] = "stop"


class ChatCompletionOut(Out):
    """OpenAI's chat completion, with the citation channels `citations`, `search_results` and `rag`."""

    id: str
    created: int
    model: str
    object: Literal["chat.completion"] = "chat.completion"
    choices: list[ChatChoice]
    usage: ChatUsage
    citations: list[str] = Field(description="source URLs: marker [n] is index n-1")
    search_results: list[ChatSearchResult]
    rag: RagInfo


class ChatDelta(BaseModel):
    """What one stream chunk adds to the message; only the fields set are sent."""

    role: Literal["assistant"] | None = None
    content: str | None = None
    annotations: list[AnnotationOut] | None = None

    @model_serializer(mode="wrap")
    def _only_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_nulls(handler(self))


class ChatChunkChoice(BaseModel):
    index: int = 0
    delta: ChatDelta
    logprobs: None = None
    finish_reason: Literal["stop"] | None = None


class ChatChunkOut(BaseModel):
    """One chunk of OpenAI's chat stream. The final one carries the citation channels, the usage chunk
    (when asked for) has no choices; the extras are sent only on those."""

    id: str
    created: int
    model: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    choices: list[ChatChunkChoice]
    usage: ChatUsage | None = None
    citations: list[str] | None = None
    search_results: list[ChatSearchResult] | None = None
    rag: RagInfo | None = None

    @model_serializer(mode="wrap")
    def _only_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_nulls(handler(self))


def _without_nulls(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
