"""The prompt every LLM generator shares: a fixed system prompt (cacheable), the numbered passages, the question."""

from __future__ import annotations

from collections.abc import Sequence

from rag.dates import in_words
from rag.generators.base import NOT_STATED, Revision
from rag.types import Passage

PROMPT_VERSION = "answer-v4"  # bump when the prompt changes: evaluation caches are keyed on it

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


def format_passage(n: int, passage: Passage, same_as: int | None = None) -> str:
    """One numbered passage as the model sees it: number, title and date (or, for a passage of an article
    already shown as passage `same_as`, a pointer to it: the title is read once), then the text."""
    meta = " · ".join(x for x in (passage.title, passage.outlet, passage.published_at[:10]) if x)
    if same_as is not None:
        meta = f"same article as [{same_as}]"
    head = f"[{n}] ({meta})" if meta else f"[{n}]"
    return f"{head}\n{' '.join(passage.text.split())}"


def build_messages(
    question: str, passages: Sequence[Passage], revision: Revision | None = None, as_of: str = ""
) -> list[dict[str, str]]:
    """The chat messages shared by every LLM generator: fixed system prompt first (cacheable), then
    the passages (each with its publication date), the day the question is asked, then the question last,
    where a small model attends to it best. A `revision` adds the failed draft as the model's turn and the
    feedback as the next user turn."""
    first: dict[str, int] = {}
    for n, p in enumerate(passages, 1):
        first.setdefault(p.article_id, n)
    numbered = "\n\n".join(
        format_passage(n, p, first[p.article_id] if first[p.article_id] < n else None)
        for n, p in enumerate(passages, 1)
    )
    today = f"Today is {in_words(as_of)}.\n" if as_of else ""
    user = f"Passages:\n\n{numbered}\n\n{today}Question: {question.strip()}"
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
    if revision is not None:
        messages += [{"role": "assistant", "content": revision.draft}, {"role": "user", "content": revision.feedback}]
    return messages
