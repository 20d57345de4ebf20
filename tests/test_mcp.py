"""The MCP tools `search` and `ask`, called with the official SDK's client: in memory, over stdio
(`rag mcp` as a subprocess) and over streamable HTTP (a real uvicorn server at /mcp).

Fakes keep it fast: the hashing embedder, the extractive generator and the overlap judge.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from api.app import create_app
from api.mcp import build_mcp
from api.service import Busy, Service
from rag.config import ApiSettings, Settings
from rag.ingest import read_upload
from rag.types import Article

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_397e3221e5c587a0.txt"
FAKES = {"RAG_EMBED__MODEL": "fake-hash", "RAG_ANSWER__GENERATOR": "extractive", "RAG_VERIFY__JUDGE": "overlap"}
QUESTION = "Who confirmed the refusal?"
TIMEOUT = 30  # seconds for one whole client session; each normally takes well under one


def _seed() -> Article:
    (article,) = read_upload(SEED.read_bytes(), "seed.txt")
    assert isinstance(article, Article)
    return article


BODY = _seed().body  # the text every offset refers to


def run(fn: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    async def bounded() -> Any:
        with anyio.fail_after(TIMEOUT):
            return await fn(*args)

    return anyio.run(bounded)


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with the fakes and an index holding the seed article (built, then closed)."""
    monkeypatch.chdir(tmp_path)  # no rag.toml from the working directory
    monkeypatch.delenv("RAG_CONFIG", raising=False)
    settings = Settings(
        index_dir=tmp_path / "index",
        embed={"model": "fake-hash"},
        answer={"generator": "extractive"},
        verify={"judge": "overlap"},
    )
    service = Service.from_settings(settings)
    try:
        assert service.upsert(read_upload(SEED.read_bytes(), "seed.txt")).created
    finally:
        service.close()
    return settings


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    svc = Service.from_settings(settings)
    svc.warm_up()
    yield svc
    svc.close()


class ServerThread:
    """A real uvicorn server for `create_app(settings)` on a free port of 127.0.0.1."""

    def __init__(self, settings: Settings) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/mcp"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise RuntimeError("the server stopped while starting")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError("the server did not answer /healthz")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def serve() -> Iterator[Callable[[Settings], ServerThread]]:
    started: list[ServerThread] = []

    def start(settings: Settings) -> ServerThread:
        server = ServerThread(settings)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()
        assert not server.thread.is_alive(), "the server did not shut down"


# -- checks shared by every transport ------------------------------------------------------------
def check_search(result: CallToolResult, k: int) -> list[dict[str, Any]]:
    assert not result.is_error, result.content
    data = result.structured_content
    assert data is not None
    passages = data["passages"]
    assert 1 <= len(passages) <= k
    assert [p["n"] for p in passages] == list(range(1, len(passages) + 1))
    for p in passages:
        assert BODY[p["start"] : p["end"]] == p["text"]
        assert p["title"].startswith("Italy restricts US military access")
        assert p["author"] == "Marc Wells" and p["published_at"] == "2026-04-01"
        assert {"article_id", "chunk_id", "url", "outlet", "score"} <= p.keys()
    assert "Crosetto" in passages[0]["text"]
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.startswith("[1] Italy restricts") and f"chars {passages[0]['start']}-" in text
    return passages  # type: ignore[no-any-return]


def check_ask(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    data = result.structured_content
    assert data is not None
    assert data["question"] == QUESTION and data["answerable"] is True and data["abstain_reason"] is None
    assert data["sources"] and data["sentences"]
    for source in data["sources"]:
        assert BODY[source["start"] : source["end"]] == source["quote"]
        assert {"n", "url", "title", "author", "published_at", "article_id", "chunk_id"} <= source.keys()
    assert any("Crosetto" in s["quote"] for s in data["sources"])
    assert "[1]" in data["answer"]
    assert all(set(s["citations"]) <= {src["n"] for src in data["sources"]} for s in data["sentences"])
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.startswith(data["answer"]) and "\nSources:\n[1] " in text and "Crosetto" in text
    return data  # type: ignore[no-any-return]


def error_text(result: CallToolResult) -> str:
    assert result.is_error and result.structured_content is None
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Traceback" not in text
    return text  # type: ignore[no-any-return]


# -- in memory -----------------------------------------------------------------------------------
@pytest.fixture(params=["auto", "legacy"])
def mode(request: pytest.FixtureRequest) -> str:
    """auto: the 2026 protocol, dispatched directly; legacy: the initialize handshake over JSON-RPC streams."""
    return request.param  # type: ignore[no-any-return]


def test_list_tools_publishes_input_and_output_schemas(service: Service, mode: str) -> None:
    async def go() -> Any:
        async with Client(build_mcp(lambda: service), mode=mode) as client:
            return (await client.list_tools()).tools

    tools = {t.name: t for t in run(go)}
    assert set(tools) == {"search", "ask"}
    search, ask = tools["search"], tools["ask"]
    assert set(search.input_schema["properties"]) == {"query", "k", "after", "before", "outlets", "as_of"}
    assert search.input_schema["required"] == ["query"]
    assert set(ask.input_schema["properties"]) == {"question", "after", "before", "outlets", "as_of"}
    assert ask.input_schema["required"] == ["question"]
    assert search.output_schema is not None and "passages" in search.output_schema["properties"]
    assert ask.output_schema is not None
    assert {"answer", "answerable", "sentences", "sources"} <= set(ask.output_schema["properties"])
    assert "quote" in ask.output_schema["$defs"]["SourceOut"]["properties"]
    assert search.description and "offsets" in search.description
    assert ask.description and "verified" in ask.description
    assert search.annotations is not None and search.annotations.read_only_hint


def test_search_and_ask_in_memory(service: Service, mode: str) -> None:
    async def go() -> tuple[CallToolResult, CallToolResult]:
        async with Client(build_mcp(lambda: service), mode=mode) as client:
            found = await client.call_tool("search", {"query": "Crosetto confirmed the refusal", "k": 3})
            answered = await client.call_tool("ask", {"question": QUESTION})
            return found, answered

    found, answered = run(go)
    check_search(found, 3)
    check_ask(answered)


def test_filters_restrict_both_tools(service: Service) -> None:
    async def go() -> tuple[CallToolResult, CallToolResult, CallToolResult]:
        async with Client(build_mcp(lambda: service)) as client:
            late = await client.call_tool("search", {"query": "Crosetto", "after": "2027-01-01"})
            outlet = await client.call_tool("search", {"query": "Crosetto", "outlets": ["nowhere.example"]})
            answer = await client.call_tool("ask", {"question": QUESTION, "before": "2026-01-01"})
            return late, outlet, answer

    late, outlet, answer = run(go)
    for result in (late, outlet):
        assert not result.is_error and result.structured_content == {"query": "Crosetto", "passages": []}
        assert result.content[0].text == "No passages match."  # type: ignore[union-attr]
    assert not answer.is_error and answer.structured_content is not None
    assert answer.structured_content["answerable"] is False and answer.structured_content["sources"] == []
    assert answer.structured_content["abstain_reason"] == "no_relevant_passages"


def test_bad_calls_are_tool_errors_with_clear_messages(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    async def go() -> list[CallToolResult]:
        async with Client(build_mcp(lambda: service)) as client:
            results = [
                await client.call_tool("ask", {"question": ""}),
                await client.call_tool("ask", {"question": "   "}),
                await client.call_tool("ask", {"question": "x" * 5000}),
                await client.call_tool("search", {"query": ""}),
                await client.call_tool("search", {"query": "Crosetto", "k": 0}),
            ]
            monkeypatch.setattr(service.queue, "submit", busy)
            results.append(await client.call_tool("ask", {"question": QUESTION}))
            return results

    def busy(*args: Any) -> Any:
        raise Busy("8 answers are already waiting or running (setting api.queue_size); try again in 10 s", 10)

    empty, blank, long, no_query, bad_k, full = (error_text(r) for r in run(go))
    assert empty == blank == "Error executing tool ask: the question is empty"
    assert "the limit is" in long and "answer.max_question_chars" in long
    assert no_query == "Error executing tool search: the query is empty"
    assert "k" in bad_k and "greater than or equal to 1" in bad_k
    assert full.startswith("Error executing tool ask: 8 answers are already waiting") and "try again" in full


def test_ask_goes_through_the_model_queue(service: Service) -> None:
    seen: list[str] = []
    submit = service.queue.submit

    def spy(fn: Any, *args: Any) -> Any:
        seen.append(threading.current_thread().name)
        return submit(fn, *args)

    service.queue.submit = spy  # type: ignore[method-assign]

    async def go() -> CallToolResult:
        async with Client(build_mcp(lambda: service)) as client:
            return await client.call_tool("ask", {"question": QUESTION})

    check_ask(run(go))
    assert len(seen) == 1 and service.queue.pending == 0


# -- stdio: `rag mcp` ----------------------------------------------------------------------------
def test_rag_mcp_over_stdio(settings: Settings, tmp_path: Path) -> None:
    rag = Path(sys.executable).with_name("rag")
    command = str(rag) if rag.exists() else shutil.which("rag")
    if command is None:
        pytest.skip("the rag command is not installed")
    params = StdioServerParameters(
        command=command, args=["--index", str(settings.index_dir), "mcp"], env=FAKES, cwd=tmp_path
    )
    errlog_path = tmp_path / "stderr.txt"

    async def go(mode: str) -> tuple[str, list[str], CallToolResult, CallToolResult, CallToolResult]:
        with errlog_path.open("a") as errlog:
            async with Client(stdio_client(params, errlog=errlog), mode=mode) as client:
                names = [t.name for t in (await client.list_tools()).tools]
                found = await client.call_tool("search", {"query": "Crosetto confirmed the refusal", "k": 2})
                answered = await client.call_tool("ask", {"question": QUESTION})
                bad = await client.call_tool("ask", {"question": ""})
                return client.protocol_version, names, found, answered, bad

    for mode in ("auto", "legacy"):
        try:
            version, names, found, answered, bad = run(go, mode)
        except BaseException:
            print(errlog_path.read_text(), file=sys.stderr)
            raise
        assert version.startswith("2026" if mode == "auto" else "2025")
        assert sorted(names) == ["ask", "search"]
        check_search(found, 2)
        check_ask(answered)
        assert error_text(bad) == "Error executing tool ask: the question is empty"


def test_rag_mcp_reports_a_bad_index_in_one_line(tmp_path: Path) -> None:
    import subprocess

    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "manifest.json").write_text("{not json")
    env = {"PATH": "", **FAKES}
    rag = Path(sys.executable).with_name("rag")
    if not rag.exists():
        pytest.skip("the rag command is not installed")
    done = subprocess.run(
        [str(rag), "--index", str(tmp_path / "index"), "mcp"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=TIMEOUT,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr


# -- streamable HTTP at /mcp ---------------------------------------------------------------------
def test_search_and_ask_over_http(settings: Settings, serve: Callable[[Settings], ServerThread]) -> None:
    server = serve(settings)

    async def go(mode: str) -> tuple[str, CallToolResult, CallToolResult, CallToolResult]:
        async with Client(server.url, mode=mode) as client:
            found = await client.call_tool("search", {"query": "Crosetto confirmed the refusal", "k": 2})
            answered = await client.call_tool("ask", {"question": QUESTION})
            bad = await client.call_tool("ask", {"question": ""})
            return client.protocol_version, found, answered, bad

    for mode in ("auto", "legacy"):
        version, found, answered, bad = run(go, mode)
        assert version.startswith("2026" if mode == "auto" else "2025")
        check_search(found, 2)
        check_ask(answered)
        assert error_text(bad) == "Error executing tool ask: the question is empty"
    # the endpoint is /mcp itself, not a mount point below it
    assert httpx.get(f"{server.base}/openapi.json").status_code == 200
    assert "/mcp" not in httpx.get(f"{server.base}/openapi.json").json()["paths"]


def test_http_mcp_needs_the_api_key_when_keys_are_set(
    settings: Settings, serve: Callable[[Settings], ServerThread]
) -> None:
    settings = settings.model_copy(update={"api": ApiSettings(keys=["s3cret"])})
    server = serve(settings)
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    accept = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2026-07-28"}

    refused = httpx.post(server.url, json=listing, headers=accept)
    assert refused.status_code == 401 and refused.json()["error"]["type"] == "unauthorized"
    wrong = httpx.post(server.url, json=listing, headers=accept | {"Authorization": "Bearer nope"})
    assert wrong.status_code == 401

    async def without_key() -> None:
        async with Client(server.url) as client:
            await client.list_tools()

    with pytest.raises(BaseException) as caught:  # an ExceptionGroup from the transport's task group
        run(without_key)
    assert _contains(caught.value, MCPError)

    async def with_key() -> tuple[list[str], CallToolResult]:
        async with (
            httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret"}) as http,
            Client(streamable_http_client(server.url, http_client=http)) as client,
        ):
            names = [t.name for t in (await client.list_tools()).tools]
            return names, await client.call_tool("ask", {"question": QUESTION})

    names, answered = run(with_key)
    assert sorted(names) == ["ask", "search"]
    check_ask(answered)


def test_http_mcp_refuses_browser_requests_from_other_sites(
    settings: Settings, serve: Callable[[Settings], ServerThread]
) -> None:
    server = serve(settings)
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    headers = {"Accept": "application/json, text/event-stream"}

    other = httpx.post(server.url, json=hello, headers=headers | {"Origin": "http://evil.example"})
    assert other.status_code == 403 and other.json()["error"]["type"] == "forbidden"
    local = httpx.post(server.url, json=hello, headers=headers | {"Origin": f"http://localhost:{server.port}"})
    assert local.status_code == 200 and '"serverInfo"' in local.text and "rag-news" in local.text


def _contains(exc: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(exc, kind):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_contains(e, kind) for e in exc.exceptions)
    return False
