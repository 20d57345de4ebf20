"""The deterministic fakes every test shares: one place, so a contract change is made once.

- `ScriptedGenerator`: a generator that returns a fixed draft and records what it was shown.
- `ScriptedLLM`: stands in for `rag.llm.LocalLLM` where a judge asks for P(Yes); scored by a rule.
- `FixedJudge`: a support judge that always gives the same verdict and counts its calls.
- `FakeChatServer`: a real HTTP server on loopback that plays an OpenAI-compatible chat API.
The deterministic embedder is the product's own `rag.embedders.hashing.HashEmbedder` (`fake-hash`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rag.generators.base import Draft
from rag.judges.base import Judgement, SupportJudge
from rag.types import Passage, Reason


class ScriptedGenerator:
    """A generator that returns a fixed draft and records each (question, passages) it was shown."""

    name = "scripted"

    def __init__(self, text: str, stats: dict[str, float] | None = None) -> None:
        self.text = text
        self.stats = stats if stats is not None else {"prompt_tokens": 100, "completion_tokens": 10}
        self.calls: list[tuple[str, list[Passage]]] = []

    def warm_up(self) -> None:
        pass

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "") -> Draft:
        self.calls.append((question, list(passages)))
        self.as_of = as_of
        return Draft(self.text, dict(self.stats))


class ScriptedLLM:
    """The part of `LocalLLM` a judge uses: `yes_probability(system, user)`, answered by `rule(user)`.

    Records every user prompt, so a test can check what the model was (or was not) asked.
    """

    def __init__(self, rule: Callable[[str], float]) -> None:
        self.rule = rule
        self.prompts: list[str] = []

    def warm_up(self) -> None:
        pass

    def yes_probability(self, system: str, user: str) -> float:
        self.prompts.append(user)
        return self.rule(user)


def claim_of(user_prompt: str) -> str:
    """The claim inside a support-judge prompt ("... Claim: X ...")."""
    return user_prompt.split("Claim: ", 1)[1].split("\n", 1)[0]


class FixedJudge(SupportJudge):
    """A support judge that gives every claim the same verdict and score, and counts its calls."""

    def __init__(self, supported: bool, score: float | None = None, reasons: tuple[Reason, ...] = ()) -> None:
        self.supported = supported
        self.score = score if score is not None else (1.0 if supported else 0.0)
        self.reasons = reasons
        self.calls: list[tuple[str, str, str]] = []

    def judge(self, claim: str, evidence: str, question: str = "") -> Judgement:
        self.calls.append((claim, evidence, question))
        return Judgement(self.supported, self.score, self.reasons)


# ---------------------------------------------------------------- an OpenAI-compatible chat server


def completion(content: str | None, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """A chat-completions reply body as OpenAI-compatible servers send it."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }
    if usage is not None:
        body["usage"] = usage
    return body


@dataclass
class Reply:
    """What the fake server answers to one request."""

    status: int = 200
    body: Any = field(default_factory=lambda: completion("An answer [1]."))  # dict/list → JSON; str/bytes as is
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """One request the fake server received."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeChatServer:
    """A threaded HTTP server on 127.0.0.1 that records requests and answers from a queue of replies.

    Each request takes the next reply; the last one repeats once the queue is down to it.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._replies: list[Reply] = [Reply()]
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like real servers

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = server._record(Request("POST", self.path, headers, body))
                time.sleep(reply.delay)
                data = reply.body
                if isinstance(data, dict | list):
                    data = json.dumps(data).encode()
                elif isinstance(data, str):
                    data = data.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (a timeout test); nothing to answer
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with `replies`, in order, the last repeating."""
        with self._lock:
            self._replies = list(replies)

    def _record(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
