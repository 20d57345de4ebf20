"""The answer a user gets: verified sentences, numbered sources with exact quotes, or an explicit abstention.

`assemble` turns verified sentences into the final structure: sources numbered in the order the answer
first cites them, and each source's quote located in the original article body, with the offsets
checked against the article itself. A citation whose quote cannot be located exactly is removed, and a
sentence left without citations is dropped: nothing reaches a user with a quote that is not verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.types import Passage
from rag.verify import CheckedSentence

NO_RELEVANT_PASSAGES = "no_relevant_passages"
INSUFFICIENT_SUPPORT = "insufficient_support"
ABSTAIN_TEXT = {
    NO_RELEVANT_PASSAGES: "The indexed articles do not cover this question.",
    INSUFFICIENT_SUPPORT: "The articles don't say: no answer could be verified against the retrieved passages.",
}


@dataclass(frozen=True)
class Source:
    """A cited passage: its article, and the quote that supports the answer, at [start, end) of the body."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    author: str
    published_at: str
    url: str
    quote: str
    start: int
    end: int
    outlet: str = ""
    path: str = ""  # where the article was read from, when it has no URL


@dataclass(frozen=True)
class Sentence:
    """One answer sentence with its citation numbers (into `Answer.sources`) and how it was verified."""

    text: str
    citations: tuple[int, ...]
    verdict: str  # supported | recited | unsupported (lenient mode only)
    support: float  # the judge's score, 0..1
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """Everything `rag ask --json` prints and `POST /v1/ask` returns."""

    question: str
    answer: str
    answerable: bool
    abstain_reason: str | None
    sentences: list[Sentence]
    sources: list[Source]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    usage: dict[str, Any] = field(default_factory=dict)  # tokens, judge calls, models
    dropped: list[Sentence] = field(default_factory=list)  # drafted sentences that failed verification

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def abstention(question: str, reason: str, **extra: Any) -> Answer:
    return Answer(question, ABSTAIN_TEXT[reason], False, reason, [], [], **extra)


def with_markers(text: str, numbers: Sequence[int]) -> str:
    """`text` with "[1][2]" placed before its final full stop (after a closing quote mark)."""
    markers = "".join(f"[{n}]" for n in numbers)
    if not markers:
        return text
    if text and text[-1] in ".!?" and not text.endswith("..."):
        return f"{text[:-1]} {markers}{text[-1]}"
    return f"{text} {markers}"


def assemble(
    checked: Sequence[CheckedSentence], passages: Sequence[Passage], body_of: Callable[[str], str]
) -> tuple[list[Sentence], list[Source], list[Sentence]]:
    """Final sentences, numbered sources, and sentences dropped because no quote could be located.

    `body_of(article_id)` returns the article body that offsets refer to.
    """
    bodies: dict[str, str] = {}
    located: list[tuple[CheckedSentence, dict[int, tuple[int, int]]]] = []
    lost: list[Sentence] = []
    for c in checked:
        spans: dict[int, tuple[int, int]] = {}
        for i in c.citations:
            p = passages[i]
            s, e = c.spans.get(i, (0, len(p.text)))
            body = bodies.get(p.article_id)
            if body is None:
                body = bodies[p.article_id] = body_of(p.article_id)
            # The passage is body[p.start:p.end]; the quote must be exactly there in the article too.
            if body[p.start + s : p.start + e] == p.text[s:e] and p.text[s:e].strip():
                spans[i] = (p.start + s, p.start + e)
        if spans or not c.citations:
            located.append((c, spans))
        else:
            lost.append(_sentence(c, (), ("no quote could be located in the article",)))
    numbers: dict[int, int] = {}
    quote_span: dict[int, tuple[int, int]] = {}
    for _, spans in located:
        for i, (s, e) in spans.items():
            numbers.setdefault(i, len(numbers) + 1)
            old = quote_span.get(i)
            quote_span[i] = (min(s, old[0]), max(e, old[1])) if old else (s, e)
    sentences = [_sentence(c, tuple(numbers[i] for i in c.citations if i in spans), ()) for c, spans in located]
    sources = []
    for i, n in sorted(numbers.items(), key=lambda item: item[1]):
        p = passages[i]
        s, e = quote_span[i]
        sources.append(
            Source(
                n=n,
                article_id=p.article_id,
                chunk_id=p.chunk_id,
                title=p.title,
                author=p.byline,
                published_at=p.published_at,
                url=p.url,
                quote=bodies[p.article_id][s:e],
                start=s,
                end=e,
                outlet=p.outlet,
                path=p.source,
            )
        )
    return sentences, sources, lost


def _sentence(c: CheckedSentence, numbers: tuple[int, ...], extra: tuple[str, ...]) -> Sentence:
    return Sentence(with_markers(c.text, numbers), numbers, c.verdict, round(c.support, 4), c.reasons + extra)


def dropped_sentences(checked: Sequence[CheckedSentence]) -> list[Sentence]:
    return [_sentence(c, (), ()) for c in checked]
