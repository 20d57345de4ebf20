"""What a question asks for, and whether an answer sentence gives it.

A quiz question often opens with context and asks at the end ("Cartoonist Scott Adams died this week. He
was best known for creating which comic strip?"): `focus` is the part that asks. `expected_kind` reads
the kind of thing asked for (a person for "who", a place for "where" or "which city", a number for "how
many", a year for "what year", a date for "when"), and `gives_kind` says whether a sentence holds such a
thing beyond the question's own words (a country, `rag.countries`, for "which country"). `asked_relation`
reads what the thing must have done or be ("won" of "Who won ...?", "attempts" of "How many hacking attempts
...?"), and `holds_relation` whether a sentence says it; `kin_pair` which of two relatives a question asks
about ("Jason Kelce's brother Travis"). An answer that does not give what was asked ("Where was he captured?"
answered with a sentence that names no place) is not an answer, however well supported.

Deterministic and conservative: a kind is read only from plain wh-phrases; anything else (what, which
comic strip) asks for no particular kind and every sentence passes.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

from rag.countries import COUNTRIES, is_country_word
from rag.dates import month_number
from rag.text import (
    IRREGULAR_PAST,
    MONTHS,
    STOPWORDS,
    WEEKDAYS,
    content_words,
    in_words,
    normalise,
    split_sentences,
    words,
)


class Kind(StrEnum):
    PERSON = "person"
    PLACE = "place"
    NAME = "name"  # an organisation, team, company, title: some proper name
    NUMBER = "number"
    YEAR = "year"
    DATE = "date"


_PLACE_NOUNS = "city country state town nation island region province county capital village continent port".split()
_NAME_NOUNS = (
    "company team organization organisation party firm brand network airline band newspaper outlet agency "
    "university club app film movie show book album song award prize group bank"
).split()
_PERSON_NOUNS = "person president minister leader ceo actor actress singer player man woman senator judge".split()

_KINDS: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.YEAR, re.compile(r"\b(?:in )?(?:what|which) year\b", re.I)),
    (Kind.DATE, re.compile(r"\b(?:when|(?:what|which) (?:date|day)|how long ago)\b", re.I)),
    (
        Kind.NUMBER,
        re.compile(r"\bhow (?:many|much|old|long|far|tall|high)\b|\bwhat (?:number|percentage|share)\b", re.I),
    ),
    (Kind.PERSON, re.compile(r"\b(?:who|whom|whose)\b", re.I)),
    (Kind.PERSON, re.compile(rf"\b(?:what|which) (?:\w+ )?(?:{'|'.join(_PERSON_NOUNS)})\b", re.I)),
    (Kind.PLACE, re.compile(rf"\bwhere\b|\b(?:what|which) (?:\w+ )?(?:{'|'.join(_PLACE_NOUNS)})\b", re.I)),
    (Kind.NAME, re.compile(rf"\b(?:what|which) (?:\w+ )?(?:{'|'.join(_NAME_NOUNS)})\b", re.I)),
]
_WH = re.compile(r"\b(?:who|whom|whose|what|which|where|when|why|how)\b", re.I)
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d{2}s?\b")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve dozen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred hundreds thousand thousands million millions billion billions trillion half".split()
)
# A date may be relative: "a few nights ago", "last summer", "earlier this month".
_DATE_WORDS = (
    frozenset(MONTHS)
    | WEEKDAYS
    | frozenset(
        "yesterday today tonight tomorrow ago morning evening night nights day days week weeks weekend month "
        "months year years decade spring summer autumn fall winter".split()
    )
)


def focus(question: str) -> str:
    """The part of `question` that asks: the last sentence holding a wh-word (all of it when none does)."""
    parts = [question[a:b] for a, b in split_sentences(question)]
    asking = [p for p in parts if _WH.search(p)]
    return asking[-1] if asking else question


def expected_kind(question: str) -> Kind | None:
    """The kind of thing `question` asks for, or None when it asks for no particular kind."""
    asked = focus(question)
    if re.search(r"\bwhy\b|\bhow (?:did|does|do|is|was|were|will|can|could)\b", asked, re.I):
        return None  # a reason or a manner: any kind of sentence may answer
    for kind, pattern in _KINDS:
        if pattern.search(asked):
            return kind
    return None


def gives_kind(sentence: str, kind: Kind, question: str) -> bool:
    """`sentence` holds a thing of `kind` that the question does not already hold; a country when the question
    asks for one ("Which European nation ...?": a place is not enough)."""
    if kind is Kind.PLACE and _COUNTRY.search(focus(question)):
        return names_country(sentence, question)
    sentence = normalise(sentence)  # without citation markers: "[1]" is not a number
    asked = set(words(normalise(question)))
    said = words(sentence)
    new = [w for w in said if not in_words(w, asked)]
    if kind is Kind.NUMBER:
        return any(_DIGIT.search(w) or w in _NUMBER_WORDS for w in new)
    if kind is Kind.YEAR:
        return any(_YEAR.fullmatch(w) for w in new)
    if kind is Kind.DATE:
        return any(_DIGIT.search(w) or w in _DATE_WORDS for w in new)
    return bool(proper_names(sentence, question))


_COUNTRY = re.compile(r"\b(?:what|which) (?:\w+ )?(?:country|nation)\b", re.I)
_COUNTRY_NAMES = frozenset(" ".join(words(name)) for name in COUNTRIES)  # "u.s." as "u s", as `words` reads it


def names_country(sentence: str, question: str = "") -> bool:
    """`sentence` names a country that `question` does not (`rag.countries`): by its name, capitalised ("the
    United States", "U.S.", not the pronoun "us"), or by its people's adjective ("Italian", "French")."""
    asked = set(words(normalise(question)))
    said = words(normalise(sentence), keep_case=True)
    low = [w.lower() for w in said]
    for i, word in enumerate(said):
        if not word[:1].isupper():
            continue
        for n in range(1, 6):  # "New Zealand" is not the question's own for its "new"
            name = low[i : i + n]
            if len(name) == n and " ".join(name) in _COUNTRY_NAMES and not all(in_words(w, asked) for w in name):
                return True
        if not in_words(low[i], asked) and is_country_word(low[i]):
            return True
    return False


def proper_names(sentence: str, question: str = "") -> list[str]:
    """Capitalised words of `sentence` that are not ordinary words (stopwords, months, weekdays) and not in
    `question`: the names an answer gives. A sentence often opens with its answer ("Texas is facing ..."),
    so its first word counts too, at the price of taking an opening "Officials" for a name: a check that an
    answer gives a name errs on the side of passing it."""
    sentence = normalise(sentence)
    asked = set(words(normalise(question)))
    names = []
    for token in words(sentence, keep_case=True):
        low = token.lower()
        capitalised = token[:1].isupper() and low not in STOPWORDS and low not in MONTHS and low not in WEEKDAYS
        if capitalised and not in_words(low, asked):
            names.append(token)
    return names


_SPAN_TOKEN = re.compile(r"[\w$%][\w&'’.,$%-]*[\w%]|[\w$%]")
_SCALES = frozenset("hundred thousand million billion trillion percent a.m p.m am pm".split())


def answer_span(sentence: str, question: str) -> str | None:
    """The one name or figure `sentence` gives that `question` does not hold, as the sentence writes it, or
    None when it gives none or several: "TikTok" of "TikTok is one step closer to being banned in the United
    States after the House passed a bill this week" asked "Which social media platform is one step closer to
    being banned ...?"; "171" of "About 171 jets were grounded". A span is a run of words each a name
    (`proper_names`: capitalised, not a month or weekday) or holding a digit ("Philadelphia 76ers"), a figure
    keeping its scale ("$8.5 billion")."""
    asked = set(words(normalise(question)))
    runs: list[list[str]] = []
    joined = False  # the previous word belongs to the last run
    dating = False  # the previous words are a date's ("March 28, 2024"): its figures are no answer's
    for m in _SPAN_TOKEN.finditer(normalise(sentence)):
        token = m.group(0).rstrip(".,")
        figure = any(c.isdigit() for c in token)
        dating = (token[:1].isupper() and month_number(token.rstrip(".")) > 0) or (dating and figure)
        scale = joined and token.lower() in _SCALES and any(c.isdigit() for c in runs[-1][-1])
        new = not any(in_words(w, asked) for w in words(token))
        if scale or (new and not dating and (figure or proper_names(token, question))):
            if joined:
                runs[-1].append(token)
            else:
                runs.append([token])
            joined = True
        else:
            joined = False
    spans = list(dict.fromkeys(" ".join(run) for run in runs))
    return spans[0] if len(spans) == 1 else None


def asked_words(question: str) -> list[str]:
    """The content words of the question's focus: what a passage sentence answering it talks about."""
    return content_words(focus(question))


# ---------------------------------------------------------------- what the question asks about

_AUXILIARIES = frozenset(
    "do does did is are was were be been being has have had will would can could should may might must".split()
)
# Words that say the same as a verb without inflecting it ("Who won?" answered "the winner was ...").
_SAME_AS = {"win": frozenset("winner winners victory victorious".split()), "lose": frozenset("loser losers".split())}
_WHO_VERB = re.compile(rf"\bwho((?: (?:{'|'.join(sorted(_AUXILIARIES))}))*) ([a-z]+)\b", re.I)
_HOW_MANY = re.compile(r"\bhow many ([\w'-]+(?: [\w'-]+){0,3})", re.I)


class Relation(NamedTuple):
    """What an answer must say to answer, not only name something (`asked_relation`)."""

    word: str  # "won", "attempts"
    act: bool  # the verb of "Who won ...?"; False for the counted noun of "How many attempts ...?"


def asked_relation(question: str) -> Relation | None:
    """The word an answer must hold to say what was asked, not only to name something: the verb of "Who won
    the Nevada primary?" ("won": a quote that Nikki Haley "opted to participate in" the primary names a
    person and says nothing of winning), the counted thing of "How many hacking attempts does JPMorgan fight
    off?" ("attempts": "about 1,000 people" is a number of something else). None for other questions, and
    when the word after "who" is not plainly a verb ("Who was the first ...?")."""
    asked = focus(question)
    if m := _WHO_VERB.search(asked):
        verb = m.group(2).lower()
        plain = verb in IRREGULAR_PAST or verb.endswith(("ed", "ing"))
        present = not m.group(1) and verb.endswith("s") and not verb.endswith("ss")  # "Who leads ...?"
        if verb not in STOPWORDS and verb not in _AUXILIARIES and (plain or present):
            return Relation(verb, act=True)
    if m := _HOW_MANY.search(asked):
        counted = None
        for word in m.group(1).lower().split():  # the noun phrase: up to its first verb or function word
            if word in STOPWORDS or word in _AUXILIARIES or word in IRREGULAR_PAST or word.endswith("ed"):
                break
            counted = word
        return Relation(counted, act=False) if counted else None
    return None


def holds_relation(sentence: str, word: str) -> bool:
    """`sentence` holds `word` (from `asked_relation`) in some inflection: "won" as "won", "wins", "winning",
    "winner"; "attempts" as "attempt"."""
    said = set(words(normalise(sentence)))
    said |= {IRREGULAR_PAST[w] for w in said if w in IRREGULAR_PAST}
    base = IRREGULAR_PAST.get(word, word)
    if in_words(word, said) or in_words(base, said) or _SAME_AS.get(base, frozenset()) & said:
        return True
    return any(w.startswith(base) and len(w) - len(base) <= 4 for w in said)  # "win" in "winning"


# ---------------------------------------------------------------- who of two relatives is asked about

_KIN = (
    "brother sister sibling twin wife husband spouse partner fiance fiancee fiancé fiancée boyfriend girlfriend "
    "widow widower son daughter father mother dad mom mum uncle aunt cousin nephew niece grandson granddaughter "
    "grandfather grandmother"
).split()
_NAME = r"[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3}"
_KIN_PAIR = re.compile(
    rf"({_NAME})['’]s\s+(?:(?:older|younger|elder|big|little|late|twin)\s+)?(?:{'|'.join(_KIN)}),?\s+({_NAME})"
)


class KinPair(NamedTuple):
    """Two relatives a question names, and which of them it asks about (`kin_pair`)."""

    other: str  # "Jason Kelce"
    asked: str  # "Travis"


def kin_pair(question: str) -> KinPair | None:
    """The relative a question asks about and the one it names to say who that is: "the NFL team that Jason
    Kelce's brother Travis plays for" asks about Travis, not Jason Kelce. None when the question names no such
    pair."""
    if m := _KIN_PAIR.search(focus(question)):
        other = m.group(1).split()
        while other and other[0].lower() in STOPWORDS:  # "Which Jason Kelce's ...": not "Which"
            other.pop(0)
        if other:
            return KinPair(" ".join(other), m.group(2))
    return None


# ---------------------------------------------------------------- questions about an article itself

_METADATA: list[tuple[str, re.Pattern[str]]] = [
    ("byline", re.compile(r"\bwho (?:wrote|authored|penned|is the author of|was the author of)\b|\bby whom\b", re.I)),
    (
        "published_at",
        re.compile(
            r"\b(?:when|on what (?:date|day)|what (?:date|day))\b.*\b(?:published|posted|written|come out|run)\b", re.I
        ),
    ),
    (
        "outlet",
        re.compile(
            r"\b(?:which|what) (?:outlet|newspaper|paper|publication|site|website|news (?:site|outlet|organi[sz]ation)|"
            r"media outlet)\b|\bwhere was (?:the|this|that) (?:article|story|report|piece) published\b",
            re.I,
        ),
    ),
]
# "this week" or "this year" is time, not the article ("Which newspaper slashed 20% of its staff this week?").
_ABOUT_AN_ARTICLE = re.compile(
    r"\b(?:article|story|report|piece)\b|\b(?:it|this|that)\b(?!\s+(?:week|weekend|month|year|season|morning|"
    r"afternoon|evening|day|time)\b)",
    re.I,
)
# Which outlet did something in the news is not which outlet published the article: a verb of publishing is.
_PUBLISHED = re.compile(
    r"\b(?:publish(?:ed)?|ran|run|carried|printed|posted|wrote|written|is (?:it|this) from)\b", re.I
)


def metadata_field(question: str) -> str | None:
    """The stored field of an article the question asks for ("Who wrote the article?": `byline`;
    "When was it published?": `published_at`; "Which outlet ran the story?": `outlet`), or None."""
    asked = focus(question)
    if not _ABOUT_AN_ARTICLE.search(asked):
        return None
    for field, pattern in _METADATA:
        if pattern.search(asked) and (field != "outlet" or _PUBLISHED.search(asked)):
            return field
    return None
