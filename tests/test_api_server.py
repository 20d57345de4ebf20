"""The service on a real uvicorn server on 127.0.0.1, used by the official `openai` client; and a schema
fuzz (schemathesis) that must find no server error."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings

from api.app import create_app

from .conftest import SEED, Server, free_port
from .test_api import QUESTION, make_service

openai = pytest.importorskip("openai")
schemathesis = pytest.importorskip("schemathesis")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    service = make_service(tmp_path_factory.mktemp("served") / "index", keys=["secret"])
    with Server(service) as s:
        yield s
    service.close()


def test_openai_client_non_streamed(server: Server) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="secret", max_retries=0)
    assert [m.id for m in client.models.list()] == ["rag-news"]
    completion = client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": QUESTION}])
    message = completion.choices[0].message
    assert "Crosetto" in message.content and "[1]" in message.content
    citation = message.annotations[0].url_citation
    assert message.content[citation.start_index : citation.end_index] == "[1]"
    extra = completion.model_extra or {}
    assert extra["citations"] == [citation.url]
    quote = extra["search_results"][0]
    body = httpx.get(f"{server.url}/v1/documents/{quote['article_id']}", headers={"Authorization": "Bearer secret"})
    assert body.json()["body"][quote["start"] : quote["end"]] == quote["snippet"]


def test_openai_client_streamed(server: Server) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="secret", max_retries=0)
    stream = client.chat.completions.create(
        model="rag-news", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    text, annotations, final = "", [], None
    for chunk in stream:
        delta = chunk.choices[0].delta
        annotations += (delta.model_extra or {}).get("annotations") or []
        text += delta.content or ""
        if chunk.choices[0].finish_reason == "stop":
            final = chunk
    assert "Crosetto" in text and annotations
    assert final is not None and (final.model_extra or {})["citations"]


def test_openai_client_sees_auth_and_model_errors(server: Server) -> None:
    bad = openai.OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="secret", max_retries=0)
    with pytest.raises(openai.NotFoundError, match="unknown model"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])


# -- schema fuzzing --------------------------------------------------------------------------


def test_fuzzed_requests_never_get_a_server_error(tmp_path: Path) -> None:
    """Every operation of the OpenAPI schema, with generated valid and invalid inputs: no 5xx but 503."""
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode

    service = make_service(tmp_path / "index")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(service=service))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    for operation, mode in [(o, m) for o in operations for m in GenerationMode]:

        @given(case=operation.as_strategy(mode))
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: object) -> None:
            response = case.call()  # type: ignore[attr-defined]
            if response.status_code >= 500 and response.status_code != 503:
                failures.append(f"{case.operation.label}: {response.status_code} {response.text[:200]}")
            case.validate_response(response, checks=[not_a_server_error])  # type: ignore[attr-defined]

        try:
            run()
        except Unsatisfiable:  # nothing invalid can be sent to an operation without inputs
            assert mode == GenerationMode.NEGATIVE
    service.close()
    assert not failures


def test_served_index_survives_restart(tmp_path: Path) -> None:
    index = tmp_path / "index"
    service = make_service(index)
    with Server(service) as s:
        r = httpx.post(f"{s.url}/v1/documents", json={"id": "kept", "text": "Acknowledged writes are durable."})
        assert r.status_code == 201
    service.close()
    again = make_service(index)
    assert again.document("kept").body == "Acknowledged writes are durable."
    again.close()


def test_rag_serve_starts_answers_and_stops(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    port = free_port()
    env = {**os.environ, "RAG_EMBED__MODEL": "fake-hash", "RAG_ANSWER__GENERATOR": "extractive",
           "RAG_VERIFY__JUDGE": "overlap", "RAG_API__MCP": "false"}  # fmt: skip
    rag = [sys.executable, "-m", "rag", "--index", str(tmp_path / "index")]
    proc = subprocess.Popen([*rag, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("rag serve did not become ready")
        r = httpx.post(f"{url}/v1/documents", files={"file": ("seed.txt", SEED.read_bytes())})
        assert r.status_code == 201
        a = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=30).json()
        assert "Crosetto" in a["answer"]
        assert "<title>rag-news" in httpx.get(f"{url}/").text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
    assert proc.stderr is not None and f"the web page is at {url}/" in proc.stderr.read()
    # A broken index is one line, not a startup traceback.
    (tmp_path / "index" / "manifest.json").write_text("{broken")
    bad = subprocess.run([*rag, "serve", "--port", str(port)], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "manifest" in bad.stderr


def test_eval_against_the_service_matches_the_same_eval_in_process(tmp_path: Path) -> None:
    """`rag eval --url` asks a running service; with the same models and corpus it must score exactly what
    the in-process run scores, question by question."""
    import json

    from click.testing import CliRunner

    from rag.cli import main

    env = {"RAG_EMBED__MODEL": "fake-hash", "RAG_VERIFY__JUDGE": "overlap", "RAG_ANSWER__GENERATOR": "extractive"}
    service = make_service(tmp_path / "served")  # the seed article, fake embedder, extractive, overlap judge
    rows = {}
    try:
        with Server(service) as s:
            for mode, extra in (("url", ["--url", s.url]), ("local", [])):
                out = tmp_path / mode
                cache = ["--cache-dir", str(tmp_path / "cache")]
                args = ["eval", "seed", "--limit", "12", "--out", str(out), *cache, *extra]
                result = CliRunner().invoke(main, args, env=env)
                assert result.exit_code == 0, result.output
                (path,) = out.glob("eval-seed-*.json")
                report = json.loads(path.read_text())
                rows[mode] = {r["id"]: r for r in report["sets"]["seed"]["rows"]}
    finally:
        service.close()
    assert len(rows["url"]) == 12 and rows["url"].keys() == rows["local"].keys()
    assert sum(r["answerable"] for r in rows["url"].values()) >= 6  # answers, not only abstentions, compared
    for qid, remote in rows["url"].items():
        local = rows["local"][qid]
        assert remote.get("error") is None, remote
        assert (remote["answer"], remote["answerable"]) == (local["answer"], local["answerable"]), qid
        assert [c["quote"] for c in remote["sources"]] == [c["quote"] for c in local["sources"]], qid
