"""The in-memory BM25 (rag.store.lexical): the same ranking as FTS5's bm25(), kept current with writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rag.embedders.hashing import HashEmbedder
from rag.store.lexical import fts_query
from rag.store.local import LocalStore
from rag.types import Article, Filters
from tests.conftest import article, open_store
from tests.store.test_contract import rows_for


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
