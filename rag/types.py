"""Internal data: frozen dataclasses that flow one way through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article as ingested; `body` is the text every offset refers to."""

    id: str
    title: str
    body: str
    content_hash: str
    byline: str = ""
    outlet: str = ""
    url: str = ""
    published_at: str = ""  # ISO date or datetime, "" when unknown
    source: str = ""  # where it was read from: a path, path:line, or "api"


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article; `body[start:end] == text` always holds."""

    article_id: str
    position: int
    start: int
    end: int
    text: str
    n_tokens: int  # in the chunking encoding (tiktoken)

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.position}"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's metadata and how it ranked."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    score: float  # fused (reciprocal rank) score; higher is better
    title: str = ""
    byline: str = ""
    outlet: str = ""
    url: str = ""
    published_at: str = ""
    source: str = ""
    dense_score: float | None = None  # cosine similarity to the question, when dense search found it
    dense_rank: int | None = None
    bm25_rank: int | None = None
    # chunk ids of near-identical passages (syndicated copies) collapsed into this one
    duplicates: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Filters:
    """Restrictions on what retrieval may return; empty means no restriction.

    Dates are ISO strings compared as text, so "2024-01" matches all of January 2024 as a lower bound.
    """

    published_after: str = ""  # inclusive
    published_before: str = ""  # exclusive
    outlets: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.published_after or self.published_before or self.outlets or self.article_ids)
