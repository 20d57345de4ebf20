"""Values in text, typed and normalised: numbers (with currency, scale, unit or counted noun), dates, years
and names, each with its character span, and whether two of them say the same thing.

What disagreement detection (`rag.conflicts`) compares: "12" and "twelve", "$1.65 billion" and
"$1,650,000,000", "40,000 hectares" and "about 99,000 acres", "Nov. 12, 2020" and "12 November 2020",
"Crosetto" and "Defense Minister Guido Crosetto", "U.S." and "United States" are each one value; "31
people" and "12 people" are two; "31 people" and "12 vehicles", or "$5" and "€5", cannot be compared.

Pure functions on strings, no model. Conservative: a figure is compared at the precision it is given in
("more than 24,000" holds "24,100"), and converted units within 3%.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from rag.text import MONTHS, STOPWORDS, WEEKDAYS, in_words


class ValueKind(StrEnum):
    NUMBER = "number"
    DATE = "date"  # a day, a month of a year, or a year named as a date ("in 2015")
    NAME = "name"  # a person, place, organisation: a run of capitalised words


@dataclass(frozen=True)
class Value:
    """One value found in a text, at text[start:end] == text (its surface form)."""

    kind: ValueKind
    text: str
    start: int
    end: int
    number: float | None = None  # NUMBER: the value in `unit`'s base (acres for hectares, metres for miles)
    unit: str = ""  # NUMBER: a currency ("usd"), a measure family ("area"), "percent", or "" for a bare count
    noun: str = ""  # NUMBER: the counted noun that follows ("people", "delegates"), lower-case
    digits: int = 0  # NUMBER: significant digits as written (24,000: 2), the precision it is compared at
    day: tuple[int | None, int | None, int | None] = (None, None, None)  # DATE: (year, month, day)
    core: tuple[str, ...] = ()  # NAME: its words without titles, lower-case, without accents
    initial: bool = False  # NAME: a single capitalised word that starts a sentence (maybe an ordinary word)

    def shifted(self, by: int) -> Value:
        """The same value with its span moved by `by` characters (from a sentence into its passage)."""
        return Value(
            self.kind, self.text, self.start + by, self.end + by, self.number, self.unit, self.noun, self.digits,
            self.day, self.core, self.initial,
        )  # fmt: skip


# ---------------------------------------------------------------- dates

_MONTH_NAMES = {m: i + 1 for i, m in enumerate(MONTHS)} | {
    m[:3]: i + 1 for i, m in enumerate(MONTHS) if m != "may"
} | {"sept": 9}  # fmt: skip
_MONTH = r"(?P<{}>" + "|".join(sorted((re.escape(m) for m in _MONTH_NAMES), key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]|20)\d\d"
_DATES = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(
        rf"\b{_MONTH.format('mon')}\s+(?P<d>\d{{1,2}}){_ORD}(?!\d)(?:(?:,\s*|\s+|\s+of\s+)(?P<y>{_YEAR}))?(?!\d)", re.I
    ),
    re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH.format('mon')}(?:,?\s+(?P<y>{_YEAR}))?(?!\d)", re.I),
    re.compile(rf"\b{_MONTH.format('mon')},?\s+(?P<y>{_YEAR})(?!\d)", re.I),
]
_LONE_YEAR = re.compile(rf"(?<![\w$€£.,-])(?P<y>{_YEAR})s?(?![\w%]|[.,]\d)")


def _dates(text: str) -> Iterator[Value]:
    taken: list[tuple[int, int]] = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            groups = m.groupdict()
            month = _MONTH_NAMES.get(groups["mon"].lower()) if groups.get("mon") else int(groups["m"])
            day = int(groups["d"]) if groups.get("d") else None
            year = int(groups["y"]) if groups.get("y") else None
            if groups.get("mon") and groups["mon"].lower() == "may" and not m.group(0)[0].isupper():
                continue  # "may 2" is a verb before a number
            if not month or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            taken.append((m.start(), m.end()))
            yield Value(ValueKind.DATE, m.group(0), m.start(), m.end(), day=(year, month, day))


# ---------------------------------------------------------------- numbers

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9}
_SCALES |= {"trillion": 1e12, "tn": 1e12}
_CURRENCIES = {"$": "usd", "us$": "usd", "usd": "usd", "€": "eur", "eur": "eur", "£": "gbp", "gbp": "gbp"}
_CURRENCIES |= {"¥": "jpy", "dollars": "usd", "dollar": "usd", "euros": "eur", "pounds sterling": "gbp"}
# measure words: (family, factor to the family's base)
_UNITS = {
    "acres": ("area", 1.0), "acre": ("area", 1.0), "hectares": ("area", 2.47105), "hectare": ("area", 2.47105),
    "ha": ("area", 2.47105), "square miles": ("area", 640.0), "sq miles": ("area", 640.0),
    "square kilometres": ("area", 247.105), "square kilometers": ("area", 247.105), "sq km": ("area", 247.105),
    "km2": ("area", 247.105), "miles": ("length", 1609.344), "mile": ("length", 1609.344), "mi": ("length", 1609.344),
    "kilometres": ("length", 1000.0), "kilometers": ("length", 1000.0), "km": ("length", 1000.0),
    "metres": ("length", 1.0), "meters": ("length", 1.0), "feet": ("length", 0.3048), "ft": ("length", 0.3048),
    "kilograms": ("mass", 1.0), "kg": ("mass", 1.0), "pounds": ("mass", 0.453592), "lbs": ("mass", 0.453592),
    "tonnes": ("mass", 1000.0), "tons": ("mass", 907.185), "metric tons": ("mass", 1000.0),
    "percent": ("percent", 1.0), "per cent": ("percent", 1.0), "%": ("percent", 1.0),
    "percentage points": ("points", 1.0),
}  # fmt: skip
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS if u != "%"), key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\w.\-/])(?P<cur>US\$|\$|€|£|¥|USD\s?|EUR\s?|GBP\s?)?"
    r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d/:]|[.,]\d|-\w)"
    r"(?:(?P<glued>bn|mn|tn|k|m)\b|\s?(?P<scale>thousand|million|billion|trillion|mln|bn)\b)?"
    rf"(?:\s?(?P<pct>%)|\s(?P<unit>{_UNIT_RE})\b|\s(?P<cur2>dollars?|euros|pounds sterling)\b)?",
    re.I,
)
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen".split()
    )
} | {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SPELLED = re.compile(
    r"\b(?P<n>(?:a\s+)?dozen|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:one|two|three|four|"
    r"five|six|seven|eight|nine))?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen)(?:\s+(?P<scale>hundred|thousand|million|billion))?\b(?!-)",
    re.I,
)
# Words between a number and what it counts that are not the counted noun ("31 more people").
_MODIFIERS = frozenset(
    "more other additional confirmed new total reported estimated registered known official separate further "
    "fewer people's".split()
)
# Words after a figure that are not what it counts: "above 30,000 since the war began", "1,000 so far".
_NOT_NOUNS = frozenset(
    """since per across among around toward towards within without including inside outside near last ago earlier
    later each every worldwide nationwide statewide far yet already today yesterday tonight overall total""".split()
)
_COUNTED = re.compile(r"\s+(?:(?:[a-z][\w-]*)\s+){0,1}?(?P<noun>[a-z][a-z-]{2,})\b")


def _numbers(text: str, taken: list[tuple[int, int]]) -> Iterator[Value]:
    found: list[Value] = []
    for m in _NUMBER.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        literal = m["n"]
        if _LONE_YEAR.fullmatch(literal) and not (m["cur"] or m["glued"] or m["scale"] or m["pct"] or m["unit"]):
            noun = _counted_noun(text, m.end())
            if not noun or (not noun.endswith("s") and noun != "people"):
                continue  # a year: left to the dates
        number = float(literal.replace(",", ""))
        scale = (m["glued"] or m["scale"] or "").lower()
        if scale == "m" and not m["cur"]:
            continue  # "5m" without a currency is five metres or minutes, not five million
        number *= _SCALES.get(scale, 1.0)
        currency = _CURRENCIES.get((m["cur"] or m["cur2"] or "").strip().lower(), "")
        unit, factor = _UNITS.get((m["unit"] or m["pct"] or "").lower(), ("", 1.0))
        found.append(_number_value(text, m.start(), m.end(), number * factor, currency or unit, _digits(literal)))
    for m in _SPELLED.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        words = m["n"].lower().split()[-1].split("-")
        number = 12.0 if words[0] == "dozen" else float(sum(_WORD_NUMBERS[w] for w in words))
        number *= {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}.get((m["scale"] or "").lower(), 1)
        found.append(_number_value(text, m.start(), m.end(), number, "", 2))
    yield from found


def _number_value(text: str, start: int, end: int, number: float, unit: str, digits: int) -> Value:
    noun = "" if unit else _counted_noun(text, end)
    surface_end = end
    if noun and (m := re.match(r"\s+" + re.escape(noun) + r"\b", text[end:])):
        surface_end = end + m.end()  # "31 people": the noun belongs to the figure as the answer states it
    return Value(ValueKind.NUMBER, text[start:surface_end], start, surface_end, number, unit, noun, digits)


def _counted_noun(text: str, end: int) -> str:
    m = _COUNTED.match(text, end)
    if not m:
        return ""
    words = [w for w in m.group(0).split() if w not in _MODIFIERS]
    noun = words[0].lower() if words else ""
    if noun.endswith(("ed", "ing")) and noun not in ("hundred",):
        return ""  # a verb: "twelve died", "31 remaining"
    return "" if noun in STOPWORDS or noun in _NOT_NOUNS or noun in _UNITS or noun in MONTHS else noun


def _digits(literal: str) -> int:
    """Significant digits as written: "24,000" has 2, "1,075" 4, "3.50" 3."""
    bare = literal.replace(",", "")
    if "." in bare:
        return len(bare.replace(".", "").lstrip("0")) or 1
    return len(bare.lstrip("0").rstrip("0")) or 1


# ---------------------------------------------------------------- names

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_][\w'’\-]*|\d[\w.,]*|[^\w\s]")
_CONNECTORS = frozenset("de van von bin al da del der du la le of".split())
# Words that describe who someone is rather than name them: left out when comparing names.
TITLES = frozenset(
    """mr mrs ms dr prof sir dame lord lady president vice prime minister ministers secretary senator sen rep
    representative gov governor mayor chancellor king queen prince princess pope general gen col colonel lt
    captain capt sgt sergeant admiral judge justice chief ceo chairman chairwoman chair director coach
    spokesman spokeswoman spokesperson deputy former foreign defense defence interior finance home health
    state justice attorney ambassador commissioner officer head leader premier emperor sheikh cardinal
    archbishop bishop rev reverend st saint""".split()
)
_SUFFIXES = frozenset("co corp inc ltd plc llc company group sa ag the".split())
_ALIASES = [
    frozenset({"us", "usa", "united states", "united states of america", "america"}),
    frozenset({"uk", "britain", "great britain", "united kingdom"}),
    frozenset({"un", "united nations"}),
    frozenset({"eu", "european union"}),
]


def plain(word: str) -> str:
    """`word` lower-case without accents and dots: "Pogačar" -> "pogacar", "U.S." -> "us"."""
    folded = unicodedata.normalize("NFKD", word)
    bare = "".join(c for c in folded if not unicodedata.combining(c)).lower().replace(".", "").replace("’", "'")
    return bare[:-2] if bare.endswith("'s") else bare


def _name_token(token: str) -> bool:
    low = token.lower().rstrip(".")
    return (
        token[:1].isupper()
        and low not in STOPWORDS
        and low not in _MONTH_NAMES
        and low not in WEEKDAYS
        and not token[:1].isdigit()
    )


def _names(text: str, taken: list[tuple[int, int]]) -> Iterator[Value]:
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    runs: list[list[tuple[str, int, int]]] = []
    run: list[tuple[str, int, int]] = []
    for i, (token, start, end) in enumerate([*tokens, ("", len(text), len(text))]):
        free = not any(a < end and start < b for a, b in taken)
        following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if free and token and _name_token(token) and re.search(r"['’]s$", token):
            # "Slovenia's Egan Bernal", "Marvel's Spider-Man": the possessor is a name of its own
            runs.append([*run, (token[:-2], start, end - 2)])
            run = []
            continue
        if free and token and _name_token(token):
            run.append((token, start, end))
            continue
        if free and run and token.lower() in _CONNECTORS and following and _name_token(following):
            run.append((token, start, end))
            continue
        if run:
            runs.append(run)
        run = []
    runs = _joined_places(text, runs)
    for run in runs:
        start, end = run[0][1], run[-1][2]
        words = [plain(t) for t, _, _ in run if t not in ","]
        core = tuple(w for w in words if w not in TITLES and w not in _SUFFIXES and w not in _CONNECTORS)
        if not core:
            continue
        initial = len(run) == 1 and _starts_sentence(text, start)
        yield Value(ValueKind.NAME, text[start:end], start, end, core=core, initial=initial)


def _joined_places(text: str, runs: list[list[tuple[str, int, int]]]) -> list[list[tuple[str, int, int]]]:
    """ "Tampa, Florida" and "Mountain View, California" are one place: a name, a comma, and a one- or two-word
    name that is not followed by another comma and name (a list: "Apple, Google, Meta")."""
    out: list[list[tuple[str, int, int]]] = []
    i = 0
    while i < len(runs):
        run = runs[i]
        if i + 1 < len(runs) and len(runs[i + 1]) <= 2 and re.fullmatch(r",\s*", text[run[-1][2] : runs[i + 1][0][1]]):
            after = text[runs[i + 1][-1][2] :]
            before = text[: run[0][1]]
            listed = re.match(r"\s*(?:,\s*[A-Z]|and\s+[A-Z]|or\s+[A-Z])", after) or re.search(r"[A-Z]\w*,\s*$", before)
            if not listed:
                comma = (",", run[-1][2], runs[i + 1][0][1])
                out.append([*run, comma, *runs[i + 1]])
                i += 2
                continue
        out.append(run)
        i += 1
    return out


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \"'“‘(")
    return not before or before[-1] in ".!?:\n"


# ---------------------------------------------------------------- all of them


def find_values(text: str) -> list[Value]:
    """Every value in `text`, in order of position: dates (and years) first, then numbers, then names, none
    overlapping another."""
    found = list(_dates(text))
    taken = [(v.start, v.end) for v in found]
    numbers = list(_numbers(text, taken))
    taken += [(v.start, v.end) for v in numbers]
    years = [
        # "the 1740s" holds 1740 to 1749: a decade is kept (so its digits are no figure) but agrees with any date
        Value(
            ValueKind.DATE,
            m.group(0),
            m.start(),
            m.end(),
            day=(None if m[0].endswith("s") else int(m["y"]), None, None),
        )
        for m in _LONE_YEAR.finditer(text)
        if not any(a < m.end() and m.start() < b for a, b in taken)
    ]
    taken += [(v.start, v.end) for v in years]
    names = list(_names(text, taken))
    return sorted([*found, *numbers, *years, *names], key=lambda v: v.start)


def comparable(a: Value, b: Value) -> bool:
    """Whether `a` and `b` are values of one thing that can agree or differ: the same kind and, for figures,
    the same currency or measure (after conversion) and no two different counted nouns."""
    if a.kind is not b.kind:
        return False
    if a.kind is ValueKind.NUMBER:
        if a.unit != b.unit:
            return False
        return not (a.noun and b.noun and not same_noun(a.noun, b.noun))
    return True


def same_value(a: Value, b: Value) -> bool:
    """`a` and `b` say the same thing (given `comparable`): one figure at the precision of the less precise
    (converted units within 3%), dates that agree on every part both give, names one of which holds the
    other's words (titles aside), or an acronym and what it stands for."""
    if a.kind is ValueKind.NUMBER:
        return _same_number(a, b)
    if a.kind is ValueKind.DATE:
        return all(x is None or y is None or x == y for x, y in zip(a.day, b.day, strict=True))
    return _same_name(a.core, b.core)


def _same_number(a: Value, b: Value) -> bool:
    x, y = a.number or 0.0, b.number or 0.0
    if x == y:
        return True
    if a.unit in ("area", "length", "mass") and abs(x - y) <= 0.03 * max(abs(x), abs(y)):
        return True  # converted units: reports round
    # At the precision of the rounder figure ("more than 24,000" holds 24,100), but no further than 10% apart:
    # "200,000" does not hold "150,000".
    digits = max(1, min(a.digits, b.digits))
    return _round(x, digits) == _round(y, digits) and abs(x - y) <= 0.1 * max(abs(x), abs(y))


def _round(x: float, digits: int) -> float:
    if x == 0:
        return 0.0
    from math import floor, log10

    return round(x, -floor(log10(abs(x))) + digits - 1)


# Nouns that count people: "150,000 people", "660,000 refugees" and "24,000 Palestinians" are comparable.
_PEOPLE = frozenset(
    """people persons individuals refugees civilians residents migrants children adults workers students patients
    passengers victims soldiers troops fans voters palestinians israelis ukrainians americans""".split()
)


def same_noun(a: str, b: str) -> bool:
    """Two counted nouns count the same thing: one noun inflected ("delegate", "delegates") or both people."""
    return a == b or in_words(a, {b}) or in_words(b, {a}) or (a in _PEOPLE and b in _PEOPLE)


def _same_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b:
        return False
    small, large = sorted((a, b), key=len)
    if set(small) <= set(large):
        return True
    joined_a, joined_b = " ".join(a), " ".join(b)
    if any(joined_a in group and joined_b in group for group in _ALIASES):
        return True
    return _acronym(small, large) or _acronym(large, small)


def _acronym(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return len(short) == 1 and len(long) > 1 and short[0] == "".join(w[0] for w in long)
