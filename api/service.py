"""What the HTTP routes and the MCP tools call: one index, one answer pipeline, and the rules for sharing them.

- Model work (drafting and verifying answers) runs on one thread, in arrival order, because the local
  LLM is not thread-safe. At most `queue_size` answers wait or run; one more is refused at once with
  `Busy` (HTTP 503 + Retry-After) instead of hanging.
- Searches do not queue behind answers: they run on the server's thread pool and only share the index
  read lock, which is held for milliseconds.
- Writes (upserts, deletes) take the write lock, so a query sees the index either before or after a
  write, never halfway; each write is committed to disk before it is acknowledged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

from rag import __version__, factory
from rag.config import Settings
from rag.embedders.base import Embedder
from rag.errors import NotFoundError, RagError
from rag.indexer import IngestReport
from rag.pipeline import EventHook, Pipeline
from rag.readers.base import IngestProblem
from rag.store.base import Store
from rag.timeframe import parse_as_of
from rag.types import Answer, Article, Filters, Passage

T = TypeVar("T")


class Busy(RagError):
    """Too many answers are waiting: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Cancelled(RagError):
    """The client that asked has gone; the work it started was stopped."""


class RWLock:
    """Many readers or one writer; a waiting writer goes before readers that arrive after it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class ModelQueue:
    """Runs jobs one at a time on a dedicated thread; refuses a job when `capacity` are already in."""

    def __init__(self, capacity: int, retry_after: int) -> None:
        self.capacity = capacity
        self.retry_after = retry_after
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-model")
        self._slots = threading.BoundedSemaphore(capacity)
        self._count_lock = threading.Lock()
        self._in = 0

    @property
    def pending(self) -> int:
        """Jobs waiting or running."""
        return self._in

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if not self._slots.acquire(blocking=False):
            raise Busy(
                f"{self.capacity} answers are already waiting or running (setting api.queue_size); "
                f"try again in {self.retry_after} s",
                self.retry_after,
            )
        with self._count_lock:
            self._in += 1
        try:
            future = self._executor.submit(fn, *args)
        except BaseException:
            self._release(None)
            raise
        future.add_done_callback(self._release)  # also runs when a waiting job is cancelled
        return future

    def _release(self, _future: Future[Any] | None) -> None:
        with self._count_lock:
            self._in -= 1
        self._slots.release()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


@dataclass
class UpsertResult:
    """What `Service.upsert` did, by article id."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]
    chunks: int
    problems: list[IngestProblem]


class Service:
    """The index and the models, loaded once, shared by every request."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder, pipeline: Pipeline) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.lock = RWLock()
        pipeline.reading = self.lock.read
        self.pipeline = pipeline
        self.retriever = pipeline.retriever
        self.queue = ModelQueue(settings.api.queue_size, settings.api.retry_after)
        self.started_at = time.time()
        self.ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Service:
        """Open (or create, empty) the index at `settings.index_dir` and build the answer pipeline."""
        embedder = factory.embedder(settings)
        store = factory.store(settings, embedder, create=True)
        return cls(settings, store, embedder, factory.pipeline(settings, store, embedder))

    def warm_up(self) -> None:
        """Load every model and build the in-memory BM25 index now, so the first requests do not pay for it."""
        factory.warm_up(self.pipeline)
        self.store.warm_up()
        self.ready = True

    def close(self) -> None:
        self.queue.shutdown()
        self.store.close()

    # -- reading ----------------------------------------------------------------------------
    def dated(self, filters: Filters) -> Filters:
        """`filters` with the as-of date set: the request's, else the setting `answer.as_of`, else today."""
        if filters.as_of:
            return filters
        return replace(filters, as_of=parse_as_of(self.settings.answer.as_of) or date.today().isoformat())

    def search(self, query: str, k: int, filters: Filters = Filters()) -> list[Passage]:
        query = self.pipeline.check_question(query)
        with self.lock.read():
            return self.retriever.search(query, k, self.dated(filters))

    def ask(self, question: str, filters: Filters = Filters(), *, on_event: EventHook | None = None) -> Future[Answer]:
        """Queue an answer; the future holds it. Raises Busy when the queue is full.

        `on_event` is called from the model thread (see `rag.pipeline.EventHook`); if it raises, the
        answer stops there and the future holds that exception.
        """
        question = self.pipeline.check_question(question)  # bad input is refused before queueing
        return self.queue.submit(self.pipeline.ask, question, self.dated(filters), on_event)

    def documents(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        with self.lock.read():
            return self.store.list_articles(offset, limit), self.store.counts()["articles"]

    def document(self, article_id: str) -> Article:
        with self.lock.read():
            return self.store.get_article(article_id)

    def status(self) -> dict[str, Any]:
        """What /readyz reports: counts, models, queue."""
        with self.lock.read():
            counts = self.store.counts()
        judge = self.pipeline.verifier.judge
        return {
            "ready": self.ready,
            "version": __version__,
            "index": {"path": str(self.store.path), **counts},
            "models": {
                "embedder": self.embedder.name,
                "generator": self.pipeline.generator.name,
                "judge": type(judge).__name__,
                "llm": _llm_name(self.pipeline),
            },
            "queue": {"pending": self.queue.pending, "capacity": self.queue.capacity},
            "uptime_s": round(time.time() - self.started_at, 1),
        }

    # -- writing ----------------------------------------------------------------------------
    def upsert(self, articles: Sequence[Article | IngestProblem]) -> UpsertResult:
        """Add or replace articles; returns once they are committed to disk (an unchanged one is skipped)."""
        valid = [a for a in articles if isinstance(a, Article)]
        problems = [a for a in articles if isinstance(a, IngestProblem)]
        with self.lock.write(), self.store.writing():
            before = {a.id: self.store.article_hash(a.id) for a in valid}
            indexer = factory.indexer(self.settings, self.store, self.embedder)
            report: IngestReport = indexer.ingest(valid)
        if report.interrupted:
            raise RagError("the upsert was interrupted; nothing after the last saved batch was stored")
        created: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        for a in valid:
            old = before[a.id]
            (created if old is None else unchanged if old == a.content_hash else updated).append(a.id)
        return UpsertResult(
            _unique(created), _unique(updated), _unique(unchanged), report.chunks, problems + report.problems
        )

    def delete(self, article_id: str) -> None:
        with self.lock.write(), self.store.writing():
            if not self.store.delete([article_id]):
                raise NotFoundError(f"no article with id {article_id!r}")


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _llm_name(pipeline: Pipeline) -> str | None:
    for part in (pipeline.generator, pipeline.verifier.judge):
        llm = getattr(part, "llm", None)
        if llm is not None:
            return getattr(llm, "name", type(llm).__name__)
    return None
