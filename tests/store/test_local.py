"""LocalStore beyond the contract (tests/store/test_contract.py): every part of the folder agrees (SQLite
rows, FAISS vectors), the manifest, recovery from a lost or damaged vector file, and the checks on opening."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rag.embedders.hashing import HashEmbedder
from rag.errors import IndexMismatchError, NotFoundError, StoreError
from rag.store.base import Store
from rag.store.local import DATABASE, VECTORS, LocalStore
from rag.store.manifest import MANIFEST
from rag.types import Article
from tests.conftest import article, open_store
from tests.store.test_contract import rows_for


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


def test_every_protocol_method_has_the_same_parameters() -> None:
    """LocalStore meets `Store` by name, parameter kind and presence of defaults (isinstance checks names only)."""
    methods = {name: m for name, m in vars(Store).items() if not name.startswith("_") and callable(m)}
    assert len(methods) > 15
    for name, method in methods.items():
        assert parameters(getattr(LocalStore, name)) == parameters(method), name


def parameters(method: object) -> list[tuple[str, object, bool]]:
    return [(p.name, p.kind, p.default is p.empty) for p in inspect.signature(method).parameters.values()]
