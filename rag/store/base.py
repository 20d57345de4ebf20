"""The store contract: what ingestion, retrieval, the service and the CLI may ask of an index.

`Store` is the only type callers hold; `LocalStore` (rag.store.local: SQLite + FAISS + manifest.json)
is the implementation today, and tests/store/test_contract.py is the conformance test every
implementation passes. The contract speaks of articles, chunks, row ids, vectors and filters, never of
the files or engines behind them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rag.types import Article, Chunk, Filters


@dataclass(frozen=True)
class IndexConfig:
    """What built an index, recorded in its manifest; an index is only read or extended the same way."""

    embed_model: str
    dim: int
    embed_max_tokens: int
    encoding: str
    max_tokens: int
    overlap_tokens: int
    title_prefix: bool = True


@dataclass(frozen=True)
class StoredChunk:
    """A chunk row joined with its article's metadata, as search returns it."""

    row: int
    article_id: str
    position: int
    start: int
    end: int
    text: str
    title: str
    byline: str
    outlet: str
    url: str
    published_at: str
    source: str

    @property
    def chunk_id(self) -> str:
        return f"{self.article_id}:{self.position}"


def text_hash(text: str) -> str:
    """The key of a chunk's text in `Store.reusable_vectors` (SHA-256 of its UTF-8 bytes, hex)."""
    return hashlib.sha256(text.encode()).hexdigest()


@runtime_checkable
class Store(Protocol):
    """An index of articles, their chunks and one vector per chunk, searchable densely and lexically.

    Guarantees every implementation keeps:
    - A chunk is named by its row id, an int the store gives it when it is written. Row ids are never
      reused, not even after a delete or a rewrite, so a row id a reader holds names that chunk or none.
    - A write or delete is atomic and durable: all of it is committed, or (on an error, a crash or
      Ctrl-C) none of it; what was committed survives the process and is seen when the index is next opened.
    - Reads reflect every write committed before they started, by this handle or any other process.
    - Writes happen inside `with store.writing():`, one writer at a time.
    """

    config: IndexConfig
    """How the index was built (embedding model and dimension, chunking); it never changes once built."""

    path: Path
    """The folder that names the index (what `--index` points at), as messages and `rag info` show it."""

    # -- writing ------------------------------------------------------------------------------
    def writing(self) -> AbstractContextManager[Store]:
        """Hold the index's write lock for the block and yield the store.

        A second writer (another handle or process) is refused at once with `IndexLockedError`, not
        queued. Each `write` or `delete` inside is committed when it returns; leaving the block, normally
        or by an exception (Ctrl-C included), keeps those commits and releases the lock.
        """
        ...

    def write(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None:
        """Insert or replace articles, each with its chunks and one L2-normalised vector per chunk.

        All items are committed in one atomic step. Replacing an article first removes its old chunks
        from every part of the index (dense and lexical). Every chunk written gets a new row id, even
        where its text did not change. A chunk count that differs from the vector count raises
        `StoreError` and stores nothing; so does writing outside `writing()`.
        """
        ...

    def delete(self, article_ids: Sequence[str]) -> int:
        """Remove these articles and everything of theirs (chunks, vectors, lexical entries), atomically.

        Unknown ids are ignored; returns how many of the articles existed. Outside `writing()`: `StoreError`.
        """
        ...

    def article_hash(self, article_id: str) -> str | None:
        """The stored article's `content_hash`, or None when absent: how ingestion skips unchanged articles."""
        ...

    def article_hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        """`article_hash` of many articles in a few round trips: {id: content_hash} of those stored (absent ids
        are left out, repeated ones count once); how bulk ingestion and `rag migrate` skip unchanged articles."""
        ...

    def reusable_vectors(self, article_id: str) -> dict[str, np.ndarray]:
        """The stored vectors of an article's chunks keyed by `text_hash(chunk.text)` (empty when absent),
        so an edited article re-embeds only the chunks whose text changed."""
        ...

    # -- searching ----------------------------------------------------------------------------
    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = ...) -> list[tuple[int, float]]:
        """Up to `k` (row, cosine similarity) pairs nearest to the L2-normalised `vector`, best first.

        Only chunks whose article passes `filters` (published date range, outlets, article ids) are
        considered; fewer than `k` come back only when fewer pass, or rarely where a large index searches
        approximately and misses some. A deleted chunk never comes back.
        """
        ...

    def lexical_search(self, query: str, k: int, filters: Filters = ...) -> list[tuple[int, float]]:
        """Up to `k` (row, score) pairs ranked by BM25 over the article title and the chunk text, best first.

        A chunk matches when it holds any content word of `query` (stopwords are ignored and query
        syntax is never interpreted); higher scores are better and compare only within one call. Empty
        when nothing matches. `filters` restrict the chunks as in `dense_search`.
        """
        ...

    # -- reading ------------------------------------------------------------------------------
    def chunks(self, rows: Sequence[int]) -> dict[int, StoredChunk]:
        """The chunks with these row ids, joined with their article's metadata; rows that do not exist
        (never written, or deleted since) are left out rather than raising."""
        ...

    def get_article(self, article_id: str) -> Article:
        """The stored article, equal to the one written; `NotFoundError` when there is none."""
        ...

    def find_article_ids(self, ref: str) -> list[str]:
        """Ids of the articles whose id, URL or source path equals `ref` (what `rag delete` accepts)."""
        ...

    def list_articles(self, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        """One page of article summaries, newest published first (then by id; undated articles last).

        Each is a dict with the keys id, title, byline, outlet, url, published_at, source, ingested_at
        and chunks (how many chunks the article has).
        """
        ...

    def newest_published(self, on_or_before: str) -> str:
        """The publication day (YYYY-MM-DD) of the newest stored article published on or before the day
        `on_or_before` (ISO), "" when there is none: how current the archive is at an as-of date."""
        ...

    def counts(self) -> dict[str, int]:
        """{"articles", "chunks", "tokens"}: how many articles and chunks are stored and the chunking
        tokens they hold, as of the last committed write."""
        ...

    def stats(self) -> dict[str, Any]:
        """A JSON-able description for `rag info`, with at least these keys.

        path, config (`asdict(config)`), counts (as `counts()`), vector_index ({kind, vectors,
        tombstones}), published ({first, last}: the date range, None when no article is dated; undated:
        how many have no date), top_outlets ({outlet: articles}, the ten largest), bytes_on_disk, files ({name: bytes}),
        schema_version and updated_at.
        """
        ...

    def generation(self) -> int:
        """A counter that grows with every committed write or delete, by any handle or process, and never
        goes back; readers compare it to tell whether the index may have changed."""
        ...

    # -- lifetime -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Catch up now with writes other processes committed (reads also catch up on their own when they
        need to); cheap when nothing changed."""
        ...

    def warm_up(self) -> None:
        """Build the in-memory search structures now, so a long-running service's first searches do not
        pay for them. Results are the same with or without it."""
        ...

    def close(self) -> None:
        """Release the index's files and connections; the store is not used afterwards."""
        ...
