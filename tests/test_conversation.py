"""Chat turns to one question: follow-ups carry the turn they follow; standalone questions are untouched."""

from __future__ import annotations

import pytest

from rag.conversation import CONTEXT_CHARS, Turn, is_follow_up, resolve_question
from rag.errors import InputError

FIRST = [
    Turn("user", "Who confirmed the refusal?"),
    Turn("assistant", "Guido Crosetto confirmed the refusal [1]. He is minister [2]."),
]


@pytest.mark.parametrize("text", ["And who is he?", "What did she say?", "Why?", "What about Spain?", "When was that?"])
def test_follow_ups_are_recognised(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize(
    "text", ["Which airbase did Italy refuse the United States?", "Who leads the Five Star Movement?"]
)
def test_standalone_questions_are_not_follow_ups(text: str) -> None:
    assert not is_follow_up(text)


def test_a_follow_up_carries_the_previous_question_and_first_answer_sentence() -> None:
    q = resolve_question([Turn("system", "Be brief."), *FIRST, Turn("user", "And who is he?")])
    assert q.startswith("And who is he? (")
    assert '"Who confirmed the refusal?"' in q
    assert "Guido Crosetto confirmed the refusal." in q and "[1]" not in q and "minister" not in q


def test_a_standalone_question_is_asked_as_it_is() -> None:
    q = "Which airbase did Italy refuse the United States?"
    assert resolve_question([*FIRST, Turn("user", f"  {q} ")]) == q
    assert resolve_question([Turn("user", "And who is he?")]) == "And who is he?"  # nothing to follow


def test_long_earlier_turns_are_cut() -> None:
    turns = [Turn("user", "word " * 500), Turn("assistant", "x" * 2000), Turn("user", "And then?")]
    assert len(resolve_question(turns)) < 2 * CONTEXT_CHARS + 100


def test_the_last_turn_must_be_a_user_question() -> None:
    with pytest.raises(InputError, match="last message"):
        resolve_question(FIRST)
    with pytest.raises(InputError, match="empty"):
        resolve_question([Turn("user", "  ")])
    with pytest.raises(InputError):
        resolve_question([Turn("system", "hi")])
