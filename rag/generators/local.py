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

    def generate(self, question: str, passages: Sequence[Passage]) -> Draft:
        text = self.llm.complete(build_messages(question, passages), max_tokens=self.max_tokens)
        return Draft(text, dict(self.llm.last_stats))

    def revise(self, question: str, passages: Sequence[Passage], revision: Revision) -> Draft:
        """Drafts again in the same conversation, after the failed draft and the feedback on it."""
        text = self.llm.complete(build_messages(question, passages, revision), max_tokens=self.max_tokens)
        return Draft(text, dict(self.llm.last_stats))
