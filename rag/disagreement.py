"""How an answer states a disagreement among its sources (found by `rag.conflicts`), checked like any claim.

One sentence attributes each value to its sources, with outlet and date from the articles' stored fields
("The Guardian reported 31 people on 4 March 2024 [1]; an earlier AP report, of 2 March 2024, gave 12
people [2]."); it is built from the extracted values and checked deterministically (`check`: each value
must be in the sentence of the passage it cites). Its verdict is `disagreement`. The answer's own sentences
that give a minority or outdated value, or either side of an even split, as if settled are dropped with the
reason (`settle`); one that gives the leading value stays, before the statement. `resolve` does it all for
the pipeline and assembles the sources; `render` words the statement with the sources' numbers and builds
the public `rag.types.Conflict`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rag.citations import assemble
from rag.conflicts import DISAGREEMENT, MINORITY, UPDATE, Claim, Disagreement, Side, find
from rag.dates import in_words
from rag.timeframe import TimeFrame
from rag.types import Conflict, ConflictSource, ConflictValue, Passage, Reason, ReasonKind, Sentence, Source
from rag.values import comparable, find_values, same_value
from rag.verify import CheckedSentence

VERDICT = "disagreement"  # the verdict of the sentence that states a disagreement


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
    *,
    relevant: Sequence[Passage] | None = None,
    frame: TimeFrame | None = None,
    on_statement: Callable[[CheckedSentence], None] | None = None,
) -> Resolved | None:
    """The verified sentences `checked` (citing `passages` by index) assembled with the statement of the
    disagreement among the `relevant` passages (all when None) about `question`, or None when there is none
    (or it does not hold: `check`). With a time `frame` read from the question, only passages of its period
    (or undated) can disagree, and when it asks for the latest, values that differ by date are no disagreement (the
    answer is dated by its sources). `on_statement` receives the statement once it is checked (the ask
    stream sends it)."""
    shown = {id(p) for p in (passages if relevant is None else relevant)}
    period = frame if frame is not None and frame.is_window else None
    # An undated passage may belong to the period: it stays among the accounts compared (hiding a rival
    # account is the worse mistake; its side is shown undated).
    chosen = [
        i
        for i, p in enumerate(passages)
        if id(p) in shown and (period is None or not p.published_at or period.holds(p.published_at))
    ]
    found = find(question, passages, chosen)
    if found is None or check(found) or (found.status == UPDATE and frame is not None and frame.recent):
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
    sentences = [replace(s, text=text) if s.verdict == VERDICT else s for s in sentences]
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
    return CheckedSentence(text, citations, VERDICT, 1.0, (reason,), spans)


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
                        c.value.text,
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
        when = in_words(day) or "an unknown date"
        value = side.text
        if d.status == UPDATE:
            if k == 0 and outlets:
                parts.append(f"{_listed(outlets)} reported {value} on {when} {markers}")
            elif k == 0:
                parts.append(f"the latest report, of {when}, gives {value} {markers}")
            else:
                by = f" {_listed(outlets)}" if outlets else ""
                parts.append(f"an earlier{by} report, of {when}, gave {value} {markers}")
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
    # An outlet opening the sentence keeps its own spelling ("usatoday.com"); any other word takes a capital.
    opening = any(p.outlet and text.startswith(p.outlet) for p in d.passages)
    return text if opening else text[0].upper() + text[1:]


def _count(n: int) -> str:
    return f"{_NUMBERS[n] if n < len(_NUMBERS) else n} source{'s' if n != 1 else ''}"


def _attributed(outlets: list[str], day: str) -> str:
    bits = [b for b in (_listed(outlets), in_words(day)) if b]
    return f" ({', '.join(bits)})" if bits else ""


def _listed(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    if len(names) > 3:
        return f"{', '.join(names[:2])} and {len(names) - 2} others"
    return f"{', '.join(names[:-1])} and {names[-1]}"
