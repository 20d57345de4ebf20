"""The embedder contract: texts in, L2-normalised float32 vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    `max_tokens` is how many tokens of its own tokenizer the model reads (special tokens included);
    `count_tokens` lets the chunker keep every chunk within it, so nothing is silently truncated.
    Heavy resources load in `warm_up()`, never in the constructor.
    """

    name: str
    dim: int
    max_tokens: int

    def warm_up(self) -> None: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...
