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
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from filelock import FileLock, Timeout

from rag import __version__
from rag.errors import IndexLockedError, IndexMismatchError, NotFoundError, StoreError
from rag.text import query_words
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
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"  # as in _SCHEMA; the in-memory BM25 tokenizes the same way

# BM25 column weights (title, text): the title repeats on every chunk of an article, so it counts less.
BM25_WEIGHTS = (0.5, 1.0)
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's constants
_BM25 = f"bm25(chunks_fts, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]})"


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
    return " OR ".join(f'"{w}"' for w in query_words(text))


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


# -- BM25 in memory ---------------------------------------------------------------------------------
# FTS5 finds the rows matching any query word quickly, but then reads every matching row's token counts
# and scores it one by one: at 10^5 chunks a question matches about half of them and BM25 took about 40 ms.
# `LexicalIndex` holds the same postings (weighted term frequency per row, read from FTS5's own index
# through fts5vocab, tokens from FTS5's own tokenizer) and row lengths as numpy arrays and scores with
# FTS5's formula in the same order of operations, so results are FTS5's `bm25()` ranking, a few ms faster.


@dataclass(frozen=True)
class _Postings:
    """One immutable run of postings: term i occurs in rows docs[starts[i]:starts[i + 1]] (positions in
    `_Lexicon.rows`), with freqs = sum over its occurrences of the column's BM25 weight."""

    terms: dict[str, int]
    starts: np.ndarray
    docs: np.ndarray
    freqs: np.ndarray

    def get(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        i = self.terms.get(term)
        if i is None:
            return None
        a, b = self.starts[i], self.starts[i + 1]
        return self.docs[a:b], self.freqs[a:b]


@dataclass(frozen=True)
class _Lexicon:
    """A snapshot of the text index as of `generation`; never changed after it is made (threads share it)."""

    generation: int
    rows: np.ndarray  # chunk ids, ascending; a deleted row stays with alive=False until the next rebuild
    lengths: np.ndarray  # tokens in title + text (FTS5's row size)
    alive: np.ndarray
    runs: tuple[_Postings, ...]
    dead: int

    @property
    def n(self) -> int:
        return len(self.rows) - self.dead

    @cached_property
    def norm(self) -> np.ndarray:
        """k1 * (1 - b + b * D / avgdl) per row, as FTS5's bm25() computes it (avgdl over the live rows)."""
        total = float(self.lengths[self.alive].sum()) if self.dead else float(self.lengths.sum())
        return BM25_K1 * (1 - BM25_B + BM25_B * self.lengths / (total / self.n))

    def search(self, terms: Sequence[str], k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """The top `k` rows by FTS5's BM25 for a query of one-token phrases `terms` (repeats count again)."""
        if self.n == 0:
            return []
        norm = self.norm
        scores = np.zeros(len(self.rows))
        for term in terms:
            found = [p for p in (run.get(term) for run in self.runs) if p is not None]
            if not found:
                continue
            docs = found[0][0] if len(found) == 1 else np.concatenate([d for d, _ in found])
            freqs = found[0][1] if len(found) == 1 else np.concatenate([f for _, f in found])
            if self.dead:
                keep = self.alive[docs]
                docs, freqs = docs[keep], freqs[keep]
            df = len(docs)
            if df == 0:
                continue
            # FTS5: IDF = log((N - n + 0.5) / (n + 0.5)), and a small positive value where that is <= 0.
            idf = math.log((self.n - df + 0.5) / (df + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            f = freqs.astype(np.float64)
            scores[docs] += idf * ((f * (BM25_K1 + 1.0)) / (f + norm[docs]))
        if allowed is not None:
            scores[~allowed] = 0.0
        hit = np.flatnonzero(scores)
        if len(hit) > k:
            kth = -np.partition(-scores[hit], k - 1)[k - 1]
            hit = hit[scores[hit] >= kth]
        order = np.lexsort((self.rows[hit], -scores[hit]))[:k]  # best first; equal scores by row
        return [(int(self.rows[i]), float(scores[i])) for i in hit[order]]


def _read_postings(
    db: sqlite3.Connection, table: str, rows: np.ndarray, batch: int = 2_000_000
) -> tuple[_Postings, np.ndarray]:
    """Postings of every term of the FTS5 table `table` and the token count of each of `rows` (ascending
    ids, which must include every row of the table), read through fts5vocab tables `{table}_row` and
    `{table}_instance` in the temp schema."""
    weights = np.array(BM25_WEIGHTS, dtype=np.float32)
    vocab = db.execute(f"SELECT term, cnt FROM temp.{table}_row").fetchall()
    lengths = np.zeros(len(rows), dtype=np.int64)
    n_rows = max(len(rows), 1)
    position = np.full(int(rows[-1]) + 1 if len(rows) else 0, -1, dtype=np.int32)  # chunk id -> index in rows
    position[rows] = np.arange(len(rows))
    docs_parts, freqs_parts, df_parts = [], [], []
    i = 0
    while i < len(vocab):
        j, wanted = i, 0
        while j < len(vocab) and (j == i or wanted + vocab[j][1] <= batch):
            wanted += vocab[j][1]
            j += 1
        # One row per occurrence, ordered by term (binary, as SQLite compares text) then row: doc * 2 + column.
        (packed,) = db.execute(
            f"SELECT group_concat(doc * 2 + (col = 'text'), ',') FROM temp.{table}_instance "
            "WHERE term >= ? AND term <= ?",
            (vocab[i][0], vocab[j - 1][0]),
        ).fetchone()
        values = np.fromstring(packed or "", dtype=np.int64, sep=",") if packed else np.zeros(0, np.int64)
        if len(values) != wanted:
            raise StoreError(f"the text index changed while it was read ({len(values)} != {wanted} occurrences)")
        ids = values >> 1
        if len(ids) and (ids.min() < 0 or ids.max() >= len(position)):
            raise StoreError("the text index holds rows that the chunks table does not")
        pos = position[ids]
        if len(pos) and pos.min() < 0:
            raise StoreError("the text index holds rows that the chunks table does not")
        lengths += np.bincount(pos, minlength=len(rows))
        term = np.repeat(np.arange(j - i, dtype=np.int64), [c for _, c in vocab[i:j]])
        key = term * n_rows + pos
        w = weights[values & 1]
        if len(key) > 1 and np.any(key[1:] < key[:-1]):
            order = np.argsort(key, kind="stable")
            key, w = key[order], w[order]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
        docs_parts.append((key[first] % n_rows).astype(np.int32))
        freqs_parts.append(np.add.reduceat(w, first) if len(first) else np.zeros(0, np.float32))
        df_parts.append(np.bincount(key[first] // n_rows, minlength=j - i))
        i = j
    df = np.concatenate(df_parts) if df_parts else np.zeros(0, np.int64)
    postings = _Postings(
        terms={t: n for n, (t, _) in enumerate(vocab)},
        starts=np.r_[0, np.cumsum(df)].astype(np.int64),
        docs=np.concatenate(docs_parts) if docs_parts else np.zeros(0, np.int32),
        freqs=np.concatenate(freqs_parts) if freqs_parts else np.zeros(0, np.float32),
    )
    return postings, lengths


def _vocab_tables(db: sqlite3.Connection, schema: str, table: str) -> None:
    for kind in ("row", "instance"):
        db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_{kind} USING fts5vocab({schema}, {table}, {kind})")


def _scratch_fts() -> sqlite3.Connection:
    """An in-memory FTS5 table `scratch` tokenizing exactly as `chunks_fts` does."""
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    db.execute(f"CREATE VIRTUAL TABLE scratch USING fts5 (title, text, tokenize='{FTS_TOKENIZE}')")
    _vocab_tables(db, "main", "scratch")
    return db


class LexicalIndex:
    """BM25 over a store's FTS5 index, in memory (see above), kept current with the database.

    Chunk ids are never reused and a chunk row never changes, so catching up with any writes (this
    process's or another's) is a difference of id sets: rows that left are masked out, rows that came are
    tokenized by FTS5 in an in-memory table and appended as a new run. When masked rows or runs pile up,
    the whole index is read again from FTS5.
    """

    MAX_RUNS = 16
    MAX_CHURN = 0.25  # masked or appended rows, as a share of the live rows, before a full rebuild

    def __init__(self, database: Path, fts5_first: int = 1) -> None:
        self.database = database
        # Searches answered by FTS5 before the index is built: a one-off command (`rag search`, `rag ask`)
        # would pay for the build (about 3 s at 10^5 chunks, 0.5 s at 10^4) to save ~30 ms once.
        self.fts5_first = fts5_first
        self._searches = 0
        self._state: _Lexicon | None = None
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, ...]] = {}
        self._tokenizer: sqlite3.Connection | None = None
        self.last_sync: dict[str, Any] = {}

    def close(self) -> None:
        if self._tokenizer is not None:
            self._tokenizer.close()

    def wanted(self) -> bool:
        """Whether this search should use the in-memory index (building it if need be)."""
        if self._state is None and self._searches < self.fts5_first:
            self._searches += 1
            return False
        return True

    def snapshot(self, generation: int) -> _Lexicon:
        """The index as of `generation` or later, catching up with the database if it is behind."""
        state = self._state
        if state is not None and state.generation == generation:
            return state
        with self._lock:
            state = self._state
            if state is None or state.generation != generation:
                state = self._state = self._sync(state)
        return state

    def tokens(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """FTS5's tokens of each word (as it reads the quoted phrase "word" in a query), cached by word."""
        cache = self._tokens  # replaced, never emptied in place, so this stays whole while other threads add
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        fresh: dict[str, tuple[str, ...]] = {}
        if missing:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = _scratch_fts()
                db = self._tokenizer
                found: dict[int, list[tuple[int, str]]] = {}
                try:
                    db.executemany("INSERT INTO scratch (rowid, text) VALUES (?, ?)", enumerate(missing, 1))
                    for term, doc, offset in db.execute("SELECT term, doc, offset FROM temp.scratch_instance"):
                        found.setdefault(doc, []).append((offset, term))
                finally:
                    db.execute("DELETE FROM scratch")
                fresh = {word: tuple(t for _, t in sorted(found.get(n, []))) for n, word in enumerate(missing, 1)}
                if len(self._tokens) > 100_000:
                    self._tokens = {}
                self._tokens.update(fresh)
        return [fresh[w] if w in fresh else cache[w] for w in words]

    def _sync(self, state: _Lexicon | None) -> _Lexicon:
        started = time.perf_counter()
        db = sqlite3.connect(self.database, isolation_level=None, timeout=30)
        try:
            db.execute("BEGIN")  # one snapshot for every read below
            generation = int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
            (packed,) = db.execute("SELECT group_concat(id, ',') FROM (SELECT id FROM chunks ORDER BY id)").fetchone()
            ids = np.sort(np.fromstring(packed, dtype=np.int64, sep=",")) if packed else np.zeros(0, np.int64)
            new = None if state is None else self._catch_up(db, state, ids, generation)
            how = "rebuild" if new is None else "catch-up"
            if new is None:
                _vocab_tables(db, "main", "chunks_fts")
                postings, lengths = _read_postings(db, "chunks_fts", ids)
                new = _Lexicon(generation, ids, lengths.astype(np.float64), np.ones(len(ids), bool), (postings,), 0)
            db.execute("COMMIT")
        finally:
            db.close()
        self.last_sync = {"how": how, "rows": int(new.n), "seconds": time.perf_counter() - started}
        return new

    def _catch_up(self, db: sqlite3.Connection, state: _Lexicon, ids: np.ndarray, generation: int) -> _Lexicon | None:
        """`state` brought up to `ids` by masking and appending, or None where a rebuild is due."""
        gone = state.alive & ~np.isin(state.rows, ids)
        added = ids[~np.isin(ids, state.rows)]
        dead = state.dead + int(gone.sum())
        live = len(ids)
        if len(state.rows) and len(added) and added[0] <= state.rows[-1]:
            return None  # only when ids were reused, which AUTOINCREMENT rules out
        if len(state.runs) >= self.MAX_RUNS or dead + len(added) > self.MAX_CHURN * max(live, 1):
            return None
        runs, lengths = state.runs, state.lengths
        if len(added):
            scratch = _scratch_fts()
            try:
                for start in range(0, len(added), 500):
                    part = [int(x) for x in added[start : start + 500]]
                    texts = db.execute(
                        "SELECT c.id, a.title, c.text FROM chunks c JOIN articles a ON a.id = c.article_id "
                        f"WHERE c.id IN ({','.join('?' * len(part))})",
                        part,
                    ).fetchall()
                    scratch.executemany("INSERT INTO scratch (rowid, title, text) VALUES (?, ?, ?)", texts)
                postings, added_lengths = _read_postings(scratch, "scratch", added)
            finally:
                scratch.close()
            offset = len(state.rows)
            runs = (*runs, _Postings(postings.terms, postings.starts, postings.docs + offset, postings.freqs))
            lengths = np.concatenate([lengths, added_lengths.astype(np.float64)])
        alive = np.concatenate([state.alive & ~gone, np.ones(len(added), bool)])
        new = _Lexicon(generation, np.concatenate([state.rows, added]), lengths, alive, runs, dead)
        if not np.array_equal(new.rows[new.alive], ids):
            return None
        return new


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
            manifest = _new_manifest(create, exact_max)
            store = cls(path, create, manifest, exact_max)
            _write_json_atomic(manifest_path, manifest)
            return store
        manifest = _read_manifest(manifest_path)
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

    def _allowed_rows(self, filters: Filters) -> np.ndarray:
        where, params = self._filter_sql(filters)
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
        allowed = None
        if filters:
            rows = self._allowed_rows(filters)
            allowed = np.zeros(len(lexicon.rows), dtype=bool)
            pos = np.searchsorted(lexicon.rows, rows)
            pos = pos[(pos < len(lexicon.rows)) & (lexicon.rows[np.minimum(pos, len(lexicon.rows) - 1)] == rows)]
            allowed[pos] = True
        return lexicon.search([t[0] for t in tokens if t], k, allowed)

    def fts5_search(self, query: str, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """`lexical_search` by FTS5's own query and `bm25()`: the definition the in-memory index follows."""
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


def config_from_manifest(manifest: dict[str, Any], path: Path) -> IndexConfig:
    """How the index whose `manifest.json` (read from `path`) this is was built."""
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
