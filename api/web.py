"""The web page at `/`: ask, watch the sentences arrive verified, and see each quote highlighted in its article.

The page is static files in `api/web/` (HTML, CSS and vanilla JavaScript modules; no build step, nothing
fetched from elsewhere) that call the public API like any other client. This module serves them, with a
Content-Security-Policy that lets the page load only its own files and talk only to this server, and sends
a browser that opens an article's API URL (`/v1/documents/{id}#chars=S-E`, the link chat answers give
for articles without a URL) to the page's article view, where the quote is highlighted.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

WEB_DIR = Path(__file__).with_name("web")

# Only the page's own files, and requests to this server: article text is untrusted, so even if some got
# into the markup, no script or style from elsewhere could run, and nothing could be sent elsewhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    """The page itself; it asks for an API key only when the API answers 401."""
    return FileResponse(WEB_DIR / "index.html", headers=PAGE_HEADERS)


class BrowserLinks:
    """Send a browser that opens `/v1/documents/{id}` to the page's article view (`/?doc={id}`).

    Chat answers cite an article without a URL by `/v1/documents/{id}#chars=S-E`; a person who clicks it
    should see the article with the quote highlighted, not JSON. Only a GET whose Accept header asks for
    HTML is redirected (API clients send `application/json` or `*/*`), before the key check, so the page
    can ask for the key. The browser keeps the `#chars=S-E` fragment across the redirect (the Location
    has none), and the page reads both.
    """

    PATH = re.compile(r"^/v1/documents/([^/]+)$")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = self.PATH.match(scope["path"])
            accept = dict(scope.get("headers") or []).get(b"accept", b"")
            if match and b"text/html" in accept:
                root = scope.get("root_path", "")
                location = f"{root}/?doc={quote(match.group(1), safe='')}"
                await send(
                    {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [(b"location", location.encode()), (b"content-length", b"0")],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Serve the page at `/` and its files under `/web/`, and redirect browsers' article links to it."""
    app.include_router(router)
    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")
    app.add_middleware(BrowserLinks)
