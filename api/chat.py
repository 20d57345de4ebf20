"""OpenAI-compatible `/v1/models` and `/v1/chat/completions`, streamed and not.

The question is the last user message (a follow-up is read with the turn before it, see
rag.conversation). Citations travel in every channel chat clients read:
- `[n]` markers in the text;
- `annotations` of type `url_citation`, one per marker, with the marker's offsets in the message (on the
  message, or on the stream delta that carries the marker);
- top-level `citations` (URLs, index n-1 for marker [n]) and `search_results` (title, url, date, quote
  and its offsets) on the response, or on the stream's final chunk;
- where the sources disagree, the text says so in a sentence citing each value's sources, and `rag.conflicts`
  carries the values with their sources' numbers (as the native answer's `conflicts`);
- optionally a "Sources:" footer in the text (setting api.sources_footer, or `"sources_footer": true`).
An article without a URL is cited by this service's own URL for it: /v1/documents/{id}#chars=START-END.

The stream is written by `chat_completion_stream`. It sends the verified answer only: the text is
streamed once every sentence has passed verification, so a sentence that a later check would withdraw
is never shown. The request and response shapes are in api.schemas (ChatIn, ChatCompletionOut,
ChatChunkOut).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from api import sse
from api.answering import AnswerRun
from api.auth import require_key
from api.dependencies import ServiceDep, SettingsDep
from api.errors import ApiError, from_exception, responses
from api.schemas import (
    AnnotationOut,
    ChatChoice,
    ChatChunkChoice,
    ChatChunkOut,
    ChatCompletionOut,
    ChatDelta,
    ChatIn,
    ChatReply,
    ChatSearchResult,
    ChatUsage,
    ConflictOut,
    ErrorOut,
    ModelOut,
    ModelsOut,
    RagInfo,
    UrlCitation,
)
from rag.conversation import Turn, resolve_question
from rag.types import Answer, Filters, Source

router = APIRouter(dependencies=[Depends(require_key)], tags=["openai"], responses=responses(401))

KEEPALIVE_S = 5.0  # an SSE comment is sent this often while the answer is being verified


@dataclass(frozen=True)
class Meta:
    """What every chunk of one completion repeats: its id, creation time and model."""

    id: str
    created: int
    model: str


@router.get("/v1/models", summary="The model chat clients select (OpenAI-compatible)")
async def models(settings: SettingsDep) -> ModelsOut:
    return ModelsOut(data=[ModelOut(id=settings.api.model_name)])


@router.post(
    "/v1/chat/completions",
    summary="Answer the last user message with citations (OpenAI-compatible)",
    response_model=ChatCompletionOut,
    responses={
        200: {"description": "The completion; with `stream: true`, OpenAI's chunk stream (ChatChunkOut events)",
              "content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **responses(404, 422, 502, 503),
    },
)  # fmt: skip
async def chat_completions(body: ChatIn, request: Request, service: ServiceDep, settings: SettingsDep) -> Any:
    if body.model != settings.api.model_name:
        raise ApiError(
            404, "model_not_found", f"unknown model {body.model!r}; this server serves {settings.api.model_name!r}"
        )
    question = resolve_question([Turn(m.role, m.text()) for m in body.messages])
    footer = settings.api.sources_footer if body.sources_footer is None else body.sources_footer
    run = AnswerRun(service, question, Filters())
    meta = Meta(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), body.model)
    base = str(request.base_url).rstrip("/")
    if not body.stream:
        return completion(await run.result(request), meta, base, footer)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        chat_completion_stream(run, meta, base, footer, include_usage),
        media_type="text/event-stream",
        headers=sse.SSE_HEADERS,
    )


# -- building the message -------------------------------------------------------------------


def source_url(source: Source, base: str) -> str:
    """The article's URL, else this service's URL for the quote: /v1/documents/{id}#chars=START-END."""
    return source.url or f"{base}/v1/documents/{source.article_id}#chars={source.start}-{source.end}"


def message_pieces(answer: Answer, base: str, footer: bool) -> list[tuple[str, list[AnnotationOut]]]:
    """The message as (text, annotations) pieces, one per sentence (then the footer); offsets are global."""
    by_n = {s.n: s for s in answer.sources}
    pieces: list[tuple[str, list[AnnotationOut]]] = []
    offset = 0
    texts = [s.text for s in answer.sentences] if answer.answerable else [answer.answer]
    for i, text in enumerate(texts):
        piece = text if i == 0 else " " + text
        annotations = []
        for n in answer.sentences[i].citations if answer.answerable else ():
            marker = f"[{n}]"
            at = piece.rfind(marker)
            if at < 0:
                continue
            s = by_n[n]
            citation = UrlCitation(
                url=source_url(s, base),
                title=s.title or s.article_id,
                start_index=offset + at,
                end_index=offset + at + len(marker),
            )
            annotations.append(AnnotationOut(url_citation=citation))
        pieces.append((piece, annotations))
        offset += len(piece)
    if footer and answer.sources:
        lines = [f"[{s.n}] {s.title or s.article_id}" + (f" ({s.published_at})" if s.published_at else "")
                 + f" {source_url(s, base)}" for s in answer.sources]  # fmt: skip
        pieces.append(("\n\nSources:\n" + "\n".join(lines), []))
    return pieces


def _channels(answer: Answer, base: str) -> dict[str, Any]:
    """The citation channels beside the text: `citations`, `search_results` and `rag`."""
    return {
        "citations": [source_url(s, base) for s in answer.sources],
        "search_results": [ChatSearchResult.from_source(s, source_url(s, base)) for s in answer.sources],
        "rag": RagInfo(
            answerable=answer.answerable,
            abstain_reason=answer.abstain_reason,
            conflicts=[ConflictOut.from_conflict(c) for c in answer.conflicts],
        ),
    }


def completion(answer: Answer, meta: Meta, base: str, footer: bool) -> ChatCompletionOut:
    """The whole answer as one chat completion."""
    pieces = message_pieces(answer, base, footer)
    reply = ChatReply(content="".join(p for p, _ in pieces), annotations=[a for _, anns in pieces for a in anns])
    return ChatCompletionOut(
        id=meta.id,
        created=meta.created,
        model=meta.model,
        choices=[ChatChoice(message=reply)],
        usage=ChatUsage.from_answer(answer),
        **_channels(answer, base),
    )


# -- streaming ------------------------------------------------------------------------------


def _chunk(meta: Meta, delta: ChatDelta, finish: Literal["stop"] | None = None, **extra: Any) -> str:
    choice = ChatChunkChoice(delta=delta, finish_reason=finish)
    return sse.data(ChatChunkOut(id=meta.id, created=meta.created, model=meta.model, choices=[choice], **extra))


async def chat_completion_stream(
    run: AnswerRun, meta: Meta, base: str, footer: bool, include_usage: bool
) -> AsyncIterator[str]:
    """OpenAI's chunk stream for one answer: a role delta at once (SSE comments keep the connection
    alive while the answer is verified), a content delta per sentence carrying its annotations, a final
    chunk with `finish_reason: "stop"` and the citation channels, the usage chunk when asked for, then
    `data: [DONE]`. An error after the headers are sent is reported in the stream, as OpenAI does."""
    yield _chunk(meta, ChatDelta(role="assistant", content=""))
    answer = None
    last = time.monotonic()
    try:
        async for kind, payload in run.events(ticks=True):
            if kind == "answer":
                answer = payload
            elif time.monotonic() - last >= KEEPALIVE_S:
                yield sse.comment("verifying")
                last = time.monotonic()
    except Exception as exc:
        _, kind, message, _ = from_exception(exc)
        yield sse.data(ErrorOut.of(kind, message))
        yield sse.data("[DONE]")
        return
    assert answer is not None
    for text, cited in message_pieces(answer, base, footer):
        yield _chunk(meta, ChatDelta(content=text, annotations=cited or None))
    yield _chunk(meta, ChatDelta(), "stop", **_channels(answer, base))
    if include_usage:
        usage = ChatUsage.from_answer(answer)
        yield sse.data(ChatChunkOut(id=meta.id, created=meta.created, model=meta.model, choices=[], usage=usage))
    yield sse.data("[DONE]")
