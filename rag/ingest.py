"""Ingestion: turn files, standard input and JSON records into `Article`s.

Every `Article.body` is a verbatim substring of what was read (only surrounding whitespace, a parsed
header and a publisher footer are cut off), because later stages record character offsets into it.
Bad inputs become `IngestProblem`s so that one broken file never stops a batch.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import sys
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import urlparse

from selectolax.lexbor import LexborHTMLParser, LexborNode

from rag.errors import InputError
from rag.types import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz")

_META_FIELDS = ("title", "byline", "outlet", "url", "published_at")
_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_BINARY_SNIFF = 8192
_STDIN_SOURCE = "<stdin>"
_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp", "Zs"}  # controls, format (zero-width), spaces


@dataclass(frozen=True)
class IngestProblem:
    """A file or record that could not be read; ingestion goes on with the rest."""

    source: str  # path, or "path:LINE" for a JSONL line
    reason: str  # short human message, e.g. "empty file", "line 7: invalid JSON (...)"


# ---------------------------------------------------------------- ids and hashes


def _checked(value: str, field: str) -> str:
    """`value`, or InputError when it holds a lone surrogate (from a JSON `\\ud800` escape), which no
    UTF-8 text can: it could not be hashed or stored."""
    if _SURROGATE.search(value):
        raise InputError(f"invalid unicode (lone surrogate) in '{field}'")
    return value


def _has_text(body: str) -> bool:
    """Whether anything visible is left: zero-width characters and controls alone are not text."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in body)


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def article_id_for(*, id: str = "", url: str = "", path: str | Path = "", content: str = "") -> str:
    """The stable article id: explicit `id` > sha256 of `url` > of the resolved `path` > of `content`.

    Path-based ids let an edited file keep its id, so re-ingesting it replaces its chunks.
    """
    if id:
        if not _ID_RE.fullmatch(id):
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


def _make_article(body: str, meta: dict[str, str], *, source: str, id: str = "", path: str | Path = "") -> Article:
    if not _has_text(body):
        raise InputError("no article text")
    fields = {k: (meta.get(k) or "").strip() for k in _META_FIELDS}
    if not fields["outlet"] and fields["url"]:
        fields["outlet"] = _outlet_from_url(fields["url"])
    article_id = article_id_for(id=id, url=fields["url"], path=path, content=body)
    return Article(id=article_id, body=body, content_hash=_content_hash(fields, body), source=source, **fields)


# ---------------------------------------------------------------- dates

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = "january february march april may june july august september october november december".split()
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
_CLOCK = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?)?"
_DAY_MONTH_YEAR = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{{4}}){_CLOCK}$", re.I)
_MONTH_DAY_YEAR = re.compile(rf"^([A-Za-z]+)\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_CLOCK}$", re.I)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[/ T].*)?$")


def _month(word: str) -> int:
    word = word.lower()
    if word == "sept":
        return 9
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if len(word) >= 3 and name.startswith(word):
            return number
    return 0


def _ymd(year: str, month: int, day: str) -> str:
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        return ""


def _parse_date(value: str) -> str:
    """ISO `YYYY-MM-DD` (or the full ISO datetime when one was given), or "" when not a date."""
    s = value.strip()
    if _ISO.match(s):
        try:
            parsed = datetime.fromisoformat(s)
        except ValueError:
            return ""
        return parsed.date().isoformat() if len(s) == 10 else parsed.isoformat()
    if m := _SLASHED.match(s):
        return _ymd(m[1], int(m[2]), m[3])
    s = _WEEKDAY.sub("", s)
    if m := _DAY_MONTH_YEAR.match(s):
        return _ymd(m[3], _month(m[2]), m[1]) if _month(m[2]) else ""
    if m := _MONTH_DAY_YEAR.match(s):
        return _ymd(m[3], _month(m[1]), m[2]) if _month(m[1]) else ""
    return _parse_rfc2822(value)


def _parse_rfc2822(value: str) -> str:
    if not re.search(r"\d{1,2}:\d{2}", value):  # keep the permissive email parser to full timestamps
        return ""
    try:
        return parsedate_to_datetime(value.strip()).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):  # huge numbers overflow C ints
        return ""


# ---------------------------------------------------------------- publisher footers

# Boilerplate whatever its wording: a copyright mark, a rights notice, or a line that is only a link.
_FOOTER_MARK = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\s+\d{4}\b|\ball rights reserved\b", re.I)
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_LINK = rf"\[[^\]]*\]\([^)\s]+\)|<?(?:https?://|www\.)[^\s<>]+>?|{_EMAIL}"
_LINK_ONLY = re.compile(rf"^\W*(?:{_LINK})\W*$", re.I)
_HAS_EMAIL = re.compile(_EMAIL)
# Contact details: "Contact Jane Doe at jd@example.com.", "Jane Doe can be reached at ...", "Jane Doe: 555-0100;
# jd@example.com"; "The company said buyers can write to help@example.com." is prose.
_CONTACT = re.compile(
    r"^\W*(?:to\s+)?(?:contact|reach|e-?mail|call|write|send|follow|find)\b|^[^:.!?]{1,60}:"
    r"|\bcan be (?:reached|emailed|contacted)\b|\bis on (?:twitter|x)\b",
    re.I,
)
# "AP NFL: https://apnews.com/hub/nfl and https://twitter.com/AP_Sports"; a link inside prose is kept.
_LABELLED_LINKS = re.compile(rf"^[^:.!?]{{1,60}}:\s*(?:(?:{_LINK}|@\w+|and|or)[\s,;.]*)+$", re.I)
# A call to action that opens a sentence; "Copyright law was changed..." or "Subscribers said..." is prose.
_FOOTER_PHRASE = re.compile(
    r"^\W*(?:to contact\b.*:|contact us\b|subscribe(?:\s+(?:to|now|today|for|here)\b|\W*$)"
    r"|sign up(?:\s+(?:for|to|now|today|here)\b|\W*$)|follow us\b|click here\b|.*\bvisit:\W*$)",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]*]*\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
_MAX_FOOTER_PARAGRAPHS = 3
_MAX_FOOTER_CHARS = 300
_MAX_FOOTER_SENTENCE = 200


def _footer_sentence(s: str) -> bool:
    """Boilerplate: marked (©, rights, a bare link), or short and a call to action, contact details or links."""
    if _FOOTER_MARK.search(s) or _LINK_ONLY.match(s):
        return True
    short = len(s) <= _MAX_FOOTER_SENTENCE
    contact = _HAS_EMAIL.search(s) and _CONTACT.search(s)
    return short and bool(_FOOTER_PHRASE.match(s) or contact or _LABELLED_LINKS.match(s))


def _footer_kind(paragraph: str) -> str:
    """Classify a paragraph: "strong" (marked boilerplate), "weak" (calls to action only) or "" (prose)."""
    if len(paragraph) > _MAX_FOOTER_CHARS:
        return ""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    if not lines:
        return ""
    sentences = [x for line in lines for x in _SENTENCE_END.split(line) if x.strip()]
    if not all(_footer_sentence(x) for x in sentences):
        return ""
    return "strong" if any(_FOOTER_MARK.search(x) or _LINK_ONLY.match(x) for x in sentences) else "weak"


def _strip_footer(body: str) -> str:
    """Drop up to three trailing boilerplate paragraphs (contact, subscribe, copyright, bare links).

    The first paragraph is kept unless it is marked boilerplate too (then there is no article: "" is
    returned); a lone call to action such as "Subscribe to our newsletter" may be the text itself.
    """
    end = len(body)
    for _ in range(_MAX_FOOTER_PARAGRAPHS):
        head = body[:end].rstrip()
        breaks = list(_PARAGRAPH_BREAK.finditer(head))
        if not breaks or not _footer_kind(head[breaks[-1].end() :]):
            break
        end = breaks[-1].start()
    body = body[:end].rstrip()
    return "" if _footer_kind(body) == "strong" else body


# ---------------------------------------------------------------- plain text and markdown headers


class _Line(NamedTuple):
    start: int
    end: int
    text: str  # stripped
    blank_after: bool


_HEADER_SCAN = 10
_HEADING = re.compile(r"^#{1,3}\s+(.+?)(?:\s+#+)?$")
_KEY_VALUE = re.compile(r"^([A-Za-z][A-Za-z _]{0,19}?)\s*:\s*(\S.*)$")
_KEYS = {
    "title": "title",
    "headline": "title",
    "by": "byline",
    "author": "byline",
    "authors": "byline",
    "byline": "byline",
    "date": "published_at",
    "published": "published_at",
    "published_at": "published_at",
    "publish_date": "published_at",
    "source": "outlet",
    "outlet": "outlet",
    "publisher": "outlet",
    "site_name": "outlet",
    "url": "url",
    "link": "url",
    "canonical_url": "url",
    "id": "id",
}
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_BY_PREFIX = re.compile(r"^by\s+(.+)$", re.I)
_META_SPLIT = re.compile(r"\s+[|·•]\s+")
_NAME_CONNECTORS = {"and", "&", "de", "da", "di", "del", "der", "van", "von", "la", "le", "du", "bin", "al"}
_ENDS_LIKE_SENTENCE = re.compile(r"[.,;:—–-][\"'”’)]*$")
_MAX_TITLE_CHARS = 150
_MAX_OUTLET_CHARS = 60


def _split_lines(text: str, pos: int) -> list[_Line]:
    """The first non-blank lines after `pos`, with their offsets."""
    out: list[_Line] = []
    raw = text[pos:].splitlines(keepends=True)
    offset = pos
    for i, line in enumerate(raw):
        if line.strip():
            blank_after = i + 1 < len(raw) and not raw[i + 1].strip()
            out.append(_Line(offset, offset + len(line.rstrip()), line.strip(), blank_after))
            if len(out) == _HEADER_SCAN:
                break
        offset += len(line)
    return out


def _yaml_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        return ", ".join(_yaml_value(v) for v in value[1:-1].split(",") if v.strip())
    return value


def _front_matter(text: str) -> tuple[dict[str, str], int]:
    """YAML-like `---` front matter: `key: value` lines, `[a, b]` and `- item` lists; else ({}, 0)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, 0
    values: dict[str, list[str]] = {}
    key = ""
    for line in m[1].splitlines():
        if item := re.match(r"^\s+-\s+(.+)$|^-\s+(.+)$", line):
            values.setdefault(key, []).append(_yaml_value(item[1] or item[2]))
        elif pair := re.match(r"^([A-Za-z_][\w -]*?)\s*:\s*(.*)$", line):
            key = pair[1].strip().lower()
            values[key] = [_yaml_value(pair[2])] if pair[2].strip() else []
        elif line.strip() and not line.lstrip().startswith("#"):
            return {}, 0  # not front matter after all: keep the text as it is
    meta: dict[str, str] = {}
    for name, items in values.items():
        if name in _KEYS and items:
            meta.setdefault(_KEYS[name], ", ".join(items))
    return _normalised(meta), m.end()


def _normalised(meta: dict[str, str]) -> dict[str, str]:
    if "byline" in meta:
        meta["byline"] = _BY_PREFIX.sub(r"\1", meta["byline"].strip())
    if "published_at" in meta:
        meta["published_at"] = _parse_date(meta["published_at"])
    return meta


def _looks_like_names(s: str, *, strict: bool) -> bool:
    """Short, capitalised, no digits, no sentence ending: "Jane Doe and John Roe", "J. R. Smith Jr."."""
    if not s or len(s) > 100 or re.search(r"\d|[!?;\"“”]", s):
        return False
    if s.endswith(".") and not re.search(r"\b(?:[A-Z]|Jr|Sr)\.$", s):
        return False
    words = re.findall(r"[^\s,]+", s)
    real = [w for w in words if w.lower() not in _NAME_CONNECTORS]
    if not real or len(words) > (6 if strict else 12) or (strict and len(words) < 2):
        return False
    capitalised = sum(w[0].isupper() for w in real)
    return capitalised == len(real) if strict else real[0][0].isupper() and capitalised * 2 >= len(real)


def _byline(s: str) -> tuple[str, bool]:
    """(names, weak): weak when nothing but the look of the line says it is a byline."""
    if m := _BY_PREFIX.match(s):
        return (m[1].strip(), False) if _looks_like_names(m[1].strip(), strict=False) else ("", False)
    return (s, True) if _looks_like_names(s, strict=True) else ("", False)


def _outlet_like(s: str) -> bool:
    """A publication name next to a byline or date: "Reuters", "The New York Times"."""
    return len(s) <= _MAX_OUTLET_CHARS and len(s.split()) <= 6 and _looks_like_names(s, strict=False)


def _metadata_line(s: str) -> dict[str, Any] | None:
    """Byline, date and outlet, possibly on one line ("By Jane Doe · Reuters · April 1, 2026"); else None.

    An outlet is only taken next to a byline or a date: a lone "Reuters" line is not metadata.
    """
    parts = _META_SPLIT.split(s)
    fields: dict[str, Any] = {}
    for part in parts:
        found = _byline(part)
        if "published_at" not in fields and (iso := _parse_date(part)):
            fields["published_at"] = iso
        elif found[0] and "byline" not in fields:
            fields["byline"], fields["weak"] = found
        elif found[0] and not found[1] and fields.get("weak") and "outlet" not in fields:
            fields["outlet"] = fields["byline"]  # "Reuters | By Jane Doe": the name-like part is the outlet
            fields["byline"], fields["weak"] = found
        elif len(parts) > 1 and "outlet" not in fields and _outlet_like(part):
            fields["outlet"] = part
        else:
            return None
    return None if fields.keys() == {"outlet"} else fields


def _valid_value(field: str, value: str, lines: list[_Line], i: int) -> bool:
    """Whether a `Key: value` line holds a value of that kind rather than the start of a sentence."""
    if field == "url":
        return bool(re.fullmatch(r"https?://\S+", value, re.I))
    if field == "published_at":
        return bool(_parse_date(value))
    if field == "byline":
        return _looks_like_names(_BY_PREFIX.sub(r"\1", value), strict=False)
    if field == "outlet":
        sentence = value.endswith(".") or re.search(r"\w{3,}[.!?]\s+\S", value)
        return len(value) <= _MAX_OUTLET_CHARS and not sentence
    if field == "id":
        return bool(_ID_RE.fullmatch(value))
    # A title: short, and followed by a blank line, the end, or more header lines, not by body prose.
    if len(value) > _MAX_TITLE_CHARS:
        return False
    if lines[i].blank_after or i + 1 == len(lines):
        return True
    return bool(_key_value(lines, i + 1)) or _metadata_line(lines[i + 1].text) is not None


def _key_value(lines: list[_Line], i: int) -> dict[str, str] | None:
    """{field: value} for a `Key: value` header line, {} for a known key without a valid value, else None."""
    kv = _KEY_VALUE.match(lines[i].text)
    if not kv or kv[1].strip().lower() not in _KEYS:
        return None
    field, value = _KEYS[kv[1].strip().lower()], kv[2].strip()
    return {field: value} if _valid_value(field, value, lines, i) else {}


def _title_like(line: _Line, lines: list[_Line]) -> bool:
    s = line.text
    if len(s) > _MAX_TITLE_CHARS or len(s.split()) < 2 or _ENDS_LIKE_SENTENCE.search(s) or re.match(r"[-*+>|]\s", s):
        return False
    if len(lines) < 2:
        return False  # a lone line is the article, not its title
    if kv := _key_value(lines, 1):
        return "title" not in kv  # "Council Approves Budget" then "Published: April 1, 2026"
    if (meta := _metadata_line(lines[1].text)) is not None:
        # A headline above a byline line; a name-like line above a bare date line is the byline.
        return "byline" in meta or not _byline(s)[0]
    return line.blank_after


def _header_line(i: int, lines: list[_Line], has_title: bool) -> dict[str, Any] | None:
    line = lines[i]
    if (kv := _key_value(lines, i)) is not None:
        return kv or None  # a known key whose value is not one ("Source: Reuters said ...") is body text
    if i == 0 and (heading := _HEADING.match(line.text)):
        return {"title": heading[1].strip()}  # front matter, when it has a title, still wins
    fields = _metadata_line(line.text)
    if fields is not None and not fields.get("weak"):
        return fields
    if i == 0 and not has_title and _title_like(line, lines):
        return {"title": line.text}
    return fields


def _parse_header(text: str, markdown: bool) -> tuple[dict[str, str], int]:
    """Metadata from the first lines and the offset where the body starts."""
    meta, pos = _front_matter(text) if markdown else ({}, 0)
    lines = _split_lines(text, pos)
    found: list[tuple[_Line, dict[str, Any]]] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        fields = _header_line(i, lines, bool(meta.get("title")))
        if fields is None or seen & (fields.keys() - {"weak"}):
            break
        seen |= fields.keys() - {"weak"}
        found.append((line, fields))
    if "published_at" not in seen:
        # A bare name line is only trusted next to a date; otherwise it is likely a subheading.
        weak = [i for i, (_, f) in enumerate(found) if f.get("weak")]
        found = found[: weak[0]] if weak else found
    parsed: dict[str, str] = {}
    for line, fields in found:
        parsed.update({k: v for k, v in fields.items() if k != "weak"})
        pos = line.end
    return {**_normalised(parsed), **meta}, pos


# ---------------------------------------------------------------- public constructors


def _text_article(text: str, meta: dict[str, str], *, source: str, path: str | Path, markdown: bool) -> Article:
    if not text.strip():
        raise InputError("text is empty")
    parsed, start = _parse_header(text, markdown)
    body = _strip_footer(text[start:].strip())
    if not body:
        raise InputError("no article text after the header")
    merged = {k: v for k, v in parsed.items() if v}
    merged.update({k: v for k, v in meta.items() if v})
    return _make_article(body, merged, source=source, id=merged.get("id", ""), path=path)


def article_from_text(
    text: str,
    *,
    source: str = "",
    id: str = "",
    title: str = "",
    byline: str = "",
    outlet: str = "",
    url: str = "",
    published_at: str = "",
    markdown: bool = False,
) -> Article:
    """Plain text or markdown article; explicit metadata wins over what is parsed from the header.

    The header is `# Headline` (or a short headline line), a byline and a date, or `Key: value` lines,
    or (markdown) YAML front matter. Raises InputError for empty text or an unparseable `published_at`.
    """
    explicit = {"id": id, "title": title, "byline": byline, "outlet": outlet, "url": url}
    for name, value in [("text", text), *explicit.items(), ("published_at", published_at)]:
        _checked(value, name)
    iso = _parse_date(published_at) if published_at.strip() else ""
    if published_at.strip() and not iso:
        raise InputError(f"published_at: not a recognisable date: {published_at[:40]!r}")
    explicit["published_at"] = iso
    return _text_article(text, explicit, source=source, path="", markdown=markdown)


# ---------------------------------------------------------------- HTML

_DROP_TAGS = [
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
    "button", "figure", "figcaption", "template", "select",
]  # fmt: skip
# Elements that start and end a block of text: their own text between nested blocks is a block too.
_BLOCK_TAGS = frozenset(
    "address article blockquote body caption center dd details dialog div dl dt fieldset h1 h2 h3 h4 h5 h6"
    " hgroup hr html legend li main menu ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
_NAV_WORDS = {"advertisement", "share", "share this", "tweet", "print", "email", "read more", "related"}
_MAX_LINK_SHARE = 0.5


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _first_value(tree: LexborHTMLParser, candidates: Iterable[tuple[str, str]]) -> str:
    """The first non-empty attribute (or text, for attr "") among (css selector, attr) candidates."""
    for selector, attr in candidates:
        for node in tree.css(selector):
            value = (node.attributes.get(attr) or "") if attr else node.text()
            if value := _collapse(value):
                return value
    return ""


def _strip_site(title: str, site: str) -> str:
    for sep in (" | ", " - ", " — ", " – "):
        if site and title.lower().endswith((sep + site).lower()):
            return title[: -len(sep + site)].strip()
    return title


def _html_meta(tree: LexborHTMLParser) -> dict[str, str]:
    site = _first_value(tree, [('meta[property="og:site_name"]', "content")])
    title = _first_value(tree, [('meta[property="og:title"]', "content"), ('meta[name="twitter:title"]', "content")])
    title = title or _strip_site(_first_value(tree, [("title", "")]), site) or _first_value(tree, [("h1", "")])
    byline = _first_value(
        tree,
        [('meta[name="author"]', "content"), ('meta[property="article:author"]', "content"),
         ('[rel="author"]', ""), (".byline", ""), ('[itemprop="author"]', "")],
    )  # fmt: skip
    published = _first_value(
        tree,
        [('meta[property="article:published_time"]', "content"), ('[itemprop="datePublished"]', "content"),
         ('[itemprop="datePublished"]', "datetime"), ("time[datetime]", "datetime")],
    )  # fmt: skip
    url = _first_value(tree, [('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")])
    if byline.startswith(("http://", "https://")):
        byline = ""  # article:author is often a profile URL, not a name
    meta = {"title": title, "byline": byline, "published_at": published, "outlet": site, "url": url}
    return _normalised(meta)


class _Blocks:
    """Collects text blocks in document order, dropping navigation words and link lists."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.parts: list[str] = []
        self.link_parts: list[str] = []

    def add(self, text: str, in_link: bool) -> None:
        self.parts.append(text)
        if in_link:
            self.link_parts.append(text)

    def flush(self) -> None:
        text = _collapse("".join(self.parts))
        link_chars = len(_collapse(" ".join(self.link_parts)))
        self.parts, self.link_parts = [], []
        if text and text.lower().strip(" :.") not in _NAV_WORDS and link_chars <= _MAX_LINK_SHARE * len(text):
            self.blocks.append(text)


def _text_blocks(root: LexborNode, *, skip_h1: bool) -> list[str]:
    """The text under `root` split at block element boundaries, so that the text a block holds around its
    nested blocks ("<li>Parent<ul><li>child</li></ul></li>") and loose text in divs are kept, each once.
    Iterative, so deeply nested pages cannot exhaust the stack."""
    out = _Blocks()
    in_link = 0
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag or ""
        if leaving:
            if tag == "a":
                in_link -= 1
            else:
                out.flush()
            continue
        if tag == "-text":
            out.add(node.text_content or "", in_link > 0)
            continue
        if tag.startswith("-") or (skip_h1 and tag == "h1"):
            continue  # comments; the h1 is the title
        if tag in _BLOCK_TAGS:
            out.flush()
            stack.append((node, True))
        elif tag == "a":
            in_link += 1
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
    out.flush()
    return out.blocks


def _html_blocks(tree: LexborHTMLParser) -> list[str]:
    articles = tree.css("article")
    roots = [max(articles, key=lambda n: len(n.text()))] if articles else []
    roots += [n for n in (tree.css_first("main"), tree.body) if n is not None]
    for root in roots:
        if blocks := _text_blocks(root, skip_h1=True):
            return blocks
    # Nothing but a heading: keep it rather than lose the page.
    return _text_blocks(tree.body, skip_h1=False) if tree.body is not None else []


def _html_article(html: str, *, source: str, path: str | Path) -> Article:
    tree = LexborHTMLParser(html)
    meta = _html_meta(tree)  # before stripping: titles and bylines often sit in <header>
    tree.strip_tags(_DROP_TAGS)
    for br in tree.css("br"):
        br.replace_with(" ")
    body = _strip_footer("\n\n".join(_html_blocks(tree)))
    if not body:
        raise InputError("no article text in the HTML")
    return _make_article(body, meta, source=source, path=path)


def article_from_html(html: str, *, source: str = "") -> Article:
    """An article from an HTML page: main text blocks joined by blank lines, metadata from meta tags.

    `body` is the extracted text, so offsets refer to it, not to the HTML. Raises InputError when no
    text remains after dropping navigation, scripts and other boilerplate.
    """
    return _html_article(_checked(html, "html"), source=source, path="")


# ---------------------------------------------------------------- JSON records


def _optional_str(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"'{key}' must be a string, got {type(value).__name__}")
    return _checked(value, key).strip()


def _authors(record: dict[str, Any]) -> str:
    key = next((k for k in ("authors", "author", "byline") if record.get(k)), "")
    value = record.get(key) if key else None
    if value is None:
        return ""
    if isinstance(value, str):
        return _BY_PREFIX.sub(r"\1", _checked(value, key).strip())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"'{key}' must be a string or a list of strings")
    for v in value:
        _checked(v, key)
    names = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    # Scrapers (newspaper3k, as in RealTimeQA) prepend all names run together as one "author".
    names = [n for n in names if n != " ".join(m for m in names if m != n)] or names
    return ", ".join(names)


def _record_date(record: dict[str, Any]) -> str:
    for key in ("published_at", "publish_date", "date"):
        if value := record.get(key):
            if not isinstance(value, str):
                raise InputError(f"'{key}' must be a string, got {type(value).__name__}")
            return _parse_date(_checked(value, key))  # unparseable dates are dropped, not fatal
    return ""


def _record_id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError("'id' must be a string")
    if isinstance(value, str):
        _checked(value, "id")
    if not _ID_RE.fullmatch(str(value)):
        raise InputError(f"'id' {str(value)[:40]!r} is invalid: use 1-128 characters of A-Z a-z 0-9 . _ : -")
    return str(value)


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
    if not _checked(text, "text").strip():
        raise InputError("'text' is empty")
    body = _strip_footer(text.strip())  # "" when it is all boilerplate: "no article text"
    meta = {
        "title": _optional_str(record, "title"),
        "url": _optional_str(record, "url"),
        "outlet": _optional_str(record, "outlet"),
        "byline": _authors(record),
        "published_at": _record_date(record),
    }
    return _make_article(body, meta, source=source, id=_record_id(record))


# ---------------------------------------------------------------- files


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{round(n / 1_000_000, 1):g} MB"
    return f"{round(n / 1000, 1):g} KB" if n >= 1000 else f"{n} bytes"


def _decode(data: bytes, what: str = "file") -> str:
    """UTF-8 text (a BOM is dropped); InputError for binary (a NUL byte anywhere) or other encodings."""
    if b"\x00" in data:
        raise InputError(f"binary {what}")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = bom + e.start
        raise InputError(f"not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset})") from None


def _kind(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in reversed(SUPPORTED_SUFFIXES) if name.endswith(s) and name != s), "")


def _os_reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def _limited_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
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


def _jsonl_line(raw: bytes | None, number: int, path: Path, limit: int) -> Iterator[Article | IngestProblem]:
    source = f"{path}:{number}"
    try:
        if raw is None:
            raise InputError(f"line is over the {_size(limit)} limit")
        text = _decode(raw.removesuffix(b"\n"), "data (NUL byte)")
        if not text.strip():
            return
        record = _json_record(text)
        if isinstance(record, dict) and isinstance(record.get("search_result"), list):
            yield from _search_results(record, source, number)
        else:
            yield article_from_record(record, source=source)
    except InputError as e:
        yield IngestProblem(source, f"line {number}: {e}")


def _read_jsonl(path: Path, max_bytes: int) -> Iterator[Article | IngestProblem]:
    """One record per line, or RealTimeQA search results; `max_bytes` limits each line, not the file."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    seen_any = False
    try:
        with opener(path, "rb") as stream:
            if b"\x00" in stream.peek(_BINARY_SNIFF)[:_BINARY_SNIFF]:
                yield IngestProblem(str(path), "binary file")
                return
            for number, raw in _limited_lines(stream, max_bytes):
                for item in _jsonl_line(raw, number, path, max_bytes):
                    seen_any = True
                    yield item
    except (OSError, EOFError, zlib.error) as e:
        reason = "truncated gzip file" if isinstance(e, EOFError) else _os_reason(e)
        yield IngestProblem(str(path), reason)
        return
    if not seen_any:
        yield IngestProblem(str(path), "no records (only blank lines)")


def _read_document(path: Path, kind: str, max_bytes: int) -> Article | IngestProblem:
    size = path.stat().st_size
    if size > max_bytes:
        return IngestProblem(str(path), f"file is {_size(size)}, over the {_size(max_bytes)} limit")
    try:
        text = _decode(path.read_bytes())
        if not text.strip():
            raise InputError("empty file (only whitespace)")
        if kind in (".html", ".htm"):
            return _html_article(text, source=str(path), path=path)
        return _text_article(text, {}, source=str(path), path=path, markdown=kind == ".md")
    except InputError as e:
        return IngestProblem(str(path), str(e))
    except RecursionError:
        return IngestProblem(str(path), "too deeply nested to parse")
    except Exception as e:  # one unparseable file must not stop the batch; the reason names the error
        return IngestProblem(str(path), f"could not parse: {type(e).__name__}: {e}"[:200])


def _read_file(path: Path, max_bytes: int) -> Iterator[Article | IngestProblem]:
    kind = _kind(path)
    try:
        if path.stat().st_size == 0:
            yield IngestProblem(str(path), "empty file")
        elif kind in (".jsonl", ".jsonl.gz"):
            yield from _read_jsonl(path, max_bytes)
        else:
            yield _read_document(path, kind, max_bytes)
    except OSError as e:
        yield IngestProblem(str(path), _os_reason(e))


def _read_stdin(max_bytes: int) -> Iterator[Article | IngestProblem]:
    text = sys.stdin.read().removeprefix("\ufeff")
    try:
        if _SURROGATE.search(text):  # undecodable bytes, read with the surrogateescape handler
            raise InputError("not UTF-8 text")
        if len(text.encode("utf-8")) > max_bytes:
            raise InputError(f"input is over the {_size(max_bytes)} limit")
        yield article_from_text(text, source=_STDIN_SOURCE)
    except InputError as e:
        yield IngestProblem(_STDIN_SOURCE, str(e))


# ---------------------------------------------------------------- folders and the entry points


def _walk(folder: Path) -> Iterator[Path | IngestProblem]:
    found: list[Path] = []
    errors: list[IngestProblem] = []

    def on_error(e: OSError) -> None:
        errors.append(IngestProblem(str(e.filename), _os_reason(e)))

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


def count_sources(paths: Sequence[str | Path]) -> int:
    """How many files (and standard input) `read_sources` would open; walks folders, reads nothing."""
    return sum(not isinstance(item, IngestProblem) for item in _expand(paths))


def read_sources(paths: Sequence[str | Path], *, max_bytes: int = 10_000_000) -> Iterator[Article | IngestProblem]:
    """Expand folders (recursively, sorted, supported suffixes only, hidden files skipped), read each
    file, yield articles and problems in order. "-" reads one plain-text article from standard input.

    `.txt`/`.md`/`.html` files are one article each and may be at most `max_bytes`. `.jsonl` and
    `.jsonl.gz` files hold one record per line (see `article_from_record`; `max_bytes` limits each
    line); a RealTimeQA search-result record (`{"question_id", "search_time", "search_result": [...]}`)
    yields one article per search result. An article identical (same id and content hash) to one
    already yielded in this call is skipped, since RealTimeQA repeats results across questions.
    Missing or broken inputs yield an `IngestProblem`; nothing here raises for bad input.
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
    if kind in (".jsonl", ".jsonl.gz"):
        items: list[Article | IngestProblem] = []
        stream = gzip.GzipFile(fileobj=io.BytesIO(data)) if kind == ".jsonl.gz" else io.BytesIO(data)
        try:
            for number, raw in _limited_lines(stream, max_bytes):  # type: ignore[arg-type]
                for item in _jsonl_line(raw, number, Path(source), max_bytes):
                    items.append(item)
        except (OSError, EOFError, zlib.error) as e:
            items.append(IngestProblem(source, "truncated gzip file" if isinstance(e, EOFError) else _os_reason(e)))
        return items or [IngestProblem(source, "no records (only blank lines)")]
    if len(data) > max_bytes:
        return [IngestProblem(source, f"file is {_size(len(data))}, over the {_size(max_bytes)} limit")]
    try:
        text = _decode(data)
        if not text.strip():
            raise InputError("empty file (only whitespace)")
        if kind in (".html", ".htm"):
            return [_html_article(text, source=source, path="")]
        return [_text_article(text, {}, source=source, path="", markdown=kind == ".md")]
    except InputError as e:
        return [IngestProblem(source, str(e))]
    except RecursionError:
        return [IngestProblem(source, "too deeply nested to parse")]
