"""BM25 in memory: FTS5's own ranking, computed from numpy postings a few ms faster than FTS5 scores it.

FTS5 finds the rows matching any query word quickly, but then reads every matching row's token counts
and scores it one by one: at 10^5 chunks a question matches about half of them and BM25 took about 40 ms.
`LexicalIndex` holds the same postings (weighted term frequency per row, read from FTS5's own index
through fts5vocab, tokens from FTS5's own tokenizer) and row lengths as numpy arrays and scores with
FTS5's formula in the same order of operations, so results are FTS5's `bm25()` ranking. The database
it reads is `rag.store.local`'s (tables `meta`, `chunks`, `articles`, `chunks_fts`).
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import StoreError
from rag.text import query_words

FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"  # as chunks_fts (rag.store.local) tokenizes

# BM25 column weights (title, text): the title repeats on every chunk of an article, so it counts less.
BM25_WEIGHTS = (0.5, 1.0)
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's constants


def fts_query(text: str) -> str:
    """An FTS5 query matching any content word of `text`; user text never reaches FTS5 syntax unquoted."""
    return " OR ".join(f'"{w}"' for w in query_words(text))


@dataclass(frozen=True)
class _Postings:
    """One immutable run of postings: term i occurs in rows docs[starts[i]:starts[i + 1]] (positions in
    `Lexicon.rows`), with freqs = sum over its occurrences of the column's BM25 weight."""

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
class Lexicon:
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

    def mask(self, rows: np.ndarray) -> np.ndarray:
        """`search`'s `allowed`: True at the positions of those of `rows` (chunk ids) this snapshot holds."""
        allowed = np.zeros(len(self.rows), dtype=bool)
        pos = np.searchsorted(self.rows, rows)
        pos = pos[(pos < len(self.rows)) & (self.rows[np.minimum(pos, len(self.rows) - 1)] == rows)]
        allowed[pos] = True
        return allowed

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
    """BM25 over a store's FTS5 index, in memory (see the module docstring), kept current with the database.

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
        self._state: Lexicon | None = None
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, ...]] = {}
        self._tokenizer: sqlite3.Connection | None = None
        self.last_sync: dict[str, Any] = {}

    def close(self) -> None:
        """Close the tokenizer's in-memory database (the snapshot holds no connection)."""
        if self._tokenizer is not None:
            self._tokenizer.close()

    def wanted(self) -> bool:
        """Whether this search should use the in-memory index (building it if need be)."""
        if self._state is None and self._searches < self.fts5_first:
            self._searches += 1
            return False
        return True

    def snapshot(self, generation: int) -> Lexicon:
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

    def _sync(self, state: Lexicon | None) -> Lexicon:
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
                new = Lexicon(generation, ids, lengths.astype(np.float64), np.ones(len(ids), bool), (postings,), 0)
            db.execute("COMMIT")
        finally:
            db.close()
        self.last_sync = {"how": how, "rows": int(new.n), "seconds": time.perf_counter() - started}
        return new

    def _catch_up(self, db: sqlite3.Connection, state: Lexicon, ids: np.ndarray, generation: int) -> Lexicon | None:
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
        new = Lexicon(generation, np.concatenate([state.rows, added]), lengths, alive, runs, dead)
        if not np.array_equal(new.rows[new.alive], ids):
            return None
        return new
