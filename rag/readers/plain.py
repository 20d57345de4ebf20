"""Plain text and Markdown articles: a header of headline, byline and date lines, then the story.

News saved as text carries its metadata in the first few lines, in many hands: `# Headline`, a short
headline line, "By Jane Doe", "Jane Doe | April 1, 2026", "By Jane Doe · Reuters · April 1, 2026",
`Title:`/`By:`/`Date:` lines, and in Markdown YAML front matter. `article_from_text` reads that header
and keeps the rest, verbatim, as the body (later stages store character offsets into it).

The header scan is shaped by one rule: when in doubt, a line is body text. A `Key: value` line whose
value is prose ("Source: Reuters said the attack killed five.") or a lone name-like line with no date
next to it (likely a subheading) stays in the body, because dropping a sentence of the story is worse
than missing a byline.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from rag.dates import parse_date
from rag.errors import InputError
from rag.readers.base import BY_PREFIX, checked, make_article, normalise_metadata, strip_by, valid_id
from rag.readers.footer import strip_footer
from rag.types import Article


def article_from_text(
    text: str,
    *,
    source: str = "",
    path: str | Path = "",
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
    or (markdown) YAML front matter. `path`, for a file, gives the id when neither an `id` nor a URL
    does. Raises InputError for empty text or an unparseable `published_at`.
    """
    explicit = {"id": id, "title": title, "byline": byline, "outlet": outlet, "url": url}
    for name, value in [("text", text), *explicit.items(), ("published_at", published_at)]:
        checked(value, name)
    iso = parse_date(published_at) if published_at.strip() else ""
    if published_at.strip() and not iso:
        raise InputError(f"published_at: not a recognisable date: {published_at[:40]!r}")
    explicit["published_at"] = iso
    if not text.strip():
        raise InputError("text is empty")
    parsed, start = _parse_header(text, markdown)
    body = strip_footer(text[start:].strip())
    if not body:
        raise InputError("no article text after the header")
    merged = {k: v for k, v in parsed.items() if v}
    merged.update({k: v for k, v in explicit.items() if v})
    return make_article(body, merged, source=source, id=merged.get("id", ""), path=path)


# ---------------------------------------------------------------- header lines


class _Line(NamedTuple):
    """One non-blank line of the header scan, with its offsets in the text."""

    start: int
    end: int
    text: str  # stripped
    blank_after: bool


_HEADER_SCAN = 10
_HEADING = re.compile(r"^#{1,3}\s+(.+?)(?:\s+#+)?$")
_KEY_VALUE = re.compile(r"^([A-Za-z][A-Za-z _]{0,19}?)\s*:\s*(\S.*)$")
# Header and front matter keys, as written (lower-cased), to the Article field they fill.
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
    return normalise_metadata(meta), m.end()


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
    if m := BY_PREFIX.match(s):
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
        if "published_at" not in fields and (iso := parse_date(part)):
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
        return bool(parse_date(value))
    if field == "byline":
        return _looks_like_names(strip_by(value), strict=False)
    if field == "outlet":
        sentence = value.endswith(".") or re.search(r"\w{3,}[.!?]\s+\S", value)
        return len(value) <= _MAX_OUTLET_CHARS and not sentence
    if field == "id":
        return valid_id(value)
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
    return {**normalise_metadata(parsed), **meta}, pos
