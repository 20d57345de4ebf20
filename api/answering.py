"""Running one answer for a request: queued on the model thread, its events relayed to the event loop.

A client that goes away (a closed stream, a dropped connection while waiting) stops its answer: a job
still waiting is cancelled, a running one stops at its next stage or sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from concurrent.futures import Future
from typing import Any

from fastapi import Request

from api.service import Cancelled, Service
from rag.types import Answer, Filters

POLL_S = 0.25  # how often a waiting request checks that its client is still there


class AnswerRun:
    """Queue an answer at construction (raises Busy when the queue is full); then iterate its events:
    ("passages", list[Passage]), ("sentence", CheckedSentence) as each is verified, ("answer", Answer).

    The events are internal data; api.schemas turns them into what a stream sends.
    """

    def __init__(self, service: Service, question: str, filters: Filters) -> None:
        self._loop = asyncio.get_running_loop()
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._cancel = threading.Event()
        self.future: Future[Answer] = service.ask(question, filters, on_event=self._hook)
        self.future.add_done_callback(lambda f: self._put(("done", f)))

    def _put(self, item: tuple[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # a closed event loop (shutting down): nobody listens
            self._loop.call_soon_threadsafe(self._events.put_nowait, item)

    def _hook(self, kind: str, payload: Any) -> None:
        if self._cancel.is_set():
            raise Cancelled("the client disconnected")
        self._put((kind, payload))

    def cancel(self) -> None:
        self._cancel.set()
        self.future.cancel()

    async def events(self, request: Request | None = None, *, ticks: bool = False) -> AsyncIterator[tuple[str, Any]]:
        """The events in order, ending with ("answer", Answer); the answer's exception is raised instead.

        With `request`, a disconnected client cancels the answer (polled every POLL_S seconds). With
        `ticks`, ("tick", None) comes every POLL_S seconds of waiting, for keep-alives.
        """
        try:
            while True:
                try:
                    kind, payload = await asyncio.wait_for(self._events.get(), POLL_S)
                except TimeoutError:
                    if request is not None and await request.is_disconnected():
                        raise Cancelled("the client disconnected") from None
                    if ticks:
                        yield "tick", None
                    continue
                if kind == "done":
                    yield "answer", payload.result()
                    return
                yield kind, payload
        finally:
            if not self.future.done():
                self.cancel()

    async def result(self, request: Request | None = None) -> Answer:
        async for kind, payload in self.events(request):
            if kind == "answer":
                return payload
        raise AssertionError("an answer run ends with its answer")
