"""MCP tools `search` and `ask` over the same Service the HTTP routes use, built on the official `mcp` SDK.

`build_mcp(get_service)` returns the server: `rag mcp` runs it over stdio (`serve_stdio`), and the API
mounts its streamable-HTTP app at /mcp (api.app). Both tools return structured content in the shapes
the HTTP API uses (api.schemas: `SearchOut` of `PassageOut`s, and `AnswerOut`), plus a readable text
version: the passages, or the answer with its [n] markers and a Sources list.

`ask` goes through the service's model queue like `POST /v1/ask`: a full queue and bad input come back
as tool errors (`isError`) with a one-line message; the caller never sees a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from api.schemas import AnswerOut, PassageOut, SearchOut
from rag import __version__
from rag.errors import InputError, RagError
from rag.timeframe import parse_as_of
from rag.types import Filters

if TYPE_CHECKING:
    from api.service import Service
    from rag.config import Settings
    from rag.types import Answer

INSTRUCTIONS = """\
Questions over a local collection of news articles. `ask` answers in sentences that each cite numbered
sources with verbatim quotes (character offsets into the article body, and the article's URL); every
sentence has been checked against its quote, and when the articles do not support an answer it says
so (answerable=false) instead of guessing. `search` returns the raw passages most relevant to a query,
to explore what the collection holds. Both accept optional filters: published after/before an ISO date,
and a list of outlets."""

AfterArg = Annotated[str, Field(max_length=40, description="only articles published on or after this ISO date")]
BeforeArg = Annotated[str, Field(max_length=40, description="only articles published before this ISO date")]
OutletsArg = Annotated[list[str], Field(max_length=100, description="only articles from these outlets (exact names)")]
AsOfArg = Annotated[
    str,
    Field(
        max_length=40,
        description="the day the question is asked at (YYYY-MM-DD); nothing published after it is used, and "
        "'this week' or 'latest' count from it; default: the server's setting, else today",
    ),
]


# -- the server ----------------------------------------------------------------------------------
def build_mcp(get_service: Callable[[], Service]) -> MCPServer:
    """The MCP server with the `search` and `ask` tools; `get_service()` is called on each call."""
    server: MCPServer = MCPServer(
        "rag-news",
        title="rag-news",
        description="Questions over news articles, answered with verified sentence-level citations",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",  # the SDK configures the root logger (stderr) if nothing else has
    )

    @server.tool(
        title="Search news articles",
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    async def search(
        query: Annotated[str, Field(description="what to look for: words, names, a question")],
        k: Annotated[int, Field(ge=1, le=100, description="how many passages to return")] = 5,
        after: AfterArg = "",
        before: BeforeArg = "",
        outlets: OutletsArg = [],  # noqa: B006 (pydantic copies defaults)
        as_of: AsOfArg = "",
    ) -> Annotated[CallToolResult, SearchOut]:
        """Find the passages of the indexed news articles most relevant to a query (hybrid keyword and
        semantic search). Each passage comes with its article's title, byline, outlet, date and URL, and
        its character offsets in the article body. Use it to explore what the articles cover; use `ask`
        for an answer whose every sentence is verified against a cited quote."""
        if not query.strip():
            raise ToolError("the query is empty")
        service = get_service()
        filters = _filters(after, before, outlets, as_of)
        passages = await _call(lambda: service.search(query, k, filters))
        result = SearchOut(query=query, passages=PassageOut.numbered(passages))
        return CallToolResult(
            content=[TextContent(type="text", text=_search_text(result))],
            structured_content=result.model_dump(mode="json"),
        )

    @server.tool(
        title="Answer a question with cited sources",
        annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False),
    )
    async def ask(
        question: Annotated[str, Field(description="the question, in natural language")],
        after: AfterArg = "",
        before: BeforeArg = "",
        outlets: OutletsArg = [],  # noqa: B006
        as_of: AsOfArg = "",
    ) -> Annotated[CallToolResult, AnswerOut]:
        """Answer a question from the indexed news articles. Every sentence of the answer cites numbered
        sources ([1], [2]...) and was verified against them; each source has a verbatim quote, its
        character offsets in the article body, and the article's title, byline, date and URL. When the
        articles do not support an answer, answerable is false and the answer says so: report that
        rather than answering from memory. Answers are drafted by a local model, one at a time: a call
        may wait, and is refused with a 'try again' message when too many are queued."""
        answer = await _answer(get_service(), question, _filters(after, before, outlets, as_of))
        result = AnswerOut.from_answer(answer)
        return CallToolResult(
            content=[TextContent(type="text", text=_answer_text(answer))],
            structured_content=result.model_dump(mode="json"),
        )

    return server


async def _call(fn: Callable[[], Any]) -> Any:
    """Run blocking service work on a worker thread; library errors become tool errors."""
    try:
        return await anyio.to_thread.run_sync(fn)
    except RagError as exc:
        raise ToolError(str(exc)) from exc


async def _answer(service: Service, question: str, filters: Filters) -> Answer:
    """Queue the answer on the model thread and await it without blocking the event loop.

    If the call is cancelled (the client went away), a job still waiting is dropped and a running one
    stops at its next stage or sentence.
    """
    from api.service import Cancelled

    stop = threading.Event()

    def on_event(kind: str, payload: Any) -> None:
        if stop.is_set():
            raise Cancelled("the MCP call was cancelled")

    try:
        future = service.ask(question, filters, on_event=on_event)  # raises Busy or InputError at once
    except RagError as exc:
        raise ToolError(str(exc)) from exc
    try:
        return await asyncio.wrap_future(future)
    except RagError as exc:
        raise ToolError(str(exc)) from exc
    finally:
        if not future.done():
            stop.set()
            future.cancel()


def _filters(after: str, before: str, outlets: list[str], as_of: str = "") -> Filters:
    try:
        day = parse_as_of(as_of)
    except InputError as exc:
        raise ToolError(str(exc)) from None
    return Filters(
        published_after=after.strip(),
        published_before=before.strip(),
        outlets=tuple(o.strip() for o in outlets if o.strip()),
        as_of=day,
    )


def _meta(*parts: str) -> str:
    return " · ".join(x for x in parts if x)


def _search_text(result: SearchOut) -> str:
    if not result.passages:
        return "No passages match."
    blocks = []
    for p in result.passages:
        head = f"[{p.n}] {p.title or '(untitled)'}"
        meta = _meta(p.author, p.outlet, p.published_at)
        where = f"{p.url or p.path} ({p.chunk_id}, chars {p.start}-{p.end})"
        blocks.append("\n".join(x for x in (head, meta, where, " ".join(p.text.split())) if x))
    return "\n\n".join(blocks)


def _answer_text(answer: Answer) -> str:
    lines = [answer.answer]
    if not answer.answerable:
        lines.append(f"(no verified answer: {answer.abstain_reason})")
    for c in answer.conflicts:
        lines += ["", f"The sources disagree ({c.status}) on: {c.slot}"]
        for v in c.values:
            cited = "; ".join(_meta(f"[{s.n}]", s.outlet, s.published_at[:10]) for s in v.sources)
            lines.append(f"- {v.value}: {cited}")
    if answer.sources:
        lines += ["", "Sources:"]
    for s in answer.sources:
        meta = _meta(s.author, s.outlet, s.published_at)
        lines.append(f"[{s.n}] {s.title or '(untitled)'}" + (f" — {meta}" if meta else ""))
        lines.append(f"    {s.url or s.path} (chars {s.start}-{s.end})")
        lines.append(f"    “{' '.join(s.quote.split())}”")
    return "\n".join(lines)


# -- stdio (`rag mcp`) ---------------------------------------------------------------------------
def serve_stdio(settings: Settings) -> None:
    """Open the index, load the models, and serve MCP on stdin/stdout until the client closes stdin.

    Nothing but protocol messages reaches stdout: while the models load, anything written to stdout
    (by Python or by native code) goes to stderr; while serving, the SDK does the same diversion.
    """
    from api.service import Service

    with _stdout_to_stderr():
        service = Service.from_settings(settings)
        try:
            service.warm_up()
        except BaseException:
            service.close()
            raise
    try:
        anyio.run(build_mcp(lambda: service).run_stdio_async)
    finally:
        service.close()


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (embedded): Python-level redirection only
        saved = None
    try:
        if saved is not None:
            os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
