"""Server-sent events as the streams write them: the response headers and the framing of one event."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

# No caching, and no buffering by nginx-like proxies, so each event reaches the client when it is sent.
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def event(name: str, body: BaseModel) -> str:
    """A named event (`event: NAME`), its data the model's JSON."""
    return f"event: {name}\ndata: {_json(body)}\n\n"


def data(body: BaseModel | dict[str, Any] | str) -> str:
    """An unnamed event, as OpenAI's stream sends them: the model's JSON, or a literal like `[DONE]`."""
    return f"data: {body if isinstance(body, str) else _json(body)}\n\n"


def comment(text: str) -> str:
    """A comment line: keeps proxies from timing out an idle stream; clients ignore it."""
    return f": {text}\n\n"


def _json(body: BaseModel | dict[str, Any]) -> str:
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return json.dumps(payload, ensure_ascii=False)
