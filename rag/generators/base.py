"""The generator contract: a question and numbered passages in, a draft with `[n]` markers out.

A generator turns a question and the numbered passages retrieved for it into a draft: a few sentences,
each ending with citation markers `[n]` that point into those passages (1-based, in the order given).
Nothing a generator writes reaches a user unchecked: `rag.verify` tests every sentence against the
passages it cites. A generator that finds no answer says so with the `NOT_STATED` sentinel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rag.types import Passage

NOT_STATED = "NOT STATED"

# Replies that decline to answer even when the model did not use the exact sentinel.
_DECLINE = re.compile(
    r"^\W*(not stated|not mentioned|no answer|unknown|n/?a)\W*$"
    r"|\b(passages?|articles?|text|context)\s+(do(es)?\s+not|don't|doesn't)\s+(say|state|mention|specify|provide|answer)"
    r"|\bnot\s+(stated|mentioned|specified)\s+in\s+the\s+(passages?|articles?|text)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Draft:
    """What a generator wrote, before verification; `stats` holds token counts and seconds."""

    text: str
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def declined(self) -> bool:
        """The generator said the passages do not answer the question."""
        return is_not_stated(self.text)


@runtime_checkable
class Generator(Protocol):
    """Drafts an answer to `question` from `passages`, citing them as [1]..[len(passages)].

    `as_of` (an ISO date, or "") is the day the question is asked; each passage carries its publication
    date. Heavy resources load in `warm_up()`, never in the constructor. A generator that reads no prompt
    (the extractive one) has `reads_prompt = False`: the pipeline then gives it whole passages, never the
    excerpts it shortens a model's prompt with (`answer.excerpt_words`).
    """

    name: str

    def warm_up(self) -> None: ...

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "") -> Draft: ...


def is_not_stated(text: str) -> bool:
    """`text` declines to answer: empty, the sentinel, or a sentence saying the passages do not say."""
    stripped = text.strip()
    return not stripped or NOT_STATED.lower() in stripped.lower() or bool(_DECLINE.search(stripped))


@dataclass(frozen=True)
class Revision:
    """A draft that failed verification, and what the generator is told about it when asked again."""

    draft: str
    feedback: str


@runtime_checkable
class Reviser(Protocol):
    """A generator that can draft again, shown its failed draft and why it failed (a chat continuation)."""

    def revise(self, question: str, passages: Sequence[Passage], revision: Revision, as_of: str = "") -> Draft: ...
