"""manifest.json: how an index was built (embedding, chunking), its vector index and counts.

It is the file that makes a folder an index. It is written atomically (a temporary file renamed over
it), so a crash leaves the old manifest or the new one, never half of one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from rag import __version__
from rag.errors import IndexMismatchError, StoreError
from rag.store.base import IndexConfig

SCHEMA_VERSION = 1  # of the manifest and of the database; an index of another version is refused
MANIFEST = "manifest.json"


def timestamp() -> str:
    """Now in UTC, ISO 8601 to the second: how the manifest and the articles table record times."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as indented, key-sorted JSON through a synced temporary file renamed over `path`."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def new_manifest(config: IndexConfig, exact_max: int) -> dict[str, Any]:
    """The manifest of an empty index built with `config` (`exact_max`: see `rag.store.vectors.choose_kind`)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "created_at": timestamp(),
        "updated_at": timestamp(),
        "rag_version": __version__,
        "embedding": {
            "model": config.embed_model,
            "dim": config.dim,
            "max_tokens": config.embed_max_tokens,
            "normalized": True,
            "metric": "inner_product",
        },
        "chunking": {
            "encoding": config.encoding,
            "max_tokens": config.max_tokens,
            "overlap_tokens": config.overlap_tokens,
            "title_prefix": config.title_prefix,
        },
        "vector_index": {"kind": "flat", "exact_max": exact_max, "generation": -1, "tombstones": 0},
        "counts": {"articles": 0, "chunks": 0, "tokens": 0},
    }


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest at `path`; `StoreError` when it is missing or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc


def config_from_manifest(manifest: dict[str, Any], path: Path) -> IndexConfig:
    """How the index whose `manifest.json` (read from `path`) this is was built."""
    try:
        if manifest["schema_version"] != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"{path} has schema version {manifest['schema_version']}; this version of rag reads {SCHEMA_VERSION}"
            )
        emb, chunking = manifest["embedding"], manifest["chunking"]
        return IndexConfig(
            embed_model=emb["model"],
            dim=int(emb["dim"]),
            embed_max_tokens=int(emb["max_tokens"]),
            encoding=chunking["encoding"],
            max_tokens=int(chunking["max_tokens"]),
            overlap_tokens=int(chunking["overlap_tokens"]),
            title_prefix=bool(chunking.get("title_prefix", True)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{path} is not a valid index manifest ({exc})") from exc
