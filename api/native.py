"""The native API under /v1: ask, search, documents; and the health checks.

Every route takes the service as `ServiceDep` (api.dependencies) and declares its response model
(api.schemas), so `/openapi.json` documents what it returns.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import sse
from api.answering import AnswerRun
from api.auth import require_admin, require_key
from api.dependencies import ServiceDep
from api.errors import ApiError, from_exception, responses
from api.schemas import (
    AnswerOut,
    AskIn,
    DeletedOut,
    DocumentIn,
    DocumentListOut,
    DocumentOut,
    DocumentsIn,
    DocumentSummaryOut,
    ErrorOut,
    HealthOut,
    PassageOut,
    PassagesEvent,
    ReadyOut,
    SearchIn,
    SearchOut,
    SentenceOut,
    UpsertOut,
)
from rag.errors import InputError
from rag.ingest import read_upload
from rag.readers.base import IngestProblem
from rag.readers.jsonl import article_from_record
from rag.types import Article

router = APIRouter()
keyed = APIRouter(dependencies=[Depends(require_key)], responses=responses(401))
admin = APIRouter(dependencies=[Depends(require_admin)], responses=responses(401, 403))


@router.get("/healthz", tags=["health"], summary="The process is up")
async def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    tags=["health"],
    summary="Index loaded and models warm: counts and model ids",
    responses={503: {"model": ReadyOut, "description": "not ready yet (the same body, ready: false)"}},
)
async def readyz(service: ServiceDep, response: Response) -> ReadyOut:
    status = ReadyOut.from_status(await run_in_threadpool(service.status))
    response.status_code = 200 if status.ready else 503
    return status


_EVENT_STREAM = {
    "description": "The answer; with `stream: true`, server-sent events instead: `passages` (PassagesEvent), "
    "`sentence` (SentenceOut) for each verified sentence, then `answer` (AnswerOut) or `error` (ErrorOut).",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}


@keyed.post(
    "/v1/ask",
    tags=["native"],
    summary="Answer a question with verified, cited sentences",
    response_model=AnswerOut,
    responses={200: _EVENT_STREAM, **responses(422, 502, 503)},
)
async def ask(body: AskIn, request: Request, service: ServiceDep) -> Any:
    """The same JSON as `rag ask --json`. With `"stream": true`, server-sent events: `passages` (what the
    generator reads, numbered), `sentence` for each sentence as soon as it is verified (citing those
    numbers), then `answer` (the final JSON, sources renumbered in the order the answer cites them), or
    `error`."""
    run = AnswerRun(service, body.question, replace(body.filters.to_filters(), as_of=body.as_of))
    if not body.stream:
        return AnswerOut.from_answer(await run.result(request))
    return StreamingResponse(ask_events(run), media_type="text/event-stream", headers=sse.SSE_HEADERS)


async def ask_events(run: AnswerRun) -> AsyncIterator[str]:
    """The ask stream: `passages`, a `sentence` per verified sentence, then `answer`; or `error` last."""
    try:
        async for kind, payload in run.events():
            if kind == "passages":
                yield sse.event("passages", PassagesEvent(passages=PassageOut.numbered(payload)))
            elif kind == "sentence":
                yield sse.event("sentence", SentenceOut.from_checked(payload))
            elif kind == "answer":
                yield sse.event("answer", AnswerOut.from_answer(payload))
    except Exception as exc:  # headers are sent: the error becomes the stream's last event
        _, kind, message, _ = from_exception(exc)
        yield sse.event("error", ErrorOut.of(kind, message))


@keyed.post("/v1/search", tags=["native"], summary="The passages most relevant to a query", responses=responses(422))
async def search(body: SearchIn, service: ServiceDep) -> SearchOut:
    k = body.k or service.settings.retrieve.top_k
    filters = replace(body.filters.to_filters(), as_of=body.as_of)
    passages = await run_in_threadpool(service.search, body.query, k, filters)
    return SearchOut(query=body.query, passages=PassageOut.numbered(passages))


_UPSERT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/DocumentIn"},
                        {"$ref": "#/components/schemas/DocumentsIn"},
                    ]
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@admin.post(
    "/v1/documents",
    tags=["documents"],
    summary="Add or replace articles: JSON (one, or {documents: [...]}) or an uploaded file",
    openapi_extra=_UPSERT_BODY,
    response_model=UpsertOut,
    responses={
        201: {"model": UpsertOut, "description": "at least one article was created"},
        **responses(413, 415, 422),
    },
)
async def upsert_documents(request: Request, response: Response, service: ServiceDep) -> UpsertOut:
    """Articles are acknowledged only once committed to disk. An article whose id already exists is
    replaced (unchanged ones are skipped). Files: .txt .md .html .jsonl .jsonl.gz. Returns the ids
    created, updated and unchanged, and a problem for each input that could not be read."""
    max_bytes = int(service.settings.ingest.max_file_mb * 1_000_000)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        items = await _uploaded(request, max_bytes)
    elif content_type in ("application/json", ""):
        items = _json_documents(await request.body())
    else:
        raise ApiError(415, "unsupported_media_type", "send application/json or multipart/form-data with a file")
    if not any(isinstance(i, Article) for i in items):
        problems = "; ".join(f"{p.source}: {p.reason}" for p in items if isinstance(p, IngestProblem))
        raise ApiError(422, "invalid_request", f"no article could be read: {problems}"[:2000])
    result = await run_in_threadpool(service.upsert, items)
    response.status_code = 201 if result.created else 200
    return UpsertOut.from_result(result)


async def _uploaded(request: Request, max_bytes: int) -> list[Article | IngestProblem]:
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # malformed multipart bodies raise parser-specific errors
        raise ApiError(422, "invalid_request", f"cannot read the form: {exc}"[:300]) from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(422, "invalid_request", "the form needs a 'file' field holding the file")
    data = await upload.read()
    return read_upload(data, upload.filename or "upload.txt", max_bytes=max_bytes)


def _json_documents(raw: bytes) -> list[Article | IngestProblem]:
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(422, "invalid_request", "the body is not valid JSON") from None
    try:
        if isinstance(payload, dict) and "documents" in payload:
            docs = DocumentsIn.model_validate(payload).documents
        else:
            docs = [DocumentIn.model_validate(payload)]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first.get("loc", ()))
        raise ApiError(422, "invalid_request", f"{loc}: {first.get('msg')}" if loc else str(first.get("msg"))) from None
    items: list[Article | IngestProblem] = []
    for n, doc in enumerate(docs):
        try:
            items.append(article_from_record(doc.record(), source="api"))
        except InputError as exc:
            items.append(IngestProblem(f"documents[{n}]", str(exc)))
    return items


@keyed.get(
    "/v1/documents",
    tags=["documents"],
    summary="List articles, newest first, a page at a time",
    responses=responses(422),
)
async def list_documents(
    service: ServiceDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DocumentListOut:
    docs, total = await run_in_threadpool(service.documents, offset, limit)
    summaries = [DocumentSummaryOut.model_validate(d) for d in docs]
    return DocumentListOut(documents=summaries, total=total, offset=offset, limit=limit)


@keyed.get(
    "/v1/documents/{article_id}", tags=["documents"], summary="One article with its text", responses=responses(404, 422)
)
async def get_document(article_id: str, service: ServiceDep) -> DocumentOut:
    """Offsets in answers (`start`, `end`) index this `body`."""
    return DocumentOut.from_article(await run_in_threadpool(service.document, article_id))


@admin.delete(
    "/v1/documents/{article_id}", tags=["documents"], summary="Remove an article", responses=responses(404, 422)
)
async def delete_document(article_id: str, service: ServiceDep) -> DeletedOut:
    await run_in_threadpool(service.delete, article_id)
    return DeletedOut(deleted=article_id)
