"""Request bodies of the native API (`/v1/ask`, `/v1/search`, `/v1/documents`), validated by pydantic."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rag.types import Filters


class FiltersIn(BaseModel):
    """Restrict retrieval; every field is optional. Dates are ISO strings (a prefix like "2024-01" works)."""

    model_config = ConfigDict(extra="forbid")

    after: str = Field("", max_length=40, description="only articles published on or after this date")
    before: str = Field("", max_length=40, description="only articles published before this date")
    outlets: list[str] = Field(default_factory=list, max_length=100, description="only these outlets")
    article_ids: list[str] = Field(default_factory=list, max_length=1000, description="only these articles")

    def to_filters(self) -> Filters:
        return Filters(
            published_after=self.after.strip(),
            published_before=self.before.strip(),
            outlets=tuple(self.outlets),
            article_ids=tuple(self.article_ids),
        )


class AskIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "Who confirmed the refusal?"}]}
    )

    question: str = Field(..., min_length=1, description="the question; limit: setting answer.max_question_chars")
    stream: bool = Field(False, description="send server-sent events: passages, each verified sentence, the answer")
    filters: FiltersIn = Field(default_factory=FiltersIn)


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"query": "Sigonella refusal", "k": 5}]})

    query: str = Field(..., min_length=1, description="what to look for")
    k: int | None = Field(None, ge=1, le=100, description="passages to return (default: setting retrieve.top_k)")
    filters: FiltersIn = Field(default_factory=FiltersIn)


class DocumentIn(BaseModel):
    """One article. Its id is `id`, else derived from `url`, else from the text: re-sending it replaces it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, description="the article body")
    id: str | None = Field(None, description="1-128 characters of A-Z a-z 0-9 . _ : -")
    title: str | None = None
    url: str | None = None
    authors: str | list[str] | None = Field(None, description="byline: a string or a list of names")
    published_at: str | None = Field(None, description="publication date, ISO or a common written form")
    outlet: str | None = None

    def record(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class DocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentIn] = Field(..., min_length=1, max_length=1000)
