"""The OpenAI-compatible generator against a real local HTTP server that plays the chat API (fast, no LLM)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from rag.errors import BackendError, InputError
from rag.generators import openai
from rag.generators.base import Generator, Reviser, Revision
from rag.generators.openai import OpenAIGenerator
from rag.generators.prompt import SYSTEM_PROMPT
from rag.types import Passage
from tests.fakes import FakeChatServer, Reply, completion

KEY = "sk-test-5ecr3t-k3y"
QUESTION = "Who confirmed the refusal?"


def passage(text: str, title: str, article_id: str = "a") -> Passage:
    return Passage(
        chunk_id=f"{article_id}:0", article_id=article_id, text=text, start=0, end=len(text), score=1.0, title=title
    )


PASSAGES = [
    passage("Defense Minister Guido Crosetto confirmed the refusal on Tuesday.", "Rome denies base access", "rome"),
    passage("An estimated 300,000 people marched in Rome on March 28.", "Mass protests in Rome", "protest"),
]


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    s = FakeChatServer()
    yield s
    s.stop()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the generator takes between attempts, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(openai, "_sleep", waits.append)
    return waits


@pytest.fixture
def make(server: FakeChatServer) -> Iterator[Callable[..., OpenAIGenerator]]:
    """Build generators pointed at the fake server (by default), closing them afterwards."""
    made: list[OpenAIGenerator] = []

    def build(**options: Any) -> OpenAIGenerator:
        options.setdefault("base_url", server.base_url)
        options.setdefault("model", "qwen2.5:1.5b")
        gen = OpenAIGenerator(**options)
        made.append(gen)
        return gen

    yield build
    for gen in made:
        gen.close()


def free_port() -> int:
    """A port nothing listens on: bound, then released."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# --- a normal answer ---------------------------------------------------------------------------------------------


def test_generate_posts_the_shared_prompt_and_returns_the_draft(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator]
) -> None:
    server.reply(
        Reply(body=completion("  Guido Crosetto confirmed it [1].\n", {"prompt_tokens": 87, "completion_tokens": 9}))
    )
    gen = make(api_key=KEY, max_tokens=64)
    draft = gen.generate(QUESTION, PASSAGES)

    assert draft.text == "Guido Crosetto confirmed it [1]."
    assert draft.stats["prompt_tokens"] == 87
    assert draft.stats["completion_tokens"] == 9
    assert 0 <= draft.stats["seconds"] < 5
    assert not draft.declined

    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"].startswith("application/json")
    body = request.json()
    assert body["model"] == "qwen2.5:1.5b"
    assert body["temperature"] == 0
    assert body["stream"] is False
    assert body["max_tokens"] == 64
    system, user = body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["role"] == "user"
    content = user["content"]
    first = content.index("[1] (Rome denies base access)\nDefense Minister Guido Crosetto confirmed the refusal")
    second = content.index("[2] (Mass protests in Rome)\nAn estimated 300,000 people marched")
    assert first < second
    assert "[3]" not in content
    assert content.rstrip().endswith(f"Question: {QUESTION}")


def test_revise_continues_the_conversation_with_the_failed_draft_and_the_feedback(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator]
) -> None:
    server.reply(Reply(body=completion("Defense Minister Guido Crosetto confirmed it [1].")))
    gen = make()
    assert isinstance(gen, Reviser)
    revision = Revision("The official holds the post of minister [1].", "None of these sentences could be checked.")
    draft = gen.revise(QUESTION, PASSAGES, revision)
    assert draft.text == "Defense Minister Guido Crosetto confirmed it [1]."
    [request] = server.requests
    system, user, assistant, feedback = request.json()["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert user["content"].rstrip().endswith(f"Question: {QUESTION}")
    assert assistant == {"role": "assistant", "content": revision.draft}
    assert feedback == {"role": "user", "content": revision.feedback}


def test_no_authorization_header_without_a_key_and_trailing_slash_tolerated(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator]
) -> None:
    gen = make(base_url=server.base_url + "/", api_key="")
    gen.generate(QUESTION, PASSAGES)
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert "authorization" not in request.headers


def test_null_content_is_empty_text_and_missing_usage_counts_zero(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator]
) -> None:
    server.reply(Reply(body=completion(None)))
    draft = make().generate(QUESTION, PASSAGES)
    assert draft.text == ""
    assert draft.declined
    assert draft.stats["prompt_tokens"] == 0
    assert draft.stats["completion_tokens"] == 0


def test_client_is_reused_and_reopened_after_close(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator]
) -> None:
    gen = make()
    gen.warm_up()
    assert server.requests == []  # warming up sends nothing
    gen.generate(QUESTION, PASSAGES)
    gen.generate(QUESTION, PASSAGES)
    gen.close()
    assert gen.generate(QUESTION, PASSAGES).text == "An answer [1]."
    assert len(server.requests) == 3


def test_meets_the_generator_protocol_and_hides_the_key(make: Callable[..., OpenAIGenerator]) -> None:
    gen = make(api_key=KEY)
    assert isinstance(gen, Generator)
    assert gen.name == "openai:qwen2.5:1.5b"
    assert KEY not in repr(gen)
    assert "127.0.0.1" in repr(gen)


def test_constructor_makes_no_network_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=completion("ok [1]."))

    gen = OpenAIGenerator(base_url="http://llm.invalid/v1", model="m", transport=httpx.MockTransport(handler))
    gen.warm_up()
    assert calls == []
    assert gen.generate(QUESTION, PASSAGES).text == "ok [1]."
    assert [str(c.url) for c in calls] == ["http://llm.invalid/v1/chat/completions"]
    gen.close()


# --- failures ----------------------------------------------------------------------------------------------------


def test_unreachable_server_names_the_url_after_retrying_with_backoff(
    make: Callable[..., OpenAIGenerator], sleeps: list[float]
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    gen = make(base_url=url, retries=2)
    with pytest.raises(BackendError) as err:
        gen.generate(QUESTION, PASSAGES)
    message = str(err.value)
    assert f"cannot reach the OpenAI-compatible server at {url}/chat/completions" in message
    assert "is it running?" in message
    assert "RAG_LLM__BASE_URL" in message
    assert "\n" not in message
    assert sleeps == [0.5, 1.0]


def test_read_timeout_is_reported_and_not_retried(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator], sleeps: list[float]
) -> None:
    server.reply(Reply(delay=1.0))
    gen = make(timeout=0.3, retries=2)
    with pytest.raises(BackendError) as err:
        gen.generate(QUESTION, PASSAGES)
    assert len(server.requests) == 1 and sleeps == []  # one try, no back-off
    message = str(err.value)
    assert server.base_url in message
    assert "did not answer within 0.3 s" in message
    assert "RAG_LLM__TIMEOUT" in message
    assert len(server.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_is_named_but_never_shown(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator], status: int
) -> None:
    server.reply(Reply(status=status, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    gen = make(api_key=KEY)
    with pytest.raises(BackendError) as err:
        gen.generate(QUESTION, PASSAGES)
    message = str(err.value)
    assert "rejected the API key" in message
    assert "RAG_LLM__API_KEY" in message
    assert server.base_url in message
    assert KEY not in message
    assert KEY not in repr(err.value)
    assert len(server.requests) == 1


def test_server_error_shows_status_and_the_start_of_the_body(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator]
) -> None:
    body = "internal failure:\n  CUDA out of memory " + "x" * 300 + " TAIL-NOT-SHOWN"
    server.reply(Reply(status=500, body=body))
    with pytest.raises(BackendError) as err:
        make().generate(QUESTION, PASSAGES)
    message = str(err.value)
    assert "HTTP 500" in message
    assert "internal failure: CUDA out of memory" in message
    assert "TAIL-NOT-SHOWN" not in message
    assert "\n" not in message
    assert server.base_url in message
    assert len(server.requests) == 1  # 500 is not among the retried statuses


def test_echoed_key_in_an_error_body_is_masked(server: FakeChatServer, make: Callable[..., OpenAIGenerator]) -> None:
    server.reply(Reply(status=500, body=f"bad header Authorization: Bearer {KEY}"))
    with pytest.raises(BackendError) as err:
        make(api_key=KEY).generate(QUESTION, PASSAGES)
    assert KEY not in str(err.value)
    assert "Bearer ***" in str(err.value)


def test_503_then_200_succeeds_after_a_retry_honouring_retry_after(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator], sleeps: list[float]
) -> None:
    server.reply(Reply(status=503, body="loading model", headers={"Retry-After": "0"}), Reply())
    draft = make(retries=2).generate(QUESTION, PASSAGES)
    assert draft.text == "An answer [1]."
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body
    assert sleeps == [0.0]


def test_retry_after_is_capped_and_exhausted_retries_report_the_status(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator], sleeps: list[float]
) -> None:
    server.reply(Reply(status=429, body="slow down", headers={"Retry-After": "120"}))
    with pytest.raises(BackendError) as err:
        make(retries=1).generate(QUESTION, PASSAGES)
    assert "429" in str(err.value)
    assert len(server.requests) == 2
    assert sleeps == [10.0]


def test_502_without_retry_after_backs_off_from_half_a_second(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator], sleeps: list[float]
) -> None:
    server.reply(Reply(status=502), Reply(status=504), Reply())
    assert make(retries=2).generate(QUESTION, PASSAGES).text == "An answer [1]."
    assert len(server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_zero_retries_means_one_attempt(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator], sleeps: list[float]
) -> None:
    server.reply(Reply(status=503, body="busy"))
    with pytest.raises(BackendError, match="HTTP 503: busy"):
        make(retries=0).generate(QUESTION, PASSAGES)
    assert len(server.requests) == 1
    assert sleeps == []


def test_400_is_not_retried(server: FakeChatServer, make: Callable[..., OpenAIGenerator], sleeps: list[float]) -> None:
    server.reply(Reply(status=400, body={"error": "max_tokens is too large"}), Reply())
    with pytest.raises(BackendError) as err:
        make(retries=2).generate(QUESTION, PASSAGES)
    assert "HTTP 400" in str(err.value)
    assert "max_tokens is too large" in str(err.value)
    assert len(server.requests) == 1
    assert sleeps == []


def test_404_names_the_model_and_the_route(server: FakeChatServer, make: Callable[..., OpenAIGenerator]) -> None:
    server.reply(Reply(status=404, body={"error": "model 'nope' not found"}))
    with pytest.raises(BackendError) as err:
        make(model="nope").generate(QUESTION, PASSAGES)
    message = str(err.value)
    assert "has no model 'nope' or no /chat/completions route" in message
    assert "RAG_LLM__MODEL" in message
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        "<html>not json</html>",
        "",
        [1, 2],
        {"error": "no choices here"},
        {"choices": []},
        {"choices": [{"index": 0}]},
        {"choices": [{"message": "text"}]},
        {"choices": [{"message": {"content": 42}}]},
    ],
    ids=["html", "empty", "list", "no-choices", "empty-choices", "no-message", "message-not-object", "content-number"],
)
def test_malformed_reply_is_a_backend_error(
    server: FakeChatServer, make: Callable[..., OpenAIGenerator], body: Any
) -> None:
    server.reply(Reply(body=body))
    with pytest.raises(BackendError) as err:
        make().generate(QUESTION, PASSAGES)
    assert server.base_url in str(err.value)
    assert "\n" not in str(err.value)


# --- configuration -----------------------------------------------------------------------------------------------


def test_missing_base_url_says_which_setting_to_set() -> None:
    with pytest.raises(InputError, match=r"RAG_LLM__BASE_URL.*http://localhost:11434/v1.*Ollama"):
        OpenAIGenerator(base_url="", model="m")
    with pytest.raises(InputError, match="RAG_LLM__BASE_URL"):
        OpenAIGenerator(base_url="   ", model="m")


def test_missing_model_says_which_setting_to_set() -> None:
    with pytest.raises(InputError, match="RAG_LLM__MODEL"):
        OpenAIGenerator(base_url="http://localhost:11434/v1", model="")


@pytest.mark.parametrize("url", ["localhost:11434/v1", "ftp://host/v1", "file:///tmp/x", "http://"])
def test_base_url_must_be_http(url: str) -> None:
    with pytest.raises(InputError, match="http:// or https://"):
        OpenAIGenerator(base_url=url, model="m")


def test_credentials_in_the_base_url_are_not_shown(make: Callable[..., OpenAIGenerator], sleeps: list[float]) -> None:
    gen = make(base_url=f"http://user:{KEY}@127.0.0.1:{free_port()}/v1", retries=0)
    assert KEY not in repr(gen)
    with pytest.raises(BackendError) as err:
        gen.generate(QUESTION, PASSAGES)
    assert KEY not in str(err.value)
    assert "127.0.0.1" in str(err.value)


@pytest.mark.parametrize(
    ("option", "value"),
    [("timeout", 0), ("timeout", -1.0), ("timeout", float("nan")), ("max_tokens", 0), ("retries", -1)],
)
def test_numeric_options_are_checked(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        OpenAIGenerator(base_url="http://localhost:11434/v1", model="m", **{option: value})


def test_retry_after_parsing() -> None:
    assert openai._retry_after(None) is None
    assert openai._retry_after("") is None
    assert openai._retry_after("soon") is None
    assert openai._retry_after("2.5") == 2.5
    assert openai._retry_after("-3") == 0.0
    assert openai._retry_after("99") == 10.0
    assert openai._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
