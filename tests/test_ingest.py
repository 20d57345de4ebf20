"""Tests for rag.ingest: folders, files, standard input and uploads; each bad input becomes a problem."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import SUPPORTED_SUFFIXES, count_sources, read_sources, read_upload
from rag.readers.base import IngestProblem
from rag.readers.html import article_from_html
from rag.readers.jsonl import article_from_record
from rag.readers.plain import article_from_text
from rag.types import Article


def _articles(items: list[Article | IngestProblem]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def _problems(items: list[Article | IngestProblem]) -> dict[str, str]:
    return {i.source: i.reason for i in items if isinstance(i, IngestProblem)}


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_each_bad_file_is_a_problem_and_good_files_are_still_read(tmp_path: Path) -> None:
    files = {
        "empty.txt": b"",
        "blank.txt": b"  \n\n\t ",
        "binary.txt": b"abc\x00\x01\x02 more",
        "latin1.txt": "Caf\u00e9 story".encode("latin-1"),
        "big.txt": b"x" * 2_500,
        "notes.pdf": b"%PDF-1.4",
        "good.txt": "\ufeffA fine article.".encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    order = [*files, "missing.txt"]
    items = list(read_sources([tmp_path / n for n in order], max_bytes=2_000))
    problems = {Path(s).name: r for s, r in _problems(items).items()}
    assert problems["empty.txt"] == "empty file"
    assert problems["blank.txt"].startswith("empty file")
    assert problems["binary.txt"] == "binary file"
    assert problems["latin1.txt"] == "not UTF-8 text (byte 0xe9 at offset 3)"
    assert problems["big.txt"] == "file is 2.5 KB, over the 2 KB limit"
    assert problems["notes.pdf"].startswith("unsupported file type")
    assert problems["missing.txt"] == "no such file or directory"
    assert [a.body for a in _articles(items)] == ["A fine article."]
    assert [Path(getattr(i, "source", "")).name for i in items] == order  # order is kept


def test_folders_are_walked_sorted_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    for rel in (
        "b.txt",
        "a.md",
        "sub/c.html",
        "sub/deeper/d.jsonl",
        "image.png",
        ".hidden.txt",
        ".git/e.txt",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".jsonl"):
            path.write_text(json.dumps({"text": f"Record in {rel}."}) + "\n", encoding="utf-8")
        elif rel.endswith(".html"):
            path.write_text(f"<p>Page in {rel}.</p>", encoding="utf-8")
        else:
            path.write_text(f"Text in {rel}.", encoding="utf-8")
    items = list(read_sources([tmp_path]))
    assert all(isinstance(i, Article) for i in items)
    assert [Path(i.source.split(":")[0]).relative_to(tmp_path).as_posix() for i in items] == [
        "a.md",
        "b.txt",
        "sub/c.html",
        "sub/deeper/d.jsonl",
    ]
    assert count_sources([tmp_path]) == 4
    assert count_sources([tmp_path, tmp_path / "missing.txt", "-", tmp_path / "image.png"]) == 5


def test_dash_reads_one_article_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("# Piped headline\n\nPiped body text.\n"))
    [article] = list(read_sources(["-"]))
    assert (article.title, article.body, article.source) == ("Piped headline", "Piped body text.", "<stdin>")
    assert article.id == _sha16("Piped body text.")
    monkeypatch.setattr("sys.stdin", io.StringIO("   \n"))
    [problem] = list(read_sources(["-"]))
    assert isinstance(problem, IngestProblem) and "empty" in problem.reason


def test_supported_suffixes_are_the_documented_ones() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz")


def test_uploads_are_read_as_files_of_that_name(tmp_path: Path) -> None:
    [article] = read_upload(b"<html><body><p>Uploaded page.</p></body></html>", "../dir/page.HTML")
    assert isinstance(article, Article) and article.body == "Uploaded page."
    assert article.source == "upload:page.HTML" and article.id == _sha16("Uploaded page.")  # not from the name
    items = read_upload(gzip.compress(b'{"text": "One."}\n{broken\n'), "batch.jsonl.gz")
    assert [a.body for a in _articles(items)] == ["One."]
    assert _problems(items)["upload:batch.jsonl.gz:2"].startswith("line 2: invalid JSON")
    assert read_upload(b"", "a.txt") == [IngestProblem("upload:a.txt", "empty file")]
    assert read_upload(b"x" * 30, "a.txt", max_bytes=20) == [
        IngestProblem("upload:a.txt", "file is 30 bytes, over the 20 bytes limit")
    ]
    assert read_upload(b"\n\n", "a.jsonl") == [IngestProblem("upload:a.jsonl", "no records (only blank lines)")]
    [unsupported] = read_upload(b"%PDF", "notes.pdf")
    assert unsupported.source == "upload:notes.pdf" and unsupported.reason.startswith("unsupported file type")
    # A file is rejected whole when its first 8 KB hold a NUL byte; an upload is read line by line.
    binary = b'{"text": "a"}\n\x00\x01\n'
    path = tmp_path / "b.jsonl"
    path.write_bytes(binary)
    assert list(read_sources([path])) == [IngestProblem(str(path), "binary file")]
    assert read_upload(binary, "b.jsonl")[1:] == [IngestProblem("upload:b.jsonl:2", "line 2: binary data (NUL byte)")]


# ---------------------------------------------------------------- regressions: bad data never stops a batch


def test_lone_surrogates_in_text_and_html_raise_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="'text'"):
        article_from_text("bad \ud800 text")
    with pytest.raises(InputError, match="'title'"):
        article_from_text("Body.", title="\udc00")
    with pytest.raises(InputError, match="'html'"):
        article_from_html("<p>bad \ud800</p>")
    monkeypatch.setattr("sys.stdin", io.StringIO("undecodable \udcff byte"))  # surrogateescape
    [problem] = list(read_sources(["-"]))
    assert isinstance(problem, IngestProblem) and problem.reason == "not UTF-8 text"


def test_overflowing_dates_and_nul_bytes_do_not_stop_the_batch(tmp_path: Path) -> None:
    huge = "Mon, 1 Jan 99999999999 10:00:00 +0000"
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"text": "Dated.", "date": huge}) + "\n", encoding="utf-8")
    header = tmp_path / "b.txt"
    header.write_text(f"Date: {huge}\n\nBody of b.", encoding="utf-8")
    late_nul = tmp_path / "c.txt"
    late_nul.write_bytes(b"Text " * 3000 + b"\x00 tail")
    items = list(read_sources([jsonl, header, late_nul]))
    assert [(a.body, a.published_at) for a in _articles(items)] == [
        ("Dated.", ""),
        (f"Date: {huge}\n\nBody of b.", ""),
    ]
    assert _problems(items) == {str(late_nul): "binary file"}


def test_unexpected_parser_errors_in_a_file_become_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("parser gave up")

    deep, odd, good = (tmp_path / n for n in ("deep.html", "odd.html", "good.txt"))
    deep.write_text("<p>x</p>", encoding="utf-8")
    odd.write_text("<p>y</p>", encoding="utf-8")
    good.write_text("A good one.", encoding="utf-8")
    monkeypatch.setattr("rag.readers.html.LexborHTMLParser", explode)
    [problem] = list(read_sources([deep]))
    assert problem == IngestProblem(str(deep), "too deeply nested to parse")
    monkeypatch.setattr("rag.readers.html.LexborHTMLParser", broken)
    items = list(read_sources([odd, good]))
    assert _problems(items) == {str(odd): "could not parse: ValueError: parser gave up"}
    assert [a.body for a in _articles(items)] == ["A good one."]


def test_a_body_of_only_boilerplate_or_invisible_characters_is_a_problem(tmp_path: Path) -> None:
    files = {
        "zw.txt": "\u200b\u200c\u200d\u2060\ufeff\u200b",
        "footer.txt": "© 2026 Example News. All rights reserved.\n\nhttps://example.com",
        "head.md": "# Headline\n\n\u200b\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    items = list(read_sources([tmp_path / n for n in files]))
    assert not _articles(items)
    assert all("no article text" in reason for reason in _problems(items).values()), _problems(items)
    for record in ({"text": "\u200b\u200b"}, {"text": "Copyright 2026 X. All rights reserved."}):
        with pytest.raises(InputError, match="no article text"):
            article_from_record(record)
    with pytest.raises(InputError, match="no article text"):
        article_from_html("<p>\u200b</p>")
