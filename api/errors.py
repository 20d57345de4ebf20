"""Every error leaves the service as JSON `{"error": {"type": ..., "message": ...}}` with a fitting status.

Library errors (rag.errors) are mapped here and nowhere else; anything unexpected is logged with its
traceback and answered with a generic 500, so no traceback or internal detail reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas import ErrorOut
from api.service import Busy, Cancelled
from rag.errors import (
    BackendError,
    IndexLockedError,
    IndexMismatchError,
    InputError,
    ModelError,
    NotFoundError,
    RagError,
    StoreError,
)

log = logging.getLogger("rag.api")

# (status, type) per library error; the first match in this order wins (subclasses first).
_MAPPING: list[tuple[type[Exception], int, str]] = [
    (Busy, 503, "overloaded"),
    (IndexLockedError, 503, "index_locked"),
    (InputError, 422, "invalid_request"),
    (NotFoundError, 404, "not_found"),
    (BackendError, 502, "backend_error"),
    (ModelError, 503, "model_unavailable"),
    (IndexMismatchError, 500, "index_mismatch"),
    (StoreError, 500, "index_error"),
    (Cancelled, 499, "cancelled"),
    (RagError, 500, "error"),
]

_STATUS_TYPES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    503: "unavailable",
}


class ApiError(Exception):
    """An error a route raises on purpose, with its status and type."""

    def __init__(self, status: int, type: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.headers = headers


def error_body(type: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON of every error: `{"error": {"type": ..., "message": ...}}` (schema: api.schemas.ErrorOut)."""
    return ErrorOut.of(type, message, **extra).model_dump()


_DESCRIPTIONS = {
    401: "no valid API key (setting api.keys)",
    403: "an admin key is needed (setting api.admin_keys), or a browser request from another site",
    404: "not found",
    413: "the request body is over api.max_body_mb",
    415: "unsupported content type",
    422: "the request is invalid",
    502: "the generator server could not be reached",
    503: "too many answers queued (see Retry-After), or the index or a model is unavailable",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route documents in the OpenAPI schema, each with the ErrorOut body."""
    return {s: {"model": ErrorOut, "description": _DESCRIPTIONS[s]} for s in statuses}


def error_response(status: int, type: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(type, message), status_code=status, headers=headers)


def from_exception(exc: BaseException) -> tuple[int, str, str, dict[str, str] | None]:
    """Status, type, message and headers for any exception (the message of an unexpected one is generic)."""
    if isinstance(exc, ApiError):
        return exc.status, exc.type, exc.message, exc.headers
    for cls, status, kind in _MAPPING:
        if isinstance(exc, cls):
            headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
            if isinstance(exc, IndexLockedError):
                headers = {"Retry-After": "5"}
            return status, kind, str(exc), headers
    log.error("unexpected error", exc_info=exc)
    return 500, "internal_error", "internal error; the server log has the details", None


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        parts.append(f"{loc}: {e.get('msg', 'invalid')}" if loc else str(e.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.type, exc.message, exc.headers)

    @app.exception_handler(RagError)
    async def _rag_error(request: Request, exc: RagError) -> JSONResponse:
        return error_response(*from_exception(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _STATUS_TYPES.get(exc.status_code, "error")
        return error_response(exc.status_code, kind, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(*from_exception(exc))
