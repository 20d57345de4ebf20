"""OpenAI-compatible `/v1/models` and `/v1/chat/completions`, streamed and not.

The question is the last user message (a follow-up is read with the turn before it, see
rag.conversation). Citations travel in every channel chat clients read:
- `[n]` markers in the text;
- `annotations` of type `url_citation`, one per marker, with the marker's offsets in the message (on the
  message, or on the stream delta that carries the marker);
- top-level `citations` (URLs, index n-1 for marker [n]) and `search_results` (title, url, date, quote
  and its offsets) on the response, or on the stream's final chunk;
- optionally a "Sources:" footer in the text (setting api.sources_footer, or `"sources_footer": true`).
An article without a URL is cited by this service's own URL for it: /v1/documents/{id}#chars=START-END.

The stream sends the verified answer only: the text is streamed once every sentence has passed
verification, so a sentence that a later check would withdraw is never shown.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.answering import AnswerRun
from api.auth import require_key
from api.errors import ApiError, error_body, from_exception
from api.native import SSE_HEADERS, service_of
from rag.conversation import Turn, resolve_question
from rag.types import Answer, Filters, Source

router = APIRouter(dependencies=[Depends(require_key)], tags=["openai"])

KEEPALIVE_S = 5.0  # an SSE comment is sent this often while the answer is being verified


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


@router.get("/v1/models", summary="The model chat clients select (OpenAI-compatible)")
async def models(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "object": "list",
        "data": [{"id": settings.api.model_name, "object": "model", "created": 0, "owned_by": "rag-news"}],
    }


@router.post("/v1/chat/completions", summary="Answer the last user message with citations (OpenAI-compatible)")
async def chat_completions(body: ChatIn, request: Request) -> Any:
    settings = request.app.state.settings
    if body.model != settings.api.model_name:
        raise ApiError(
            404, "model_not_found", f"unknown model {body.model!r}; this server serves {settings.api.model_name!r}"
        )
    question = resolve_question([Turn(m.role, m.text()) for m in body.messages])
    footer = settings.api.sources_footer if body.sources_footer is None else body.sources_footer
    run = AnswerRun(service_of(request), question, Filters())
    meta = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
    base = str(request.base_url).rstrip("/")
    if not body.stream:
        answer = await run.result(request)
        return _completion(answer, meta, base, footer)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        _stream(run, meta, base, footer, include_usage), media_type="text/event-stream", headers=SSE_HEADERS
    )


# -- building the message -------------------------------------------------------------------


def source_url(source: Source, base: str) -> str:
    return source.url or f"{base}/v1/documents/{source.article_id}#chars={source.start}-{source.end}"


def _pieces(answer: Answer, base: str, footer: bool) -> list[tuple[str, list[dict[str, Any]]]]:
    """The message as (text, annotations) pieces, one per sentence (then the footer); offsets are global."""
    by_n = {s.n: s for s in answer.sources}
    pieces: list[tuple[str, list[dict[str, Any]]]] = []
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
            annotations.append(
                {
                    "type": "url_citation",
                    "url_citation": {
                        "url": source_url(s, base),
                        "title": s.title or s.article_id,
                        "start_index": offset + at,
                        "end_index": offset + at + len(marker),
                    },
                }
            )
        pieces.append((piece, annotations))
        offset += len(piece)
    if footer and answer.sources:
        lines = [f"[{s.n}] {s.title or s.article_id}" + (f" ({s.published_at})" if s.published_at else "")
                 + f" {source_url(s, base)}" for s in answer.sources]  # fmt: skip
        pieces.append(("\n\nSources:\n" + "\n".join(lines), []))
    return pieces


def _extras(answer: Answer, base: str) -> dict[str, Any]:
    return {
        "citations": [source_url(s, base) for s in answer.sources],
        "search_results": [
            {
                "n": s.n,
                "title": s.title,
                "url": source_url(s, base),
                "date": s.published_at or None,
                "snippet": s.quote,
                "article_id": s.article_id,
                "start": s.start,
                "end": s.end,
                "author": s.author,
                "outlet": s.outlet,
            }
            for s in answer.sources
        ],
        "rag": {"answerable": answer.answerable, "abstain_reason": answer.abstain_reason},
    }


def _usage(answer: Answer) -> dict[str, int]:
    prompt = int(answer.usage.get("prompt_tokens", 0) or 0)
    completion = int(answer.usage.get("completion_tokens", 0) or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(answer: Answer, meta: dict[str, Any], base: str, footer: bool) -> dict[str, Any]:
    pieces = _pieces(answer, base, footer)
    message = {
        "role": "assistant",
        "content": "".join(p for p, _ in pieces),
        "refusal": None,
        "annotations": [a for _, anns in pieces for a in anns],
    }
    return {
        **meta,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
        "usage": _usage(answer),
        **_extras(answer, base),
    }


# -- streaming ------------------------------------------------------------------------------


def _chunk(meta: dict[str, Any], delta: dict[str, Any], finish: Literal["stop"] | None = None, **extra: Any) -> str:
    chunk = {
        **meta,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"


async def _stream(
    run: AnswerRun, meta: dict[str, Any], base: str, footer: bool, include_usage: bool
) -> AsyncIterator[str]:
    yield _chunk(meta, {"role": "assistant", "content": ""})
    answer = None
    last = time.monotonic()
    try:
        async for kind, payload in run.events(ticks=True):
            if kind == "answer":
                answer = payload
            elif time.monotonic() - last >= KEEPALIVE_S:
                yield ": verifying\n\n"  # a comment: keeps proxies from timing out, ignored by clients
                last = time.monotonic()
    except Exception as exc:  # headers are sent: report in the stream, as OpenAI does
        _, kind, message, _ = from_exception(exc)
        yield f"data: {json.dumps(error_body(kind, message))}\n\n"
        yield "data: [DONE]\n\n"
        return
    assert answer is not None
    for text, cited in _pieces(answer, base, footer):
        delta: dict[str, Any] = {"content": text}
        if cited:
            delta["annotations"] = cited
        yield _chunk(meta, delta)
    yield _chunk(meta, {}, "stop", **_extras(answer, base))
    if include_usage:
        usage_chunk = {**meta, "object": "chat.completion.chunk", "choices": [], "usage": _usage(answer)}
        yield f"data: {json.dumps(usage_chunk)}\n\n"
    yield "data: [DONE]\n\n"
