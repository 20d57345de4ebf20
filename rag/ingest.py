"""Ingestion's entry point: files, folders, standard input and uploads in; `Article`s and problems out.

This module knows where bytes come from (walking folders, opening files, gzip, standard input, an
uploaded file's bytes), enforces the size limits, and sends each input to the reader for its suffix
(`rag.readers.plain`, `.html`, `.jsonl`); what the bytes mean is the readers' business. Every
`Article.body` is a verbatim substring of what was read (only surrounding whitespace, a parsed header
and a publisher footer are cut off), because later stages record character offsets into it. Bad inputs
become `IngestProblem`s so that one broken file never stops a batch: nothing here raises for bad input.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from rag.errors import InputError
from rag.readers.base import IngestProblem, decode_utf8, format_size, has_lone_surrogate, os_reason
from rag.readers.html import article_from_html
from rag.readers.jsonl import read_jsonl
from rag.readers.plain import article_from_text
from rag.types import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz")

_JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
_HTML_SUFFIXES = (".html", ".htm")
_STDIN_SOURCE = "<stdin>"


def read_sources(paths: Sequence[str | Path], *, max_bytes: int = 10_000_000) -> Iterator[Article | IngestProblem]:
    """Expand folders (recursively, sorted, supported suffixes only, hidden files skipped), read each
    file, yield articles and problems in order. "-" reads one plain-text article from standard input.

    `.txt`/`.md`/`.html` files are one article each and may be at most `max_bytes`. `.jsonl` and
    `.jsonl.gz` files hold one record per line (see `rag.readers.jsonl.article_from_record`; `max_bytes`
    limits each line); a RealTimeQA search-result record (`{"question_id", "search_time",
    "search_result": [...]}`) yields one article per search result. An article identical (same id and
    content hash) to one already yielded in this call is skipped, since RealTimeQA repeats results
    across questions. Missing or broken inputs yield an `IngestProblem`; nothing here raises for bad input.
    """
    seen: set[tuple[str, str]] = set()
    for item in _expand(paths):
        if isinstance(item, IngestProblem):
            yield item
            continue
        results = _read_stdin(max_bytes) if item == "-" else _read_file(Path(item), max_bytes)
        for result in results:
            if isinstance(result, Article):
                if (result.id, result.content_hash) in seen:
                    continue
                seen.add((result.id, result.content_hash))
            yield result


def read_upload(data: bytes, filename: str, *, max_bytes: int = 10_000_000) -> list[Article | IngestProblem]:
    """Articles from an uploaded file's bytes, read as `read_sources` reads a file with that name.

    Ids come from the article itself (its `id` or URL, else its text), never from the upload's name,
    so sending the same article twice changes nothing. Problems name the file as `upload:NAME`.
    """
    source = f"upload:{Path(filename).name or 'file'}"
    kind = _kind(Path(filename))
    if not kind:
        return [IngestProblem(source, f"unsupported file type (supported: {', '.join(SUPPORTED_SUFFIXES)})")]
    if not data:
        return [IngestProblem(source, "empty file")]
    if kind in _JSONL_SUFFIXES:
        return list(read_jsonl(io.BytesIO(data), source, max_bytes=max_bytes, gzipped=kind == ".jsonl.gz"))
    if len(data) > max_bytes:
        return [IngestProblem(source, f"file is {format_size(len(data))}, over the {format_size(max_bytes)} limit")]
    try:
        return [_document(data, kind, source=source, path="")]
    except InputError as e:
        return [IngestProblem(source, str(e))]
    except RecursionError:
        return [IngestProblem(source, "too deeply nested to parse")]


def expand_sources(paths: Sequence[str | Path]) -> Iterator[Path | str | IngestProblem]:
    """The files `read_sources` would open, in its order ("-" for standard input), and a problem for each
    path that cannot be read at all; walks folders, reads nothing. `rag.ray_ingest` hands these files out
    to Ray workers, each read by `read_sources` alone."""
    return _expand(paths)


def count_sources(paths: Sequence[str | Path]) -> int:
    """How many files (and standard input) `read_sources` would open; walks folders, reads nothing."""
    return sum(not isinstance(item, IngestProblem) for item in _expand(paths))


# ---------------------------------------------------------------- one input, by suffix


def _kind(path: Path) -> str:
    """The supported suffix `path` ends with (case-insensitive, longest first), or ""."""
    name = path.name.lower()
    return next((s for s in reversed(SUPPORTED_SUFFIXES) if name.endswith(s) and name != s), "")


def _document(data: bytes, kind: str, *, source: str, path: str | Path) -> Article:
    """The one article a `.txt`, `.md` or `.html` file's bytes hold; InputError when there is none."""
    text = decode_utf8(data)
    if not text.strip():
        raise InputError("empty file (only whitespace)")
    if kind in _HTML_SUFFIXES:
        return article_from_html(text, source=source, path=path)
    return article_from_text(text, source=source, path=path, markdown=kind == ".md")


def _read_file(path: Path, max_bytes: int) -> Iterator[Article | IngestProblem]:
    kind = _kind(path)
    try:
        if path.stat().st_size == 0:
            yield IngestProblem(str(path), "empty file")
        elif kind in _JSONL_SUFFIXES:
            with path.open("rb") as stream:
                gzipped = kind == ".jsonl.gz"
                yield from read_jsonl(stream, str(path), max_bytes=max_bytes, gzipped=gzipped, reject_binary=True)
        else:
            yield _read_document(path, kind, max_bytes)
    except OSError as e:
        yield IngestProblem(str(path), os_reason(e))


def _read_document(path: Path, kind: str, max_bytes: int) -> Article | IngestProblem:
    size = path.stat().st_size
    if size > max_bytes:
        return IngestProblem(str(path), f"file is {format_size(size)}, over the {format_size(max_bytes)} limit")
    try:
        return _document(path.read_bytes(), kind, source=str(path), path=path)
    except InputError as e:
        return IngestProblem(str(path), str(e))
    except RecursionError:
        return IngestProblem(str(path), "too deeply nested to parse")
    except Exception as e:  # one unparseable file must not stop the batch; the reason names the error
        return IngestProblem(str(path), f"could not parse: {type(e).__name__}: {e}"[:200])


def _read_stdin(max_bytes: int) -> Iterator[Article | IngestProblem]:
    text = sys.stdin.read().removeprefix("\ufeff")
    try:
        if has_lone_surrogate(text):  # undecodable bytes, read with the surrogateescape handler
            raise InputError("not UTF-8 text")
        if len(text.encode("utf-8")) > max_bytes:
            raise InputError(f"input is over the {format_size(max_bytes)} limit")
        yield article_from_text(text, source=_STDIN_SOURCE)
    except InputError as e:
        yield IngestProblem(_STDIN_SOURCE, str(e))


# ---------------------------------------------------------------- folders


def _walk(folder: Path) -> Iterator[Path | IngestProblem]:
    found: list[Path] = []
    errors: list[IngestProblem] = []

    def on_error(e: OSError) -> None:
        errors.append(IngestProblem(str(e.filename), os_reason(e)))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=on_error):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found += [Path(dirpath, f) for f in filenames if not f.startswith(".") and _kind(Path(f))]
    yield from errors
    yield from sorted(found, key=lambda p: p.parts)


def _expand(paths: Sequence[str | Path]) -> Iterator[Path | str | IngestProblem]:
    """Files to read, "-" for standard input, and problems for paths that cannot be read at all."""
    if isinstance(paths, str | Path):
        paths = [paths]  # a lone path would otherwise be iterated character by character
    for given in paths:
        path = Path(given)
        if str(given) == "-":
            yield "-"
        elif path.is_dir():
            yield from _walk(path)
        elif not path.exists():
            yield IngestProblem(str(given), "no such file or directory")
        elif not _kind(path):
            supported = ", ".join(SUPPORTED_SUFFIXES)
            yield IngestProblem(str(given), f"unsupported file type (supported: {supported})")
        else:
            yield path
