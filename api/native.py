"""The native API under /v1: ask, search, documents; and the health checks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.answering import AnswerRun, checked_dict, passage_dict
from api.auth import require_admin, require_key
from api.errors import ApiError, error_body, from_exception
from api.schemas import AskIn, DocumentIn, DocumentsIn, SearchIn
from api.service import Service
from rag.errors import InputError
from rag.ingest import read_upload
from rag.readers.base import IngestProblem
from rag.readers.jsonl import article_from_record
from rag.types import Article

router = APIRouter()
keyed = APIRouter(dependencies=[Depends(require_key)])
admin = APIRouter(dependencies=[Depends(require_admin)])

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def service_of(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/healthz", tags=["health"], summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], summary="Index loaded and models warm: counts and model ids")
async def readyz(request: Request) -> JSONResponse:
    status = await run_in_threadpool(service_of(request).status)
    return JSONResponse(status, status_code=200 if status["ready"] else 503)


@keyed.post("/v1/ask", tags=["native"], summary="Answer a question with verified, cited sentences")
async def ask(body: AskIn, request: Request) -> Any:
    """The same JSON as `rag ask --json`. With `"stream": true`, server-sent events: `passages` (what the
    generator reads, numbered), `sentence` for each sentence as soon as it is verified (citing those
    numbers), then `answer` (the final JSON, sources renumbered in the order the answer cites them), or
    `error`."""
    run = AnswerRun(service_of(request), body.question, body.filters.to_filters())
    if not body.stream:
        return (await run.result(request)).to_dict()
    return StreamingResponse(_ask_events(run), media_type="text/event-stream", headers=SSE_HEADERS)


async def _ask_events(run: AnswerRun) -> AsyncIterator[str]:
    try:
        async for kind, payload in run.events():
            if kind == "passages":
                yield sse("passages", {"passages": [passage_dict(n, p) for n, p in enumerate(payload, 1)]})
            elif kind == "sentence":
                yield sse("sentence", checked_dict(payload))
            elif kind == "answer":
                yield sse("answer", payload.to_dict())
    except Exception as exc:  # headers are sent: the error becomes the stream's last event
        _, kind, message, _ = from_exception(exc)
        yield sse("error", error_body(kind, message))


@keyed.post("/v1/search", tags=["native"], summary="The passages most relevant to a query")
async def search(body: SearchIn, request: Request) -> dict[str, Any]:
    service = service_of(request)
    k = body.k or service.settings.retrieve.top_k
    passages = await run_in_threadpool(service.search, body.query, k, body.filters.to_filters())
    return {"query": body.query, "passages": [asdict(p) for p in passages]}


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
)
async def upsert_documents(request: Request) -> JSONResponse:
    """Articles are acknowledged only once committed to disk. An article whose id already exists is
    replaced (unchanged ones are skipped). Files: .txt .md .html .jsonl .jsonl.gz. Returns the ids
    created, updated and unchanged, and a problem for each input that could not be read."""
    service = service_of(request)
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
    body = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "chunks": result.chunks,
        "problems": [{"source": p.source, "reason": p.reason} for p in result.problems],
    }
    return JSONResponse(body, status_code=201 if result.created else 200)


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


@keyed.get("/v1/documents", tags=["documents"], summary="List articles, newest first, a page at a time")
async def list_documents(
    request: Request,
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    docs, total = await run_in_threadpool(service_of(request).documents, offset, limit)
    return {"documents": docs, "total": total, "offset": offset, "limit": limit}


@keyed.get("/v1/documents/{article_id}", tags=["documents"], summary="One article with its text")
async def get_document(article_id: str, request: Request) -> dict[str, Any]:
    """Offsets in answers (`start`, `end`) index this `body`."""
    article = await run_in_threadpool(service_of(request).document, article_id)
    return asdict(article)


@admin.delete("/v1/documents/{article_id}", tags=["documents"], summary="Remove an article")
async def delete_document(article_id: str, request: Request) -> dict[str, str]:
    await run_in_threadpool(service_of(request).delete, article_id)
    return {"deleted": article_id}
