"""Disagreement: when the passages give different values for what the question asks, say so.

A stage the pipeline runs once the answer is verified. Deterministic, no model (see docs/answering.md,
"Disagreement", for why and what it costs):

1. **Claims.** Two passage sentences from different articles make a pair of rival claims when
   - they are worded alike (difflib ratio >= `ALIGNED`) and differ in exactly one value of the kind the
     question asks (`rag.question.expected_kind`; any kind when it asks for none), while no value of the
     question itself differs between them ("the 2018 winner" is not "the 2019 winner"): one story told
     twice with another figure, name or date; or
   - the question asks for a kind, both sentences hold the question's words (`FRAME`, a few synonyms
     allowed: "killed" for "died") and each gives exactly one value of that kind.
   Values are compared normalised (`rag.values`): "twelve" and "12", hectares and acres, "Crosetto" and
   "Defense Minister Guido Crosetto" are one value; figures of different currencies or counted nouns are
   not compared at all.
2. **Sides.** Claims are grouped by value; other sentences about the question that give one side's value
   add their article to it. Each article counts once.
3. **Status.** `update` when every side is dated and the latest side's reports all come after the others'
   (the latest is given first), unless a name or date is contradicted by fewer later sources than earlier
   ones (a figure changes as a story runs; a place or a winner seldom does); `minority` when one side has
   several articles and every other only one; otherwise `disagreement`, the best supported first.
4. **Statement.** One sentence attributes each value to its sources, with outlet and date from the
   articles' stored fields ("The Guardian reported 31 people on 4 March 2024 [1]; an earlier AP report, of
   2 March 2024, gave 12 people [2]."). It is built from the extracted values and checked like any other
   claim, deterministically: each value must be in the sentence of the passage it cites (`check`). Answer
   sentences that give a minority or outdated value, or either side of a tie, are dropped (`settle`).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from rag.citations import assemble
from rag.question import Kind, expected_kind, focus
from rag.text import content_words, in_words, split_sentences
from rag.types import Conflict, ConflictSource, ConflictValue, Passage, Reason, ReasonKind, Sentence, Source
from rag.values import Value, ValueKind, comparable, find_values, plain, same_value
from rag.verify import CheckedSentence

DISAGREEMENT = "disagreement"  # the verdict of the sentence that states a disagreement
UPDATE, MINORITY = "update", "minority"

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


def find(question: str, passages: Sequence[Passage], relevant: Sequence[int] | None = None) -> Disagreement | None:
    """The disagreement among `passages` (those at indices `relevant`, all when None) about what `question`
    asks, or None when they agree or say nothing comparable."""
    asked = focus(question)
    kind = expected_kind(asked)
    wanted = _KINDS.get(kind) if kind else None
    question_values = find_values(question)
    question_words = {plain(w) for w in re.findall(r"[^\W_][\w'’\-.]*", question)}
    frame = [w for w in content_words(asked) if w not in _ASKING]
    chosen = range(len(passages)) if relevant is None else relevant
    sentences = [
        _sentence(i, span, passages[i].text, question_values, question_words)
        for i in chosen
        for span in split_sentences(passages[i].text)
    ]
    pairs = _aligned_pairs(sentences, passages, wanted)
    if wanted is not None:
        pairs += _framed_pairs(sentences, passages, wanted, frame, question_values)
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


def _sentence(i: int, span: tuple[int, int], text: str, question: list[Value], words: set[str]) -> _Sentence:
    a, b = span
    own, asked = [], []
    for v in find_values(text[a:b]):
        v = v.shifted(a)
        if _in_question(v, question, words):
            asked.append(v)
        else:
            own.append(v)
    tokens = [(m.group(0).lower(), a + m.start(), a + m.end()) for m in _TOKEN.finditer(text[a:b])]
    return _Sentence(i, span, text[a:b], tokens, own, asked)


def _in_question(v: Value, question: list[Value], words: set[str]) -> bool:
    """The question itself gives `v` (at least as precisely: "5 January 2020" is not "2020")."""
    if v.kind is ValueKind.NAME and all(w in words for w in v.core):
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
                if rival is not None and not same_value(v, rival):
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


def _name_like(v: Value) -> bool:
    """A capitalised word that starts a sentence is a name only if it does not read as an ordinary word."""
    return not v.initial or v.text.isupper() or "." in v.text or not v.text.lower().endswith(("ly", "ing", "ed"))


def _framed_pairs(
    sentences: list[_Sentence], passages: Sequence[Passage], wanted: ValueKind, frame: list[str], question: list[Value]
) -> list[tuple[Claim, Claim]]:
    """Sentences of two articles that each hold the question's words and give one value of the wanted kind."""
    if len(frame) < 2:
        return []
    claims = []
    for s in sentences:
        if _held(frame, s.text) < FRAME or _about_another(s, question):
            continue
        values = [v for v in s.values if v.kind is wanted]
        if len(values) == 1 and _name_like(values[0]):
            claims.append((s, values[0]))
    pairs = []
    for (s, v), (t, w) in itertools.combinations(claims, 2):
        if passages[s.passage].article_id == passages[t.passage].article_id:
            continue
        if not comparable(v, w) or same_value(v, w) or _other_dates_differ(s, t, v, w):
            continue
        if not _dated_apart(s, t, passages) and not (_held(frame, s.text) == 1.0 and _held(frame, t.text) == 1.0):
            continue  # undated or same-day reports: only sentences that hold every word of the question
        pairs.append((Claim(s.passage, s.span, v), Claim(t.passage, t.span, w)))
    return pairs


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
        if s.passage in claimed or (frame and _held(frame, s.text) < 0.5):
            continue
        for v in s.values:
            matches = [i for i, side in enumerate(sides) if comparable(side.value, v) and same_value(side.value, v)]
            if len(matches) == 1:
                grown[matches[0]].append(Claim(s.passage, s.span, v))
                claimed.add(s.passage)
                break
    return [Side(side.value, tuple(g), side.shown) for side, g in zip(sides, grown, strict=True)]


def _order(sides: list[Side], passages: Sequence[Passage]) -> tuple[str, list[Side]]:
    def days(side: Side) -> list[str]:
        return sorted(passages[c.passage].published_at[:10] for c in side.claims)

    def count(side: Side) -> int:
        return len({passages[c.passage].article_id for c in side.claims})

    by_date = sorted(sides, key=lambda s: days(s)[-1], reverse=True)
    later = all(all(days(s)) for s in sides) and all(days(by_date[0])[0] > days(s)[-1] for s in by_date[1:])
    # A figure that changes in later reports is a running count (a toll, a tally); a name or a date contradicted
    # by one later source against several earlier ones is more likely that source's error than a correction.
    if later and (by_date[0].value.kind is ValueKind.NUMBER or count(by_date[0]) >= max(map(count, by_date[1:]))):
        return UPDATE, by_date
    ranked = sorted(sides, key=lambda s: (count(s), days(s)[-1]), reverse=True)
    counts = [count(s) for s in ranked]
    if counts[0] >= 2 and all(c == 1 for c in counts[1:]):
        return MINORITY, ranked
    return DISAGREEMENT, ranked


# ---------------------------------------------------------------- the answer


@dataclass(frozen=True)
class Resolved:
    """An answer's sentences and sources with the disagreement stated, and what was dropped for it."""

    sentences: list[Sentence]
    sources: list[Source]
    dropped: list[Sentence]
    conflicts: list[Conflict]


def resolve(
    question: str,
    passages: Sequence[Passage],
    checked: Sequence[CheckedSentence],
    body_of: Callable[[str], str],
    relevant: Sequence[int] | None = None,
    on_statement: Callable[[CheckedSentence], None] | None = None,
    *,
    updates: bool = True,
) -> Resolved | None:
    """The verified sentences `checked` (citing `passages` by index) assembled with the statement of the
    disagreement among the passages about `question`, or None when there is none (or it does not hold:
    `check`). Without `updates`, values that differ by date are no disagreement (the question asked for the
    latest, and its answer is dated). `on_statement` receives the statement once it is checked (the ask
    stream sends it)."""
    found = find(question, passages, relevant)
    if found is None or check(found) or (found.status == UPDATE and not updates):
        return None
    kept, gone, gives_lead = settle(checked, found)
    said = statement(found)
    if on_statement is not None:
        on_statement(said)
    ordered = [*kept, said] if gives_lead else [said, *kept]
    sentences, sources, lost = assemble(ordered, passages, body_of)
    rendered = render(found, sources)
    if rendered is None:
        return None
    text, conflict = rendered
    sentences = [replace(s, text=text) if s.verdict == DISAGREEMENT else s for s in sentences]
    return Resolved(sentences, sources, gone + lost, [conflict])


def states(text: str, d: Disagreement) -> set[int]:
    """The indices of the sides whose value `text` (an answer sentence) gives."""
    found = set()
    for v in find_values(text):
        for i, side in enumerate(d.sides):
            if comparable(side.value, v) and same_value(side.value, v):
                found.add(i)
    return found


def settle(checked: Sequence[CheckedSentence], d: Disagreement) -> tuple[list[CheckedSentence], list[Sentence], bool]:
    """The answer's sentences that may stay, those that go (with the reason), and whether the kept ones give
    the leading value (so they come first and the statement after them). A sentence that gives a value
    other than the lead's (the minority's, an outdated one, either side of a tie) goes: presented alone,
    it would be a pick among sources that disagree."""
    lead = d.lead()
    kept, gone, gives_lead = [], [], False
    for c in checked:
        sides = states(c.text, d)
        if len(sides) != 1:
            kept.append(c)  # gives none of the values, or already weighs several
        elif lead is not None and d.sides[next(iter(sides))] is lead:
            kept.append(c)
            gives_lead = True
        else:
            reason = _why_dropped(d, d.sides[next(iter(sides))])
            gone.append(Sentence(c.text, (), c.verdict, round(c.support, 4), (reason,)))
    return kept, gone, gives_lead


def _why_dropped(d: Disagreement, side: Side) -> str:
    first = d.sides[0].text
    if d.status == UPDATE:
        return f"gives {side.text}, since updated: a later report gives {first}"
    if d.status == MINORITY:
        return f"gives {side.text}, which only one source gives; {d.count(d.sides[0])} give {first}"
    return f"gives {side.text} as if settled, but the sources disagree"


def statement(d: Disagreement) -> CheckedSentence:
    """The sentence that states the disagreement, citing (by passage index) every claim's passage at the
    sentence that gives the value; its text is worded with passage numbers and `render`ed once sources are
    numbered."""
    citations = tuple(dict.fromkeys(c.passage for side in d.sides for c in _by_date(d, side)))
    spans = {c.passage: c.sentence for side in d.sides for c in side.claims}
    reason = Reason(ReasonKind.FROM_VALUES, "built from the values the cited sentences give; outlets and dates from "
                    "the articles' stored fields")  # fmt: skip
    text = _wording(d, {i: i + 1 for i in citations})
    return CheckedSentence(text, citations, DISAGREEMENT, 1.0, (reason,), spans)


def check(d: Disagreement) -> list[str]:
    """What does not hold in the statement (empty when all does): every value it gives must be in the sentence
    of each passage it cites for it, as a value of the same kind that says the same."""
    problems = []
    for side in d.sides:
        for c in side.claims:
            text = d.passages[c.passage].text
            a, b = c.sentence
            shown = side.shown or side.value
            said = [v for v in find_values(text[a:b]) if comparable(shown, v) and same_value(shown, v)]
            if not said or text[c.value.start : c.value.end] != c.value.text:
                problems.append(f"{side.text!r} is not in the sentence of passage {c.passage + 1}")
    return problems


def render(d: Disagreement, sources: Sequence[Source]) -> tuple[str, Conflict] | None:
    """The statement with each value followed by its sources' [n] markers, and the public `Conflict`; None
    when a side lost every source (no quote could be located for it)."""
    numbers = {s.chunk_id: s.n for s in sources}
    by_n = {s.n: s for s in sources}
    located: dict[int, int] = {}
    for side in d.sides:
        for c in side.claims:
            n = numbers.get(d.passages[c.passage].chunk_id)
            if n is not None:
                located[c.passage] = n
    if any(not any(c.passage in located for c in side.claims) for side in d.sides):
        return None
    values = []
    for side in d.sides:
        cited = [c for c in _by_date(d, side) if c.passage in located]
        values.append(
            ConflictValue(
                side.text,
                [
                    ConflictSource(
                        located[c.passage], by_n[located[c.passage]].article_id, d.passages[c.passage].outlet,
                        d.passages[c.passage].published_at, d.passages[c.passage].text[c.sentence[0] : c.sentence[1]],
                    )
                    for c in cited
                ],
            )
        )  # fmt: skip
    conflict = Conflict(d.slot, d.kind.value, d.status, values)
    return _wording(d, located), conflict


def _by_date(d: Disagreement, side: Side) -> list[Claim]:
    return sorted(side.claims, key=lambda c: d.passages[c.passage].published_at, reverse=True)


# ---------------------------------------------------------------- wording

_NUMBERS = "no one two three four five six seven eight nine ten".split()


def _wording(d: Disagreement, numbers: dict[int, int]) -> str:
    """The statement, its markers numbered by `numbers` (passage index -> number); claims of passages not in
    `numbers` are left out."""
    parts = []
    for k, side in enumerate(d.sides):
        claims = [c for c in _by_date(d, side) if c.passage in numbers]
        markers = "".join(f"[{n}]" for n in sorted(numbers[c.passage] for c in claims))
        outlets = list(dict.fromkeys(d.passages[c.passage].outlet for c in claims if d.passages[c.passage].outlet))
        day = max((d.passages[c.passage].published_at[:10] for c in claims), default="")
        value = side.text
        if d.status == UPDATE:
            if k == 0 and outlets:
                parts.append(f"{_listed(outlets)} reported {value} on {_day(day)} {markers}")
            elif k == 0:
                parts.append(f"the latest report, of {_day(day)}, gives {value} {markers}")
            else:
                by = f" {_listed(outlets)}" if outlets else ""
                parts.append(f"an earlier{by} report, of {_day(day)}, gave {value} {markers}")
        elif d.status == MINORITY and k > 0:
            parts.append(f"only one{_attributed(outlets, day)} gives {value} {markers}")
        else:
            n = len(claims)
            who = _count(n) + _attributed(outlets, day)
            verb = "gives" if n == 1 else "give"
            parts.append(f"{who} {verb} {value} {markers}")
    text = "; ".join(parts) + "."
    if d.status == DISAGREEMENT:
        text = "The sources disagree: " + text
    return text[0].upper() + text[1:]


def _count(n: int) -> str:
    return f"{_NUMBERS[n] if n < len(_NUMBERS) else n} source{'s' if n != 1 else ''}"


def _attributed(outlets: list[str], day: str) -> str:
    bits = [b for b in (_listed(outlets), _day(day) if day else "") if b]
    return f" ({', '.join(bits)})" if bits else ""


def _listed(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    if len(names) > 3:
        return f"{', '.join(names[:2])} and {len(names) - 2} others"
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _day(iso: str) -> str:
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso or "an unknown date"
    return f"{d.day} {d.strftime('%B %Y')}"
