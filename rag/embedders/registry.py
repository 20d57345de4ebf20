"""Embedders by name: built-ins register exactly the way a plug-in would (`register(name, factory)`)."""

from __future__ import annotations

from collections.abc import Callable

from rag.embedders.base import DEFAULT_MODEL, Embedder
from rag.errors import InputError

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
    from rag.embedders.minilm import MiniLMEmbedder, MiniLMInt8Embedder

    register(DEFAULT_MODEL, MiniLMEmbedder)
    register(MiniLMInt8Embedder.name, MiniLMInt8Embedder)
    register(HashEmbedder.name, HashEmbedder)
