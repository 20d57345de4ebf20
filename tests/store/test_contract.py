"""Store contract: every `Store` implementation passes these, through the protocol's public methods only.

To check another implementation, subclass `StoreContract` in a `Test...` class with two fixtures:
`store` (a new, empty store whose config is `make_config(embedder)`) and `reopen` (a callable giving
another handle on the same index, as another process would open it). `TestLocalStore` runs the contract
for `LocalStore` with exact (flat) and HNSW vector indexes. Vectors come from the deterministic
`HashEmbedder`, so every expected ranking is computed here from the vectors written. (Over 400 lines:
one test per guarantee, kept in one file so a new implementation's author reads the whole contract here.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from rag.embedders.hashing import HashEmbedder
from rag.errors import IndexLockedError, NotFoundError, StoreError
from rag.ingest import article_from_text
from rag.store.base import Store, text_hash
from rag.store.local import LocalStore
from rag.types import Article, Chunk, Filters
from tests.conftest import article, make_chunker, make_config, open_store

Item = tuple[Article, list[Chunk], np.ndarray]
Reopen = Callable[[Store], Store]

GENOA = " ".join(
    f"Report {i} from the harbour: dockworkers in Genoa counted {i * 3} ships waiting at berth {i % 4}, "
    f"and the union said the {['wages', 'hours', 'pensions', 'safety'][i % 4]} dispute was not settled."
    for i in range(12)
)


def rows_for(store: Store, hits: list[tuple[int, float]]) -> list[str]:
    """The article id of each hit's chunk, in hit order (hits whose chunk is gone are left out)."""
    chunks = store.chunks([r for r, _ in hits])
    return [chunks[r].article_id for r, _ in hits if r in chunks]


def library(news: list[Article]) -> list[Article]:
    """`news` plus an article of many chunks and an undated one with every metadata field set."""
    genoa = article(GENOA, id="genoa", title="Genoa harbour strike", published_at="2026-03-15", outlet="reuters.com")
    fog = article_from_text(
        "Fog covered the valley until noon. Drivers were asked to slow down near the bridge.",
        id="fog",
        title="Morning fog in Apennine towns",
        byline="A. Reporter",
        url="https://example.org/fog",
        source="notes/fog.txt",
    )
    return [*news, genoa, fog]


def items(store: Store, embedder: HashEmbedder, articles: Sequence[Article]) -> list[Item]:
    """Each article with its chunks (chunked as the store's config says) and their vectors."""
    chunker = make_chunker(embedder, store.config)
    out = []
    for a in articles:
        chunks = chunker.chunk(a.id, a.body)
        out.append((a, chunks, embedder.embed([c.text for c in chunks])))
    return out


def put(store: Store, embedder: HashEmbedder, articles: Sequence[Article]) -> list[Item]:
    """Write `articles` in one `write` and return what was written."""
    written = items(store, embedder, articles)
    with store.writing():
        store.write(written)
    return written


def rows_of(store: Store, article_id: str) -> list[int]:
    """Every chunk row of an article, found through an article-id filter."""
    anything = np.ones(store.config.dim, dtype=np.float32) / np.sqrt(store.config.dim)
    return sorted(r for r, _ in store.dense_search(anything, 10_000, Filters(article_ids=(article_id,))))


def vectors_by_row(store: Store, written: list[Item]) -> dict[int, np.ndarray]:
    """The vector written for each stored chunk row."""
    by_chunk = {(a.id, c.position): v for a, chunks, vs in written for c, v in zip(chunks, vs, strict=True)}
    rows = [r for a, _, _ in written for r in rows_of(store, a.id)]
    return {r: by_chunk[(c.article_id, c.position)] for r, c in store.chunks(rows).items()}


class StoreContract:
    """The guarantees of `rag.store.base.Store`; subclasses provide the `store` and `reopen` fixtures."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError("a subclass gives a new, empty store built with make_config(embedder)")

    @pytest.fixture
    def reopen(self) -> Iterator[Reopen]:
        raise NotImplementedError("a subclass gives another handle on the same index")

    # -- an empty store -------------------------------------------------------------------------
    def test_an_empty_store(self, store: Store, embedder: HashEmbedder) -> None:
        assert isinstance(store, Store)
        assert store.config == make_config(embedder)
        assert store.counts() == {"articles": 0, "chunks": 0, "tokens": 0}
        assert store.dense_search(embedder.embed(["Rome"])[0], 5) == []
        assert store.lexical_search("Rome", 5) == []
        assert store.list_articles() == []
        assert store.chunks([]) == {} and store.chunks([1, 2, 3]) == {}
        assert store.article_hash("rome") is None and store.reusable_vectors("rome") == {}
        assert store.find_article_ids("rome") == []

    # -- writing and reading back -------------------------------------------------------------
    def test_write_then_read_back(self, store: Store, embedder: HashEmbedder, news: list[Article]) -> None:
        written = put(store, embedder, library(news))
        assert max(len(chunks) for _, chunks, _ in written) > 3  # one article spans several chunks
        for a, chunks, vectors in written:
            assert store.get_article(a.id) == a
            assert store.article_hash(a.id) == a.content_hash
            stored = store.chunks(rows_of(store, a.id))
            assert sorted((c.position, c.start, c.end, c.text) for c in stored.values()) == [
                (c.position, c.start, c.end, c.text) for c in chunks
            ]
            for row, c in stored.items():
                assert c.row == row and c.article_id == a.id and c.chunk_id == f"{a.id}:{c.position}"
                assert (c.title, c.byline, c.outlet, c.url, c.published_at, c.source) == (
                    a.title,
                    a.byline,
                    a.outlet,
                    a.url,
                    a.published_at,
                    a.source,
                )
            reusable = store.reusable_vectors(a.id)
            assert reusable.keys() == {text_hash(c.text) for c in chunks}
            for c, v in zip(chunks, vectors, strict=True):
                assert np.array_equal(reusable[text_hash(c.text)], v)
        total = [c for _, chunks, _ in written for c in chunks]
        assert store.counts() == {"articles": 5, "chunks": len(total), "tokens": sum(c.n_tokens for c in total)}
        rows = rows_of(store, "genoa")
        assert store.chunks([*rows, max(rows) + 1000]).keys() == set(rows)  # a missing row is left out

    def test_article_hashes_in_bulk_agree_with_one_at_a_time(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        assert store.article_hashes([]) == {} and store.article_hashes(["rome", "fog"]) == {}
        written = put(store, embedder, library(news))
        expected = {a.id: a.content_hash for a, _, _ in written}
        ids = list(expected)
        asked = [*ids, "missing", ids[0], *(f"absent-{i}" for i in range(2_500))]  # repeats; several batches
        assert store.article_hashes(asked) == expected
        assert store.article_hashes(ids) == {i: store.article_hash(i) for i in ids}
        changed = replace(news[0], body=news[0].body + " Later, more was said.", content_hash="edited")
        with store.writing():
            store.delete(["fog"])
            store.write(items(store, embedder, [changed]))
        assert store.article_hashes(ids) == {**{i: h for i, h in expected.items() if i != "fog"}, changed.id: "edited"}

    def test_rewriting_unchanged_content_changes_nothing_visible(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        articles = library(news)
        put(store, embedder, articles)
        q = embedder.embed(["dockworkers confirmed the refusal"])[0]

        def seen() -> tuple[object, ...]:
            dense = store.dense_search(q, 100)
            lexical = store.lexical_search("Genoa dockworkers refusal", 100)
            listed = [{k: v for k, v in a.items() if k != "ingested_at"} for a in store.list_articles()]
            found = [rows_for(store, dense), [s for _, s in dense], rows_for(store, lexical), [s for _, s in lexical]]
            return (store.counts(), listed, [store.get_article(a.id) for a in articles], *found)

        before = seen()
        put(store, embedder, articles)
        after = seen()
        assert after[:4] == before[:4] and after[5] == before[5]
        assert after[4] == pytest.approx(before[4], abs=1e-6) and after[6] == pytest.approx(before[6], rel=1e-9)

    def test_a_changed_article_replaces_its_chunks(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        written = put(store, embedder, library(news))
        old_rows = rows_of(store, "genoa")
        old_vectors = written[3][2]
        edited = article("Nothing about ships remains; the lighthouse keeper retired.", id="genoa", title="Lighthouse")
        (_, new_chunks, _), *_ = put(store, embedder, [edited])
        new_rows = rows_of(store, "genoa")
        assert len(new_rows) == len(new_chunks) and not set(new_rows) & set(old_rows)
        assert store.chunks(old_rows) == {}
        assert store.get_article("genoa") == edited
        assert store.lexical_search("dockworkers berth", 50) == []
        assert rows_for(store, store.lexical_search("lighthouse keeper", 5)) == ["genoa"]
        for v in old_vectors:
            assert not {r for r, _ in store.dense_search(v, 50)} & set(old_rows)
        others = sum(len(chunks) for a, chunks, _ in written if a.id != "genoa")
        assert store.counts()["chunks"] == others + len(new_chunks)

    def test_delete_removes_everything_of_an_article(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        written = put(store, embedder, library(news))
        rows = rows_of(store, "fog")
        before = store.counts()
        with store.writing():
            assert store.delete(["fog", "no-such-article"]) == 1
            assert store.delete(["no-such-article"]) == 0
        with pytest.raises(NotFoundError):
            store.get_article("fog")
        assert store.article_hash("fog") is None and store.reusable_vectors("fog") == {}
        assert store.chunks(rows) == {} and rows_of(store, "fog") == []
        assert store.lexical_search("fog valley bridge", 50) == []
        for v in written[4][2]:
            assert not {r for r, _ in store.dense_search(v, 50)} & set(rows)  # no deleted row comes back
        assert store.find_article_ids("fog") == [] and store.find_article_ids("https://example.org/fog") == []
        assert "fog" not in [a["id"] for a in store.list_articles(0, 100)]
        assert store.counts()["articles"] == before["articles"] - 1
        assert store.counts()["chunks"] == before["chunks"] - len(rows)

    def test_row_ids_are_never_reused(
        self, store: Store, reopen: Reopen, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        seen: set[int] = set()

        def fresh(article_id: str) -> None:
            rows = set(rows_of(store, article_id))
            assert rows and not rows & seen, article_id
            seen.update(rows)

        put(store, embedder, news)
        for a in news:
            fresh(a.id)
        with store.writing():
            store.delete([a.id for a in news])
        put(store, embedder, news[:1])  # the same content again: new rows
        fresh(news[0].id)
        put(store, embedder, news[:1])  # rewritten unchanged: new rows again
        fresh(news[0].id)
        other = reopen(store)
        with other.writing():
            other.write(items(other, embedder, news[1:2]))
        assert not set(rows_of(other, news[1].id)) & seen

    # -- searching ----------------------------------------------------------------------------
    def test_dense_search_returns_cosine_best_first(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        vectors = vectors_by_row(store, put(store, embedder, library(news)))
        for text in ("Crosetto confirmed the refusal", "dockworkers in Genoa", "fog near the bridge"):
            q = embedder.embed([text])[0]
            hits = store.dense_search(q, len(vectors))
            assert {r for r, _ in hits} == set(vectors)  # a small index returns every chunk when k allows
            scores = [s for _, s in hits]
            assert scores == sorted(scores, reverse=True)
            assert scores == pytest.approx([float(q @ vectors[r]) for r, _ in hits], abs=1e-5)
            top = store.dense_search(q, 2)
            assert [r for r, _ in top] == [r for r, _ in hits[:2]]
            assert [s for _, s in top] == pytest.approx(scores[:2], abs=1e-6)
        row, v = next(iter(vectors.items()))
        (top, score), *_ = store.dense_search(v, 3)
        assert top == row and score == pytest.approx(1.0, abs=1e-5)

    def test_lexical_search_ranks_by_bm25_best_first(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        put(store, embedder, library(news))
        for _ in range(2):  # the first and later searches rank alike
            hits = store.lexical_search("Who confirmed the refusal?", 10)
            assert rows_for(store, hits) == ["rome"] and hits[0][1] > 0
        hits = store.lexical_search("Genoa dockworkers wages", 50)
        assert set(rows_for(store, hits)) == {"genoa"} and len(hits) == len(rows_of(store, "genoa"))
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        assert len(store.lexical_search("Genoa dockworkers wages", 2)) == 2
        assert rows_for(store, store.lexical_search("lighthouse harbour", 50)) == ["genoa"] * len(hits)
        assert set(rows_for(store, store.lexical_search("Apennine", 5))) == {"fog"}  # title words count
        assert store.lexical_search("the of and ???", 5) == []  # stopwords only
        assert store.lexical_search("xyzzy plugh", 5) == []
        assert rows_for(store, store.lexical_search('Crosetto* AND "(b" OR x:y^?', 5)) == ["rome"]  # no syntax

    def test_filters(self, store: Store, ingest: Callable, news: list[Article], embedder: HashEmbedder) -> None:
        ingest(store, news)
        q = embedder.embed(["Rome"])[0]
        march = Filters(published_after="2026-03-01", published_before="2026-04-01")
        assert set(rows_for(store, store.dense_search(q, 5, march))) == {"kyiv", "protest"}
        assert set(rows_for(store, store.lexical_search("Rome", 5, Filters(outlets=("wsws.org",))))) == {
            "rome", "protest"}  # fmt: skip
        assert rows_for(store, store.dense_search(q, 5, Filters(article_ids=("kyiv",)))) == ["kyiv"]
        assert store.dense_search(q, 5, Filters(outlets=("nowhere",))) == []

    def test_filters_apply_to_both_searches(self, store: Store, embedder: HashEmbedder, news: list[Article]) -> None:
        put(store, embedder, library(news))
        q = embedder.embed(["Rome Genoa fog Kyiv"])[0]
        words = "Rome Genoa fog Kyiv Crosetto Tajani protest valley harbour"
        cases = {
            Filters(): {"rome", "kyiv", "protest", "genoa", "fog"},
            Filters(published_after="2026-03-30"): {"rome", "kyiv"},  # inclusive; undated articles never pass
            Filters(published_before="2026-03-30"): {"protest", "genoa"},  # exclusive
            Filters(published_after="2026-03-01", published_before="2026-03-29"): {"protest", "genoa"},
            Filters(outlets=("reuters.com",)): {"kyiv", "genoa"},
            Filters(outlets=("reuters.com",), published_before="2026-03-30"): {"genoa"},  # all filters hold
            Filters(article_ids=("fog", "rome")): {"fog", "rome"},
            Filters(article_ids=("fog",), outlets=("wsws.org",)): set(),
            Filters(published_after="2030-01-01"): set(),
        }
        for filters, wanted in cases.items():
            assert set(rows_for(store, store.dense_search(q, 100, filters))) == wanted, filters
            assert set(rows_for(store, store.lexical_search(words, 100, filters))) == wanted, filters
        only_genoa = Filters(article_ids=("genoa",))  # k is reached when enough chunks pass the filters
        assert len(store.dense_search(q, 100, only_genoa)) == len(rows_of(store, "genoa")) > 2
        assert len(store.dense_search(q, 2, only_genoa)) == len(store.lexical_search(words, 2, only_genoa)) == 2

    # -- describing ---------------------------------------------------------------------------
    def test_counts_and_stats(self, store: Store, embedder: HashEmbedder, news: list[Article]) -> None:
        written = put(store, embedder, library(news))
        stats = store.stats()
        assert stats["counts"] == store.counts() and stats["counts"]["chunks"] == sum(len(c) for _, c, _ in written)
        assert stats["config"] == asdict(store.config) and stats["path"] == str(store.path)
        assert stats["published"] == {"first": "2026-03-15", "last": "2026-04-01", "undated": 1}  # fog
        assert stats["top_outlets"] == {"wsws.org": 2, "reuters.com": 2, "example.org": 1}  # fog: from its URL
        assert stats["vector_index"]["vectors"] == store.counts()["chunks"]
        for key in ("kind", "tombstones"):
            assert key in stats["vector_index"]
        for key in ("bytes_on_disk", "files", "schema_version", "updated_at"):
            assert key in stats

    def test_newest_published_on_or_before_a_day(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        assert store.newest_published("2026-04-01") == ""  # empty
        put(store, embedder, library(news))  # 2026-03-15, 2026-03-28, 2026-03-30, 2026-04-01 and one undated
        assert store.newest_published("2030-01-01") == "2026-04-01"
        assert store.newest_published("2026-03-31") == store.newest_published("2026-03-30T23:00:00Z") == "2026-03-30"
        assert store.newest_published("2026-03-29") == "2026-03-28"
        assert store.newest_published("2026-03-14") == ""

    def test_list_articles_pages_newest_first(self, store: Store, embedder: HashEmbedder, news: list[Article]) -> None:
        written = put(store, embedder, library(news))
        full = store.list_articles(0, 100)
        assert [a["id"] for a in full] == ["rome", "kyiv", "protest", "genoa", "fog"]  # undated last
        assert {a["id"]: a["chunks"] for a in full} == {a.id: len(c) for a, c, _ in written}
        assert set(full[0]) == {
            "id",
            "title",
            "byline",
            "outlet",
            "url",
            "published_at",
            "source",
            "ingested_at",
            "chunks",
        }
        assert full[4]["url"] == "https://example.org/fog" and full[4]["byline"] == "A. Reporter"
        assert store.list_articles(0, 2) + store.list_articles(2, 2) + store.list_articles(4, 2) == full
        assert store.list_articles() == full and store.list_articles(5, 10) == []

    def test_find_article_ids_by_id_url_or_source(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        put(store, embedder, library(news))
        for ref in ("fog", "https://example.org/fog", "notes/fog.txt"):
            assert store.find_article_ids(ref) == ["fog"]
        assert store.find_article_ids("https://example.org/none") == []

    def test_get_article_of_a_missing_id_raises(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        put(store, embedder, news)
        with pytest.raises(NotFoundError):
            store.get_article("no-such-article")

    def test_generation_grows_with_every_commit(
        self, store: Store, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        start = store.generation()
        put(store, embedder, news)
        written = store.generation()
        assert written > start
        store.dense_search(embedder.embed(["Rome"])[0], 5)
        store.lexical_search("Rome", 5)
        store.list_articles()
        assert store.generation() == written
        with store.writing():
            store.delete(["rome"])
        assert store.generation() > written

    # -- writers and crashes ------------------------------------------------------------------
    def test_writes_need_the_lock(self, store: Store, news: list[Article]) -> None:
        with pytest.raises(StoreError, match=r"inside `with store\.writing"):
            store.write([(news[0], [], np.zeros((0, 64), np.float32))])
        with pytest.raises(StoreError, match=r"inside `with store\.writing"):
            store.delete(["rome"])

    def test_second_writer_is_refused(self, store: Store, reopen: Reopen) -> None:
        other = reopen(store)
        with store.writing(), pytest.raises(IndexLockedError, match="another process is writing"), other.writing():
            pass
        with other.writing():  # released once the first writer is done
            pass

    def test_a_write_is_all_or_nothing(self, store: Store, embedder: HashEmbedder, news: list[Article]) -> None:
        put(store, embedder, news[:1])
        before = store.counts()
        good, (a, chunks, vectors) = items(store, embedder, news[1:])
        with store.writing(), pytest.raises(StoreError, match="chunks but"):
            store.write([good, (a, chunks, vectors[:0])])  # the second item is broken: nothing is stored
        assert store.counts() == before
        with pytest.raises(NotFoundError):
            store.get_article(good[0].id)
        assert store.lexical_search("Tajani counterparts", 5) == [] and rows_of(store, good[0].id) == []

    def test_committed_writes_survive_an_interrupted_writer(
        self, store: Store, reopen: Reopen, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        with pytest.raises(KeyboardInterrupt), store.writing():
            store.write(items(store, embedder, news))
            raise KeyboardInterrupt
        for handle in (store, reopen(store)):
            assert handle.counts()["articles"] == 3
            assert rows_for(handle, handle.dense_search(embedder.embed(["Tajani Kyiv accession"])[0], 1)) == ["kyiv"]
            assert rows_for(handle, handle.lexical_search("Crosetto", 5)) == ["rome"]
        with store.writing():  # the lock was released
            store.delete(["rome"])

    def test_a_crash_after_a_commit_loses_nothing(
        self, store: Store, reopen: Reopen, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        put(store, embedder, news[:1])
        block = store.writing()
        block.__enter__()
        store.write(items(store, embedder, news[1:]))  # the process dies here: the block is never left
        try:
            other = reopen(store)
            assert other.counts()["articles"] == 3
            assert rows_for(other, other.dense_search(embedder.embed(["Tajani Kyiv accession"])[0], 1)) == ["kyiv"]
            assert rows_for(other, other.lexical_search("marched organisers", 5)) == ["protest"]
        finally:
            block.__exit__(None, None, None)

    # -- other handles ------------------------------------------------------------------------
    def test_another_handle_sees_every_commit(
        self, store: Store, reopen: Reopen, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        reader = reopen(store)
        assert reader.lexical_search("Crosetto", 5) == []
        put(store, embedder, news)
        reader.refresh()
        assert reader.counts() == store.counts()
        assert rows_for(reader, reader.lexical_search("Crosetto", 5)) == ["rome"]
        assert rows_for(reader, reader.dense_search(embedder.embed(["Crosetto refusal"])[0], 1)) == ["rome"]
        with store.writing():
            store.delete(["rome"])
        assert reader.lexical_search("Crosetto", 5) == []  # without refresh(): reads catch up on their own
        assert "rome" not in rows_for(reader, reader.dense_search(embedder.embed(["Crosetto refusal"])[0], 5))

    def test_closed_and_reopened_keeps_everything(
        self, store: Store, reopen: Reopen, embedder: HashEmbedder, news: list[Article]
    ) -> None:
        written = put(store, embedder, library(news))
        expected = store.list_articles(0, 100)
        store.close()
        again = reopen(store)
        assert again.list_articles(0, 100) == expected and again.config == store.config
        for a, _, _ in written:
            assert again.get_article(a.id) == a
        assert rows_for(again, again.lexical_search("Crosetto", 5)) == ["rome"]

    def test_warm_up_changes_no_result(self, store: Store, embedder: HashEmbedder, news: list[Article]) -> None:
        store.warm_up()  # an empty store too
        put(store, embedder, library(news))
        queries = ["Who confirmed the refusal?", "Genoa dockworkers wages", "fog valley"]
        before = [store.lexical_search(q, 20) for q in queries]
        store.warm_up()
        after = [store.lexical_search(q, 20) for q in queries]
        for b, a in zip(before, after, strict=True):
            assert [r for r, _ in a] == [r for r, _ in b] and [s for _, s in a] == pytest.approx([s for _, s in b])


class TestLocalStore(StoreContract):
    """LocalStore, once with exact search and once with HNSW (exact_max=0 forces HNSW)."""

    @pytest.fixture(params=["flat", "hnsw"])
    def store(self, request: pytest.FixtureRequest, tmp_path: Path, embedder: HashEmbedder) -> Iterator[Store]:
        s = open_store(tmp_path / "index", embedder, exact_max=100_000 if request.param == "flat" else 0)
        yield s
        s.close()

    @pytest.fixture
    def reopen(self, embedder: HashEmbedder) -> Iterator[Reopen]:
        opened: list[LocalStore] = []

        def run(store: Store) -> Store:
            assert isinstance(store, LocalStore)
            opened.append(open_store(store.path, embedder, exact_max=store.exact_max))
            return opened[-1]

        yield run
        for s in opened:
            s.close()


def open_milvus(uri: str, path: Path, embedder: HashEmbedder) -> Store:
    """A MilvusStore on `uri` with exact (FLAT) search, created when missing; skipped without the extra."""
    pytest.importorskip("pymilvus", reason='the Milvus store needs the extra: pip install -e ".[scale]"')
    pytest.importorskip("milvus_lite", reason='Milvus Lite needs the extra: pip install -e ".[scale]"')
    from rag.store.milvus import MilvusStore

    return MilvusStore.open(
        uri, path=path, embed_model=embedder.name, dim=embedder.dim, create=make_config(embedder), index_type="FLAT"
    )


@pytest.mark.milvus
class TestMilvusStore(StoreContract):
    """MilvusStore on a Milvus Lite file in a temporary folder (exact FLAT search, as the contract's rankings need)."""

    @pytest.fixture
    def store(self, tmp_path: Path, embedder: HashEmbedder) -> Iterator[Store]:
        s = open_milvus(str(tmp_path / "index" / "milvus.db"), tmp_path / "index", embedder)
        yield s
        s.close()

    @pytest.fixture
    def reopen(self, embedder: HashEmbedder) -> Iterator[Reopen]:
        opened: list[Store] = []

        def run(store: Store) -> Store:
            opened.append(open_milvus(getattr(store, "uri"), store.path, embedder))  # noqa: B009
            return opened[-1]

        yield run
        for s in opened:
            s.close()
