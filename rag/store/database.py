"""LocalStore's SQLite database: the schema, opening it, transactions, and the rows one article spans.

An article spans a row in `articles`, one row per chunk in `chunks` (text, offsets, vector) and one in
the contentless FTS5 table `chunks_fts`; `insert_article` and `delete_article` keep the three in step
inside a transaction, and every transaction bumps the generation counter in `meta`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexMismatchError, StoreError
from rag.store.base import text_hash
from rag.store.manifest import SCHEMA_VERSION, timestamp
from rag.types import Article, Chunk, Filters

# chunks_fts tokenizes as rag.store.lexical.FTS_TOKENIZE says: the in-memory BM25 reads the same tokens.
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


def connect(db_path: Path) -> sqlite3.Connection:
    """Open (creating if need be) the database at `db_path` and check its schema version."""
    try:
        # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE in `transaction`.
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
        raise IndexMismatchError(f"{db_path} has schema version {version}; this version of rag reads {SCHEMA_VERSION}")
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction that bumps the generation when it commits; any exception rolls it back."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def generation(db: sqlite3.Connection) -> int:
    """How many write transactions the database has committed."""
    return int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])


def insert_article(db: sqlite3.Connection, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray) -> list[int]:
    """Add an article (absent from the database) with its chunks and their vectors; returns the new chunk rows."""
    db.execute(
        "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            article.id, article.title, article.byline, article.outlet, article.url,
            article.published_at, article.source, article.body, article.content_hash, timestamp(),
        ),
    )  # fmt: skip
    return [_insert_chunk(db, article, c, v) for c, v in zip(chunks, vectors, strict=True)]


def _insert_chunk(db: sqlite3.Connection, article: Article, chunk: Chunk, vector: np.ndarray) -> int:
    blob = np.asarray(vector, dtype=np.float32).tobytes()
    cur = db.execute(
        'INSERT INTO chunks (article_id, position, start, "end", n_tokens, text, text_hash, embedding) '
        "VALUES (?,?,?,?,?,?,?,?)",
        (article.id, chunk.position, chunk.start, chunk.end, chunk.n_tokens, chunk.text,
         text_hash(chunk.text), blob),
    )  # fmt: skip
    row = cur.lastrowid
    assert row is not None  # an INSERT always sets it
    db.execute("INSERT INTO chunks_fts (rowid, title, text) VALUES (?,?,?)", (row, article.title, chunk.text))
    return row


def delete_article(db: sqlite3.Connection, article_id: str) -> list[int]:
    """Remove an article's rows from all three tables; returns its chunk rows (none when it is absent)."""
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


def filter_sql(filters: Filters) -> tuple[str, list[Any]]:
    """A WHERE clause over `articles a` (and its parameters) that keeps what `filters` allows."""
    clauses, params = [], []
    if filters.published_after:
        clauses.append("a.published_at != '' AND a.published_at >= ?")
        params.append(filters.published_after)
    if filters.published_before:
        clauses.append("a.published_at != '' AND a.published_at < ?")
        params.append(filters.published_before)
    if filters.as_of:  # articles of the as-of day count; undated articles are kept
        clauses.append("(a.published_at = '' OR substr(a.published_at, 1, 10) <= ?)")
        params.append(filters.as_of[:10])
    if filters.outlets:
        clauses.append(f"a.outlet IN ({','.join('?' * len(filters.outlets))})")
        params += list(filters.outlets)
    if filters.article_ids:
        clauses.append(f"a.id IN ({','.join('?' * len(filters.article_ids))})")
        params += list(filters.article_ids)
    return " AND ".join(clauses) or "1", params
