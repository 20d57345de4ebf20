"""Copy an index into another store without re-embedding: `rag migrate` (local SQLite + FAISS to Milvus).

Every article is read back from the local store with its chunks and their stored vectors
(`LocalStore.export`) and written to the target in batches (`Store.write`, under its write lock). An
article the target already holds with the same content hash is skipped, so an interrupted migration is
resumed by running it again. The counts of both stores are returned for the caller to compare.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rag.errors import IndexMismatchError
from rag.store.base import Store
from rag.store.local import LocalStore


@dataclass
class Migration:
    """What a copy did, and both stores' counts after it (equal when the target holds only the copy)."""

    copied: int = 0
    skipped: int = 0  # already in the target with the same content
    source: dict[str, int] = field(default_factory=dict)
    target: dict[str, int] = field(default_factory=dict)

    @property
    def matches(self) -> bool:
        return self.source == self.target


def copy_index(
    source: LocalStore, target: Store, batch: int = 64, progress: Callable[[int, int], None] | None = None
) -> Migration:
    """Copy every article of `source` (chunks, offsets, vectors, metadata) into `target`, `batch` at a time."""
    if source.config != target.config:
        raise IndexMismatchError(
            f"the target index was built differently ({target.config}) from the source ({source.config})"
        )
    report = Migration()
    ids = source.article_ids()
    with target.writing():
        for start in range(0, len(ids), batch):
            items = []
            held = target.article_hashes(ids[start : start + batch])
            for article_id in ids[start : start + batch]:
                article, chunks, vectors = source.export(article_id)
                if held.get(article_id) == article.content_hash:
                    report.skipped += 1
                    continue
                items.append((article, chunks, vectors))
            target.write(items)
            report.copied += len(items)
            if progress is not None:
                progress(min(start + batch, len(ids)), len(ids))
    report.source, report.target = source.counts(), target.counts()
    return report
