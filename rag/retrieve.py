"""Hybrid retrieval: dense (FAISS) and lexical (FTS5/BM25) candidates fused by reciprocal rank, aware of time.

Reciprocal rank fusion (Cormack et al., 2009) needs no score calibration between the two retrievers:
each candidate scores sum(1 / (rrf_k + rank)). Near-identical passages from different articles
(syndicated copies of one story) are collapsed into the best-ranked one, which lists the others.

Time (`Filters.as_of`, the moment the question is asked): nothing published after it is a candidate. An
expression of time in the query (`rag.timeframe`) becomes a window of publication dates both retrievers
filter on ("this week", "in March 2024"), or a recency prior ("latest", "currently"): each fused score is
multiplied by `floor + (1 - floor) * 0.5 ** (age / half_life)`, age in days before the as-of date, an
undated article counting as old. The time words leave the query either way. `RetrievalParams.recency`
chooses when the prior applies; the defaults were chosen on RealTimeQA (docs/measurements.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from rag.dates import day_of
from rag.embedders.base import Embedder
from rag.errors import InputError
from rag.store.base import Store, StoredChunk
from rag.text import tokens
from rag.timeframe import TimeFrame, find_time, without_time
from rag.types import Filters, Passage

MODES = ("hybrid", "dense", "bm25")
# When the recency prior applies: never, on "latest"-like words, on time counted from the as-of date
# ("this week", "latest"; not a named period such as "in March 2024"), always.
RECENCY = ("off", "recent", "phrased", "always")
WINDOWS = ("filter", "prior", "off")  # what a window read from the question does to what falls outside it


@dataclass(frozen=True)
class RetrievalParams:
    """How many candidates each retriever contributes and how they are fused."""

    candidates: int = 50
    rrf_k: int = 60
    duplicate_threshold: float = 0.8  # Jaccard similarity of word 5-gram sets
    max_per_article: int = 1  # passages per article before other articles' passages; 0 = no cap
    mode: str = "hybrid"
    time_aware: bool = True  # read time expressions in the query (needs Filters.as_of)
    recency: str = "phrased"
    half_life_days: float = 30.0  # of the recency prior
    recency_floor: float = 0.25  # the prior never weighs a passage below this share of its score
    window: str = "prior"
    window_weight: float = 0.3  # with window="prior": the share of its score a passage outside the window keeps

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise InputError(f"candidates must be greater than 0, got {self.candidates}")
        if self.rrf_k < 0:
            raise InputError(f"rrf_k must be at least 0, got {self.rrf_k}")
        if not 0 < self.duplicate_threshold <= 1:
            raise InputError(f"duplicate_threshold must be in (0, 1], got {self.duplicate_threshold}")
        if self.max_per_article < 0:
            raise InputError(f"max_per_article must be at least 0, got {self.max_per_article}")
        if self.mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.recency not in RECENCY:
            raise InputError(f"recency must be one of {', '.join(RECENCY)}, got {self.recency!r}")
        if self.half_life_days <= 0:
            raise InputError(f"half_life_days must be greater than 0, got {self.half_life_days}")
        if not 0 <= self.recency_floor <= 1:
            raise InputError(f"recency_floor must be between 0 and 1, got {self.recency_floor}")
        if self.window not in WINDOWS:
            raise InputError(f"window must be one of {', '.join(WINDOWS)}, got {self.window!r}")
        if not 0 <= self.window_weight <= 1:
            raise InputError(f"window_weight must be between 0 and 1, got {self.window_weight}")


@dataclass(frozen=True)
class Retrieval:
    """What a search found, and how time shaped it: the expression read from the query (if any), the
    filters actually applied (the caller's, narrowed to its window) and whether the recency prior ran."""

    passages: list[Passage]
    timeframe: TimeFrame | None
    filters: Filters
    recency: bool
    in_window: int | None = None  # passages published inside the question's window (None: it has none)


def as_of_date(filters: Filters) -> date | None:
    """The as-of date of `filters`, or None when it sets none (InputError when it is not a date)."""
    if not filters.as_of:
        return None
    try:
        return date.fromisoformat(filters.as_of[:10])
    except ValueError:
        raise InputError(f"as_of must be a date (YYYY-MM-DD), got {filters.as_of!r}") from None


def narrowed(filters: Filters, frame: TimeFrame | None) -> Filters:
    """`filters` with the time window of `frame` added (the tighter bound wins on each side)."""
    if frame is None or not frame.is_window:
        return filters
    after, before = filters.published_after, filters.published_before
    if frame.start is not None:
        after = max(after, frame.start.isoformat())
    if frame.end is not None:
        before = min(before, frame.end.isoformat()) if before else frame.end.isoformat()
    return replace(filters, published_after=after, published_before=before)


class Retriever:
    """Finds the passages of an index most relevant to a question."""

    def __init__(self, store: Store, embedder: Embedder, params: RetrievalParams | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.params = params or RetrievalParams()
        self.last_timings: dict[str, float] = {}

    def search(self, query: str, k: int = 5, filters: Filters = Filters()) -> list[Passage]:
        """The top `k` passages for `query`, best first (see `retrieve` for how time is read)."""
        return self.retrieve(query, k, filters).passages

    def retrieve(self, query: str, k: int = 5, filters: Filters = Filters()) -> Retrieval:
        """The top `k` passages for `query`, with the time expression read from it and the filters applied."""
        query = query.strip()
        if not query:
            raise InputError("the query is empty")
        if k < 1:
            raise InputError(f"k must be greater than 0, got {k}")
        p = self.params
        as_of = as_of_date(filters)
        frame = find_time(query, as_of) if as_of is not None and p.time_aware else None
        applied = narrowed(filters, frame) if p.window == "filter" else filters
        if frame is not None:
            query = without_time(query, frame) or query
        recency = as_of is not None and (
            p.recency == "always"
            or (p.recency == "recent" and bool(frame and frame.recent))
            or (p.recency == "phrased" and frame is not None and frame.relative)
        )
        soft_window = frame if p.window == "prior" and frame is not None and frame.is_window else None
        n = max(p.candidates, k)
        timings: dict[str, float] = {}
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if p.mode in ("hybrid", "dense"):
            t = time.perf_counter()
            vector = self.embedder.embed([query])[0]
            timings["embed"] = time.perf_counter() - t
            t = time.perf_counter()
            dense = self.store.dense_search(vector, n, applied)
            timings["vector"] = time.perf_counter() - t
        if p.mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            lexical = self.store.lexical_search(query, n, applied)
            timings["bm25"] = time.perf_counter() - t
        t = time.perf_counter()
        passages = self._fuse(dense, lexical, k, as_of if recency else None, soft_window)
        timings["fuse"] = time.perf_counter() - t
        self.last_timings = timings
        in_window = sum(_inside(p.published_at, frame) for p in passages) if frame and frame.is_window else None
        return Retrieval(passages, frame, applied, recency, in_window)

    def _fuse(
        self,
        dense: list[tuple[int, float]],
        lexical: list[tuple[int, float]],
        k: int,
        recent_to: date | None,
        window: TimeFrame | None = None,
    ) -> list[Passage]:
        p = self.params
        scores: dict[int, float] = {}
        dense_rank = {row: r for r, (row, _) in enumerate(dense, 1)}
        dense_score = dict(dense)
        bm25_rank = {row: r for r, (row, _) in enumerate(lexical, 1)}
        for ranks in (dense_rank, bm25_rank):
            for row, r in ranks.items():
                scores[row] = scores.get(row, 0.0) + 1.0 / (p.rrf_k + r)
        fetched: dict[int, StoredChunk] = {}
        if (recent_to is not None or window is not None) and scores:
            fetched = self.store.chunks(list(scores))
            for row, candidate in fetched.items():
                if recent_to is not None:
                    scores[row] *= self._recency_weight(candidate.published_at, recent_to)
                if window is not None and not _inside(candidate.published_at, window):
                    scores[row] *= p.window_weight
        ordered = sorted(scores, key=lambda row: (-scores[row], row))

        def passage(row: int, chunk: StoredChunk) -> Passage:
            return _passage(chunk, scores[row], dense_score.get(row), dense_rank.get(row), bm25_rank.get(row))

        kept: list[tuple[Passage, frozenset[tuple[str, ...]]]] = []
        per_article: dict[str, int] = {}
        held_back: list[tuple[int, StoredChunk, frozenset[tuple[str, ...]]]] = []  # over the per-article cap
        # Read candidates a slice at a time: most queries fill k from the first slice.
        for offset in range(0, len(ordered), 2 * k):
            if len(kept) == k:
                break
            batch = ordered[offset : offset + 2 * k]
            stored = {row: fetched[row] for row in batch if row in fetched} if fetched else self.store.chunks(batch)
            for row in batch:
                chunk = stored.get(row)
                if chunk is None or len(kept) == k:  # None: deleted since the vector index was loaded
                    continue
                shingles = _shingles(chunk.text)
                dup = next((i for i, (q, s) in enumerate(kept) if q.article_id != chunk.article_id
                            and _jaccard(s, shingles) >= p.duplicate_threshold), None)  # fmt: skip
                if dup is not None:
                    q, s = kept[dup]
                    kept[dup] = (replace(q, duplicates=(*q.duplicates, chunk.chunk_id)), s)
                    continue
                if p.max_per_article and per_article.get(chunk.article_id, 0) >= p.max_per_article:
                    held_back.append((row, chunk, shingles))
                    continue
                per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
                kept.append((passage(row, chunk), shingles))
        # The cap buys diversity, not fewer results: when other articles run out, capped passages fill in.
        kept += [(passage(row, chunk), shingles) for row, chunk, shingles in held_back[: k - len(kept)]]
        return [passage for passage, _ in kept]

    def _recency_weight(self, published_at: str, as_of: date) -> float:
        p = self.params
        published = day_of(published_at)
        if published is None:  # undated: nothing says it is recent
            return p.recency_floor
        age = max(0, (as_of - published).days)
        return p.recency_floor + (1 - p.recency_floor) * 0.5 ** (age / p.half_life_days)


def _inside(published_at: str, frame: TimeFrame) -> bool:
    return frame.holds(published_at)


def join_neighbours(passages: Sequence[Passage], body_of: Callable[[str], str]) -> list[Passage]:
    """`passages` with those of one article that overlap or touch (only spaces between them) joined into one.

    Neighbouring chunks repeat the sentences they overlap by; joined, a reader (or a prompt) gets that text
    once, and the sentences on either side of the chunk boundary in one piece. A joined passage is
    `body_of(article_id)[start:end]` over its parts, takes the place of its best-ranked part, keeps the best
    score and ranks among them, and its chunk_id names the range ("<article>:2-3"). Everything else keeps
    its order; `body_of` is called only for articles with more than one passage.
    """
    order = {id(p): i for i, p in enumerate(passages)}
    by_article: dict[str, list[Passage]] = {}
    for p in passages:
        by_article.setdefault(p.article_id, []).append(p)
    joined: dict[int, Passage] = {}  # id() of a run's best-ranked part -> the joined passage
    absorbed: set[int] = set()  # id() of the other parts
    for article_id, parts in by_article.items():
        if len(parts) < 2:
            continue
        body = body_of(article_id)
        parts.sort(key=lambda p: (p.start, p.end))
        runs = [[parts[0]]]
        for p in parts[1:]:
            end = max(q.end for q in runs[-1])
            if body[end : p.start].strip():  # empty when they overlap
                runs.append([p])
            else:
                runs[-1].append(p)
        for run in runs:
            if len(run) > 1:
                lead = min(run, key=lambda p: order[id(p)])
                joined[id(lead)] = _join(run, lead, body)
                absorbed.update(id(p) for p in run if p is not lead)
    return [joined.get(id(p), p) for p in passages if id(p) not in absorbed]


def _join(run: Sequence[Passage], lead: Passage, body: str) -> Passage:
    first, last = min(run, key=lambda p: p.start), max(run, key=lambda p: p.end)

    def position(p: Passage) -> str:
        return p.chunk_id.rsplit(":", 1)[-1].split("-")[-1 if p is last else 0]

    def best(values: list[Any], pick: Callable[[list[Any]], Any]) -> Any:
        present = [v for v in values if v is not None]
        return pick(present) if present else None

    chunk_id = first.chunk_id if first is last else f"{lead.article_id}:{position(first)}-{position(last)}"
    return replace(
        lead,
        chunk_id=chunk_id,
        text=body[first.start : last.end],
        start=first.start,
        end=last.end,
        score=max(p.score for p in run),
        dense_score=best([p.dense_score for p in run], max),
        dense_rank=best([p.dense_rank for p in run], min),
        bm25_rank=best([p.bm25_rank for p in run], min),
        duplicates=tuple(dict.fromkeys(d for p in run for d in p.duplicates)),
    )


def _passage(
    chunk: StoredChunk, score: float, dense_score: float | None, dense_rank: int | None, bm25_rank: int | None
) -> Passage:
    return Passage(
        chunk_id=chunk.chunk_id,
        article_id=chunk.article_id,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        score=score,
        title=chunk.title,
        byline=chunk.byline,
        outlet=chunk.outlet,
        url=chunk.url,
        published_at=chunk.published_at,
        source=chunk.source,
        dense_score=dense_score,
        dense_rank=dense_rank,
        bm25_rank=bm25_rank,
    )


def _shingles(text: str, n: int = 5) -> frozenset[tuple[str, ...]]:
    words = tokens(text)
    if len(words) < n:
        return frozenset([tuple(words)])
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def _jaccard(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
