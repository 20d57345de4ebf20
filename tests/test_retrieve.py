"""Hybrid retrieval: fusion, modes, filters, near-duplicate collapse."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag.embedders.hashing import HashEmbedder
from rag.errors import InputError
from rag.retrieve import RetrievalParams, Retriever, join_neighbours
from rag.store.local import LocalStore
from rag.types import Article, Filters, Passage
from tests.conftest import article


def test_hybrid_finds_the_answering_passage(store: LocalStore, ingest: Callable, news: list[Article],
                                            embedder: HashEmbedder) -> None:  # fmt: skip
    ingest(store, news)
    passages = Retriever(store, embedder).search("Who confirmed the refusal?", k=2)
    top = passages[0]
    assert top.article_id == "rome" and top.bm25_rank == 1 and top.dense_rank is not None
    assert top.title == "Rome denies base access" and top.published_at == "2026-04-01"
    assert store.get_article("rome").body[top.start : top.end] == top.text
    assert top.score == pytest.approx(1 / 61 + 1 / (60 + top.dense_rank))
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


@pytest.mark.parametrize("mode", ["dense", "bm25"])
def test_single_retriever_modes(store: LocalStore, ingest: Callable, news: list[Article],
                                embedder: HashEmbedder, mode: str) -> None:  # fmt: skip
    ingest(store, news)
    passages = Retriever(store, embedder, RetrievalParams(mode=mode)).search("Kyiv accession", k=3)
    assert passages[0].article_id == "kyiv"
    assert all((p.bm25_rank is None) == (mode == "dense") for p in passages)
    assert all((p.dense_rank is None) == (mode == "bm25") for p in passages)


def test_syndicated_copies_collapse(store: LocalStore, ingest: Callable, news: list[Article],
                                   embedder: HashEmbedder) -> None:  # fmt: skip
    copy = article(news[0].body, id="rome-copy", title="Rome denies base access (syndicated)")
    ingest(store, [*news, copy])
    passages = Retriever(store, embedder).search("Who confirmed the refusal?", k=3)
    ids = [p.article_id for p in passages]
    assert len(set(ids) & {"rome", "rome-copy"}) == 1
    assert passages[0].duplicates in (("rome:0",), ("rome-copy:0",))


def test_max_per_article_diversifies_then_fills_in(store: LocalStore, ingest: Callable, embedder: HashEmbedder) -> None:
    long = " ".join(f"The harbour of Genoa saw strike number {i} by dockworkers today." for i in range(40))
    ingest(store, [article(long, id="genoa"), article("Dockworkers in Genoa went on strike.", id="short")])
    capped = Retriever(store, embedder, RetrievalParams(max_per_article=1)).search("Genoa dockworkers strike", 5)
    assert sorted(p.article_id for p in capped[:2]) == ["genoa", "short"]
    assert len(capped) == 5 and {p.article_id for p in capped[2:]} == {"genoa"}
    uncapped = Retriever(store, embedder, RetrievalParams(max_per_article=0)).search("Genoa dockworkers strike", 5)
    assert len(uncapped) == 5 and [p.article_id for p in uncapped].count("genoa") >= 4


def test_filters_pass_through(store: LocalStore, ingest: Callable, news: list[Article],
                              embedder: HashEmbedder) -> None:  # fmt: skip
    ingest(store, news)
    passages = Retriever(store, embedder).search("Rome", 5, Filters(published_before="2026-03-29"))
    assert [p.article_id for p in passages] == ["protest"]


def test_bad_queries_and_params(store: LocalStore, embedder: HashEmbedder) -> None:
    retriever = Retriever(store, embedder)
    with pytest.raises(InputError, match="empty"):
        retriever.search("   ")
    with pytest.raises(InputError, match="k must be greater than 0, got 0"):
        retriever.search("x", 0)
    with pytest.raises(InputError, match="mode must be one of"):
        RetrievalParams(mode="sparse")
    assert retriever.search("anything at all", 3) == []  # empty index: no results, no error


@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
def test_in_memory_bm25_ranks_as_fts5(store: LocalStore, ingest: Callable, news: list[Article], embedder: HashEmbedder,
                                      mode: str, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Retrieval over the in-memory BM25 returns what it returns over FTS5's own query."""
    from tests.store.test_lexical import QUERIES, corpus

    ingest(store, [*news, *corpus(50)])
    store.lexical.fts5_first = 0
    retriever = Retriever(store, embedder, RetrievalParams(mode=mode, candidates=20, max_per_article=0))
    ours = {q: retriever.search(q, 10) for q in QUERIES}
    monkeypatch.setattr(store, "lexical_search", store.fts5_search)
    for q, passages in ours.items():
        reference = retriever.search(q, 10)
        assert [p.chunk_id for p in passages] == [p.chunk_id for p in reference], q
        assert [p.bm25_rank for p in passages] == [p.bm25_rank for p in reference], q


def _part(article_id: str, position: int, body: str, start: int, end: int, score: float, **ranks) -> Passage:
    return Passage(f"{article_id}:{position}", article_id, body[start:end], start, end, score, **ranks)


def test_join_neighbours_joins_overlapping_and_touching_parts_of_one_article() -> None:
    body = "One ship left. Two ships came. Three ships sank. Four ships docked.  Five ships waited. Six left."
    s = [body.index(w) for w in ("One", "Two", "Three", "Four", "Five", "Six")] + [len(body)]
    other = "Elsewhere nothing happened."
    passages = [
        _part("a", 2, body, s[1], s[3], 0.9, dense_score=0.5, dense_rank=3),  # Two..Three
        _part("b", 0, other, 0, len(other), 0.8),
        _part("a", 1, body, s[0], s[2], 0.7, dense_score=0.6, bm25_rank=2),  # One..Two: overlaps the first
        _part("a", 3, body, s[3], s[4], 0.6, bm25_rank=1),  # Four: touches Three (one space between)
        _part("a", 5, body, s[5], s[6], 0.5),  # Six: "Five" lies between, so it stays apart
    ]
    asked: list[str] = []

    def body_of(article_id: str) -> str:
        asked.append(article_id)
        return body if article_id == "a" else other

    joined = join_neighbours(passages, body_of)
    assert [p.chunk_id for p in joined] == ["a:1-3", "b:0", "a:5"]
    first = joined[0]
    assert first.text == body[s[0] : s[4]] and (first.start, first.end) == (s[0], s[4])
    assert first.score == 0.9 and first.dense_score == 0.6 and first.dense_rank == 3 and first.bm25_rank == 1
    assert joined[1] is passages[1] and joined[2] is passages[4]
    assert asked == ["a"]  # b has one passage: nothing to join, its body is not read
    assert join_neighbours(joined, body_of) == joined  # joining again changes nothing
    assert join_neighbours([], body_of) == []
    inside = _part("a", 2, body, s[1], s[2], 0.4)  # within a:1-3: the joined passage keeps its own name
    assert [p.chunk_id for p in join_neighbours([first, inside], body_of)] == ["a:1-3"]
