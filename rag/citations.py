"""Citations: verified sentences become numbered sources with exact quotes at checked offsets.

`assemble` numbers sources in the order the answer first cites them and locates each source's quote in
the original article body, checking the offsets against the article itself. A citation whose quote
cannot be located exactly is removed, and a sentence left without citations is dropped: nothing reaches
a user with a quote that is not verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.text import split_sentences
from rag.types import Passage, Reason, ReasonKind, Sentence, Source
from rag.verify import CheckedSentence

# The verdict of a sentence built from an article's stored metadata (its byline, date or outlet), not drafted.
METADATA = "metadata"


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
            lost.append(_sentence(c, (), (_NO_QUOTE,)))
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


_NO_QUOTE = Reason(ReasonKind.NO_QUOTE_LOCATED, "no quote could be located in the article")


def _sentence(c: CheckedSentence, numbers: tuple[int, ...], extra: tuple[Reason, ...]) -> Sentence:
    reasons = tuple(r.message for r in (*c.reasons, *extra))
    return Sentence(with_markers(c.text, numbers), numbers, c.verdict, round(c.support, 4), reasons)


def dropped_sentences(checked: Sequence[CheckedSentence]) -> list[Sentence]:
    """Sentences that failed verification, in the answer's public shape (no citations)."""
    return [_sentence(c, (), ()) for c in checked]


_FIELD_WORDS = {"byline": "the byline", "published_at": "the publication date", "outlet": "the outlet"}


def metadata_answer(field: str, passage: Passage, body: str) -> tuple[Sentence, Source] | None:
    """An answer about an article itself ("Who wrote the article?") from its stored `field`, cited to the
    article: the source's quote is the first sentence of the passage that identified it. None when the
    article does not have that field."""
    value = {"byline": passage.byline, "published_at": passage.published_at[:10], "outlet": passage.outlet}[field]
    if not value:
        return None
    title = f"“{passage.title}”" if passage.title else "The article"
    text = {
        "byline": f"{title} was written by {value}",
        "published_at": f"{title} was published on {value}",
        "outlet": f"{title} was published by {value}",
    }[field]
    s, e = (split_sentences(passage.text) or [(0, len(passage.text))])[0]
    start, end = passage.start + s, passage.start + e
    if body[start:end] != passage.text[s:e]:
        return None
    source = Source(
        n=1,
        article_id=passage.article_id,
        chunk_id=passage.chunk_id,
        title=passage.title,
        author=passage.byline,
        published_at=passage.published_at,
        url=passage.url,
        quote=body[start:end],
        start=start,
        end=end,
        outlet=passage.outlet,
        path=passage.source,
    )
    why = f"from the article's stored {_FIELD_WORDS[field]}"
    return Sentence(with_markers(f"{text}.", (1,)), (1,), METADATA, 1.0, (why,)), source
