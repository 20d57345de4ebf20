"""Chat turns to one question: a follow-up ("And who is he?") is read with the turn it follows.

Deterministic on purpose: no model rewrites the question, so nothing is invented on the way in. A last
message that leans on earlier turns (a pronoun or "that"/"this" reference, an opening "and"/"what
about", or too few words of its own) is sent with the previous question and the first sentence of the
previous answer as context; any other message is asked as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.errors import InputError
from rag.text import split_sentences, words

_MARKERS = re.compile(r"\s*\[\d+\]")
_REFERRING = frozenset(
    "he she it they him her them his hers its their theirs this that these those there then "
    "he's she's it's they're former latter".split()
)
CONTEXT_CHARS = 300  # of each earlier turn carried into the question


@dataclass(frozen=True)
class Turn:
    role: str  # system | user | assistant (others are ignored)
    text: str


def is_follow_up(text: str) -> bool:
    """The message leans on an earlier turn: a referring word, an opening "and"/"what about", or few words."""
    found = words(text)
    if not found:
        return False
    lowered = " ".join(found)
    if any(w in _REFERRING for w in found):
        return True
    if len(found) <= 3:
        return True
    return lowered.startswith(("and ", "what about", "how about"))


def resolve_question(turns: Sequence[Turn]) -> str:
    """The question to answer: the last user turn, with the turn it follows up on when it is a follow-up.

    Raises InputError when the last turn is not from the user or holds no text.
    """
    talk = [t for t in turns if t.role in ("user", "assistant")]
    if not talk or talk[-1].role != "user":
        raise InputError("the last message must be from the user")
    question = " ".join(talk[-1].text.split())
    if not question:
        raise InputError("the last user message is empty")
    earlier_q = next((t.text for t in reversed(talk[:-1]) if t.role == "user" and t.text.strip()), "")
    if not earlier_q or not is_follow_up(question):
        return question
    earlier_a = next((t.text for t in reversed(talk[:-1]) if t.role == "assistant" and t.text.strip()), "")
    context = f'previous question: "{_short(earlier_q)}"'
    if earlier_a:
        context += f'; previous answer: "{_short(_first_sentence(earlier_a))}"'
    return f"{question} ({context})"


def _first_sentence(text: str) -> str:
    text = text.split("\n\nSources:")[0]
    text = _MARKERS.sub("", " ".join(text.split()))
    spans = split_sentences(text)
    return text[: spans[0][1]] if spans else text


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CONTEXT_CHARS else text[: CONTEXT_CHARS - 1].rsplit(" ", 1)[0] + "…"
