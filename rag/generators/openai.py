"""Drafting through any OpenAI-compatible chat server: Ollama, vLLM, llama.cpp's server, hosted APIs.

`OpenAIGenerator` sends the shared prompt (`rag.generators.prompt.build_messages`) to `{base_url}/chat/completions`
with temperature 0 and no streaming, and returns the reply as a `Draft`. Construction checks the settings
but touches no network; one `httpx.Client` is opened on first use and reused. Every failure of the server
becomes a one-line `BackendError` that names the URL and the setting to check, never the API key.
Connection failures and 429/502/503/504 are retried; a read timeout is not (the server may still be
generating, and asking again would only queue a second copy behind the first).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from rag.errors import BackendError, InputError
from rag.generators.base import Draft, Revision
from rag.generators.prompt import build_messages
from rag.types import Passage

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_WAIT = 10.0  # seconds: the longest pause between attempts, whatever Retry-After asks for
FIRST_WAIT = 0.5  # seconds: the pause before the first retry when the server does not say; doubles after
_BODY_CHARS = 200

_sleep = time.sleep  # the pause between attempts; tests replace it to keep time


class OpenAIGenerator:
    """Greedy chat completions from an OpenAI-compatible server, one request per question.

    Thread-safe: the underlying `httpx.Client` is shared and may serve concurrent calls.
    """

    def __init__(
        self,
        base_url: str = "",
        model: str = "",
        api_key: str = "",
        timeout: float = 60.0,
        max_tokens: int = 256,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base_url, model = base_url.strip(), model.strip()
        if not base_url:
            raise InputError(
                "no OpenAI-compatible server configured: set RAG_LLM__BASE_URL "
                "(e.g. http://localhost:11434/v1 for Ollama)"
            )
        if not model:
            raise InputError("no model named for the OpenAI-compatible server: set RAG_LLM__MODEL (e.g. qwen2.5:1.5b)")
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError, ValueError):
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise InputError(
                f"RAG_LLM__BASE_URL must be an http:// or https:// URL such as http://localhost:11434/v1, "
                f"got {_redact_url(base_url)!r}"
            )
        if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        if retries < 0:
            raise ValueError(f"retries must be at least 0, got {retries}")
        self.name = f"openai:{model}"
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = float(timeout)
        self.max_tokens = max_tokens
        self.retries = retries
        self.url = f"{self.base_url}/chat/completions"
        self._api_key = api_key.strip()
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OpenAIGenerator(base_url={self._shown_url(self.base_url)!r}, model={self.model!r})"

    def __enter__(self) -> OpenAIGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm_up(self) -> None:
        """Open the HTTP client; nothing is sent, so a server that is down is reported by `generate`."""
        self._get_client()

    def close(self) -> None:
        """Close the HTTP client and its connections; a later call opens a new one."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "") -> Draft:
        """The server's reply to the shared prompt, stripped; `stats` has token counts from `usage` and seconds."""
        return self._chat(build_messages(question, passages, as_of=as_of))

    def revise(self, question: str, passages: Sequence[Passage], revision: Revision, as_of: str = "") -> Draft:
        """Drafts again in the same conversation, after the failed draft and the feedback on it."""
        return self._chat(build_messages(question, passages, revision, as_of))

    def _chat(self, messages: list[dict[str, str]]) -> Draft:
        payload = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.max_tokens,
            "stream": False,
        }
        start = time.perf_counter()
        data = self._post(payload)
        seconds = time.perf_counter() - start
        text = self._content(data)
        usage = data.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        stats = {
            "prompt_tokens": _count(usage.get("prompt_tokens")),
            "completion_tokens": _count(usage.get("completion_tokens")),
            "seconds": seconds,
        }
        return Draft(text=text, stats=stats)

    def _get_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                headers = {"Accept": "application/json"}
                if self._api_key:
                    headers["Authorization"] = f"Bearer {self._api_key}"
                self._client = httpx.Client(timeout=self.timeout, headers=headers, transport=self._transport)
            return self._client

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST `payload`, retrying what is safe to retry; the decoded JSON object of a 2xx reply."""
        client = self._get_client()
        url = self._shown_url(self.url)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = client.post(self.url, json=payload)
            except httpx.ConnectTimeout as exc:  # nothing was sent yet, so trying again is safe
                if last:
                    raise BackendError(
                        f"cannot reach the OpenAI-compatible server at {url}: no connection within "
                        f"{self.timeout:g} s; is it running? (RAG_LLM__BASE_URL, RAG_LLM__TIMEOUT)"
                    ) from exc
                _sleep(_backoff(attempt))
                continue
            except httpx.ConnectError as exc:
                if last:
                    reason = self._clean(str(exc)) or "connection failed"
                    raise BackendError(
                        f"cannot reach the OpenAI-compatible server at {url}: {reason}; "
                        "is it running? (RAG_LLM__BASE_URL)"
                    ) from exc
                _sleep(_backoff(attempt))
                continue
            except httpx.TimeoutException as exc:  # read, write or pool: the server may still be working
                raise BackendError(
                    f"the OpenAI-compatible server at {url} did not answer within {self.timeout:g} s (RAG_LLM__TIMEOUT)"
                ) from exc
            except httpx.TransportError as exc:
                raise BackendError(
                    f"the connection to the OpenAI-compatible server at {url} failed: "
                    f"{self._clean(str(exc)) or type(exc).__name__}; check the server's log (RAG_LLM__BASE_URL)"
                ) from exc
            if response.status_code in RETRY_STATUSES and not last:
                wait = _retry_after(response.headers.get("Retry-After"))
                response.close()
                _sleep(_backoff(attempt) if wait is None else wait)
                continue
            return self._decode(response, url)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _decode(self, response: httpx.Response, url: str) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise BackendError(
                f"the OpenAI-compatible server at {url} rejected the API key (HTTP {status}); check RAG_LLM__API_KEY"
            )
        if status == 404:
            raise BackendError(
                f"the OpenAI-compatible server at {url} has no model {self.model!r} or no /chat/completions route "
                f"(HTTP 404: {self._body(response)}); check RAG_LLM__MODEL and RAG_LLM__BASE_URL"
            )
        if status == 429:
            raise BackendError(
                f"the OpenAI-compatible server at {url} is rate-limiting requests (HTTP 429: {self._body(response)}); "
                "try again later or raise RAG_LLM__RETRIES"
            )
        if not 200 <= status < 300:
            raise BackendError(
                f"the OpenAI-compatible server at {url} answered HTTP {status}: {self._body(response)}; "
                "check the server's log"
            )
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise BackendError(
                f"the OpenAI-compatible server at {url} did not answer with a JSON object: {self._body(response)}; "
                "is RAG_LLM__BASE_URL the API root (often ending in /v1)?"
            )
        return data

    def _content(self, data: dict[str, Any]) -> str:
        """`choices[0].message.content`, stripped; null content is the empty string."""
        choices = data.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(message, dict) or not (content is None or isinstance(content, str)):
            shown = self._clean(json.dumps(data, ensure_ascii=False))[:_BODY_CHARS]
            raise BackendError(
                f"the OpenAI-compatible server at {self._shown_url(self.url)} sent no choices[0].message "
                f"with text content: {shown}; is it a chat-completions endpoint?"
            )
        return (content or "").strip()

    def _body(self, response: httpx.Response) -> str:
        """The first characters of a reply body on one line, with the API key masked should the server echo it."""
        try:
            text = response.text
        except Exception:  # an undecodable body; the status alone must do
            return "(unreadable body)"
        return self._clean(text)[:_BODY_CHARS] or "(empty body)"

    def _clean(self, text: str) -> str:
        text = " ".join(text.split())
        return text.replace(self._api_key, "***") if self._api_key else text

    def _shown_url(self, url: str) -> str:
        return self._clean(_redact_url(url))


def _redact_url(url: str) -> str:
    """`url` without a password or user name, which may be a credential."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return url
    return str(parsed.copy_with(userinfo=b"")) if parsed.userinfo else url


def _retry_after(value: str | None) -> float | None:
    """The pause a Retry-After header asks for (seconds or an HTTP date), capped at MAX_WAIT; None if absent."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_WAIT)


def _backoff(attempt: int) -> float:
    return min(FIRST_WAIT * 2**attempt, MAX_WAIT)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
