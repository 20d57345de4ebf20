"""The default generator: the local LLM (Qwen2.5-Coder-1.5B-Instruct) at temperature 0, fully offline."""

from __future__ import annotations

from collections.abc import Sequence

from rag.generators.base import Draft, Revision
from rag.generators.prompt import build_messages
from rag.llm import LocalLLM
from rag.types import Passage


class LocalGenerator:
    """Drafts with the local LLM from the shared prompt; shares its `LocalLLM` with the judge when given one."""

    def __init__(self, llm: LocalLLM | None = None, max_tokens: int = 256) -> None:
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        self.llm = llm or LocalLLM()
        self.max_tokens = max_tokens
        self.name = f"local:{self.llm.name}"

    def warm_up(self) -> None:
        self.llm.warm_up()

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "") -> Draft:
        text = self.llm.complete(build_messages(question, passages, as_of=as_of), max_tokens=self.max_tokens)
        return Draft(text, dict(self.llm.last_stats))

    def revise(self, question: str, passages: Sequence[Passage], revision: Revision, as_of: str = "") -> Draft:
        """Drafts again in the same conversation, after the failed draft and the feedback on it."""
        messages = build_messages(question, passages, revision, as_of)
        text = self.llm.complete(messages, max_tokens=self.max_tokens)
        return Draft(text, dict(self.llm.last_stats))
