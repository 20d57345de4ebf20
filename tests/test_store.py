"""Store contract: every store implementation (today: LocalStore with exact and HNSW vectors) passes these."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rag.embedders.hashing import HashEmbedder
from rag.errors import IndexLockedError, IndexMismatchError, NotFoundError, StoreError
from rag.store import DATABASE, MANIFEST, VECTORS, LocalStore, fts_query
from rag.types import Article, Filters
from tests.conftest import article, open_store


def live_counts(store: LocalStore) -> dict[str, int]:
    """Counts of every part of the index, which must agree with each other."""
    db = store._db
    return {
        "articles": db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
        "chunks": db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
        "orphans": db.execute(
            "SELECT COUNT(*) FROM chunks WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()[0],
        "vectors": len(store._vector_index()),
    }


def rows_for(store: LocalStore, hits: list[tuple[int, float]]) -> list[str]:
    chunks = store.chunks([r for r, _ in hits])
    return [chunks[r].article_id for r, _ in hits if r in chunks]


def test_write_then_search_both_ways(store: LocalStore, ingest: Callable, news: list[Article],
                                     embedder: HashEmbedder) -> None:  # fmt: skip
    ingest(store, news)
    assert live_counts(store) == {"articles": 3, "chunks": 3, "orphans": 0, "vectors": 3}
    dense = store.dense_search(embedder.embed(["Crosetto confirmed the refusal"])[0], 3)
    assert rows_for(store, dense)[0] == "rome"
    lexical = store.lexical_search("Who confirmed the refusal?", 3)
    assert rows_for(store, lexical) == ["rome"]


def test_rewrite_replaces_chunks_everywhere(store: LocalStore, ingest: Callable, news: list[Article]) -> None:
    ingest(store, news)
    ingest(store, [article("Nothing about bases remains here.", id="rome", title="Rome")])
    assert store.lexical_search("Crosetto", 5) == []
    assert rows_for(store, store.lexical_search("bases remains", 5)) == ["rome"]
    assert live_counts(store)["vectors"] == live_counts(store)["chunks"] == 3


def test_delete_removes_from_every_part(store: LocalStore, ingest: Callable, news: list[Article],
                                        embedder: HashEmbedder) -> None:  # fmt: skip
    ingest(store, news)
    with store.writing():
        assert store.delete(["rome", "no-such-article"]) == 1
    assert live_counts(store) == {"articles": 2, "chunks": 2, "orphans": 0, "vectors": 2}
    assert store.lexical_search("Crosetto", 5) == []
    dense = store.dense_search(embedder.embed(["Crosetto confirmed the refusal"])[0], 5)
    assert "rome" not in rows_for(store, dense)
    with pytest.raises(NotFoundError):
        store.get_article("rome")


def test_filters(store: LocalStore, ingest: Callable, news: list[Article], embedder: HashEmbedder) -> None:
    ingest(store, news)
    q = embedder.embed(["Rome"])[0]
    march = Filters(published_after="2026-03-01", published_before="2026-04-01")
    assert set(rows_for(store, store.dense_search(q, 5, march))) == {"kyiv", "protest"}
    assert set(rows_for(store, store.lexical_search("Rome", 5, Filters(outlets=("wsws.org",))))) == {
        "rome", "protest"}  # fmt: skip
    assert rows_for(store, store.dense_search(q, 5, Filters(article_ids=("kyiv",)))) == ["kyiv"]
    assert store.dense_search(q, 5, Filters(outlets=("nowhere",))) == []


def test_reopen_sees_everything(tmp_path: Path, ingest: Callable, news: list[Article],
                                embedder: HashEmbedder) -> None:  # fmt: skip
    store = open_store(tmp_path / "ix", embedder)
    ingest(store, news)
    store.close()
    again = open_store(tmp_path / "ix", embedder)
    assert live_counts(again) == {"articles": 3, "chunks": 3, "orphans": 0, "vectors": 3}
    manifest = json.loads((tmp_path / "ix" / MANIFEST).read_text())
    assert manifest["embedding"]["model"] == "fake-hash" and manifest["embedding"]["dim"] == 64
    assert manifest["chunking"]["encoding"] == "cl100k_base"
    assert manifest["counts"]["chunks"] == 3 and manifest["schema_version"] == 1


def test_crash_between_commit_and_vector_file(tmp_path: Path, ingest: Callable, news: list[Article],
                                              embedder: HashEmbedder) -> None:  # fmt: skip
    """A commit whose FAISS file never got written is recovered from the vectors SQLite holds."""
    store = open_store(tmp_path / "ix", embedder)
    ingest(store, news[:1])
    saved = {name: (tmp_path / "ix" / name).read_bytes() for name in (VECTORS, MANIFEST)}
    ingest(store, news[1:])
    for name, data in saved.items():  # as if the process died right after the SQLite commit
        (tmp_path / "ix" / name).write_bytes(data)
    again = open_store(tmp_path / "ix", embedder)
    assert live_counts(again)["vectors"] == 3
    assert rows_for(again, again.dense_search(embedder.embed(["Kyiv accession"])[0], 1)) == ["kyiv"]


def test_corrupt_vector_file_is_rebuilt(tmp_path: Path, ingest: Callable, news: list[Article],
                                        embedder: HashEmbedder) -> None:  # fmt: skip
    store = open_store(tmp_path / "ix", embedder)
    ingest(store, news)
    (tmp_path / "ix" / VECTORS).write_bytes(b"garbage")
    assert live_counts(open_store(tmp_path / "ix", embedder))["vectors"] == 3


def test_second_writer_is_refused(store: LocalStore, tmp_path: Path, embedder: HashEmbedder) -> None:
    other = open_store(store.path, embedder)
    with store.writing(), pytest.raises(IndexLockedError, match="another process is writing"), other.writing():
        pass
    with other.writing():  # released once the first writer is done
        pass


def test_writes_need_the_lock(store: LocalStore, news: list[Article]) -> None:
    with pytest.raises(StoreError, match=r"inside `with store\.writing"):
        store.write([(news[0], [], np.zeros((0, 64), np.float32))])


def test_other_embedder_is_refused_naming_both(store: LocalStore) -> None:
    with pytest.raises(IndexMismatchError, match=r"fake-hash \(64 dimensions\).*other-model \(384"):
        LocalStore.open(store.path, embed_model="other-model", dim=384)


def test_missing_and_damaged_index(tmp_path: Path, embedder: HashEmbedder) -> None:
    with pytest.raises(NotFoundError, match="no index at"):
        LocalStore.open(tmp_path / "none", embed_model="fake-hash", dim=64)
    open_store(tmp_path / "ix", embedder).close()
    (tmp_path / "ix" / MANIFEST).write_text("{not json")
    with pytest.raises(StoreError, match="cannot read"):
        LocalStore.open(tmp_path / "ix", embed_model="fake-hash", dim=64)
    (tmp_path / "ix" / MANIFEST).unlink()
    open_store(tmp_path / "iy", embedder).close()
    (tmp_path / "iy" / DATABASE).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        LocalStore.open(tmp_path / "iy", embed_model="fake-hash", dim=64)


def test_fts_query_never_passes_syntax_through() -> None:
    assert fts_query('who said "NEAR(a b)" OR x*?') == '"said" OR "near" OR "b" OR "x"'
    assert fts_query("the of and ???") == ""


# -- BM25 in memory: the same ranking as FTS5's bm25(), kept current with writes --------------------------

WORDS = (
    "harbour strike dockworkers Genoa minister vote parliament budget running runs ran café cafe naïve "
    "Zürich election turnout protest marched police rally union wages inflation bank rate cut"
).split()
QUERIES = [
    "Who confirmed the refusal?",
    "Genoa dockworkers strike over wages",
    "running café in Zürich",
    "naive cafe runs",  # diacritics folded, stems shared with other words
    "strike strike STRIKE",  # repeated words count once
    "bank rate cut inflation vote budget parliament election turnout police",  # many common terms
    "Kyiv accession",
    "nothing matches xyzzy",
    "foo_bar Genoa",  # FTS5 reads foo_bar as the phrase "foo bar": answered by FTS5 itself
]


def corpus(n: int, seed: int = 0, prefix: str = "doc") -> list[Article]:
    """Articles of varied length over a small vocabulary, so terms repeat across and within chunks."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))).capitalize() + "."
            for _ in range(rng.randint(1, 12))
        ]
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4))).title()
        out.append(article(" ".join(sentences), id=f"{prefix}{i}", title=title, outlet=rng.choice(["a.org", "b.org"])))
    return out


def assert_same_ranking(store: LocalStore, query: str, k: int = 1000, filters: Filters = Filters()) -> None:
    """lexical_search ranks as FTS5's own bm25() does: equal scores, and rows in order (equal scores by row)."""
    ours = store.lexical_search(query, k, filters)
    reference = store.fts5_search(query, k, filters)
    assert [s for _, s in ours] == pytest.approx([s for _, s in reference], rel=1e-12, abs=1e-15), query
    by_score = sorted(reference, key=lambda rs: (-rs[1], rs[0]))
    if len(reference) < k:  # every match returned: the row sets agree too, and equal scores go by row
        assert [r for r, _ in ours] == [r for r, _ in by_score], query


def in_memory(store: LocalStore) -> LocalStore:
    store.lexical.fts5_first = 0
    return store


def test_lexical_search_ranks_as_fts5_bm25(store: LocalStore, ingest: Callable, news: list[Article]) -> None:
    ingest(in_memory(store), [*news, *corpus(60)])
    for query in QUERIES:
        assert_same_ranking(store, query)
        full = store.lexical_search(query, 1000)
        for k in (1, 5, 20):
            assert store.lexical_search(query, k) == full[:k]
    assert store.lexical.last_sync["how"] == "rebuild"
    assert store.lexical_search("strike", 5)  # a real ranking, not an empty one
    outlets = Filters(outlets=("a.org",))
    for query in QUERIES[:4]:
        assert_same_ranking(store, query, filters=outlets)
        assert_same_ranking(store, query, k=3, filters=outlets)


def test_lexical_index_matches_fts5_internals(store: LocalStore, ingest: Callable) -> None:
    """Row lengths and document frequencies read through fts5vocab are FTS5's own (docsize, row counts)."""
    ingest(in_memory(store), corpus(30))
    lexicon = store.lexical.snapshot(store.generation())
    run = lexicon.runs[0]
    store._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.check_row USING fts5vocab(main, chunks_fts, row)")
    vocab = store._db.execute("SELECT term, doc FROM temp.check_row").fetchall()
    assert {t: int(run.starts[i + 1] - run.starts[i]) for t, i in run.terms.items()} == dict(vocab)
    assert lexicon.n == store.counts()["chunks"]
    for row, length in zip(lexicon.rows, lexicon.lengths, strict=True):
        (blob,) = store._db.execute("SELECT sz FROM chunks_fts_docsize WHERE id=?", (int(row),)).fetchone()
        assert length == sum(varints(blob))


def varints(blob: bytes) -> list[int]:
    values, value, shift = [], 0, 0
    for byte in blob:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            values.append(value)
            value, shift = 0, 0
    return values


def test_lexical_index_sees_writes_and_deletes(store: LocalStore, ingest: Callable, news: list[Article]) -> None:
    ingest(in_memory(store), [*news, *corpus(40)])
    assert_same_ranking(store, "Crosetto Genoa strike")
    ingest(store, [article("Crosetto went running in Genoa during the strike.", id="new", title="Strike")])
    assert "new" in rows_for(store, store.lexical_search("Crosetto running", 3))
    assert store.lexical.last_sync["how"] == "catch-up"
    assert_same_ranking(store, "Crosetto Genoa strike")
    ingest(store, [article("Nothing about bases remains here.", id="rome", title="Rome")])  # rewrite
    with store.writing():
        store.delete(["doc3", "doc7"])
    assert store.lexical_search("Crosetto confirmed refusal", 5) == store.fts5_search("Crosetto confirmed refusal", 5)
    assert "rome" not in rows_for(store, store.lexical_search("Crosetto confirmed refusal", 5))
    assert not {"doc3", "doc7"} & set(rows_for(store, store.lexical_search(" ".join(WORDS), 1000)))
    assert store.lexical.last_sync["how"] == "catch-up"
    for query in QUERIES:
        assert_same_ranking(store, query)
    with store.writing():  # past MAX_CHURN: read again from FTS5
        store.delete([f"doc{i}" for i in range(20, 40)])
    assert_same_ranking(store, "Genoa dockworkers strike")
    assert store.lexical.last_sync["how"] == "rebuild"
    with store.writing():
        store.delete([a.id for a in news] + [f"doc{i}" for i in range(40)] + ["new"])
    assert store.counts()["chunks"] == 0
    assert store.lexical_search("Genoa strike", 5) == []


def test_lexical_index_sees_another_writer(tmp_path: Path, ingest: Callable, news: list[Article],
                                           embedder: HashEmbedder) -> None:  # fmt: skip
    reader = in_memory(open_store(tmp_path / "ix", embedder))
    writer = open_store(tmp_path / "ix", embedder)
    ingest(writer, news)
    assert rows_for(reader, reader.lexical_search("Crosetto", 5)) == ["rome"]
    ingest(writer, corpus(10))
    with writer.writing():
        writer.delete(["rome"])
    assert reader.lexical_search("Crosetto", 5) == []
    for query in QUERIES:
        assert_same_ranking(reader, query)
    writer.close()
    reader.close()


def test_first_search_goes_to_fts5(store: LocalStore, ingest: Callable, news: list[Article]) -> None:
    """A one-off command does not pay for building the in-memory index; the second search builds it."""
    ingest(store, news)
    first = store.lexical_search("Who confirmed the refusal?", 3)
    assert store.lexical._state is None
    assert store.lexical_search("Who confirmed the refusal?", 3) == first
    assert store.lexical._state is not None
