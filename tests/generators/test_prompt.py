"""rag.generators.prompt: the messages every LLM generator sends."""

from __future__ import annotations

from rag.generators.base import Revision
from rag.generators.prompt import SYSTEM_PROMPT, build_messages
from rag.types import Passage


def passage(chunk_id: str, article_id: str, text: str, title: str, date: str = "2026-03-31") -> Passage:
    return Passage(chunk_id, article_id, text, 0, len(text), 1.0, title=title, outlet="Wire", published_at=date)


def test_passages_are_numbered_with_title_outlet_and_date_and_the_question_comes_last() -> None:
    passages = [
        passage("c1", "a", "Crosetto  confirmed\nthe refusal.", "Italy refuses"),
        passage("c2", "b", "Markets closed higher.", "Markets", "2026-04-01"),
    ]
    system, user = build_messages("Who confirmed it?", passages, as_of="2026-04-01")
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["content"] == (
        "Passages:\n\n"
        "[1] (Italy refuses · Wire · 2026-03-31)\nCrosetto confirmed the refusal.\n\n"
        "[2] (Markets · Wire · 2026-04-01)\nMarkets closed higher.\n\n"
        "Today is 1 April 2026.\nQuestion: Who confirmed it?"
    )


def test_a_second_passage_of_one_article_points_to_the_first_instead_of_repeating_its_title() -> None:
    passages = [
        passage("c1", "a", "One.", "Italy refuses"),
        passage("c2", "b", "Two.", "Markets"),
        passage("c3", "a", "Three.", "Italy refuses"),
    ]
    user = build_messages("Q?", passages)[1]["content"]
    assert "[3] (same article as [1])\nThree." in user
    assert user.count("Italy refuses") == 1


def test_a_revision_adds_the_failed_draft_and_the_feedback() -> None:
    messages = build_messages("Q?", [passage("c1", "a", "One.", "T")], Revision("Draft [1].", "Try again."))
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == "Draft [1]." and messages[3]["content"] == "Try again."
