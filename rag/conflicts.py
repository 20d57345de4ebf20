"""Disagreement: when the passages give different values for what the question asks, find it.

Deterministic, no model (docs/answering.md, "Disagreement", says why and what it costs). `rag.disagreement`
states what is found in the answer.

1. **Claims.** Two passage sentences from different articles make a pair of rival claims when
   - they are worded alike (difflib ratio >= `ALIGNED`) and differ in exactly one value of the kind the
     question asks (`rag.question.expected_kind`; any kind when it asks for none), while no value of the
     question itself differs between them ("the 2018 winner" is not "the 2019 winner"): one story told
     twice with another figure, name or date; or
   - the question asks for a kind, both sentences hold the question's words (`FRAME`, a few synonyms
     allowed: "killed" for "died"; a name's words in the sentence itself) and each gives exactly one value
     of that kind; for a figure, one that counts what the question counts (its noun or unit), is no
     threshold or total ("1,215 delegates needed") and belongs to no other name ("Haley has 16").
   Values are compared normalised (`rag.values`): "twelve" and "12", hectares and acres, "Crosetto" and
   "Defense Minister Guido Crosetto" are one value; figures of different currencies or counted nouns are
   not compared at all.
2. **Sides.** Claims are grouped by value; other sentences about the question that give one side's value
   (and no other's) add their article to it. Each article counts once, for one side.
3. **Status.** `update` when every side is dated and the latest side's reports all come after the others'
   (the latest is given first, however many earlier reports gave the old value: a toll rises, an office
   changes hands); `minority` when one side has several articles and every other only one; otherwise
   `disagreement`, the best supported first.

Over 400 lines on purpose: the two ways of pairing rival claims and the guards that keep real news from
making false ones (measured in docs/answering.md) are one algorithm, read together.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.question import Kind, expected_kind, focus
from rag.text import STOPWORDS, content_words, in_words, split_sentences
from rag.types import Passage
from rag.values import Value, ValueKind, comparable, find_values, plain, same_noun, same_value

UPDATE, MINORITY, DISAGREEMENT = "update", "minority", "disagreement"  # a Disagreement's status

# difflib ratio of two sentences' words from which they tell one story: on RGB's planted facts the pairs score
# 0.69 to 0.97 (median 0.9); two reports worded alike about different things ("The Buccaneers won Super Bowl LV,
# played in Tampa" and "Tom Brady won a seventh title as Super Bowl LV was played in Tampa") score below 0.75.
ALIGNED = 0.75
SHARED = 3  # content words two sentences worded alike must share besides what differs
FRAME = 0.75  # share of the question's words a sentence must hold to give a claim on its own
_KINDS = {
    Kind.PERSON: ValueKind.NAME,
    Kind.PLACE: ValueKind.NAME,
    Kind.NAME: ValueKind.NAME,
    Kind.NUMBER: ValueKind.NUMBER,
    Kind.YEAR: ValueKind.DATE,
    Kind.DATE: ValueKind.DATE,
}
# Words a question asks with that a sentence giving the answer need not hold.
_ASKING = frozenset("many much number total amount figure".split())
# The few words news uses for one another when reporting a figure or an outcome.
_SYNONYMS = [
    frozenset("died dead death deaths killed kill fatalities toll lives".split()),
    frozenset("injured wounded hurt injuries".split()),
    frozenset("won win wins winner winners victory champion".split()),
    frozenset("acquired acquire acquires bought buy buys purchased acquisition takeover".split()),
    frozenset("released release launched launch debuted premiered premiere".split()),
    frozenset("founded established created formed".split()),
]
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\$?\d+(?:[.,]\d+)*%?|[^\W\d_][\w'’\-]*|[^\w\s]")


@dataclass(frozen=True)
class Claim:
    """A passage sentence giving a value: `passage` indexes the passages, `sentence` is its span in the passage
    text and `value` is at passage.text[value.start:value.end]."""

    passage: int
    sentence: tuple[int, int]
    value: Value


@dataclass(frozen=True)
class Side:
    """One value and the claims that give it (one per passage)."""

    value: Value  # the most specific wording: what other values are compared with
    claims: tuple[Claim, ...]
    shown: Value | None = None  # the wording the statement uses (one of the claims' values)

    @property
    def text(self) -> str:
        return (self.shown or self.value).text


@dataclass(frozen=True)
class Disagreement:
    """What `find` found: the kind of value, the status, and the sides in the order the answer gives them."""

    slot: str
    kind: ValueKind
    status: str
    sides: tuple[Side, ...]
    passages: tuple[Passage, ...] = field(repr=False, default=())

    def lead(self) -> Side | None:
        """The side the answer may give as its answer, or None when the sources are evenly split."""
        if self.status in (UPDATE, MINORITY):
            return self.sides[0]
        counts = [self.count(s) for s in self.sides]
        return self.sides[0] if counts[0] > max(counts[1:]) else None

    def count(self, side: Side) -> int:
        """How many articles give this side's value."""
        return len({self.passages[c.passage].article_id for c in side.claims})


@dataclass(frozen=True)
class _Sentence:
    passage: int
    span: tuple[int, int]
    text: str
    tokens: list[tuple[str, int, int]]
    values: list[Value]  # in passage offsets, the question's own values left out
    asked: list[Value]  # the question's values it holds, in passage offsets
    title: str = ""  # its article's headline: what "the fire" in the sentence is

    @property
    def about(self) -> str:
        """The sentence with its headline, for the words of the question it holds."""
        return f"{self.title}\n{self.text}"


def find(question: str, passages: Sequence[Passage], relevant: Sequence[int] | None = None) -> Disagreement | None:
    """The disagreement among `passages` (those at indices `relevant`, all when None) about what `question`
    asks, or None when they agree or say nothing comparable."""
    asked = focus(question)
    kind = expected_kind(asked)
    wanted = _KINDS.get(kind) if kind else None
    question_values = find_values(question)
    question_words = {plain(w) for w in re.findall(r"[^\W_][\w'’\-.]*", question)}
    counted = _counted(asked)
    frame = _frame(asked, question_values, counted)
    chosen = range(len(passages)) if relevant is None else relevant
    sentences = [
        _sentence(i, span, passages[i].text, question_values, question_words, passages[i].title)
        for i in chosen
        for span in split_sentences(passages[i].text)
    ]
    pairs = _aligned_pairs(sentences, passages, wanted)
    if wanted is not None:
        pairs += _framed_pairs(sentences, passages, wanted, frame, question_values, counted)
    if not pairs:
        return None
    by_kind: dict[ValueKind, list[tuple[Claim, Claim]]] = {}
    for a, b in pairs:
        by_kind.setdefault(a.value.kind, []).append((a, b))
    kind_found, kind_pairs = max(by_kind.items(), key=lambda item: len(item[1]))
    sides = _rivals(_sides([c for pair in kind_pairs for c in pair]), kind_pairs)
    if len(sides) < 2:
        return None
    sides = _supported(sides, sentences, passages, frame)
    if len(sides) < 2:
        return None
    status, ordered = _order(sides, passages)
    return Disagreement(asked.strip(), kind_found, status, tuple(ordered), tuple(passages))


def _sentence(
    i: int, span: tuple[int, int], text: str, question: list[Value], words: set[str], title: str = ""
) -> _Sentence:
    a, b = span
    own, asked = [], []
    for v in find_values(text[a:b]):
        v = v.shifted(a)
        if _in_question(v, question, words):
            asked.append(v)
        else:
            own.append(v)
    tokens = [(m.group(0).lower(), a + m.start(), a + m.end()) for m in _TOKEN.finditer(text[a:b])]
    return _Sentence(i, span, text[a:b], tokens, own, asked, title)


def _frame(asked: str, question: list[Value], counted: str) -> list[str]:
    """The words of the question a sentence answering it holds: its content words but the asking ones and the
    counted noun (the figure's own noun is checked), and of a name only the last word ("Trump" for "Donald
    Trump": reports drop first names)."""
    first_names = {w for v in question if v.kind is ValueKind.NAME and len(v.core) > 1 for w in v.core[:-1]}
    return [w for w in content_words(asked) if w not in _ASKING and w != counted and w not in first_names]


def _counted(asked: str) -> str:
    """What a "how many" question counts ("How many delegates has Trump won?": "delegates"), or ""."""
    m = re.search(r"\bhow many\s+((?:[\w-]+\s+){0,3}[\w-]+)", asked, re.I)
    if not m:
        return ""
    words = m.group(1).split()
    # "How many Republican delegates": capitalised words before another noun qualify it; "How many Palestinians
    # have": a capitalised word before a stopword is the noun.
    i = 0
    while i < len(words) - 1 and words[i][:1].isupper() and words[i + 1].lower() not in STOPWORDS:
        i += 1
    noun = words[i].lower()
    return "" if noun in STOPWORDS else noun


def _in_question(v: Value, question: list[Value], words: set[str]) -> bool:
    """The question itself gives `v` (at least as precisely: "5 January 2020" is not "2020")."""
    if v.kind is ValueKind.NAME and all(in_words(w, words) for w in v.core):
        return True
    if v.kind is ValueKind.DATE:
        return any(q.kind is ValueKind.DATE and _no_finer(v, q) for q in question)
    return any(comparable(q, v) and same_value(q, v) for q in question)


def _no_finer(v: Value, q: Value) -> bool:
    return all(x is None or x == y for x, y in zip(v.day, q.day, strict=True))


def _about_another(s: _Sentence, question: list[Value]) -> bool:
    """The sentence names something longer than a name of the question ("Ocarina of Time Re-Arranged Album"
    for "Ocarina of Time"; one more word than a one-word name is a first name: "Guido Crosetto" for
    "Crosetto"): it is about that other thing."""
    names = [set(q.core) for q in question if q.kind is ValueKind.NAME]
    return any(
        n < set(v.core) and len(set(v.core) - n) >= (1 if len(n) > 1 else 2)
        for v in [*s.values, *s.asked]
        if v.kind is ValueKind.NAME
        for n in names
    )


# ---------------------------------------------------------------- claims


def _aligned_pairs(
    sentences: list[_Sentence], passages: Sequence[Passage], wanted: ValueKind | None
) -> list[tuple[Claim, Claim]]:
    """Sentences of two articles worded alike that differ in exactly one value of the wanted kind."""
    pairs = []
    for s, t in itertools.combinations(sentences, 2):
        if passages[s.passage].article_id == passages[t.passage].article_id or not (s.values and t.values):
            continue
        a, b = [w for w, _, _ in s.tokens], [w for w, _, _ in t.tokens]
        if min(len(a), len(b)) < 8 or len(set(a) & set(b)) < 0.5 * min(len(set(a)), len(set(b))):
            continue
        if len(set(content_words(s.text)) & set(content_words(t.text))) < SHARED:
            continue  # two dates and a few dots are not one story
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        if matcher.ratio() < ALIGNED:
            continue
        differences: list[tuple[Value, Value]] = []
        for (i1, i2), (j1, j2) in _regions(matcher.get_opcodes(), a, b):
            left = _within(s, i1, i2)
            right = _within(t, j1, j2)
            if _within_asked(s, i1, i2) or _within_asked(t, j1, j2):
                differences = []  # the two sentences are about different things the question names
                break
            for v in left:
                rival = next((w for w in right if comparable(v, w)), None)
                if rival is not None and not same_value(v, rival) and not _same_head(v, rival):
                    differences.append((v, rival))
        wanted_differences = [d for d in differences if wanted is None or d[0].kind is wanted]
        if len(wanted_differences) != 1 or (len(differences) > 1 and not _dated_apart(s, t, passages)):
            continue
        v, w = wanted_differences[0]
        if v.kind is ValueKind.NAME and (v.initial or w.initial) and not (_name_like(v) and _name_like(w)):
            continue
        pairs.append((Claim(s.passage, s.span, v), Claim(t.passage, t.span, w)))
    return pairs


def _regions(
    opcodes: Sequence[tuple[str, int, int, int, int]], a: list[str], b: list[str]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The changed regions of a diff, neighbouring ones joined across a comma or one short word between
    them ("Glendale, Arizona" for "Tampa, Florida" is one change)."""
    regions: list[list[int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if regions:
            last = regions[-1]
            gap = a[last[1] : i1]
            if len(gap) <= 1 and all(len(g) <= 3 for g in gap):
                last[1], last[3] = i2, j2
                continue
        regions.append([i1, i2, j1, j2])
    return [((r[0], r[1]), (r[2], r[3])) for r in regions]


def _within(s: _Sentence, i1: int, i2: int) -> list[Value]:
    if i1 >= i2:
        return []
    start, end = s.tokens[i1][1], s.tokens[i2 - 1][2]
    return [v for v in s.values if v.start < end and start < v.end]


def _within_asked(s: _Sentence, i1: int, i2: int) -> bool:
    if i1 >= i2:
        return False
    start, end = s.tokens[i1][1], s.tokens[i2 - 1][2]
    return any(v.start < end and start < v.end for v in s.asked)


def _dated_apart(s: _Sentence, t: _Sentence, passages: Sequence[Passage]) -> bool:
    """Two reports published on different days may differ in more than one value (the date it happened, the
    figure): an update. Undated or same-day reports that do are about different things."""
    a, b = passages[s.passage].published_at[:10], passages[t.passage].published_at[:10]
    return bool(a and b and a != b)


def _same_head(v: Value, w: Value) -> bool:
    """Two names with one last word ("Contact Molly Murray", "Reach Molly Murray"; "Joe Biden", "Hunter
    Biden") may or may not be one person: never a disagreement."""
    return v.kind is ValueKind.NAME and bool(v.core and w.core) and v.core[-1] == w.core[-1]


def _name_like(v: Value) -> bool:
    """A capitalised word that starts a sentence is a name only if it does not read as an ordinary word."""
    return not v.initial or v.text.isupper() or "." in v.text or not v.text.lower().endswith(("ly", "ing", "ed"))


def _framed_pairs(
    sentences: list[_Sentence],
    passages: Sequence[Passage],
    wanted: ValueKind,
    frame: list[str],
    question: list[Value],
    counted: str,
) -> list[tuple[Claim, Claim]]:
    """Sentences of two articles that each hold the question's words and give one value of the wanted kind."""
    if len(frame) < (1 if counted else 2):
        return []
    claims = []
    for s in sentences:
        # A name is claimed only by a sentence that holds every word of the question itself: names abound.
        held = _held(frame, s.text) == 1.0 if wanted is ValueKind.NAME else _held(frame, s.about) >= FRAME
        if not held or _about_another(s, question):
            continue
        values = [v for v in s.values if v.kind is wanted]
        if wanted is ValueKind.NUMBER:
            values = [v for v in values if _counts_it(v, s, counted, passages[s.passage].text)]
            if counted and len(frame) < 2:  # a bare figure in a sentence that only names the subject: anything
                values = [v for v in values if v.noun or v.unit]
            values = [v for i, v in enumerate(values) if not any(same_value(v, w) for w in values[:i])]  # 2 units
        if len(values) == 1 and _name_like(values[0]):
            claims.append((s, values[0]))
    pairs = []
    for (s, v), (t, w) in itertools.combinations(claims, 2):
        if passages[s.passage].article_id == passages[t.passage].article_id:
            continue
        if not comparable(v, w) or same_value(v, w) or _same_head(v, w) or _other_dates_differ(s, t, v, w):
            continue
        if not _dated_apart(s, t, passages) and not (_held(frame, s.about) == 1.0 and _held(frame, t.about) == 1.0):
            continue  # undated or same-day reports: only sentences that hold every word of the question
        pairs.append((Claim(s.passage, s.span, v), Claim(t.passage, t.span, w)))
    return pairs


# A figure next to these words is a threshold or a total, not a tally: "1,215 delegates needed", "20 of the 1,215".
_THRESHOLD_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,2}(?:needed|required|up for grabs|at stake|available|in total|to (?:win|clinch|secure|reach))"
    r"\b|^\s+of (?:the|its|his|her|their)\b",
    re.I,
)
_THRESHOLD_BEFORE = re.compile(
    r"\b(?:of the|out of|total of|needs?(?: to \w+)?|needed(?: to \w+)?|must \w+|to (?:reach|secure|win|clinch|get)|"
    r"at stake|up for|majority of(?: the)?)\s+(?:at least\s+|the\s+)?$",
    re.I,
)
# A figure whose nearest name of the question is farther than this (in words) while another name is nearer
# belongs to that other thing: "... only behind the Amarillo East Complex fires that burned 900,000 acres".
NEAR = 12


def _counts_it(v: Value, s: _Sentence, counted: str, text: str) -> bool:
    """A figure of the sentence is a tally of what the question counts: not a threshold or a total, of the unit
    the question counts in (acres) or of its noun (people, delegates) or bare, and not another thing's: not
    given to another name just before it ("Trump has 31 delegates and Haley has 16": 16 is Haley's) and not
    nearer another name than the question's, when the question's are far."""
    window = text[max(0, v.start - 30) : v.start]
    if _THRESHOLD_AFTER.match(text[v.end : v.end + 40]) or _THRESHOLD_BEFORE.search(window):
        return False
    unit = find_values(f"1 {counted}")[0].unit if counted else ""
    if counted and (v.unit != unit or (v.noun and not same_noun(v.noun, counted))):
        return False
    if counted and re.match(rf"\s+(?:[A-Z][\w'’.-]*\s+){{1,3}}{re.escape(counted)}\b", text[v.end : v.end + 60]):
        return False  # "11 New Hampshire delegates": one state's share, not the tally
    names = [n for n in s.values if n.kind is ValueKind.NAME]
    before = [n for n in names if n.end <= v.start]
    nearest = max(before, key=lambda n: n.end, default=None)
    if nearest is not None:
        between = text[nearest.end : v.start]
        if len(between.split()) <= 3 and not re.search(r"[,;:]", between):
            return False
    return not names or _words_apart(v, s.asked, text) <= NEAR or _words_apart(v, names, text) > NEAR


def _words_apart(v: Value, others: Sequence[Value], text: str) -> float:
    """How many words lie between `v` and the nearest of `others` (infinite when there is none)."""
    gaps = [
        len(text[o.end : v.start].split()) if o.end <= v.start else len(text[v.end : o.start].split())
        for o in others
        if o.kind is ValueKind.NAME
    ]
    return min(gaps, default=float("inf"))


def _other_dates_differ(s: _Sentence, t: _Sentence, v: Value, w: Value) -> bool:
    """Both sentences date what they say, and the dates differ: "31 in 2019" and "12 in 2020" both hold."""
    a = [d for d in s.values if d.kind is ValueKind.DATE and d is not v]
    b = [d for d in t.values if d.kind is ValueKind.DATE and d is not w]
    return bool(a and b) and not any(same_value(x, y) for x in a for y in b)


def _held(frame: list[str], text: str) -> float:
    """The share of the question's words `text` holds, close inflections and the few synonyms counting."""
    pool = set(content_words(text))
    widened = pool | {w for group in _SYNONYMS if any(in_words(p, set(group)) for p in pool) for w in group}
    return sum(in_words(w, widened) for w in frame) / len(frame) if frame else 0.0


# ---------------------------------------------------------------- sides and their order


def _sides(claims: list[Claim]) -> list[Side]:
    """Claims grouped by value, the most specific wording of each value first; one claim per passage."""
    ordered = sorted(claims, key=lambda c: (-len(c.value.core), -len(c.value.text)))
    groups: list[list[Claim]] = []
    for claim in ordered:
        group = next((g for g in groups if same_value(g[0].value, claim.value)), None)
        if group is None:
            groups.append([claim])
        elif all(c.passage != claim.passage for c in group):
            group.append(claim)
    return _exclusive([Side(g[0].value, tuple(g), _display(g)) for g in groups])


def _rivals(sides: list[Side], pairs: list[tuple[Claim, Claim]]) -> list[Side]:
    """The sides that still hold both claims of a rival pair with another side (a passage counts for one side
    only, which can leave a claim's rival without its passage)."""
    where = {c: i for i, side in enumerate(sides) for c in side.claims}
    linked = {where[c] for a, b in pairs if a in where and b in where and where[a] != where[b] for c in (a, b)}
    return [side for i, side in enumerate(sides) if i in linked]


def _display(claims: list[Claim]) -> Value:
    """How a side's value is worded: for a name, the shortest wording of two words or more ("Guido Crosetto"
    rather than "Crosetto" or "Defense Minister Guido Crosetto"); otherwise the most specific."""
    value = claims[0].value
    if value.kind is not ValueKind.NAME:
        return value
    return min((c.value for c in claims), key=lambda v: (len(v.core) < 2, len(v.core), len(v.text)))


def _exclusive(sides: list[Side]) -> list[Side]:
    """A passage counts for the first side it gives; a side left with no passage goes."""
    seen: set[int] = set()
    out = []
    for side in sides:
        claims = tuple(c for c in side.claims if c.passage not in seen)
        seen |= {c.passage for c in claims}
        if claims:
            out.append(Side(side.value, claims, side.shown))
    return out


def _supported(
    sides: list[Side], sentences: list[_Sentence], passages: Sequence[Passage], frame: list[str]
) -> list[Side]:
    """Each side with the other passages that give its value in a sentence about the question."""
    claimed = {c.passage for side in sides for c in side.claims}
    grown = [list(side.claims) for side in sides]
    for s in sentences:
        if s.passage in claimed or (frame and _held(frame, s.about) < 0.5):
            continue
        matches = {
            i: v
            for v in s.values
            for i, side in enumerate(sides)
            if comparable(side.value, v) and same_value(side.value, v)
        }
        if len(matches) == 1:  # a sentence that gives two sides ("between Trump and Biden") supports neither
            ((i, v),) = matches.items()
            grown[i].append(Claim(s.passage, s.span, v))
            claimed.add(s.passage)
    return [Side(side.value, tuple(g), side.shown) for side, g in zip(sides, grown, strict=True)]


def _order(sides: list[Side], passages: Sequence[Passage]) -> tuple[str, list[Side]]:
    def days(side: Side) -> list[str]:
        return sorted(passages[c.passage].published_at[:10] for c in side.claims)

    def count(side: Side) -> int:
        return len({passages[c.passage].article_id for c in side.claims})

    by_date = sorted(sides, key=lambda s: days(s)[-1], reverse=True)
    # Reports of one story on different days: the later one is the update (a toll rises, an office changes
    # hands), however many earlier reports gave the old value; the answer still names them and their dates.
    if all(all(days(s)) for s in sides) and all(days(by_date[0])[0] > days(s)[-1] for s in by_date[1:]):
        return UPDATE, by_date
    ranked = sorted(sides, key=lambda s: (count(s), days(s)[-1]), reverse=True)
    counts = [count(s) for s in ranked]
    if counts[0] >= 2 and all(c == 1 for c in counts[1:]):
        return MINORITY, ranked
    return DISAGREEMENT, ranked
