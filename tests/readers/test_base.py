"""Tests for rag.readers.base: article ids, content hashes, decoding and problem wording."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import read_sources
from rag.readers.base import decode_utf8, format_size
from rag.readers.plain import article_from_text


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_file_ids_are_path_based_and_survive_edits(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("First version of the story, with enough words to matter.\n", encoding="utf-8")
    [first] = list(read_sources([path]))
    [again] = list(read_sources([str(path)]))
    path.write_text("Second version of the story, corrected.\n", encoding="utf-8")
    [edited] = list(read_sources([path]))
    copy = tmp_path / "b.txt"
    copy.write_text("First version of the story, with enough words to matter.\n", encoding="utf-8")
    [other] = list(read_sources([copy]))
    assert first.id == again.id == edited.id == _sha16(str(path.resolve()))
    assert first.content_hash == again.content_hash != edited.content_hash
    assert other.id != first.id and other.content_hash == first.content_hash


def test_content_hash_covers_text_and_every_metadata_field() -> None:
    base = article_from_text("Body of the article.", title="T", url="https://x.org/a")
    variants = [
        article_from_text("Body of the article!", title="T", url="https://x.org/a"),
        article_from_text("Body of the article.", title="T2", url="https://x.org/a"),
        article_from_text("Body of the article.", title="T", url="https://x.org/a", byline="Jo Bo"),
        article_from_text("Body of the article.", title="T", url="https://x.org/a", outlet="X"),
        article_from_text("Body of the article.", title="T", url="https://x.org/a", published_at="2026-01-02"),
    ]
    assert len({base.content_hash, *(v.content_hash for v in variants)}) == 6
    assert all(v.id == base.id == _sha16("https://x.org/a") for v in variants[:4])
    assert article_from_text("Body of the article.", title="T", url="https://x.org/a") == base


def test_ids_without_url_or_path_come_from_content() -> None:
    article = article_from_text("Just a body, no header at all.")
    assert article.id == _sha16(article.body) == article_from_text("Just a body, no header at all.").id


def test_decoding_and_sizes_are_worded_alike_for_every_reader() -> None:
    assert decode_utf8("\ufeffCaf\u00e9".encode()) == "Caf\u00e9"
    with pytest.raises(InputError, match=r"^binary file$"):
        decode_utf8(b"a\x00b")
    with pytest.raises(InputError, match=r"^binary data \(NUL byte\)$"):
        decode_utf8(b"a\x00b", "data (NUL byte)")
    with pytest.raises(InputError, match=r"^not UTF-8 text \(byte 0xe9 at offset 6\)$"):
        decode_utf8(b"\xef\xbb\xbfCaf\xe9")
    assert [format_size(n) for n in (999, 1000, 2_500, 10_000_000)] == ["999 bytes", "1 KB", "2.5 KB", "10 MB"]
