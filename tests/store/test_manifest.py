"""manifest.json: what a new index records, reading it back, and refusing what this version cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.embedders.hashing import HashEmbedder
from rag.errors import IndexMismatchError, StoreError
from rag.store.manifest import SCHEMA_VERSION, config_from_manifest, new_manifest, read_manifest, write_json_atomic
from tests.conftest import make_config


def test_a_new_manifest_reads_back_as_its_config(tmp_path: Path, embedder: HashEmbedder) -> None:
    config = make_config(embedder)
    manifest = new_manifest(config, exact_max=123)
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["vector_index"] == {"kind": "flat", "exact_max": 123, "generation": -1, "tombstones": 0}
    assert manifest["counts"] == {"articles": 0, "chunks": 0, "tokens": 0}
    assert manifest["embedding"]["normalized"] is True and manifest["embedding"]["metric"] == "inner_product"
    path = tmp_path / "manifest.json"
    write_json_atomic(path, manifest)
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]  # the temporary file was renamed
    assert read_manifest(path) == manifest
    assert config_from_manifest(read_manifest(path), path) == config


def test_other_versions_and_damaged_manifests_are_refused(tmp_path: Path, embedder: HashEmbedder) -> None:
    manifest = new_manifest(make_config(embedder), exact_max=1)
    path = tmp_path / "manifest.json"
    with pytest.raises(IndexMismatchError, match="schema version 99"):
        config_from_manifest({**manifest, "schema_version": 99}, path)
    with pytest.raises(StoreError, match="not a valid index manifest"):
        config_from_manifest({k: v for k, v in manifest.items() if k != "chunking"}, path)
    old = json.loads(json.dumps(manifest))
    del old["chunking"]["title_prefix"]  # written before the option existed: on
    assert config_from_manifest(old, path).title_prefix is True
    with pytest.raises(StoreError, match="cannot read"):
        read_manifest(tmp_path / "missing.json")
