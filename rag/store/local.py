"""LocalStore: the index in one folder, SQLite (articles, chunks, their vectors, FTS5) + a FAISS file + manifest.json.

SQLite is the source of truth and the commit point: every write is one transaction that bumps a
generation counter. The FAISS file is derived from the vectors stored in SQLite and written atomically
after the transaction; its generation is recorded in the manifest. If the two disagree (a crash between
the commit and the file write, or another process writing), the vector index is rebuilt from SQLite.
So a crash or Ctrl-C at any point leaves an index that opens, answers and holds every committed
article, and writers serialise on a lock file. BM25 is FTS5's, scored in memory by
`rag.store.lexical.LexicalIndex`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from rag import __version__
from rag.errors import IndexLockedError, IndexMismatchError, NotFoundError, StoreError
from rag.store import database
from rag.store.base import IndexConfig, StoredChunk
from rag.store.lexical import BM25_WEIGHTS, LexicalIndex, fts_query
from rag.store.manifest import (
    MANIFEST,
    SCHEMA_VERSION,
    config_from_manifest,
    new_manifest,
    read_manifest,
    timestamp,
    write_json_atomic,
)
from rag.store.vectors import VectorIndex, choose_kind
from rag.text import query_words
from rag.types import Article, Chunk, Filters

DATABASE = "store.sqlite"
VECTORS = "vectors.npz"
LOCK = ".lock"

# FTS5's own BM25 with the column weights the in-memory index uses (`fts5_search`).
_BM25 = f"bm25(chunks_fts, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]})"


class LocalStore:
    """An index in one folder (a `rag.store.base.Store`). Open with `LocalStore.open`; write inside
    `with store.writing():`. Beyond the contract: `fts5_search`, `lexical` (the in-memory BM25), and
    `article_ids` with `export` (what `rag migrate` copies)."""

    def __init__(self, path: Path, config: IndexConfig, manifest: dict[str, Any], exact_max: int) -> None:
        self.path = path
        self.config = config
        self.manifest = manifest
        self.exact_max = exact_max
        self._db = database.connect(self.path / DATABASE)
        self._vectors: VectorIndex | None = None
        self._vectors_generation = -1
        self._lock: FileLock | None = None
        self.lexical = LexicalIndex(self.path / DATABASE)

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        embed_model: str,
        dim: int,
        create: IndexConfig | None = None,
        exact_max: int = 30_000,
    ) -> LocalStore:
        """Open the index at `path`, checking it was built with `embed_model`.

        With `create`, a missing index is created with that configuration; without, it is an error.
        """
        path = Path(path)
        manifest_path = path / MANIFEST
        if not manifest_path.exists():
            if create is None:
                raise NotFoundError(f"no index at {path}: build one with `rag ingest PATH...`")
            path.mkdir(parents=True, exist_ok=True)
            manifest = new_manifest(create, exact_max)
            store = cls(path, create, manifest, exact_max)
            write_json_atomic(manifest_path, manifest)
            return store
        manifest = read_manifest(manifest_path)
        config = config_from_manifest(manifest, manifest_path)
        if config.embed_model != embed_model or config.dim != dim:
            raise IndexMismatchError(
                f"the index at {path} was built with the embedding model {config.embed_model} "
                f"({config.dim} dimensions), but this process uses {embed_model} ({dim} dimensions); "
                "use the same model, or build a new index in another folder"
            )
        if not (path / DATABASE).exists():
            raise StoreError(f"the index at {path} has a manifest but no {DATABASE}: rebuild it")
        return cls(path, config, manifest, exact_max)

    def close(self) -> None:
        """Close the database connections (this one and the in-memory BM25's tokenizer)."""
        self.lexical.close()
        self._db.close()

    # -- writing ------------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[LocalStore]:
        """Hold the index's write lock; on leaving (even by Ctrl-C) save the vector index and manifest."""
        lock = FileLock(str(self.path / LOCK), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise IndexLockedError(
                f"another process is writing to the index at {self.path} (lock {self.path / LOCK}); "
                "try again when it has finished"
            ) from None
        self._lock = lock
        try:
            self._sync_vectors()
            started = self.generation()
            yield self
        finally:
            try:
                if self.generation() != started or not (self.path / VECTORS).exists() or self._kind_outdated():
                    self._persist()
            finally:
                self._lock = None
                lock.release()

    def _require_lock(self) -> None:
        if self._lock is None:
            raise StoreError("writes must happen inside `with store.writing():`")

    def article_hash(self, article_id: str) -> str | None:
        """The stored article's content hash, None when absent."""
        row = self._db.execute("SELECT content_hash FROM articles WHERE id=?", (article_id,)).fetchone()
        return None if row is None else row[0]

    def article_hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Stored content hashes of these articles, 500 ids a query."""
        ids = list(dict.fromkeys(article_ids))
        found: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            sql = f"SELECT id, content_hash FROM articles WHERE id IN ({','.join('?' * len(part))})"
            found.update(self._db.execute(sql, part).fetchall())
        return found

    def reusable_vectors(self, article_id: str) -> dict[str, np.ndarray]:
        """Stored vectors of an article's chunks by text hash, so an edit re-embeds only what changed."""
        rows = self._db.execute("SELECT text_hash, embedding FROM chunks WHERE article_id=?", (article_id,)).fetchall()
        return {h: np.frombuffer(blob, dtype=np.float32) for h, blob in rows}

    def write(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None:
        """Insert or replace articles with their chunks and chunk vectors, all in one transaction."""
        self._require_lock()
        added: list[tuple[np.ndarray, np.ndarray]] = []
        removed: list[int] = []
        with database.transaction(self._db) as db:
            for article, chunks, vectors in items:
                if len(chunks) != len(vectors):
                    raise StoreError(f"{len(chunks)} chunks but {len(vectors)} vectors for {article.id}")
                removed += database.delete_article(db, article.id)
                rows = database.insert_article(db, article, chunks, vectors)
                if rows:
                    added.append((np.array(rows, dtype=np.int64), np.asarray(vectors, dtype=np.float32)))
        self._apply_vector_changes(added, removed)

    def delete(self, article_ids: Sequence[str]) -> int:
        """Remove articles from the store, the text index and the vector index; returns how many existed."""
        self._require_lock()
        removed: list[int] = []
        found = 0
        with database.transaction(self._db) as db:
            for article_id in article_ids:
                if db.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone():
                    found += 1
                    removed += database.delete_article(db, article_id)
        self._apply_vector_changes([], removed)
        return found

    def _apply_vector_changes(self, added: list[tuple[np.ndarray, np.ndarray]], removed: list[int]) -> None:
        # The lock is held, so the in-memory index was current before this transaction: update it in place.
        vectors = self._vectors
        assert vectors is not None, "writing() syncs the vector index before any write"
        if removed:
            vectors.remove(np.array(removed, dtype=np.int64))
        for rows, vecs in added:
            vectors.add(rows, vecs)
        self._vectors_generation = self.generation()

    def _kind_outdated(self) -> bool:
        return self._vector_index().kind != choose_kind(self.counts()["chunks"], self.exact_max)

    def _persist(self) -> None:
        """Bring the vector file and manifest up to date with the database (called with the lock held)."""
        vectors = self._vector_index()
        counts = self.counts()
        wanted = choose_kind(counts["chunks"], self.exact_max)
        if wanted != vectors.kind:
            vectors = self._rebuild_vectors(wanted)
        vectors.save(self.path / VECTORS)
        self.manifest["vector_index"] = {
            "kind": vectors.kind,
            "exact_max": self.exact_max,
            "generation": self._vectors_generation,
            "tombstones": len(vectors.dead),
        }
        self.manifest["counts"] = counts
        self.manifest["updated_at"] = timestamp()
        self.manifest["rag_version"] = __version__
        write_json_atomic(self.path / MANIFEST, self.manifest)

    # -- the vector index ---------------------------------------------------------------------
    def generation(self) -> int:
        """How many write transactions the database has committed (see `Store.generation`)."""
        return database.generation(self._db)

    def _vector_index(self) -> VectorIndex:
        if self._vectors is None or self._vectors_generation != self.generation():
            self._sync_vectors()
        assert self._vectors is not None
        return self._vectors

    def _sync_vectors(self) -> None:
        """Load the FAISS file if it matches the database generation, else rebuild from stored vectors."""
        generation = self.generation()
        recorded = read_manifest(self.path / MANIFEST).get("vector_index", {})
        file = self.path / VECTORS
        if recorded.get("generation") == generation and file.exists():
            try:
                self._vectors = VectorIndex.load(file)
                self._vectors_generation = generation
                return
            except StoreError:
                pass  # a damaged file is rebuilt below from the vectors SQLite holds
        kind = recorded.get("kind") or choose_kind(self.counts()["chunks"], self.exact_max)
        self._rebuild_vectors(kind)

    def _rebuild_vectors(self, kind: str) -> VectorIndex:
        index = VectorIndex(self.config.dim, kind)
        generation = self.generation()
        cursor = self._db.execute("SELECT id, embedding FROM chunks ORDER BY id")
        while batch := cursor.fetchmany(8192):
            ids = np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch))
            vecs = np.frombuffer(b"".join(r[1] for r in batch), dtype=np.float32).reshape(-1, self.config.dim)
            index.add(ids, vecs)
        self._vectors = index
        self._vectors_generation = generation
        return index

    def refresh(self) -> None:
        """Pick up writes made by other processes since this store was opened (cheap when none were)."""
        if self._vectors_generation != self.generation():
            self._sync_vectors()

    def warm_up(self) -> None:
        """Build the in-memory BM25 index now (a one-off command's first search would go to FTS5 instead)."""
        self.lexical.snapshot(self.generation())

    # -- reading ------------------------------------------------------------------------------
    def _allowed_rows(self, filters: Filters) -> np.ndarray:
        where, params = database.filter_sql(filters)
        rows = self._db.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}", params
        ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """Chunk rows most similar to `vector` (cosine), best first."""
        vectors = self._vector_index()
        allowed = self._allowed_rows(filters) if filters else None
        scores, ids = vectors.search(vector, k, allowed)
        return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]

    def lexical_search(self, query: str, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """Chunk rows ranked by BM25 over title and text, best first (scores: higher is better).

        The ranking is FTS5's `bm25()` for `fts_query(query)` (`fts5_search`), computed in memory by
        `LexicalIndex` (equal scores: by row); FTS5 itself answers a store's first search (see
        `LexicalIndex.wanted`) and a query with a word FTS5 splits into several tokens (a phrase).
        """
        words = query_words(query)
        if not words:
            return []
        if not self.lexical.wanted():
            return self.fts5_search(query, k, filters)
        tokens = self.lexical.tokens(words)
        if any(len(t) > 1 for t in tokens):
            return self.fts5_search(query, k, filters)
        lexicon = self.lexical.snapshot(self.generation())
        allowed = lexicon.mask(self._allowed_rows(filters)) if filters else None
        return lexicon.search([t[0] for t in tokens if t], k, allowed)

    def fts5_search(self, query: str, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """`lexical_search` by FTS5's own query and `bm25()`: the definition the in-memory index follows."""
        match = fts_query(query)
        if not match:
            return []
        where, params = database.filter_sql(filters)
        sql = (
            f"SELECT f.rowid, -{_BM25} AS score FROM chunks_fts f "
            "JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
            f"WHERE chunks_fts MATCH ? AND {where} ORDER BY {_BM25} LIMIT ?"
        )
        if not filters:  # no join needed: faster on large collections
            sql = f"SELECT rowid, -{_BM25} FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY {_BM25} LIMIT ?"
            params = []
        rows = self._db.execute(sql, [match, *params, k] if filters else [match, k]).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    def chunks(self, rows: Sequence[int]) -> dict[int, StoredChunk]:
        """The chunks with these row ids that exist, joined with their article's metadata."""
        if not rows:
            return {}
        found = self._db.execute(
            'SELECT c.id, c.article_id, c.position, c.start, c."end", c.text, a.title, a.byline, a.outlet, '
            "a.url, a.published_at, a.source FROM chunks c JOIN articles a ON a.id = c.article_id "
            f"WHERE c.id IN ({','.join('?' * len(rows))})",
            list(rows),
        ).fetchall()
        return {r[0]: StoredChunk(*r) for r in found}

    def get_article(self, article_id: str) -> Article:
        """The stored article; `NotFoundError` when there is none."""
        row = self._db.execute(
            "SELECT id, title, body, content_hash, byline, outlet, url, published_at, source FROM articles WHERE id=?",
            (article_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r} in {self.path}")
        return Article(*row)

    def article_ids(self) -> list[str]:
        """Every article id, sorted."""
        return [r[0] for r in self._db.execute("SELECT id FROM articles ORDER BY id").fetchall()]

    def export(self, article_id: str) -> tuple[Article, list[Chunk], np.ndarray]:
        """The article as written: its chunks in order and their stored vectors, ready for another `Store.write`."""
        article = self.get_article(article_id)
        rows = self._db.execute(
            'SELECT position, start, "end", text, n_tokens, embedding FROM chunks WHERE article_id=? ORDER BY position',
            (article_id,),
        ).fetchall()
        chunks = [Chunk(article_id, p, s, e, t, n) for p, s, e, t, n, _ in rows]
        vectors = np.frombuffer(b"".join(r[5] for r in rows), dtype=np.float32).reshape(-1, self.config.dim)
        return article, chunks, vectors

    def find_article_ids(self, ref: str) -> list[str]:
        """Article ids matching an id, a URL, or a source path (as `rag delete` accepts)."""
        rows = self._db.execute("SELECT id FROM articles WHERE id=? OR url=? OR source=?", (ref, ref, ref)).fetchall()
        return [r[0] for r in rows]

    def list_articles(self, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        """A page of article summaries, newest published first (see `Store.list_articles`)."""
        rows = self._db.execute(
            "SELECT a.id, a.title, a.byline, a.outlet, a.url, a.published_at, a.source, a.ingested_at, "
            "(SELECT COUNT(*) FROM chunks c WHERE c.article_id = a.id) FROM articles a "
            "ORDER BY a.published_at DESC, a.id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        keys = ("id", "title", "byline", "outlet", "url", "published_at", "source", "ingested_at", "chunks")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def newest_published(self, on_or_before: str) -> str:
        """See `Store.newest_published`."""
        (day,) = self._db.execute(
            "SELECT MAX(substr(published_at, 1, 10)) FROM articles "
            "WHERE published_at != '' AND substr(published_at, 1, 10) <= ?",
            (on_or_before[:10],),
        ).fetchone()
        return str(day or "")

    def counts(self) -> dict[str, int]:
        """Articles, chunks and chunking tokens stored."""
        articles = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        chunks, tokens = self._db.execute("SELECT COUNT(*), COALESCE(SUM(n_tokens), 0) FROM chunks").fetchone()
        return {"articles": articles, "chunks": chunks, "tokens": tokens}

    def stats(self) -> dict[str, Any]:
        """What `rag info` shows: configuration, counts, sizes, date range and outlets."""
        first, last, undated = self._db.execute(
            "SELECT MIN(NULLIF(published_at, '')), MAX(NULLIF(published_at, '')), "
            "COALESCE(SUM(published_at = ''), 0) FROM articles"
        ).fetchone()
        outlets = self._db.execute(
            "SELECT outlet, COUNT(*) n FROM articles WHERE outlet != '' GROUP BY outlet ORDER BY n DESC LIMIT 10"
        ).fetchall()
        sizes = {p.name: p.stat().st_size for p in self.path.iterdir() if p.is_file()}
        vectors = self._vector_index()
        return {
            "path": str(self.path),
            "config": asdict(self.config),
            "counts": self.counts(),
            "vector_index": {"kind": vectors.kind, "vectors": len(vectors), "tombstones": len(vectors.dead)},
            "published": {"first": first, "last": last, "undated": undated},
            "top_outlets": dict(outlets),
            "bytes_on_disk": sum(sizes.values()),
            "files": sizes,
            "schema_version": SCHEMA_VERSION,
            "updated_at": self.manifest.get("updated_at"),
        }
