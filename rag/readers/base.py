"""What every reader shares: the problem record, article ids and hashes, field checks and decoding.

A reader's job ends in `make_article` (body and metadata in, a frozen `Article` out), so ids, content
hashes and the "is there any text at all" check are computed one way whatever the format. Readers
raise `InputError` for a bad input; `rag.ingest` turns it into an `IngestProblem` naming the file or line,
so that one broken file never stops a batch. The wording helpers (`format_size`, `os_reason`) live here
because readers and `rag.ingest` both write problem messages and must word them alike.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from rag.dates import parse_date
from rag.errors import InputError
from rag.types import Article

_META_FIELDS = ("title", "byline", "outlet", "url", "published_at")
_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp", "Zs"}  # controls, format (zero-width), spaces

BY_PREFIX = re.compile(r"^by\s+(.+)$", re.I)
"""A byline's leading "By " ("By Jane Doe"); group 1 is the names."""


@dataclass(frozen=True)
class IngestProblem:
    """A file or record that could not be read; ingestion goes on with the rest."""

    source: str  # path, or "path:LINE" for a JSONL line
    reason: str  # short human message, e.g. "empty file", "line 7: invalid JSON (...)"


# ---------------------------------------------------------------- checks


def has_lone_surrogate(text: str) -> bool:
    """Whether `text` holds a lone surrogate (from a JSON `\\ud800` escape or undecodable bytes read with
    the surrogateescape handler), which no UTF-8 text can hold."""
    return bool(_SURROGATE.search(text))


def checked(value: str, field: str) -> str:
    """`value`, or InputError when it holds a lone surrogate: it could not be hashed or stored."""
    if has_lone_surrogate(value):
        raise InputError(f"invalid unicode (lone surrogate) in '{field}'")
    return value


def valid_id(value: str) -> bool:
    """Whether `value` may be an explicit article id: 1-128 characters of A-Z a-z 0-9 . _ : -."""
    return bool(_ID_RE.fullmatch(value))


def strip_by(names: str) -> str:
    """A byline without its leading "By " ("By Jane Doe" -> "Jane Doe")."""
    return BY_PREFIX.sub(r"\1", names)


def normalise_metadata(meta: dict[str, str]) -> dict[str, str]:
    """`meta` (changed in place and returned) with "By " cut from the byline and the date read as ISO
    ("" when unparseable), as every header, front matter and HTML meta tag needs."""
    if "byline" in meta:
        meta["byline"] = strip_by(meta["byline"].strip())
    if "published_at" in meta:
        meta["published_at"] = parse_date(meta["published_at"])
    return meta


def _has_text(body: str) -> bool:
    """Whether anything visible is left: zero-width characters and controls alone are not text."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in body)


# ---------------------------------------------------------------- ids, hashes and the article


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def article_id_for(*, id: str = "", url: str = "", path: str | Path = "", content: str = "") -> str:
    """The stable article id: explicit `id` > sha256 of `url` > of the resolved `path` > of `content`.

    Path-based ids let an edited file keep its id, so re-ingesting it replaces its chunks.
    """
    if id:
        if not valid_id(id):
            raise InputError(f"invalid id {id[:40]!r}: use 1-128 characters of A-Z a-z 0-9 . _ : -")
        return id
    if url.strip():
        return _sha16(url.strip())
    if path:
        return _sha16(str(Path(path).resolve()))
    if content:
        return _sha16(content)
    raise InputError("cannot derive an article id: no id, url, path or content")


def _content_hash(meta: dict[str, str], body: str) -> str:
    # A JSON list is unambiguous whatever characters the fields contain.
    fields = [meta[k] for k in _META_FIELDS] + [body]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


def _outlet_from_url(url: str) -> str:
    host = (urlparse(url.strip()).hostname or "").lower()
    return host.removeprefix("www.")


def make_article(body: str, meta: dict[str, str], *, source: str, id: str = "", path: str | Path = "") -> Article:
    """The `Article` for a body and its metadata (title, byline, outlet, url, published_at; missing ones
    are ""). The outlet defaults to the URL's host; the id comes from `article_id_for`. Raises InputError
    when the body has no visible text."""
    if not _has_text(body):
        raise InputError("no article text")
    fields = {k: (meta.get(k) or "").strip() for k in _META_FIELDS}
    if not fields["outlet"] and fields["url"]:
        fields["outlet"] = _outlet_from_url(fields["url"])
    article_id = article_id_for(id=id, url=fields["url"], path=path, content=body)
    return Article(id=article_id, body=body, content_hash=_content_hash(fields, body), source=source, **fields)


# ---------------------------------------------------------------- bytes and problem wording


def decode_utf8(data: bytes, what: str = "file") -> str:
    """UTF-8 text (a BOM is dropped); InputError for binary (a NUL byte anywhere) or other encodings.

    `what` names the input in the binary message ("binary file", "binary data (NUL byte)").
    """
    if b"\x00" in data:
        raise InputError(f"binary {what}")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = bom + e.start
        raise InputError(f"not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset})") from None


def format_size(n: int) -> str:
    """A byte count as a problem message writes it: "512 bytes", "2.5 KB", "10 MB"."""
    if n >= 1_000_000:
        return f"{round(n / 1_000_000, 1):g} MB"
    return f"{round(n / 1000, 1):g} KB" if n >= 1000 else f"{n} bytes"


def os_reason(error: Exception) -> str:
    """An OS (or zlib) error as a short lower-case reason ("permission denied", "not a gzipped file (...)")."""
    return (getattr(error, "strerror", None) or str(error)).lower()
