"""Where sources disagree, every interface carries it: `conflicts` in the native answer (and its stream's final
event), in the MCP `ask` tool's structured content and text, and for chat clients in the text, its citation
channels and `rag.conflicts`. Fakes (hashing embedder, extractive generator, overlap judge)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client

from api.app import create_app
from api.mcp import build_mcp
from api.schemas import AnswerOut, ConflictOut
from api.service import Service
from rag.types import Filters

from .test_api import fake_settings
from .test_api_schemas import stream_events

QUESTION = "How many schools did the strike close?"
STORY = [
    ("reuters", "Reuters", "The strike closed 40 schools across the region on Monday, the union said."),
    ("bbc", "BBC", "The strike closed 25 schools across the region on Monday, the ministry said."),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    s = Service.from_settings(fake_settings(tmp_path_factory.mktemp("conflicts") / "index"))
    documents = [
        {"id": i, "title": "Teachers strike", "text": text, "outlet": outlet, "published_at": "2024-03-04"}
        for i, outlet, text in STORY
    ]
    with TestClient(create_app(service=s)) as c:
        assert c.post("/v1/documents", json={"documents": documents}).status_code in (200, 201)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service=service)) as c:
        yield c


def check_conflicts(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer holds one disagreement whose every source is an answer source, in the text it cites."""
    assert answer["answerable"] is True and answer["abstain_reason"] is None
    (conflict,) = answer["conflicts"]
    assert set(conflict) == set(ConflictOut.model_fields)
    assert (conflict["kind"], conflict["status"]) == ("number", "disagreement")
    assert {v["value"] for v in conflict["values"]} == {"40 schools", "25 schools"}
    sources = {s["n"]: s for s in answer["sources"]}
    for value in conflict["values"]:
        for src in value["sources"]:
            assert sources[src["n"]]["outlet"] == src["outlet"] and src["sentence"] in sources[src["n"]]["quote"]
            assert f"[{src['n']}]" in answer["answer"]
    said = [s for s in answer["sentences"] if s["verdict"] == "disagreement"]
    assert len(said) == 1 and said[0]["text"].startswith("The sources disagree: ")
    return conflict


def test_native_answer_carries_conflicts(client: TestClient, service: Service) -> None:
    served = client.post("/v1/ask", json={"question": QUESTION}).json()
    check_conflicts(served)
    answer = service.ask(QUESTION, Filters()).result(30)
    assert AnswerOut.from_answer(answer).model_dump(mode="json") == json.loads(json.dumps(answer.to_dict()))


def test_the_stream_sends_the_statement_and_the_final_answer_carries_conflicts(client: TestClient) -> None:
    events = stream_events(client, QUESTION)
    kinds = [k for k, _ in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer"
    statement = [e for k, e in events if k == "sentence" and e["verdict"] == "disagreement"]
    assert len(statement) == 1 and len(statement[0]["citations"]) == 2  # numbered as the streamed passages
    check_conflicts(events[-1][1])


def test_mcp_ask_carries_conflicts_in_structured_content_and_text(service: Service) -> None:
    async def go() -> Any:
        async with Client(build_mcp(lambda: service)) as mcp:
            return await mcp.call_tool("ask", {"question": QUESTION})

    result = anyio.run(go)
    assert result.structured_content is not None
    check_conflicts(result.structured_content)
    text = result.content[0].text
    assert "The sources disagree (disagreement)" in text and "- 40 schools: [" in text and "Reuters" in text


@pytest.mark.parametrize("stream", [False, True])
def test_chat_carries_the_disagreement_in_the_text_the_citations_and_rag(client: TestClient, stream: bool) -> None:
    body = {"model": "rag-news", "messages": [{"role": "user", "content": QUESTION}], "stream": stream}
    if not stream:
        reply = client.post("/v1/chat/completions", json=body).json()
        content, annotations = reply["choices"][0]["message"]["content"], reply["choices"][0]["message"]["annotations"]
        final = reply
    else:
        with client.stream("POST", "/v1/chat/completions", json=body) as r:
            chunks = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
        content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
        annotations = [a for c in chunks if c["choices"] for a in c["choices"][0]["delta"].get("annotations", [])]
        final = next(c for c in chunks if c.get("rag"))
    assert content.startswith("The sources disagree: ") and "Reuters" in content and "BBC" in content
    markers = {content[a["url_citation"]["start_index"] : a["url_citation"]["end_index"]] for a in annotations}
    assert markers == {"[1]", "[2]"}
    assert len(final["citations"]) == len(final["search_results"]) == 2
    (conflict,) = final["rag"]["conflicts"]
    assert {v["value"] for v in conflict["values"]} == {"40 schools", "25 schools"}
    assert {s["outlet"] for s in final["search_results"]} == {"Reuters", "BBC"}
