"""The wire shapes of api.schemas: one passage shape on every channel, the answer as `rag ask --json`
prints it, response models named in /openapi.json, and the service swapped through ServiceDep."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client
from pydantic import ValidationError

from api.app import create_app
from api.dependencies import get_service
from api.mcp import build_mcp
from api.schemas import AnswerOut, PassageOut, SentenceOut
from api.service import Service
from rag.types import Filters, Passage

from .test_api import QUESTION, fake_settings, make_service

QUERY = "Crosetto confirmed the refusal"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    s = make_service(tmp_path_factory.mktemp("schemas") / "index")
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service=service)) as c:
        yield c


def stream_events(client: TestClient, question: str) -> list[tuple[str, Any]]:
    with client.stream("POST", "/v1/ask", json={"question": question, "stream": True}) as r:
        text = "".join(r.iter_text())
    return [(e.split("\n")[0].removeprefix("event: "), json.loads(e.split("\n")[1].removeprefix("data: ")))
            for e in text.strip().split("\n\n")]  # fmt: skip


def mcp_search(service: Service, query: str, k: int) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with Client(build_mcp(lambda: service)) as mcp:
            result = await mcp.call_tool("search", {"query": query, "k": k})
            assert result.structured_content is not None
            return result.structured_content

    return anyio.run(go)


def test_a_passage_has_one_shape_in_search_the_stream_and_mcp(client: TestClient, service: Service) -> None:
    searched = client.post("/v1/search", json={"query": QUERY, "k": 3}).json()["passages"]
    streamed = stream_events(client, QUESTION)[0][1]["passages"]
    tool = mcp_search(service, QUERY, 3)["passages"]
    shape = set(PassageOut.model_fields)
    assert searched and streamed and tool
    for p in searched + streamed + tool:
        assert set(p) == shape
        assert p["byline"] == p["author"] and p["source"] == p["path"]  # the deprecated duplicates
    assert tool == searched  # the same query gives the same JSON over HTTP and MCP
    assert [p["n"] for p in streamed] == list(range(1, len(streamed) + 1))


def test_every_field_the_old_search_output_had_is_still_there(service: Service, client: TestClient) -> None:
    old = {"chunk_id", "article_id", "text", "start", "end", "score", "title", "byline", "outlet", "url",
           "published_at", "source", "dense_score", "dense_rank", "bm25_rank", "duplicates"}  # fmt: skip
    old_stream = {"n", "article_id", "chunk_id", "title", "author", "published_at", "url", "outlet", "text",
                  "start", "end"}  # fmt: skip
    old_mcp = old_stream | {"path", "score"}
    assert old | old_stream | old_mcp <= set(PassageOut.model_fields)
    first = client.post("/v1/search", json={"query": QUERY, "k": 1}).json()["passages"][0]
    passage = service.search(QUERY, 1)[0]
    assert first["dense_rank"] == passage.dense_rank and first["bm25_rank"] == passage.bm25_rank
    assert first["score"] == passage.score and first["duplicates"] == list(passage.duplicates)


def test_the_answer_is_the_json_of_rag_ask(client: TestClient, service: Service) -> None:
    answer = service.ask(QUESTION, Filters()).result(30)
    expected = json.loads(json.dumps(answer.to_dict()))
    assert AnswerOut.from_answer(answer).model_dump(mode="json") == expected
    served = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert {k: v for k, v in served.items() if k != "timings"} == {k: v for k, v in expected.items() if k != "timings"}
    assert stream_events(client, QUESTION)[-1][1].keys() == expected.keys()


def test_verdicts_are_supported_supported_elsewhere_or_unsupported() -> None:
    for verdict in ("supported", "supported_elsewhere", "unsupported"):
        SentenceOut(text="x [1]", citations=[1], verdict=verdict, support=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SentenceOut(text="x [1]", citations=[1], verdict="recited", support=1.0)  # type: ignore[arg-type]


def test_openapi_names_the_response_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    def model(path: str, method: str, status: str = "200") -> str:
        response = spec["paths"][path][method]["responses"][status]
        return str(response["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[-1]

    assert model("/v1/ask", "post") == "AnswerOut"
    assert model("/v1/search", "post") == "SearchOut"
    assert model("/v1/documents", "get") == "DocumentListOut"
    assert model("/v1/documents", "post") == model("/v1/documents", "post", "201") == "UpsertOut"
    assert model("/v1/documents/{article_id}", "get") == "DocumentOut"
    assert model("/v1/chat/completions", "post") == "ChatCompletionOut"
    assert model("/readyz", "get", "503") == "ReadyOut"
    assert model("/v1/search", "post", "422") == model("/v1/documents", "get", "422") == "ErrorOut"
    schemas = spec["components"]["schemas"]
    assert schemas["PassageOut"]["properties"]["byline"]["deprecated"] is True
    assert schemas["PassageOut"]["properties"]["source"]["deprecated"] is True
    assert "$ref" in str(schemas["SearchOut"]["properties"]["passages"])


class CannedService:
    """Stands in for Service through `app.dependency_overrides`: no index, no models."""

    def __init__(self, settings: Any, passage: Passage) -> None:
        self.settings = settings
        self.passage = passage
        self.queries: list[tuple[str, int, Filters]] = []

    def search(self, query: str, k: int, filters: Filters = Filters()) -> list[Passage]:
        self.queries.append((query, k, filters))
        return [self.passage]


def test_routes_take_the_service_from_the_dependency(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path / "never-opened")
    passage = Passage("a1:0", "a1", "Rome said yes.", 0, 14, 0.03, title="T", byline="Ann Lee", url="",
                      source="notes.txt:3", dense_score=0.71, dense_rank=1, bm25_rank=2)  # fmt: skip
    canned = CannedService(settings, replace(passage, duplicates=("a2:0",)))
    app = create_app(settings)
    app.dependency_overrides[get_service] = lambda: canned
    client = TestClient(app)  # not entered: the lifespan, which would open the index, never runs
    r = client.post("/v1/search", json={"query": "Rome", "filters": {"outlets": ["x"]}})
    assert r.status_code == 200
    (p,) = r.json()["passages"]
    assert p["author"] == p["byline"] == "Ann Lee" and p["path"] == p["source"] == "notes.txt:3"
    assert (p["n"], p["dense_score"], p["bm25_rank"], p["duplicates"]) == (1, 0.71, 2, ["a2:0"])
    assert canned.queries == [("Rome", settings.retrieve.top_k, Filters(outlets=("x",)))]
    assert not settings.index_dir.exists()
