"""The HTTP service in process (TestClient), with fakes: deterministic embedder, extractive or gated generator,
overlap judge. The real-server tests (uvicorn + the openai client) are in test_api_server.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Service
from rag import factory
from rag.config import Settings
from rag.generators.base import Draft
from rag.generators.extractive import ExtractiveGenerator
from rag.ingest import read_upload
from rag.types import Passage

from .conftest import SEED

QUESTION = "Who confirmed the refusal?"


def fake_settings(index: Path, **api: Any) -> Settings:
    return Settings(
        index_dir=index,
        embed={"model": "fake-hash"},
        answer={"generator": "extractive"},
        verify={"judge": "overlap"},
        api={"mcp": False, **api},
    )


class Gated(ExtractiveGenerator):
    """The extractive generator, held at a gate until the test opens it; counts its calls."""

    name = "gated"

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.started = threading.Event()
        self.calls = 0

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "") -> Draft:
        self.calls += 1
        self.started.set()
        assert self.gate.wait(10), "the test never opened the gate"
        return super().generate(question, passages)


def make_service(index: Path, generator: Any = None, **api: Any) -> Service:
    settings = fake_settings(index, **api)
    service = Service.from_settings(settings)
    if generator is not None:
        service.pipeline.generator = generator
    if not service.store.counts()["articles"]:
        service.upsert(read_upload(SEED.read_bytes(), "seed.txt"))
    return service


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    s = make_service(tmp_path / "index")
    yield s
    s.close()


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service=service)) as c:
        yield c


def body_of(client: TestClient, article_id: str) -> str:
    r = client.get(f"/v1/documents/{article_id}")
    assert r.status_code == 200
    return r.json()["body"]


# -- native API ------------------------------------------------------------------------------


def test_ask_returns_the_cli_json_with_quotes_at_their_offsets(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": QUESTION})
    assert r.status_code == 200
    a = r.json()
    assert set(a) >= {"answer", "answerable", "abstain_reason", "sentences", "sources", "timings", "usage"}
    assert a["answerable"] and "Crosetto" in a["answer"]
    assert a["conflicts"] == []  # one article: nothing to disagree with
    assert [s["n"] for s in a["sources"]] == list(range(1, len(a["sources"]) + 1))
    for s in a["sources"]:
        assert body_of(client, s["article_id"])[s["start"] : s["end"]] == s["quote"]
    for sentence in a["sentences"]:
        assert sentence["citations"] and sentence["verdict"] == "supported"


def test_ask_stream_sends_passages_then_sentences_then_the_answer(client: TestClient) -> None:
    with client.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [(e.split("\n")[0].removeprefix("event: "), json.loads(e.split("\n")[1].removeprefix("data: ")))
              for e in text.strip().split("\n\n")]  # fmt: skip
    kinds = [k for k, _ in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer"
    assert set(kinds[1:-1]) == {"sentence"}
    passages = events[0][1]["passages"]
    for _, sentence in events[1:-1]:
        for n in sentence["citations"]:  # streamed citations number the streamed passages
            assert 1 <= n <= len(passages)
    assert events[-1][1]["answerable"] is True


def test_ask_refuses_bad_questions_with_json_errors(client: TestClient) -> None:
    for body in ({"question": ""}, {"question": "x" * 5000}, {"question": 3}, {}, {"question": "a", "bogus": 1}):
        r = client.post("/v1/ask", json=body)
        assert r.status_code == 422, body
        assert set(r.json()["error"]) == {"type", "message"}
    r = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["type"] == "invalid_request"


def test_an_unrelated_question_abstains(client: TestClient) -> None:
    a = client.post("/v1/ask", json={"question": "What is the boiling point of tungsten?"}).json()
    assert a["answerable"] is False and a["abstain_reason"] and not a["sources"]


def test_search_returns_passages_at_their_offsets(client: TestClient) -> None:
    r = client.post("/v1/search", json={"query": "Sigonella airbase", "k": 3})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert 1 <= len(passages) <= 3
    body = body_of(client, passages[0]["article_id"])
    for p in passages:
        assert body[p["start"] : p["end"]] == p["text"]
    assert client.post("/v1/search", json={"query": "x", "k": 0}).status_code == 422
    none = client.post("/v1/search", json={"query": "Sigonella", "filters": {"outlets": ["nowhere.example"]}})
    assert none.status_code == 200 and none.json()["passages"] == []


def test_documents_upsert_list_get_delete(client: TestClient) -> None:
    doc = {"id": "note-1", "title": "Harbour reopens", "text": "The harbour at Brindisi reopened on Monday.",
           "published_at": "2026-04-02", "url": "https://example.org/harbour"}  # fmt: skip
    r = client.post("/v1/documents", json=doc)
    assert r.status_code == 201 and r.json()["created"] == ["note-1"]
    again = client.post("/v1/documents", json=doc)  # a repeated request is safe
    assert again.status_code == 200 and again.json()["unchanged"] == ["note-1"]
    edited = client.post("/v1/documents", json={"documents": [{**doc, "text": doc["text"] + " Ferries resumed."}]})
    assert edited.json()["updated"] == ["note-1"]
    listed = client.get("/v1/documents", params={"limit": 1}).json()
    assert listed["total"] == 2 and len(listed["documents"]) == 1
    page2 = client.get("/v1/documents", params={"limit": 1, "offset": 1}).json()
    assert {listed["documents"][0]["id"], page2["documents"][0]["id"]} == {"note-1", "ff55dbf2f3a482f3"}
    assert "Ferries resumed." in client.get("/v1/documents/note-1").json()["body"]
    hits = client.post("/v1/search", json={"query": "Brindisi harbour ferries"}).json()["passages"]
    assert hits[0]["article_id"] == "note-1"
    assert client.delete("/v1/documents/note-1").json() == {"deleted": "note-1"}
    assert client.delete("/v1/documents/note-1").status_code == 404
    assert client.get("/v1/documents/note-1").status_code == 404
    hits = client.post("/v1/search", json={"query": "Brindisi harbour ferries"}).json()["passages"]
    assert all(h["article_id"] != "note-1" for h in hits)


def test_uploads_and_bad_documents(client: TestClient) -> None:
    r = client.post("/v1/documents", files={"file": ("seed.txt", SEED.read_bytes(), "text/plain")})
    assert r.status_code == 200 and r.json()["unchanged"] == ["ff55dbf2f3a482f3"]
    lines = b'{"id": "j1", "text": "Rome said yes."}\n{broken\n'
    r = client.post("/v1/documents", files={"file": ("batch.jsonl", lines)})
    assert r.status_code == 201 and r.json()["created"] == ["j1"]
    assert "line 2" in r.json()["problems"][0]["reason"]
    cases = [
        ({"files": {"file": ("x.pdf", b"%PDF")}}, 422),
        ({"files": {"file": ("x.txt", b"\x00\x01")}}, 422),
        ({"files": {"other": ("x.txt", b"hello")}}, 422),
        ({"json": {"text": ""}}, 422),
        ({"json": {"text": "ok", "id": "bad id!"}}, 422),
        ({"json": {"documents": []}}, 422),
        ({"json": [1, 2]}, 422),
        ({"content": b"text", "headers": {"content-type": "text/plain"}}, 415),
    ]
    for kwargs, status in cases:
        r = client.post("/v1/documents", **kwargs)
        assert r.status_code == status, (kwargs, r.text)
        assert r.json()["error"]["message"]
    assert client.get("/v1/documents").json()["total"] == 2  # nothing bad was stored


def test_request_bodies_over_the_limit_get_413(tmp_path: Path) -> None:
    service = make_service(tmp_path / "index", max_body_mb=0.01)
    with TestClient(create_app(service=service)) as c:
        r = c.post("/v1/documents", json={"text": "word " * 5000})
        assert r.status_code == 413 and r.json()["error"]["type"] == "request_too_large"
        assert c.post("/v1/ask", json={"question": QUESTION}).status_code == 200
    service.close()


def test_health_ready_and_unknown_routes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["ready"] and ready["index"]["articles"] == 1 and ready["models"]["embedder"] == "fake-hash"
    r = client.get("/nope")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"
    assert client.get("/v1/ask").status_code == 405
    assert client.get("/openapi.json").json()["paths"]["/v1/chat/completions"]


def test_api_keys(tmp_path: Path) -> None:
    service = make_service(tmp_path / "index", keys=["reader"], admin_keys=["boss"])
    doc = {"id": "k1", "text": "Keys are checked."}
    with TestClient(create_app(service=service)) as c:
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200
        for method, path, body in [("POST", "/v1/ask", {"question": QUESTION}), ("GET", "/v1/documents", None),
                                   ("GET", "/v1/models", None), ("POST", "/v1/search", {"query": "x"})]:  # fmt: skip
            r = c.request(method, path, json=body)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", path
            wrong = c.request(method, path, json=body, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            assert c.request(method, path, json=body, headers={"Authorization": "Bearer reader"}).status_code == 200
        r = c.post("/v1/documents", json=doc, headers={"Authorization": "Bearer reader"})
        assert r.status_code == 403 and r.json()["error"]["type"] == "forbidden"
        assert c.post("/v1/documents", json=doc, headers={"Authorization": "Bearer boss"}).status_code == 201
        assert c.delete("/v1/documents/k1", headers={"Authorization": "Bearer reader"}).status_code == 403
    service.close()


def test_cors_is_off_unless_configured(tmp_path: Path, client: TestClient) -> None:
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/v1/ask", headers=preflight).headers
    service = make_service(tmp_path / "other", cors_origins=["https://app.example"])
    with TestClient(create_app(service=service)) as c:
        r = c.options("/v1/ask", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://app.example"
    service.close()


# -- concurrency -----------------------------------------------------------------------------


def test_a_full_queue_answers_503_with_retry_after_and_searches_still_run(tmp_path: Path) -> None:
    gated = Gated()
    service = make_service(tmp_path / "index", generator=gated, queue_size=1, retry_after=7)
    with TestClient(create_app(service=service)) as c, ThreadPoolExecutor(2) as pool:
        first = pool.submit(c.post, "/v1/ask", json={"question": QUESTION})
        assert gated.started.wait(5)
        busy = c.post("/v1/ask", json={"question": QUESTION})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "7"
        assert busy.json()["error"]["type"] == "overloaded"
        t = time.perf_counter()
        assert c.post("/v1/search", json={"query": "Sigonella"}).status_code == 200  # not behind the answer
        assert time.perf_counter() - t < 5
        gated.gate.set()
        assert first.result(10).status_code == 200
        assert c.post("/v1/ask", json={"question": QUESTION}).status_code == 200  # the slot was freed
    service.close()


def test_a_client_that_leaves_mid_stream_frees_its_worker(tmp_path: Path) -> None:
    gated = Gated()
    service = make_service(tmp_path / "index", generator=gated, queue_size=1)
    with TestClient(create_app(service=service)) as c:
        with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
            first = next(r.iter_lines())
            assert first == "event: passages"
        # The client closed the stream while the answer was being drafted.
        gated.gate.set()
        deadline = time.time() + 5
        while service.queue.pending and time.time() < deadline:
            time.sleep(0.02)
        assert service.queue.pending == 0
        assert c.post("/v1/ask", json={"question": QUESTION}).status_code == 200
    service.close()


def test_parallel_searches_asks_and_an_upsert_lose_nothing(tmp_path: Path) -> None:
    index = tmp_path / "index"
    service = make_service(index, queue_size=8)
    docs = [{"id": f"d{i}", "title": f"Report {i}", "text": f"Port number {i} in Taranto reopened after repairs."}
            for i in range(5)]  # fmt: skip
    with TestClient(create_app(service=service)) as c, ThreadPoolExecutor(12) as pool:
        searches = [pool.submit(c.post, "/v1/search", json={"query": f"Taranto port {i}"}) for i in range(20)]
        asks = [pool.submit(c.post, "/v1/ask", json={"question": QUESTION}) for _ in range(4)]
        upsert = pool.submit(c.post, "/v1/documents", json={"documents": docs})
        more = [pool.submit(c.post, "/v1/search", json={"query": "Sigonella"}) for _ in range(5)]
        results = [f.result(30) for f in searches + asks + [upsert] + more]
        assert [r.status_code for r in results] == [200] * 24 + [201] + [200] * 5
        for r in results[20:24]:
            assert r.json()["answerable"] and "Crosetto" in r.json()["answer"]
        assert c.get("/v1/documents").json()["total"] == 6
    service.close()
    # A restart finds everything that was acknowledged.
    again = Service.from_settings(fake_settings(index))
    assert again.store.counts()["articles"] == 6
    assert {p.article_id for p in again.search("Taranto port reopened repairs", 10)} >= {"d0", "d1"}
    again.close()


def test_writes_from_another_process_are_seen(tmp_path: Path, client: TestClient, service: Service) -> None:
    settings = fake_settings(service.settings.index_dir)
    embedder = factory.embedder(settings)
    other = factory.store(settings, embedder)
    with other.writing():
        factory.indexer(settings, other, embedder).ingest(
            read_upload(b'{"id": "ext", "text": "Bari votes."}', "a.jsonl")
        )
    other.close()
    assert client.get("/v1/documents/ext").status_code == 200
    assert client.post("/v1/search", json={"query": "Bari votes"}).json()["passages"][0]["article_id"] == "ext"


# -- OpenAI-compatible ---------------------------------------------------------------------


def chat(client: TestClient, messages: list[dict[str, str]], **extra: Any) -> Any:
    return client.post("/v1/chat/completions", json={"model": "rag-news", "messages": messages, **extra})


def test_chat_completion_carries_citations_in_every_channel(client: TestClient) -> None:
    r = chat(client, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}],
             temperature=0.2, sources_footer=True)  # fmt: skip
    assert r.status_code == 200
    c = r.json()
    assert c["object"] == "chat.completion" and c["choices"][0]["finish_reason"] == "stop"
    message = c["choices"][0]["message"]
    content = message["content"]
    assert "Crosetto" in content and "[1]" in content and "\n\nSources:\n[1] " in content
    for a in message["annotations"]:
        assert a["type"] == "url_citation"
        u = a["url_citation"]
        assert content[u["start_index"] : u["end_index"]] == "[1]"
        assert u["url"] == c["citations"][0]
    result = c["search_results"][0]
    assert body_of(client, result["article_id"])[result["start"] : result["end"]] == result["snippet"]
    assert (
        "Sources:"
        not in chat(client, [{"role": "user", "content": QUESTION}]).json()["choices"][0]["message"]["content"]
    )


def test_chat_stream_follows_the_openai_chunk_format(client: TestClient) -> None:
    body = {"model": "rag-news", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": QUESTION}]}  # fmt: skip
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert all(ch["object"] == "chat.completion.chunk" and ch["id"] == chunks[0]["id"] for ch in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text, annotated = "", []
    for ch in chunks:
        for choice in ch["choices"]:
            delta = choice["delta"]
            for a in delta.get("annotations", []):
                annotated.append(
                    (a["url_citation"]["start_index"], a["url_citation"]["end_index"], text + delta["content"])
                )
            text += delta.get("content") or ""
    assert "Crosetto" in text and annotated
    for start, end, so_far in annotated:
        assert so_far[start:end] == "[1]"  # the annotation rides on the delta that carries its marker
    final = next(ch for ch in chunks if ch["choices"] and ch["choices"][0]["finish_reason"] == "stop")
    assert final["citations"] and final["search_results"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] >= 0


def test_chat_follow_up_is_read_with_the_previous_turn(client: TestClient, service: Service) -> None:
    seen: list[str] = []
    original = service.pipeline.ask

    def spy(question: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(question)
        return original(question, *args, **kwargs)

    service.pipeline.ask = spy  # type: ignore[method-assign]
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Guido Crosetto did [1]."},
                {"role": "user", "content": "And what is his job?"}]  # fmt: skip
    assert chat(client, messages).status_code == 200
    assert seen[-1].startswith("And what is his job?") and "Who confirmed the refusal?" in seen[-1]
    assert "Crosetto" in seen[-1]


def test_chat_errors(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 404 and r.json()["error"]["type"] == "model_not_found"
    assert chat(client, [{"role": "assistant", "content": "hello"}]).status_code == 422
    assert chat(client, [{"role": "user", "content": "   "}]).status_code == 422
    assert chat(client, []).status_code == 422
    models = client.get("/v1/models").json()
    assert models["data"][0]["id"] == "rag-news"


def test_as_of_in_requests(client: TestClient) -> None:
    bad = client.post("/v1/ask", json={"question": "Who confirmed the refusal?", "as_of": "soon"})
    assert bad.status_code == 422 and "as_of must be a date" in bad.json()["error"]["message"]
    early = client.post("/v1/search", json={"query": "Sigonella refusal", "as_of": "2026-03-01"})
    assert early.status_code == 200 and early.json()["passages"] == []  # the seed article is of 1 April 2026
    late = client.post("/v1/ask", json={"question": "Who confirmed the refusal?", "as_of": "2026-04-02"})
    assert late.status_code == 200 and late.json()["as_of"] == "2026-04-02" and late.json()["answerable"]
