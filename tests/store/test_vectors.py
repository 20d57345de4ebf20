"""Contract tests that every vector index kind passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.errors import InputError
from rag.store.vectors import KINDS, VectorIndex, choose_kind


def unit(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(params=KINDS)
def filled(request: pytest.FixtureRequest) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    vectors = unit(np.random.default_rng(7), 500)
    ids = np.arange(1000, 1500, dtype=np.int64)
    index = VectorIndex(16, request.param)
    index.add(ids, vectors)
    return index, ids, vectors


def test_nearest_is_itself_with_cosine_score(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    index, ids, vectors = filled
    scores, found = index.search(vectors[42], 3)
    assert found[0] == ids[42]
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)


def test_removed_ids_are_never_returned(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    index, ids, vectors = filled
    index.remove([ids[42]])
    _, found = index.search(vectors[42], 10)
    assert ids[42] not in found
    assert len(index) == 499


def test_allowed_restricts_results(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    index, ids, vectors = filled
    allowed = ids[[3, 9, 27]]
    _, found = index.search(vectors[3], 10, allowed=allowed)
    assert set(found) == set(allowed)
    assert found[0] == ids[3]


def test_save_and_load_round_trip(tmp_path: Path, filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    index, ids, vectors = filled
    index.remove([ids[0]])
    index.save(tmp_path / "v.npz")
    loaded = VectorIndex.load(tmp_path / "v.npz")
    assert loaded.kind == index.kind and len(loaded) == len(index)
    for q in (vectors[0], vectors[200]):
        assert list(loaded.search(q, 5)[1]) == list(index.search(q, 5)[1])


def test_compact_keeps_live_vectors(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    index, ids, vectors = filled
    index.remove(ids[:100])  # past the tombstone fraction: HNSW compacts
    assert not index.dead
    assert len(index) == 400
    assert index.search(vectors[300], 1)[1][0] == ids[300]


def test_empty_index_and_bad_arguments() -> None:
    index = VectorIndex(4)
    assert len(index.search(np.ones(4), 3)[1]) == 0
    with pytest.raises(InputError, match="k must be greater than 0, got 0"):
        index.search(np.ones(4), 0)
    with pytest.raises(InputError, match="kind must be one of"):
        VectorIndex(4, "ivf-pq")
    with pytest.raises(InputError, match=r"shape \(n, 4\)"):
        index.add(np.array([1]), np.ones((1, 5), dtype=np.float32))


def test_choose_kind_threshold() -> None:
    assert choose_kind(100, 100) == "flat"
    assert choose_kind(101, 100) == "hnsw"
