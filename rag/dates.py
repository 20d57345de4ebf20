"""Publication dates: the written forms news files and records use, read into ISO 8601 strings.

Articles arrive with dates in many hands: ISO (`2026-01-08`, `2026-04-01T09:30:00Z`), slashed
(`2026/04/10`, RealTimeQA's `2024/01/05/23:29`), day first (`1 April 2026`, `1st Apr. 2026`), month first
(`April 1, 2026`, `Wednesday, April 1, 2026, 9:30 a.m. EST`) and RFC 2822 (`Wed, 01 Apr 2026 09:30:00
+0000`). `parse_date` turns each into one ISO string so that dates compare and filter as text.

This is the bottom layer: it imports nothing from the project, so every reader, and later the question
side ("as of" dates, time expressions), can use it. Parsing is deliberately strict: a header line such as
"Date: sometime next week" must read as body text, not as a date, so anything not recognised is "".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

_MONTH_NAMES = "january february march april may june july august september october november december".split()
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
# An optional time after a written date ("..., 9:30 a.m. EST", " at 10.30pm"); it is read past, not kept.
_CLOCK = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?)?"
_DAY_MONTH_YEAR = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{{4}}){_CLOCK}$", re.I)
_MONTH_DAY_YEAR = re.compile(rf"^([A-Za-z]+)\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_CLOCK}$", re.I)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[/ T].*)?$")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")


def day_of(value: str) -> date | None:
    """The day of a stored ISO date or timestamp (`2026-01-08`, `2026-01-08T09:30:00Z`); None when undated."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def in_words(iso: str) -> str:
    """An ISO date or timestamp as prose ("8 January 2026"); the text itself when it is not one ("" stays "")."""
    day = day_of(iso)
    return f"{day.day} {day.strftime('%B %Y')}" if day else iso


def month_number(word: str) -> int:
    """1-12 for an English month name or an abbreviation of three letters or more ("Sept" too); 0 otherwise."""
    word = word.lower()
    if word == "sept":
        return 9
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if len(word) >= 3 and name.startswith(word):
            return number
    return 0


def parse_date(value: str) -> str:
    """`value` as an ISO string, or "" when it is not a date this module recognises.

    A calendar date gives `YYYY-MM-DD`. A full ISO datetime or an RFC 2822 timestamp keeps its time and
    offset (`2026-04-01T09:30:00+00:00`), because that is what the source stated; the time after a
    written date ("April 1, 2026, 9:30 a.m.") is dropped. Impossible dates (February 30) give "".
    """
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
        return _ymd(m[3], month_number(m[2]), m[1]) if month_number(m[2]) else ""
    if m := _MONTH_DAY_YEAR.match(s):
        return _ymd(m[3], month_number(m[1]), m[2]) if month_number(m[1]) else ""
    return _parse_rfc2822(value)


def _ymd(year: str, month: int, day: str) -> str:
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        return ""


def _parse_rfc2822(value: str) -> str:
    if not _TIME_OF_DAY.search(value):  # keep the permissive email parser to full timestamps
        return ""
    try:
        return parsedate_to_datetime(value.strip()).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):  # huge numbers overflow C ints
        return ""
