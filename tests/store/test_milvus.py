"""MilvusStore beyond the shared contract (tests/store/test_contract.py runs that on Milvus Lite too): hybrid
search fused by Milvus's RRF ranker, with filters; idempotent re-ingest and deletes through the indexer and
the CLI; a writer that dies mid-write; `rag ask` end to end on a Milvus Lite index; the missing-extra message."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from rag.cli import main
from rag.embedders.hashing import HashEmbedder
from rag.errors import StoreError
from rag.store.base import text_hash
from rag.store.milvus_schema import filter_expression, load_pymilvus
from rag.types import Article, Filters
from tests.conftest import SEED, article
from tests.store.test_contract import library, open_milvus, put, rows_for, rows_of

MILVUS = {"RAG_EMBED__MODEL": "fake-hash", "RAG_STORE__KIND": "milvus"}
EXTRACTIVE = {**MILVUS, "RAG_ANSWER__GENERATOR": "extractive", "RAG_VERIFY__JUDGE": "overlap"}


@pytest.fixture
def store(tmp_path: Path, embedder: HashEmbedder) -> Iterator[Any]:
    s = open_milvus(str(tmp_path / "index" / "milvus.db"), tmp_path / "index", embedder)
    yield s
    s.close()


def rrf(*rankings: list[tuple[int, float]], k: int = 60) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (row, _) in enumerate(ranking, 1):
            fused[row] = fused.get(row, 0.0) + 1 / (k + rank)
    return fused


@pytest.mark.milvus
def test_hybrid_search_is_dense_and_bm25_fused_by_reciprocal_rank(
    store: Any, embedder: HashEmbedder, news: list[Article]
) -> None:
    put(store, embedder, library(news))
    for text in ("Who confirmed the refusal?", "Genoa dockworkers wages", "fog near the bridge in Kyiv"):
        v = embedder.embed([text])[0]
        expected = rrf(store.dense_search(v, 8), store.lexical_search(text, 8), k=20)
        hits = store.hybrid_search(text, v, 8, rrf_k=20)
        assert {r for r, _ in hits} <= set(expected) and len(hits) == min(8, len(expected))
        assert [s for _, s in hits] == pytest.approx(sorted(expected.values(), reverse=True)[: len(hits)], abs=1e-6)
        assert all(expected[r] == pytest.approx(s, abs=1e-6) for r, s in hits)
    assert rows_for(store, store.hybrid_search("Crosetto refusal", embedder.embed(["Crosetto refusal"])[0], 1)) == [
        "rome"
    ]
    only_dense = store.hybrid_search("the of and", embedder.embed(["the of and"])[0], 3)  # no content word
    assert len(only_dense) == 3


@pytest.mark.milvus
def test_hybrid_search_keeps_the_filters(store: Any, embedder: HashEmbedder, news: list[Article]) -> None:
    put(store, embedder, library(news))
    words = "Rome Genoa fog Kyiv Crosetto Tajani protest valley harbour"
    v = embedder.embed([words])[0]
    cases = {
        Filters(): {"rome", "kyiv", "protest", "genoa", "fog"},
        Filters(published_after="2026-03-30"): {"rome", "kyiv"},
        Filters(published_before="2026-03-30"): {"protest", "genoa"},
        Filters(outlets=("reuters.com",), published_before="2026-03-30"): {"genoa"},
        Filters(article_ids=("fog", "rome")): {"fog", "rome"},
        Filters(as_of="2026-03-29"): {"protest", "genoa", "fog"},  # undated articles pass an as-of date
        Filters(published_after="2030-01-01"): set(),
    }
    for filters, wanted in cases.items():
        assert set(rows_for(store, store.hybrid_search(words, v, 100, filters))) == wanted, filters


def test_filters_become_one_milvus_expression_with_quotes_escaped() -> None:
    assert filter_expression(Filters()) == ""
    expr = filter_expression(Filters(published_after="2026-03", outlets=('a"b',), article_ids=("x\\y",)))
    assert expr == (
        '(published_at != "" and published_at >= "2026-03") and outlet in ["a\\"b"] and article_id in ["x\\\\y"]'
    )


@pytest.mark.milvus
def test_a_source_and_url_with_quotes_are_stored_and_found(store: Any, embedder: HashEmbedder) -> None:
    odd = replace(
        article('Quoted "words" work. The harbour reopened.', id="odd", title='The "odd" one', outlet='a"b'),
        url='https://example.org/say-"cheese"',
        source='notes\\"odd".txt',
    )
    put(store, embedder, [odd])
    assert store.get_article("odd") == odd
    assert store.find_article_ids(odd.url) == store.find_article_ids(odd.source) == ["odd"]
    assert rows_for(store, store.lexical_search("harbour", 5, Filters(outlets=('a"b',)))) == ["odd"]


@pytest.mark.milvus
def test_reingest_writes_nothing_when_unchanged_and_replaces_a_changed_article(
    store: Any, ingest: Callable[..., Any], news: list[Article]
) -> None:
    first = ingest(store, news)
    assert first.new == 3
    generation, rows = store.generation(), {a.id: rows_of(store, a.id) for a in news}
    again = ingest(store, news)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert store.generation() == generation and {a.id: rows_of(store, a.id) for a in news} == rows  # nothing written
    edited = article("Crosetto later denied the refusal entirely.", id="rome", title="Rome", published_at="2026-04-02")
    changed = ingest(store, [edited, *news[1:]])
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 2)
    assert store.get_article("rome") == edited and not set(rows_of(store, "rome")) & set(rows["rome"])
    assert store.chunks(rows["rome"]) == {} and store.lexical_search("parliamentary authorization", 5) == []
    assert rows_for(store, store.lexical_search("denied entirely", 5)) == ["rome"]
    everything = store.client.query(store.names["chunks"], filter='article_id == "rome"', output_fields=["row"])
    assert len(everything) == len(rows_of(store, "rome"))  # the old version's rows are gone, not just hidden


@pytest.mark.milvus
def test_a_writer_that_dies_before_its_commit_point_leaves_the_previous_article(
    store: Any, embedder: HashEmbedder, news: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    put(store, embedder, news)
    before = rows_of(store, "rome")
    edited = article("The lighthouse keeper retired.", id="rome", title="Lighthouse", published_at="2026-04-02")
    upsert = store.client.upsert

    def dies_at_the_article_row(name: str, data: Any, **kw: Any) -> Any:
        if name == store.names["articles"]:
            raise KeyboardInterrupt  # the process is killed between the chunks and the commit point
        return upsert(name, data, **kw)

    monkeypatch.setattr(store.client, "upsert", dies_at_the_article_row)
    with pytest.raises(KeyboardInterrupt):
        put(store, embedder, [edited])
    monkeypatch.undo()
    assert store.get_article("rome") == news[0] and rows_of(store, "rome") == before
    assert store.lexical_search("lighthouse keeper", 5) == []  # the uncommitted chunks are never returned
    assert rows_for(store, store.dense_search(embedder.embed(["lighthouse keeper retired"])[0], 3)).count("rome") <= 1

    def stored_rows() -> int:
        return len(store.client.query(store.names["chunks"], filter='article_id == "rome"', output_fields=["row"]))

    assert stored_rows() > len(before)  # the dead writer's chunks are still there, uncounted
    with store.writing():  # the next writer cleans up what the dead one left
        pass
    assert stored_rows() == len(before) and store.counts()["articles"] == 3


def rag(index: Path, *args: str, env: dict[str, str] = MILVUS) -> Result:
    return CliRunner().invoke(main, ["--index", str(index), *args], env=env)


@pytest.mark.milvus
def test_rag_ask_end_to_end_on_a_milvus_lite_index(tmp_path: Path) -> None:
    pytest.importorskip("milvus_lite", reason='Milvus Lite needs the extra: pip install -e ".[scale]"')
    from rag.store.milvus import MilvusStore

    index = tmp_path / "index"
    first = rag(index, "ingest", str(SEED.parent))
    assert first.exit_code == 0 and "1 new, 0 changed, 0 unchanged articles" in first.output, first.output
    assert "Nothing changed: 1 articles already indexed" in rag(index, "ingest", str(SEED)).output
    assert (index / "milvus.db").exists() and not (index / "store.sqlite").exists()  # no SQLite on this path
    result = rag(index, "ask", "Who confirmed the refusal?", "--json", env=EXTRACTIVE)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["answerable"] is True and "Crosetto" in answer["answer"]
    [source] = answer["sources"]
    assert source["quote"] in SEED.read_text(encoding="utf-8") and "Crosetto confirmed" in source["quote"]
    info = rag(index, "info", "--json")
    assert info.exit_code == 0, info.output
    stats = json.loads(info.output)
    assert stats["counts"]["articles"] == 1 and stats["vector_index"]["kind"] == "milvus"
    config = stats["config"]
    stored = MilvusStore.open(
        str(index / "milvus.db"), path=index, embed_model=config["embed_model"], dim=config["dim"]
    )
    body = stored.get_article(source["article_id"]).body  # the quote is checked at its offsets in Milvus's copy
    stored.close()
    assert body[source["start"] : source["end"]] == source["quote"]
    deleted = rag(index, "delete", source["article_id"])
    assert deleted.exit_code == 0, deleted.output
    gone = rag(index, "ask", "Who confirmed the refusal?", "--json", env=EXTRACTIVE)
    assert gone.exit_code == 1 and "the index holds no articles yet" in gone.output, gone.output  # as a local index


def test_without_the_extra_the_message_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # import pymilvus now raises ImportError
    with pytest.raises(StoreError, match=r'pip install -e "\.\[scale\]"'):
        load_pymilvus()
    result = rag(tmp_path / "index", "ingest", str(SEED))
    assert result.exit_code != 0 and ".[scale]" in result.output and "Traceback" not in result.output


@pytest.mark.milvus
def test_rag_migrate_copies_a_local_index_without_re_embedding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("milvus_lite", reason='Milvus Lite needs the extra: pip install -e ".[scale]"')
    from rag.embedders.hashing import HashEmbedder as Embedder
    from rag.store.local import LocalStore
    from rag.store.milvus import MilvusStore

    index, uri = tmp_path / "index", str(tmp_path / "milvus" / "milvus.db")
    local = {"RAG_EMBED__MODEL": "fake-hash"}
    assert rag(index, "ingest", str(SEED.parent), env=local).exit_code == 0
    monkeypatch.setattr(Embedder, "embed", lambda *a, **k: pytest.fail("migrate must not embed"))
    result = rag(index, "migrate", "--to", uri, env=local)
    assert result.exit_code == 0, result.output
    assert "Copied 1 articles (0 already there)" in result.output and "The counts match." in result.output
    again = rag(index, "migrate", "--to", uri, env=local)
    assert again.exit_code == 0 and "Copied 0 articles (1 already there)" in again.output, again.output
    monkeypatch.undo()
    config = json.loads(rag(index, "info", "--json", env=local).output)["config"]
    source = LocalStore.open(index, embed_model=config["embed_model"], dim=config["dim"])
    target = MilvusStore.open(uri, path=Path(uri).parent, embed_model=config["embed_model"], dim=config["dim"])
    try:
        assert target.counts() == source.counts() and target.config == source.config
        [article_id] = source.article_ids()
        article, chunks, vectors = source.export(article_id)
        assert target.get_article(article_id) == article
        copied = target.reusable_vectors(article_id)
        assert all(np.array_equal(copied[text_hash(c.text)], v) for c, v in zip(chunks, vectors, strict=True))
    finally:
        source.close()
        target.close()
    env = {**EXTRACTIVE, "RAG_STORE__URI": uri}
    answer = json.loads(rag(index, "ask", "Who confirmed the refusal?", "--json", env=env).output)
    assert answer["answerable"] is True and "Crosetto" in answer["answer"]
