"""Time in a question: "this week", "in March 2024", "latest" turned into a window relative to the as-of date.

Every question is asked at a moment, its as-of date (today unless given). An expression of time in the
question becomes a `TimeFrame`: either a window of publication dates `[start, end)` ("this week", "in March",
"on 31 March", "since January", "in 2024") that retrieval filters on, or a wish for the newest reports
("latest", "recently", "currently") that retrieval meets with a recency prior. Either way the words leave the
lexical query (`without_time`): "week" or "latest" would otherwise match any article that says so.

Windows are generous by a little on purpose: news reports an event on the day or the days after, so "on 31
March" covers reports published 31 March to 2 April, and "this week" the last seven days and the as-of day.

Hand-written rules, not a date library: `dateparser` (tried) resolves "this week" and "last week" to single
days, finds no window for "recently", "latest", "so far this year" or "since January", and its search for
dates in a sentence reads the verb "may" and "march in" as dates. Month names here count only when written
with a capital letter and next to a preposition or a day or year ("in March", "March 31", "March 2024").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from rag.dates import day_of, month_number
from rag.errors import InputError

WEEK = 7
# Reports of a dated event appear on the day and the days after it.
REPORTING_LAG = timedelta(days=2)


@dataclass(frozen=True)
class TimeFrame:
    """An expression of time found in a question, resolved against an as-of date.

    `start` (inclusive) and `end` (exclusive) bound publication dates when the expression names a period;
    both are None for a wish for the newest reports (`recent`). `span` is where the phrase sits in the
    question, so it can be taken out of the lexical query.
    """

    phrase: str
    span: tuple[int, int]
    start: date | None = None
    end: date | None = None
    recent: bool = False
    relative: bool = True  # counted from the as-of date ("this week"), not a calendar period ("in March 2024")

    @property
    def is_window(self) -> bool:
        return self.start is not None or self.end is not None

    @property
    def asks_newest(self) -> bool:
        """A wish for the newest reports there are ("latest", "newest", "most recent"), however old, unlike
        "recently", "now" and "new", which presume reports of the last weeks."""
        return self.recent and self.phrase.lower() in _NEWEST

    def holds(self, published_at: str) -> bool:
        """An article published at `published_at` (ISO) falls in the window; an undated one never does."""
        day = day_of(published_at)
        if day is None:
            return False
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    def describe(self) -> str:
        """The window in words, for notes and abstentions ("1 March 2024 to 31 March 2024")."""
        if not self.is_window:
            return f"{self.phrase!r}: the newest reports"
        first = self.start.isoformat() if self.start else "the beginning"
        last = (self.end - timedelta(days=1)).isoformat() if self.end else "now"
        return f"{self.phrase!r}: published {first} to {last}"


_NEWEST = frozenset({"latest", "newest", "most recent"})

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"

# Ordered: longer and more specific expressions first; the first match in the question wins.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(rf"\b(?:on\s+)?(?P<d>{_DAY})\s+(?P<m>{_MONTHS})\.?(?:,?\s+(?P<y>{_YEAR}))?\b")),
    ("date", re.compile(rf"\b(?:on\s+)?(?P<m>{_MONTHS})\.?\s+(?P<d>{_DAY})(?:,?\s+(?P<y>{_YEAR}))?\b")),
    ("since_month", re.compile(rf"\bsince\s+(?P<m>{_MONTHS})(?:\s+(?P<y>{_YEAR}))?\b")),
    ("month", re.compile(rf"\b(?:in|during|of|last|this)\s+(?P<m>{_MONTHS})(?:\s+(?P<y>{_YEAR}))?\b")),
    ("month", re.compile(rf"\b(?P<m>{_MONTHS})\s+(?P<y>{_YEAR})\b")),
    ("since_year", re.compile(rf"\bsince\s+(?P<y>{_YEAR})\b")),
    ("year", re.compile(rf"\b(?:in|during)\s+(?P<y>{_YEAR})\b")),
    ("today", re.compile(r"\b(?:today|tonight|this morning|this afternoon|this evening)\b", re.I)),
    ("yesterday", re.compile(r"\b(?:yesterday|last night)\b", re.I)),
    ("days_ago", re.compile(r"\b(?P<n>\d+|two|three|four|five|six|a few|several)\s+days\s+ago\b", re.I)),
    ("this_week", re.compile(r"\b(?:this|the past|the last)\s+week(?:end)?\b", re.I)),
    ("last_week", re.compile(r"\blast\s+week(?:end)?\b", re.I)),
    ("this_month", re.compile(r"\b(?:this|the past)\s+month\b", re.I)),
    ("last_month", re.compile(r"\blast\s+month\b", re.I)),
    ("this_year", re.compile(r"\b(?:so far\s+)?this\s+year(?:'s)?\b", re.I)),
    ("last_year", re.compile(r"\blast\s+year(?:'s)?\b", re.I)),
    ("recent", re.compile(r"\b(?:recently|recent|latest|currently|current|newest|most recent|now|new)\b")),
]
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a few": 3, "several": 4}


def find_time(question: str, as_of: date) -> TimeFrame | None:
    """The first expression of time in `question`, resolved against `as_of`; None when there is none."""
    refused: list[tuple[int, int]] = []  # expressions read but not usable (after the as-of date)
    for kind, pattern in _RULES:
        for m in pattern.finditer(question):
            if any(a < m.end() and m.start() < b for a, b in refused):
                continue  # part of a longer expression already read ("9 January 2026" is not "January 2026")
            frame = _resolve(kind, m, as_of)
            if frame is not None:
                return frame
            refused.append(m.span())
    return None


def without_time(question: str, frame: TimeFrame | None) -> str:
    """`question` with the time expression taken out (what the lexical query should match)."""
    if frame is None:
        return question
    a, b = frame.span
    return re.sub(r"\s+([?.!,;:])", r"\1", " ".join(f"{question[:a]} {question[b:]}".split()))


# A question without words of time can still be about now by its grammar: the present perfect ("Which company
# has been grounded?"), the present progressive ("Which pop star is being associated with ...?") and the
# future ("will soon decide", "is set to reprise", "upcoming", below). `current_event` finds those words.
_PARTICIPLES = (
    r"been|\w{2,}ed|won|made|said|hit|set|put|run|sold|bought|told|found|brought|struck|held|kept|lost|met|paid|"
    r"sent|spent|shut|cut|left|led|fled|begun|become|come|gone|done|seen|taken|given|fallen|risen|stolen|written|"
    r"chosen|driven|broken|beaten|proven|grown|shown|drawn|thrown|flown|known|sworn|withdrawn|overtaken|"
    r"undertaken|sunk|dealt|built|caught|fought|thought|sought|laid|quit|split|spread|hurt|shot|stood|got|gotten"
)
_ADVERBS = r"(?:(?:not|just|already|recently|now|currently|still|also|officially|finally|reportedly|again)\s+)?"
_PERFECT = re.compile(rf"\b(?:has|have)\s+{_ADVERBS}(?:{_PARTICIPLES})\b", re.I)
_PROGRESSIVE = re.compile(rf"\b(?:is|are)\s+{_ADVERBS}([a-z]+ing)\b")
_NOT_VERBS = frozenset(
    "thing something nothing anything everything king ring spring string sibling wing during ceiling "
    "darling pudding wedding building meaning funding ruling ending evening morning".split()
)
_NEAR_FUTURE = re.compile(
    r"\b(?:will soon|(?:is|are) (?:set|expected|poised|about|planning) to|upcoming|forthcoming)\b", re.I
)
# The future, and what comes next, is news of the as-of date too: "Which state will host the final?", "Director
# Sam Mendes is to make ...", "France's next prime minister" ("the newest" is a word of time: `TimeFrame.asks_newest`).
# Case matters: "Will Smith".
_FUTURE = re.compile(r"\b(?:will|(?:is|are) to)\s+(?:not\s+|likely\s+)?[a-z]+\b|\bnext\b(?!\s+to\b)")
# A record is not news of the week: "Who has won the most Grand Slam titles?", "the highest-grossing ever".
_RECORD = re.compile(r"\b(?:ever|all-time|all time|in history|the most|record)\b", re.I)


def current_event(question: str) -> str | None:
    """The words by which `question` presumes a current event, or None: a verb in the present perfect ("has
    been grounded"), the present progressive ("is facing") or the future ("will soon decide", "is set to",
    "will host", "is to make"; "upcoming"), or what comes next ("the next"), unless the
    question asks about a record ("ever", "the most"). Words of time, when a question has them, decide
    instead (`find_time`)."""
    if _RECORD.search(question):
        return None
    searched = (_PERFECT.search(question), _NEAR_FUTURE.search(question), _FUTURE.search(question))
    found = [m.group(0) for m in searched if m]
    found += [m.group(0) for m in _PROGRESSIVE.finditer(question) if m.group(1).lower() not in _NOT_VERBS]
    return found[0] if found else None


def _resolve(kind: str, m: re.Match[str], as_of: date) -> TimeFrame | None:
    phrase, span = m.group(0), m.span()
    tomorrow = as_of + timedelta(days=1)

    absolute = kind in ("date", "month", "since_month", "year", "since_year")

    def window(start: date | None, end: date | None) -> TimeFrame:
        end = min(end, tomorrow) if end is not None else tomorrow
        return TimeFrame(phrase, span, start, end, relative=not absolute)

    if kind == "recent":
        return TimeFrame(phrase, span, recent=True)
    if kind == "today":
        return window(as_of, tomorrow)
    if kind == "yesterday":
        return window(as_of - timedelta(days=1), tomorrow)
    if kind == "days_ago":
        n = _NUMBER_WORDS.get(m["n"].lower()) or int(m["n"])
        return window(as_of - timedelta(days=n + 1), tomorrow)
    if kind == "this_week":
        return window(as_of - timedelta(days=WEEK), tomorrow)
    # "Last week", "last month", "last year": the period starts then, and its news is reported until today
    # (a quiz on 12 January asks about last week's door blow-out, reported on 9 January).
    if kind == "last_week":
        return window(as_of - timedelta(days=2 * WEEK), tomorrow)
    if kind == "this_month":
        return window(as_of.replace(day=1), tomorrow)
    if kind == "last_month":
        first = as_of.replace(day=1)
        return window((first - timedelta(days=1)).replace(day=1), tomorrow)
    if kind == "this_year":
        return window(date(as_of.year, 1, 1), tomorrow)
    if kind == "last_year":
        return window(date(as_of.year - 1, 1, 1), tomorrow)
    month = month_number(m.groupdict().get("m") or "")
    year = int(m["y"]) if m.groupdict().get("y") else None
    if kind in ("year", "since_year"):
        assert year is not None
        if year > as_of.year:
            return None
        end = date(year + 1, 1, 1) + REPORTING_LAG if kind == "year" else tomorrow
        return window(date(year, 1, 1), end)
    if not month or not _capitalised(m, "m"):
        return None
    if year is None:  # the latest such month (or day) on or before the as-of date
        day = _day(m) if kind == "date" else 1
        year = as_of.year if (month, day) <= (as_of.month, as_of.day if kind == "date" else 1) else as_of.year - 1
    day_one = _valid_date(year, month, _day(m) if kind == "date" else 1, m.groupdict().get("y") is None)
    if day_one is None:
        return None
    if day_one > as_of:
        return None
    if kind == "date":
        return window(day_one, day_one + timedelta(days=1) + REPORTING_LAG)
    if kind == "since_month":
        return window(day_one, tomorrow)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return window(day_one, following + REPORTING_LAG)


def _valid_date(year: int, month: int, day: int, year_implied: bool) -> date | None:
    """The date, or for an implied year the latest year in which it exists (29 February); None if none."""
    for back in range(8 if year_implied else 1):
        try:
            return date(year - back, month, day)
        except ValueError:  # 29 February in a common year, or 31 April
            continue
    return None


def _day(m: re.Match[str]) -> int:
    d = m.groupdict().get("d")
    return int(re.sub(r"\D", "", d)) if d else 1


def _capitalised(m: re.Match[str], group: str) -> bool:
    """A month name only counts when written as one: "May", not the verb "may"."""
    return m[group][:1].isupper()


# ---------------------------------------------------------------- dates inside an article

_DAY_RULES = [pattern for kind, pattern in _RULES if kind == "date"]


def named_days(text: str, published: date) -> list[date]:
    """The calendar days `text` names with a month name ("on Feb. 6", "23 January 2024"), a day without its
    year taken as the one nearest `published` (an article of 23 January means the coming 6 February)."""
    found: list[date] = []
    for pattern in _DAY_RULES:
        for m in pattern.finditer(text):
            month = month_number(m["m"])
            if not month or not _capitalised(m, "m"):
                continue
            years = [int(m["y"])] if m["y"] else [published.year - 1, published.year, published.year + 1]
            days = [d for y in years if (d := _valid_date(y, month, _day(m), False)) is not None]
            if days:
                found.append(min(days, key=lambda d: abs((d - published).days)))
    return sorted(set(found))


# ---------------------------------------------------------------- relative dates inside an article

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(
    r"\b(?:(?P<plain>today|tonight|yesterday|tomorrow|last night)"
    r"|(?P<which>last|this|on|next)\s+(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"|(?P<n>\d+|two|three|four|five|six)\s+days\s+ago)\b",
    re.IGNORECASE,
)


def resolve_relative(text: str, published: date) -> list[tuple[str, date]]:
    """The relative dates in an article's `text` ("yesterday", "last Tuesday", "three days ago") resolved
    against its publication date, each with the words as written; vague ones ("a few nights ago") are not
    resolvable and are left out. A weekday after "on" or "last" is the latest such day before publication."""
    found: list[tuple[str, date]] = []
    for m in _RELATIVE.finditer(text):
        phrase = m.group(0)
        if m["plain"]:
            offset = {"today": 0, "tonight": 0, "yesterday": -1, "last night": -1, "tomorrow": 1}[m["plain"].lower()]
            day = published + timedelta(days=offset)
        elif m["weekday"]:
            target = _WEEKDAYS.index(m["weekday"].lower())
            back = (published.weekday() - target) % 7
            if m["which"].lower() == "next":
                day = published + timedelta(days=(target - published.weekday()) % 7 or 7)
            elif m["which"].lower() == "last":
                day = published - timedelta(days=back or 7)
            else:  # "on Tuesday", "this Tuesday": the latest such day, the publication day included
                day = published - timedelta(days=back)
        else:
            day = published - timedelta(days=_NUMBER_WORDS.get(m["n"].lower()) or int(m["n"]))
        if (phrase.lower(), day) not in {(p.lower(), d) for p, d in found}:
            found.append((phrase, day))
    return found


def written(day: date) -> str:
    """A date as news prose writes it: "Tuesday 31 March 2026"."""
    return f"{_WEEKDAYS[day.weekday()].title()} {day.day} {day.strftime('%B %Y')}"


def dating_note(text: str, published_at: str) -> str:
    """A line saying what the relative dates of a passage mean, for whoever checks a claim against it
    ("" when it has none, or no publication date)."""
    published = day_of(published_at)
    if published is None:
        return ""
    resolved = resolve_relative(text, published)
    if not resolved:
        return ""
    meanings = "; ".join(f"'{phrase}' is {written(day)}" for phrase, day in resolved)
    return f"(This passage was published on {written(published)}: {meanings}.)"


def parse_as_of(value: str) -> str:
    """An as-of date given by a user (`--as-of`, `"as_of"`) as an ISO date: "" stays "" (today, at ask
    time), "today" is today; anything but a calendar date is refused, naming the value. A date after today
    is accepted (the answer notes it)."""
    value = value.strip()
    if not value:
        return ""
    if value.lower() == "today":
        return date.today().isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"as_of must be a date such as 2026-01-08, got {value!r}") from None
