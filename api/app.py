"""`create_app()`: the FastAPI application. Its lifespan opens the index and loads the models once.

Run it with `rag serve` (uvicorn), or `uvicorn --factory api.app:create_app`. Settings come from the
environment and rag.toml like everything else (see README); `create_app(service=...)` serves an
already-built Service (tests use that to inject fakes).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import chat, errors, native, web
from api.errors import error_body
from api.service import Service
from rag import __version__
from rag.config import Settings

log = logging.getLogger("rag.api")


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether announced (Content-Length) or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        import json

        mb = self.max_bytes / 1_000_000
        body = json.dumps(
            error_body("request_too_large", f"the request body is over {mb:g} MB (setting api.max_body_mb)")
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})


class _TooLarge(Exception):
    pass


def create_app(settings: Settings | None = None, *, service: Service | None = None, warm_up: bool = True) -> FastAPI:
    """The service. Without `service`, one is built from `settings` (default: Settings()) at startup."""
    settings = settings or (service.settings if service else Settings())
    mcp_app = None
    if settings.api.mcp:
        from mcp.server.transport_security import TransportSecuritySettings

        from api.mcp import build_mcp

        mcp_server = build_mcp(lambda: app.state.service)
        # A Starlette app whose one route is "/mcp"; it is routed to as is (not mounted, which would
        # make it /mcp/mcp). Stateless: any worker can answer any request, and no tool needs a session.
        mcp_app = mcp_server.streamable_http_app(
            streamable_http_path="/mcp",
            stateless_http=True,
            # The SDK's Host check (421 unless Host is localhost when bound to it) would refuse clients
            # behind a proxy or after `rag serve --host`; _McpEndpoint checks Origin instead.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service if service is not None else await run_in_threadpool(Service.from_settings, settings)
        app.state.service = svc
        if warm_up:
            await run_in_threadpool(svc.warm_up)
        else:
            svc.ready = True
        log.info("rag service ready: %s", svc.status()["index"])
        try:
            if mcp_app is not None:
                async with mcp_app.router.lifespan_context(mcp_app):
                    yield
            else:
                yield
        finally:
            if service is None:
                await run_in_threadpool(svc.close)

    app = FastAPI(
        title="rag-news",
        version=__version__,
        summary="Questions over news articles, answered with verified sentence-level citations",
        lifespan=lifespan,
    )
    app.state.settings = settings
    if service is not None:  # usable at once, even by clients that do not run the lifespan
        app.state.service = service
    errors.install(app)
    app.include_router(native.router)
    app.include_router(native.keyed)
    app.include_router(native.admin)
    app.include_router(chat.router)
    if settings.api.web:
        web.install(app)
    if mcp_app is not None:
        # Starlette routes to an ASGI class instance as is (its stubs only name request handlers).
        endpoint = _McpEndpoint(mcp_app, settings)
        app.router.add_route("/mcp", endpoint, methods=None, include_in_schema=False)  # type: ignore[arg-type]
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"],
            expose_headers=["Mcp-Session-Id"],
        )
    app.add_middleware(BodyLimit, max_bytes=int(settings.api.max_body_mb * 1_000_000))
    return app


_LOOPBACK_ORIGIN = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$")


class _McpEndpoint:
    """The MCP endpoint behind the same bearer keys as the rest of the API, refusing browser requests
    from other sites (DNS rebinding; the MCP spec asks servers to check Origin): a request with an Origin
    header must come from a loopback origin or one of api.cors_origins. Clients that are not browsers
    send no Origin.

    A class, not a function: Starlette routes to an ASGI callable as is only when it is not a function.
    """

    def __init__(self, inner: ASGIApp, settings: Settings) -> None:
        self.inner = inner
        self.origins = set(settings.api.cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.requests import Request

        from api.auth import check
        from api.errors import ApiError, error_response

        if scope["type"] == "http":
            request = Request(scope, receive)
            origin = request.headers.get("origin")
            try:
                if origin and not (origin in self.origins or "*" in self.origins or _LOOPBACK_ORIGIN.match(origin)):
                    raise ApiError(403, "forbidden", f"requests from origin {origin} are not allowed")
                check(request)
            except ApiError as exc:
                await error_response(exc.status, exc.type, exc.message, exc.headers)(scope, receive, send)
                return
        await self.inner(scope, receive, send)
