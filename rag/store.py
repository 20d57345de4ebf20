"""The index on disk: SQLite (articles, chunks, their vectors, FTS5 for BM25) + a FAISS file + manifest.json.

SQLite is the source of truth and the commit point: every write is one transaction that bumps a
generation counter. The FAISS file is derived from the vectors stored in SQLite and written atomically
after the transaction; its generation is recorded in the manifest. If the two disagree (a crash between
the commit and the file write, or another process writing), the vector index is rebuilt from SQLite.
So a crash or Ctrl-C at any point leaves an index that opens, answers and holds every committed
article, and writers serialise on a lock file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from filelock import FileLock, Timeout

from rag import __version__
from rag.errors import IndexLockedError, IndexMismatchError, NotFoundError, StoreError
from rag.types import Article, Chunk, Filters
from rag.vectors import VectorIndex, choose_kind

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "store.sqlite"
VECTORS = "vectors.npz"
LOCK = ".lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL, byline TEXT NOT NULL, outlet TEXT NOT NULL, url TEXT NOT NULL,
    published_at TEXT NOT NULL, source TEXT NOT NULL, body TEXT NOT NULL,
    content_hash TEXT NOT NULL, ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published_at);
CREATE INDEX IF NOT EXISTS articles_outlet ON articles (outlet);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
-- AUTOINCREMENT: row ids are vector ids and must never be reused after a delete.
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles (id),
    position INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL, text TEXT NOT NULL, text_hash TEXT NOT NULL, embedding BLOB NOT NULL,
    UNIQUE (article_id, position)
);
-- Contentless: the text lives in `chunks`; deletes pass the original values, as FTS5 requires.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5 (
    title, text, content='', tokenize='porter unicode61 remove_diacritics 2'
);
"""

# BM25 column weights (title, text): the title repeats on every chunk of an article, so it counts less.
_BM25 = "bm25(chunks_fts, 0.5, 1.0)"
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have he her his how i if in into is it
    its of on or she that the their them they this to was were what when where which who whom whose why
    will with would you""".split()
)


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


class Store(Protocol):
    """What retrieval and ingestion need from an index; `LocalStore` is the one implementation today."""

    config: IndexConfig

    def article_hash(self, article_id: str) -> str | None: ...

    def write(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None: ...

    def delete(self, article_ids: Sequence[str]) -> int: ...

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = ...) -> list[tuple[int, float]]: ...

    def lexical_search(self, query: str, k: int, filters: Filters = ...) -> list[tuple[int, float]]: ...

    def chunks(self, rows: Sequence[int]) -> dict[int, StoredChunk]: ...

    def get_article(self, article_id: str) -> Article: ...

    def stats(self) -> dict[str, Any]: ...


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fts_query(text: str) -> str:
    """An FTS5 query matching any content word of `text`; user text never reaches FTS5 syntax unquoted."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    seen = dict.fromkeys(words)
    return " OR ".join(f'"{w}"' for w in seen)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class LocalStore:
    """An index in one folder. Open with `LocalStore.open`; write inside `with store.writing():`."""

    def __init__(self, path: Path, config: IndexConfig, manifest: dict[str, Any], exact_max: int) -> None:
        self.path = path
        self.config = config
        self.manifest = manifest
        self.exact_max = exact_max
        self._db = self._connect()
        self._vectors: VectorIndex | None = None
        self._vectors_generation = -1
        self._lock: FileLock | None = None

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
            manifest = _new_manifest(create, exact_max)
            store = cls(path, create, manifest, exact_max)
            _write_json_atomic(manifest_path, manifest)
            return store
        manifest = _read_manifest(manifest_path)
        config = _config_from_manifest(manifest, manifest_path)
        if config.embed_model != embed_model or config.dim != dim:
            raise IndexMismatchError(
                f"the index at {path} was built with the embedding model {config.embed_model} "
                f"({config.dim} dimensions), but this process uses {embed_model} ({dim} dimensions); "
                "use the same model, or build a new index in another folder"
            )
        if not (path / DATABASE).exists():
            raise StoreError(f"the index at {path} has a manifest but no {DATABASE}: rebuild it")
        return cls(path, config, manifest, exact_max)

    def _connect(self) -> sqlite3.Connection:
        db_path = self.path / DATABASE
        try:
            # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE in `_transaction`.
            db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            if db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                db.execute("INSERT INTO meta VALUES ('generation', '0')")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open {db_path}: {exc}") from exc
        version = int(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
        if version != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"{db_path} has schema version {version}; this version of rag reads {SCHEMA_VERSION}"
            )
        return db

    def close(self) -> None:
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

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def article_hash(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT content_hash FROM articles WHERE id=?", (article_id,)).fetchone()
        return None if row is None else row[0]

    def reusable_vectors(self, article_id: str) -> dict[str, np.ndarray]:
        """Stored vectors of an article's chunks by text hash, so an edit re-embeds only what changed."""
        rows = self._db.execute("SELECT text_hash, embedding FROM chunks WHERE article_id=?", (article_id,)).fetchall()
        return {h: np.frombuffer(blob, dtype=np.float32) for h, blob in rows}

    def write(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None:
        """Insert or replace articles with their chunks and chunk vectors, all in one transaction."""
        self._require_lock()
        added: list[tuple[np.ndarray, np.ndarray]] = []
        removed: list[int] = []
        with self._transaction() as db:
            for article, chunks, vectors in items:
                if len(chunks) != len(vectors):
                    raise StoreError(f"{len(chunks)} chunks but {len(vectors)} vectors for {article.id}")
                removed += self._delete_article_rows(db, article.id)
                db.execute(
                    "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        article.id, article.title, article.byline, article.outlet, article.url,
                        article.published_at, article.source, article.body, article.content_hash, _now(),
                    ),
                )  # fmt: skip
                rows = [self._insert_chunk(db, article, c, v) for c, v in zip(chunks, vectors, strict=True)]
                if rows:
                    added.append((np.array(rows, dtype=np.int64), np.asarray(vectors, dtype=np.float32)))
        self._apply_vector_changes(added, removed)

    def _insert_chunk(self, db: sqlite3.Connection, article: Article, chunk: Chunk, vector: np.ndarray) -> int:
        blob = np.asarray(vector, dtype=np.float32).tobytes()
        cur = db.execute(
            'INSERT INTO chunks (article_id, position, start, "end", n_tokens, text, text_hash, embedding) '
            "VALUES (?,?,?,?,?,?,?,?)",
            (article.id, chunk.position, chunk.start, chunk.end, chunk.n_tokens, chunk.text,
             text_hash(chunk.text), blob),
        )  # fmt: skip
        row = int(cur.lastrowid)
        db.execute("INSERT INTO chunks_fts (rowid, title, text) VALUES (?,?,?)", (row, article.title, chunk.text))
        return row

    def _delete_article_rows(self, db: sqlite3.Connection, article_id: str) -> list[int]:
        title = db.execute("SELECT title FROM articles WHERE id=?", (article_id,)).fetchone()
        if title is None:
            return []
        rows = db.execute("SELECT id, text FROM chunks WHERE article_id=?", (article_id,)).fetchall()
        db.executemany(
            "INSERT INTO chunks_fts (chunks_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
            [(row, title[0], text) for row, text in rows],
        )
        db.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        db.execute("DELETE FROM articles WHERE id=?", (article_id,))
        return [row for row, _ in rows]

    def delete(self, article_ids: Sequence[str]) -> int:
        """Remove articles from the store, the text index and the vector index; returns how many existed."""
        self._require_lock()
        removed: list[int] = []
        found = 0
        with self._transaction() as db:
            for article_id in article_ids:
                if db.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone():
                    found += 1
                    removed += self._delete_article_rows(db, article_id)
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
        self.manifest["updated_at"] = _now()
        self.manifest["rag_version"] = __version__
        _write_json_atomic(self.path / MANIFEST, self.manifest)

    # -- the vector index ---------------------------------------------------------------------
    def generation(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def _vector_index(self) -> VectorIndex:
        if self._vectors is None or self._vectors_generation != self.generation():
            self._sync_vectors()
        assert self._vectors is not None
        return self._vectors

    def _sync_vectors(self) -> None:
        """Load the FAISS file if it matches the database generation, else rebuild from stored vectors."""
        generation = self.generation()
        recorded = _read_manifest(self.path / MANIFEST).get("vector_index", {})
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

    # -- reading ------------------------------------------------------------------------------
    def _filter_sql(self, filters: Filters) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if filters.published_after:
            clauses.append("a.published_at != '' AND a.published_at >= ?")
            params.append(filters.published_after)
        if filters.published_before:
            clauses.append("a.published_at != '' AND a.published_at < ?")
            params.append(filters.published_before)
        if filters.outlets:
            clauses.append(f"a.outlet IN ({','.join('?' * len(filters.outlets))})")
            params += list(filters.outlets)
        if filters.article_ids:
            clauses.append(f"a.id IN ({','.join('?' * len(filters.article_ids))})")
            params += list(filters.article_ids)
        return " AND ".join(clauses) or "1", params

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """Chunk rows most similar to `vector` (cosine), best first."""
        vectors = self._vector_index()
        allowed = None
        if filters:
            where, params = self._filter_sql(filters)
            rows = self._db.execute(
                f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}", params
            ).fetchall()
            allowed = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        scores, ids = vectors.search(vector, k, allowed)
        return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]

    def lexical_search(self, query: str, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """Chunk rows ranked by BM25 over title and text, best first (scores: higher is better)."""
        match = fts_query(query)
        if not match:
            return []
        where, params = self._filter_sql(filters)
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
        row = self._db.execute(
            "SELECT id, title, body, content_hash, byline, outlet, url, published_at, source FROM articles WHERE id=?",
            (article_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r} in {self.path}")
        return Article(*row)

    def find_article_ids(self, ref: str) -> list[str]:
        """Article ids matching an id, a URL, or a source path (as `rag delete` accepts)."""
        rows = self._db.execute("SELECT id FROM articles WHERE id=? OR url=? OR source=?", (ref, ref, ref)).fetchall()
        return [r[0] for r in rows]

    def list_articles(self, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT a.id, a.title, a.byline, a.outlet, a.url, a.published_at, a.source, a.ingested_at, "
            "(SELECT COUNT(*) FROM chunks c WHERE c.article_id = a.id) FROM articles a "
            "ORDER BY a.published_at DESC, a.id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        keys = ("id", "title", "byline", "outlet", "url", "published_at", "source", "ingested_at", "chunks")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def counts(self) -> dict[str, int]:
        articles = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        chunks, tokens = self._db.execute("SELECT COUNT(*), COALESCE(SUM(n_tokens), 0) FROM chunks").fetchone()
        return {"articles": articles, "chunks": chunks, "tokens": tokens}

    def stats(self) -> dict[str, Any]:
        """What `rag info` shows: configuration, counts, sizes, date range and outlets."""
        first, last = self._db.execute(
            "SELECT MIN(published_at), MAX(published_at) FROM articles WHERE published_at != ''"
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
            "published": {"first": first, "last": last},
            "top_outlets": dict(outlets),
            "bytes_on_disk": sum(sizes.values()),
            "files": sizes,
            "schema_version": SCHEMA_VERSION,
            "updated_at": self.manifest.get("updated_at"),
        }


def _new_manifest(config: IndexConfig, exact_max: int) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "created_at": _now(),
        "updated_at": _now(),
        "rag_version": __version__,
        "embedding": {
            "model": config.embed_model,
            "dim": config.dim,
            "max_tokens": config.embed_max_tokens,
            "normalized": True,
            "metric": "inner_product",
        },
        "chunking": {
            "encoding": config.encoding,
            "max_tokens": config.max_tokens,
            "overlap_tokens": config.overlap_tokens,
            "title_prefix": config.title_prefix,
        },
        "vector_index": {"kind": "flat", "exact_max": exact_max, "generation": -1, "tombstones": 0},
        "counts": {"articles": 0, "chunks": 0, "tokens": 0},
    }


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc


def _config_from_manifest(manifest: dict[str, Any], path: Path) -> IndexConfig:
    try:
        if manifest["schema_version"] != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"{path} has schema version {manifest['schema_version']}; this version of rag reads {SCHEMA_VERSION}"
            )
        emb, chunking = manifest["embedding"], manifest["chunking"]
        return IndexConfig(
            embed_model=emb["model"],
            dim=int(emb["dim"]),
            embed_max_tokens=int(emb["max_tokens"]),
            encoding=chunking["encoding"],
            max_tokens=int(chunking["max_tokens"]),
            overlap_tokens=int(chunking["overlap_tokens"]),
            title_prefix=bool(chunking.get("title_prefix", True)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{path} is not a valid index manifest ({exc})") from exc
