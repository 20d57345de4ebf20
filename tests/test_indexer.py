"""Ingestion into a store: idempotence, replacement, vector reuse, interruption."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from rag.embedders.hashing import HashEmbedder
from rag.indexer import Indexer
from rag.readers.base import IngestProblem
from rag.store.local import LocalStore
from rag.types import Article
from tests.conftest import article, make_chunker
from tests.store.test_local import live_counts

LONG = " ".join(f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(60))


def test_second_run_changes_nothing(store: LocalStore, ingest: Callable, news: list[Article]) -> None:
    first = ingest(store, news)
    generation = store.generation()
    files = {p.name: p.read_bytes() for p in store.path.iterdir() if p.suffix in (".json", ".npz")}
    second = ingest(store, news)
    assert (first.new, first.unchanged) == (3, 0)
    assert (second.new, second.changed, second.unchanged, second.chunks) == (0, 0, 3, 0)
    assert not second.changed_anything
    assert store.generation() == generation  # not even an empty transaction
    assert files == {p.name: p.read_bytes() for p in store.path.iterdir() if p.suffix in (".json", ".npz")}


def test_changed_article_is_replaced_reusing_unchanged_vectors(store: LocalStore, ingest: Callable) -> None:
    ingest(store, [article(LONG, id="long", title="Topics")])
    before = live_counts(store)["chunks"]
    assert before > 3
    edited = LONG.replace("Sentence number 59 talks", "The final sentence talks")
    report = ingest(store, [article(edited, id="long", title="Topics")])
    assert (report.changed, report.new) == (1, 0)
    assert 0 < report.chunks_embedded < report.chunks  # only the chunks that changed were embedded
    assert live_counts(store)["chunks"] == live_counts(store)["vectors"]
    assert store.lexical_search("final", 3) and not store.lexical_search("59", 3)


def test_title_change_re_embeds_everything(store: LocalStore, ingest: Callable) -> None:
    ingest(store, [article(LONG, id="long", title="Topics")])
    report = ingest(store, [article(LONG, id="long", title="Other topics")])
    assert report.chunks_embedded == report.chunks


def test_problems_are_collected_and_others_ingested(store: LocalStore, ingest: Callable,
                                                    news: list[Article]) -> None:  # fmt: skip
    report = ingest(store, [news[0], IngestProblem("bad.txt", "empty file"), news[1]])
    assert report.new == 2
    assert report.problems == [IngestProblem("bad.txt", "empty file")]


def test_repeated_id_in_one_run_keeps_the_last(store: LocalStore, ingest: Callable) -> None:
    report = ingest(store, [article("First text about apples.", id="a"), article("Second about pears.", id="a")])
    assert (report.new, report.repeated) == (1, 1)
    assert store.get_article("a").body == "Second about pears."
    assert live_counts(store)["articles"] == 1


def test_rerun_with_repeated_ids_changes_nothing(store: LocalStore, embedder: HashEmbedder) -> None:
    """Versions of one id far apart in the input (committed in different batches) must not flip-flop."""
    items = [article("First text about apples.", id="a")]
    items += [article(f"Filler story {i} about the port of town {i}.", id=f"f{i}") for i in range(30)]
    items += [article("Second about pears.", id="a")]
    latest = {a.id: a.content_hash for a in items}
    indexer = Indexer(store, embedder, make_chunker(embedder, store.config), batch_chunks=5)
    with store.writing():
        first = indexer.ingest(items, latest=latest)
    assert (first.new, first.repeated) == (31, 1)
    generation = store.generation()
    with store.writing():
        again = indexer.ingest(items, latest=latest)
    assert not again.changed_anything and store.generation() == generation
    assert store.get_article("a").body == "Second about pears."


def test_interrupted_ingest_keeps_finished_batches(store: LocalStore, embedder: HashEmbedder) -> None:
    articles = [article(f"Story {i} about the harbour of town {i}. " * 3, id=f"a{i}") for i in range(40)]

    def interrupted() -> Iterator[Article]:
        yield from articles[:25]
        raise KeyboardInterrupt

    indexer = Indexer(store, embedder, make_chunker(embedder, store.config), batch_chunks=10)
    with store.writing():
        report = indexer.ingest(interrupted())
    assert report.interrupted
    counts = live_counts(store)
    assert 0 < counts["articles"] <= 25
    assert counts["chunks"] == counts["vectors"] and counts["orphans"] == 0
    assert counts["articles"] == report.new
    with store.writing():
        rerun = indexer.ingest(articles)
    assert rerun.unchanged == counts["articles"] and rerun.new == 40 - counts["articles"]
    assert live_counts(store)["articles"] == 40


def test_batch_size_is_validated(store: LocalStore, embedder: HashEmbedder) -> None:
    with pytest.raises(ValueError, match="batch_chunks must be greater than 0, got 0"):
        Indexer(store, embedder, make_chunker(embedder, store.config), batch_chunks=0)
