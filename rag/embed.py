"""Embedding: the contract every embedder meets, and the registry that picks one by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from rag.errors import InputError

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


_REGISTRY: dict[str, Callable[..., Embedder]] = {}


def register(name: str, factory: Callable[..., Embedder]) -> None:
    """Make an embedder available by name (built-ins register the same way plug-ins would)."""
    _REGISTRY[name] = factory


def available() -> list[str]:
    _register_builtins()
    return sorted(_REGISTRY)


def load_embedder(name: str = DEFAULT_MODEL, **options: object) -> Embedder:
    """The embedder registered under `name`, constructed but not warmed up."""
    _register_builtins()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown embedding model {name!r}; available: {', '.join(available())}") from None
    return factory(**options)


def _register_builtins() -> None:
    if _REGISTRY:
        return
    from rag.embedders.hashing import HashEmbedder
    from rag.embedders.minilm import MiniLMEmbedder

    register(DEFAULT_MODEL, MiniLMEmbedder)
    register(HashEmbedder.name, HashEmbedder)
