"""JSON lines: one article record per line, or a RealTimeQA search-result record holding several.

Data sets and scrapers deliver news as JSONL, often gzipped: `{"text", "title", "url", "authors",
"publish_date", ...}` per line (`article_from_record` says which fields are read), and RealTimeQA's
`{"question_id", "search_time", "search_result": [record, ...]}`, which yields one article per search
result. `read_jsonl` reads a stream line by line, so a file of any size is read in constant memory and
`max_bytes` limits each line rather than the file; every bad line or bad search result becomes its own
`IngestProblem` ("line 7: invalid JSON (...)") and reading goes on with the next.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from typing import Any

from rag.dates import parse_date
from rag.errors import InputError
from rag.readers.base import (
    IngestProblem,
    checked,
    decode_utf8,
    format_size,
    make_article,
    os_reason,
    strip_by,
    valid_id,
)
from rag.readers.footer import strip_footer
from rag.types import Article

_BINARY_SNIFF = 8192


def read_jsonl(
    stream: io.BufferedIOBase, source: str, *, max_bytes: int, gzipped: bool = False, reject_binary: bool = False
) -> Iterator[Article | IngestProblem]:
    """Articles and problems from a stream of JSON lines, in order; line problems name `source:LINE`.

    `gzipped` decompresses the stream as it is read. A line over `max_bytes` is skipped unread. A stream
    that breaks off (a truncated or corrupt gzip member) ends with one problem naming `source`, after
    whatever was read; a stream of blank lines only is one problem too. `reject_binary` first looks at
    the first 8 KB (the stream must support `peek`: a file opened "rb", or gzipped) and gives one
    "binary file" problem for a NUL byte there; files are checked so, uploads are not (each line
    holding a NUL byte is then its own problem).
    """
    reader: io.BufferedIOBase = gzip.GzipFile(fileobj=stream) if gzipped else stream
    seen_any = False
    try:
        if reject_binary and b"\x00" in reader.peek(_BINARY_SNIFF)[:_BINARY_SNIFF]:  # type: ignore[attr-defined]
            yield IngestProblem(source, "binary file")
            return
        for number, raw in _limited_lines(reader, max_bytes):
            for item in _jsonl_line(raw, f"{source}:{number}", number, max_bytes):
                seen_any = True
                yield item
    except (OSError, EOFError, zlib.error) as e:
        yield IngestProblem(source, "truncated gzip file" if isinstance(e, EOFError) else os_reason(e))
        return
    if not seen_any:
        yield IngestProblem(source, "no records (only blank lines)")


def article_from_record(record: dict[str, Any], *, source: str = "") -> Article:
    """One JSONL record: `text` (required), `title`, `url`, `authors`, `published_at`/`publish_date`/`date`,
    `outlet`, `id`. Raises InputError naming the bad field (a wrong type, or a lone surrogate)."""
    if not isinstance(record, dict):
        raise InputError("record is not a JSON object")
    text = record.get("text")
    if text is None:
        raise InputError("missing 'text'")
    if not isinstance(text, str):
        raise InputError(f"'text' must be a string, got {type(text).__name__}")
    if not checked(text, "text").strip():
        raise InputError("'text' is empty")
    body = strip_footer(text.strip())  # "" when it is all boilerplate: "no article text"
    meta = {
        "title": _optional_str(record, "title"),
        "url": _optional_str(record, "url"),
        "outlet": _optional_str(record, "outlet"),
        "byline": _authors(record),
        "published_at": _record_date(record),
    }
    return make_article(body, meta, source=source, id=_record_id(record))


# ---------------------------------------------------------------- record fields


def _optional_str(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"'{key}' must be a string, got {type(value).__name__}")
    return checked(value, key).strip()


def _authors(record: dict[str, Any]) -> str:
    key = next((k for k in ("authors", "author", "byline") if record.get(k)), "")
    value = record.get(key) if key else None
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_by(checked(value, key).strip())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"'{key}' must be a string or a list of strings")
    for v in value:
        checked(v, key)
    names = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    # Scrapers (newspaper3k, as in RealTimeQA) prepend all names run together as one "author".
    names = [n for n in names if n != " ".join(m for m in names if m != n)] or names
    return ", ".join(names)


def _record_date(record: dict[str, Any]) -> str:
    for key in ("published_at", "publish_date", "date"):
        if value := record.get(key):
            if not isinstance(value, str):
                raise InputError(f"'{key}' must be a string, got {type(value).__name__}")
            return parse_date(checked(value, key))  # unparseable dates are dropped, not fatal
    return ""


def _record_id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError("'id' must be a string")
    if isinstance(value, str):
        checked(value, "id")
    if not valid_id(str(value)):
        raise InputError(f"'id' {str(value)[:40]!r} is invalid: use 1-128 characters of A-Z a-z 0-9 . _ : -")
    return str(value)


# ---------------------------------------------------------------- lines


def _limited_lines(stream: io.BufferedIOBase, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) pairs; None for a line longer than `limit`, which is skipped unread."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(1 << 20)
            yield number, None
        else:
            yield number, line


def _search_results(record: dict[str, Any], source: str, number: int) -> Iterator[Article | IngestProblem]:
    """One article per RealTimeQA search result; a bad result is a problem naming its index."""
    for k, item in enumerate(record["search_result"]):
        try:
            if not isinstance(item, dict):
                raise InputError("not a JSON object")
            yield article_from_record(item, source=source)
        except InputError as e:
            yield IngestProblem(source, f"line {number}: search_result[{k}]: {e}")


def _json_record(text: str) -> Any:
    """The parsed line; InputError for anything json.loads rejects, however it rejects it."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"invalid JSON ({e.msg} at column {e.colno})") from None
    except RecursionError:
        raise InputError("invalid JSON (nested too deeply)") from None
    except ValueError as e:  # e.g. an integer over the int-to-str digit limit
        raise InputError(f"invalid JSON ({str(e).split(':')[0]})") from None


def _jsonl_line(raw: bytes | None, source: str, number: int, limit: int) -> Iterator[Article | IngestProblem]:
    """The article(s) one line holds, or the problem with it, named `source` (the file and line)."""
    try:
        if raw is None:
            raise InputError(f"line is over the {format_size(limit)} limit")
        text = decode_utf8(raw.removesuffix(b"\n"), "data (NUL byte)")
        if not text.strip():
            return
        record = _json_record(text)
        if isinstance(record, dict) and isinstance(record.get("search_result"), list):
            yield from _search_results(record, source, number)
        else:
            yield article_from_record(record, source=source)
    except InputError as e:
        yield IngestProblem(source, f"line {number}: {e}")
