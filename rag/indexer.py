"""Ingestion into an index: chunk, embed and store articles in batches, skipping what is unchanged.

Each batch is one transaction, so an interrupted run keeps every batch it finished and a second run
picks up where it stopped (unchanged articles are recognised by their content hash).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from rag.chunk import Chunker
from rag.embedders.base import Embedder
from rag.readers.base import IngestProblem
from rag.store.base import IndexConfig, Store, text_hash
from rag.types import Article, Chunk

# A title longer than this (in embedder tokens) is cut before it is prefixed to each chunk.
TITLE_PREFIX_MAX_TOKENS = 48


@dataclass
class IngestReport:
    """What an ingest run did; `problems` name each file or line that could not be read."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    chunks: int = 0
    repeated: int = 0  # items whose id already came earlier in this run (the later version is kept)
    chunks_embedded: int = 0  # chunks whose vector was computed (edits reuse unchanged chunks' vectors)
    tokens_embedded: int = 0  # embedder tokens actually read, special tokens included
    problems: list[IngestProblem] = field(default_factory=list)
    interrupted: bool = False
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(("parse", "chunk", "embed", "store"), 0.0))

    @property
    def articles(self) -> int:
        return self.new + self.changed + self.unchanged

    @property
    def changed_anything(self) -> bool:
        return bool(self.new or self.changed)


def chunker_for(config: IndexConfig, embedder: Embedder) -> Chunker:
    """The chunker an index was built with (its manifest, not the settings), bounded by what `embedder` reads."""
    return Chunker(
        encoding=config.encoding,
        max_tokens=config.max_tokens,
        overlap_tokens=config.overlap_tokens,
        limit=embedder.max_tokens,
        count_limit=embedder.count_tokens,
    )


def prefix_for(title: str, embedder: Embedder, *, title_prefix: bool = True) -> str:
    """The text embedded in front of every chunk of an article titled `title`: the title, cut by words to
    TITLE_PREFIX_MAX_TOKENS word pieces; "" when title prefixes are off or the title is blank."""
    if not (title_prefix and title.strip()):
        return ""
    words = title.split()
    while words and embedder.count_tokens([" ".join(words)])[0] - 2 > TITLE_PREFIX_MAX_TOKENS:
        words = words[: len(words) * 3 // 4]
    return " ".join(words)


def prepare(
    article: Article, chunker: Chunker, embedder: Embedder, *, title_prefix: bool = True
) -> tuple[list[Chunk], list[str]]:
    """An article's chunks and, for each, the text the embedder reads (the title prefix, a newline, the chunk).

    The one place both ingest paths (`Indexer` here, `rag.ray_ingest` in Ray workers) chunk an article.
    """
    prefix = prefix_for(article.title, embedder, title_prefix=title_prefix)
    reserve = embedder.count_tokens([prefix])[0] - 2 if prefix else 0
    chunks = chunker.chunk(article.id, article.body, reserve=reserve)
    return chunks, [f"{prefix}\n{c.text}" if prefix else c.text for c in chunks]


@dataclass
class _Pending:
    article: Article
    chunks: list[Chunk]
    inputs: list[str]  # what the embedder reads for each chunk
    is_new: bool


class Indexer:
    """Feeds articles through chunking and embedding into a store opened for writing."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        chunker: Chunker,
        *,
        title_prefix: bool = True,
        batch_chunks: int = 256,
    ) -> None:
        if batch_chunks < 1:
            raise ValueError(f"batch_chunks must be greater than 0, got {batch_chunks}")
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.title_prefix = title_prefix
        self.batch_chunks = batch_chunks

    def ingest(
        self,
        items: Iterable[Article | IngestProblem],
        on_progress: Callable[[IngestReport, str], None] | None = None,
        *,
        latest: dict[str, str] | None = None,
    ) -> IngestReport:
        """Index every article of `items`; call `on_progress(report, source)` after each item.

        `latest` maps article ids to the content hash of their last version in `items` (a first pass
        over the input); with it, earlier versions of a repeated id are skipped instead of written and
        then replaced, so rerunning on the same input changes nothing. Must run inside
        `with store.writing():`. Ctrl-C stops after saving every finished batch.
        """
        report = IngestReport()
        pending: list[_Pending] = []
        seen: set[str] = set()  # article ids met in this run
        iterator = iter(items)
        try:
            while True:
                t = time.perf_counter()
                item = next(iterator, None)
                report.seconds["parse"] += time.perf_counter() - t
                if item is None:
                    break
                self._take(item, report, pending, seen, latest)
                if sum(len(p.chunks) for p in pending) >= self.batch_chunks:
                    self._flush(pending, report)
                if on_progress:
                    on_progress(report, item.source)
            self._flush(pending, report)
        except KeyboardInterrupt:
            report.interrupted = True
        return report

    def _take(
        self,
        item: Article | IngestProblem,
        report: IngestReport,
        pending: list[_Pending],
        seen: set[str],
        latest: dict[str, str] | None,
    ) -> None:
        if isinstance(item, IngestProblem):
            report.problems.append(item)
            return
        if latest is not None and latest.get(item.id, item.content_hash) != item.content_hash:
            report.repeated += 1  # a later item in this run carries this article's final version
            return
        if item.id in seen:
            # The same id twice in one run (a URL republished with other text): the later version wins.
            # An earlier version still pending is dropped; one already committed is simply replaced.
            report.repeated += 1
            pending[:] = [p for p in pending if p.article.id != item.id]
        seen.add(item.id)
        in_store = self.store.article_hash(item.id)
        if in_store == item.content_hash:
            report.unchanged += 1
            return
        t = time.perf_counter()
        chunks, inputs = prepare(item, self.chunker, self.embedder, title_prefix=self.title_prefix)
        report.seconds["chunk"] += time.perf_counter() - t
        pending.append(_Pending(item, chunks, inputs, is_new=in_store is None))

    def prefix_for(self, title: str) -> str:
        """The text embedded in front of every chunk of an article titled `title` (see `prefix_for`)."""
        return prefix_for(title, self.embedder, title_prefix=self.title_prefix)

    def _flush(self, pending: list[_Pending], report: IngestReport) -> None:
        if not pending:
            return
        t = time.perf_counter()
        vectors = self._embed(pending, report)
        report.seconds["embed"] += time.perf_counter() - t
        t = time.perf_counter()
        self.store.write([(p.article, p.chunks, v) for p, v in zip(pending, vectors, strict=True)])
        report.seconds["store"] += time.perf_counter() - t
        for p in pending:
            report.new += p.is_new
            report.changed += not p.is_new
            report.chunks += len(p.chunks)
        pending.clear()

    def _embed(self, pending: list[_Pending], report: IngestReport) -> list[np.ndarray]:
        """Vectors per pending article; an edited article reuses the stored vectors of unchanged chunks."""
        out: list[np.ndarray] = [np.zeros((len(p.chunks), self.embedder.dim), np.float32) for p in pending]
        todo: dict[str, list[tuple[int, int]]] = {}  # embedder input -> (article, chunk) slots it fills
        for a, p in enumerate(pending):
            old = {} if p.is_new else self._reusable(p.article)
            for c, (chunk, text) in enumerate(zip(p.chunks, p.inputs, strict=True)):
                vector = old.get(text_hash(chunk.text))
                if vector is not None:
                    out[a][c] = vector
                else:
                    todo.setdefault(text, []).append((a, c))
        if todo:
            texts = list(todo)
            for text, vector in zip(texts, self.embedder.embed(texts), strict=True):
                for a, c in todo[text]:
                    out[a][c] = vector
            report.chunks_embedded += len(texts)
            report.tokens_embedded += sum(self.embedder.count_tokens(texts))
        return out

    def _reusable(self, article: Article) -> dict[str, np.ndarray]:
        # Stored vectors embed the title too, so they are reusable only if the title is unchanged.
        if self.store.get_article(article.id).title != article.title:
            return {}
        return self.store.reusable_vectors(article.id)
