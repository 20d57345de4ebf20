"""Answer drafting: the contract every generator meets, the shared prompt, and the registry.

A generator turns a question and the numbered passages retrieved for it into a draft: a few sentences,
each ending with citation markers `[n]` that point into those passages (1-based, in the order given).
Nothing a generator writes reaches a user unchecked: `rag.verify` tests every sentence against the
passages it cites. A generator that finds no answer says so with the `NOT_STATED` sentinel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rag.errors import InputError
from rag.types import Passage

NOT_STATED = "NOT STATED"
PROMPT_VERSION = "answer-v2"  # bump when the prompt changes: evaluation caches are keyed on it

SYSTEM_PROMPT = (
    "You answer questions about news articles using only the numbered passages you are given.\n"
    "Rules:\n"
    "1. Answer in one to three short, complete sentences (not a bare name or number).\n"
    "2. End every sentence with the number of the passage that supports it in square brackets, "
    "like [1] or [2][3].\n"
    "3. State only facts written in the passages. Copy names, numbers, dates and places exactly as the "
    "passages give them.\n"
    f"4. If the passages do not answer the question, reply exactly: {NOT_STATED}\n"
    "5. If the question assumes something the passages do not say or contradict (the wrong person, "
    f"country, date or event), reply exactly: {NOT_STATED}\n"
    "Example answer: The city council approved the budget on May 3 [2]."
)

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

    Heavy resources load in `warm_up()`, never in the constructor.
    """

    name: str

    def warm_up(self) -> None: ...

    def generate(self, question: str, passages: Sequence[Passage]) -> Draft: ...


def is_not_stated(text: str) -> bool:
    """`text` declines to answer: empty, the sentinel, or a sentence saying the passages do not say."""
    stripped = text.strip()
    return not stripped or NOT_STATED.lower() in stripped.lower() or bool(_DECLINE.search(stripped))


def format_passage(n: int, passage: Passage) -> str:
    """One numbered passage as the model sees it: number, title and date, then the text."""
    meta = " · ".join(x for x in (passage.title, passage.outlet, passage.published_at[:10]) if x)
    head = f"[{n}] ({meta})" if meta else f"[{n}]"
    return f"{head}\n{' '.join(passage.text.split())}"


@dataclass(frozen=True)
class Revision:
    """A draft that failed verification, and what the generator is told about it when asked again."""

    draft: str
    feedback: str


@runtime_checkable
class Reviser(Protocol):
    """A generator that can draft again, shown its failed draft and why it failed (a chat continuation)."""

    def revise(self, question: str, passages: Sequence[Passage], revision: Revision) -> Draft: ...


def build_messages(
    question: str, passages: Sequence[Passage], revision: Revision | None = None
) -> list[dict[str, str]]:
    """The chat messages shared by every LLM generator: fixed system prompt first (cacheable), then
    the passages, then the question last, where a small model attends to it best. A `revision` adds the
    failed draft as the model's turn and the feedback as the next user turn."""
    numbered = "\n\n".join(format_passage(n, p) for n, p in enumerate(passages, 1))
    user = f"Passages:\n\n{numbered}\n\nQuestion: {question.strip()}"
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
    if revision is not None:
        messages += [{"role": "assistant", "content": revision.draft}, {"role": "user", "content": revision.feedback}]
    return messages


_REGISTRY: dict[str, Callable[..., Generator]] = {}
GENERATORS = ("local", "extractive", "openai")


def register(name: str, factory: Callable[..., Generator]) -> None:
    """Make a generator available by name (built-ins register the same way plug-ins would)."""
    _REGISTRY[name] = factory


def load_generator(name: str, **options: object) -> Generator:
    """The generator registered under `name`, constructed but not warmed up."""
    _register_builtins()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown generator {name!r}; available: {', '.join(sorted(_REGISTRY))}") from None
    return factory(**options)


def _register_builtins() -> None:
    if _REGISTRY:
        return
    from rag.generators.extractive import ExtractiveGenerator
    from rag.generators.local import LocalGenerator
    from rag.generators.openai import OpenAIGenerator

    register("local", LocalGenerator)
    register("extractive", ExtractiveGenerator)
    register("openai", OpenAIGenerator)
