"""The FAISS vector index: normalised vectors, inner product, external ids = chunk row ids.

Two kinds behind one class, chosen by collection size and recorded in the manifest: `flat` (exact)
and `hnsw` (graph, approximate). IVF was left out: it needs training on the data it will hold and its
in-place deletions do not compose with an id map. HNSW cannot delete in place, so deletions there
become tombstones that searches skip; they are compacted when they pass a fraction of the index.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.errors import InputError, StoreError

KINDS = ("flat", "hnsw")
# Below this many allowed ids a filtered search scores them exactly instead of walking the approximate index.
EXACT_FILTER_MAX = 20_000
TOMBSTONE_COMPACT_FRACTION = 0.1


class VectorIndex:
    """A FAISS index with int64 external ids, tombstones for kinds that cannot delete, and atomic saves."""

    def __init__(
        self,
        dim: int,
        kind: str = "flat",
        *,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 96,
    ) -> None:
        if kind not in KINDS:
            raise InputError(f"vector index kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if dim < 1:
            raise InputError(f"dimension must be positive, got {dim}")
        self.dim = dim
        self.kind = kind
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.dead: set[int] = set()
        # faiss.IndexIDMap2 (or what deserialize_index returns); Any: faiss's SWIG types do not say which
        self._index: Any = None

    # -- building -----------------------------------------------------------------------------
    def _new_inner(self) -> faiss.Index:
        if self.kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        inner = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = self.ef_construction
        return inner

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given ids (ids must be new)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise InputError(f"expected vectors of shape (n, {self.dim}), got {vectors.shape}")
        if len(ids) != len(vectors):
            raise InputError(f"{len(ids)} ids for {len(vectors)} vectors")
        if not len(ids):
            return
        if self._index is None:
            self._index = faiss.IndexIDMap2(self._new_inner())
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray | list[int]) -> None:
        """Delete ids; on HNSW they become tombstones until `compact()`."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._index is None or not len(ids):
            return
        if self.kind == "hnsw":
            self.dead.update(int(i) for i in ids)
            if len(self.dead) > TOMBSTONE_COMPACT_FRACTION * self._index.ntotal:
                self.compact()
        else:
            self._index.remove_ids(faiss.IDSelectorBatch(ids))

    def compact(self) -> None:
        """Rebuild without the tombstoned ids."""
        if self._index is None or not self.dead:
            self.dead.clear()
            return
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        keep = ~np.isin(ids, np.fromiter(self.dead, dtype=np.int64))
        vectors = self._index.index.reconstruct_n(0, self._index.ntotal)[keep]
        self._index = None
        self.dead.clear()
        self.add(ids[keep], vectors)

    # -- reading ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return 0 if self._index is None else self._index.ntotal - len(self.dead)

    def ids(self) -> np.ndarray:
        if self._index is None:
            return np.zeros(0, dtype=np.int64)
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        if self.dead:
            ids = ids[~np.isin(ids, np.fromiter(self.dead, dtype=np.int64))]
        return ids

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector; ids are -1 where fewer than k exist.

        `allowed` restricts the search to those ids (filters); small allowed sets are scored exactly.
        """
        if k < 1:
            raise InputError(f"k must be greater than 0, got {k}")
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        empty = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))
        if self._index is None or self._index.ntotal == 0:
            return empty
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=np.int64)
            if self.dead:
                allowed = allowed[~np.isin(allowed, np.fromiter(self.dead, dtype=np.int64))]
            if not len(allowed):
                return empty
            if len(allowed) <= EXACT_FILTER_MAX:
                return self._exact(query[0], k, allowed)
        params, _keep = self._params(allowed)
        with single_thread():
            scores, ids = self._index.search(query, k, params=params)
        found = ids[0] >= 0
        return scores[0][found], ids[0][found]

    def _exact(self, query: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        present = allowed[np.isin(allowed, faiss.vector_to_array(self._index.id_map))]
        if not len(present):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        vectors = np.vstack([self._index.reconstruct(int(i)) for i in present])
        scores = vectors @ query
        order = np.argsort(-scores, kind="stable")[:k]
        return scores[order].astype(np.float32), present[order]

    def _params(self, allowed: np.ndarray | None) -> tuple[faiss.SearchParameters, list[object]]:
        """Search parameters, and the selector objects FAISS points into (the caller keeps them alive)."""
        keep: list[object] = []
        sel: Any = None
        if allowed is not None:
            sel = faiss.IDSelectorBatch(allowed)
            keep.append(sel)
        if self.dead:
            dead = faiss.IDSelectorBatch(np.fromiter(self.dead, dtype=np.int64))
            not_dead = faiss.IDSelectorNot(dead)
            keep += [dead, not_dead]
            sel = not_dead if sel is None else faiss.IDSelectorAnd(sel, not_dead)
            keep.append(sel)
        params: Any
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # faiss's stubs lack HNSW
            params.efSearch = self.ef_search
        else:
            params = faiss.SearchParameters()
        if sel is not None:
            params.sel = sel
        return params, keep

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write atomically: a crash leaves either the old file or the new one, never half of one."""
        blob = faiss.serialize_index(self._index) if self._index is not None else np.zeros(0, dtype=np.uint8)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            np.savez(
                f,
                index=blob,
                dead=np.fromiter(self.dead, dtype=np.int64),
                meta=np.array([self.dim, KINDS.index(self.kind)], dtype=np.int64),
            )
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, **options: int) -> VectorIndex:
        try:
            with np.load(path) as data:
                dim, kind = (int(x) for x in data["meta"])
                blob, dead = data["index"], data["dead"]
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"cannot read vector index {path}: {exc}") from exc
        index = cls(dim, KINDS[kind], **options)
        if len(blob):
            # Keep the object deserialize_index returns: a downcast copy would not own the index.
            index._index = faiss.deserialize_index(blob)
            if index.kind == "hnsw":
                inner: Any = faiss.downcast_index(index._index.index)  # an IndexHNSWFlat; its stubs say Index
                inner.hnsw.efSearch = index.ef_search
        index.dead = {int(i) for i in dead}
        return index


@contextmanager
def single_thread() -> Iterator[None]:
    """Run FAISS on one OpenMP thread inside the block (how `VectorIndex.search` answers one query).

    One query is too small to split across threads; on a busy machine OpenMP's hand-offs cost more than
    the search itself (flat search of 10^5 vectors: 9.6 ms on one thread, 64 ms on two under load)."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def choose_kind(n_vectors: int, exact_max: int) -> str:
    """Exact search up to `exact_max` vectors, HNSW above (see README for the measurement)."""
    return "flat" if n_vectors <= exact_max else "hnsw"
