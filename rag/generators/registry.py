"""Generators by name: built-ins register exactly the way a plug-in would (`register(name, factory)`)."""

from __future__ import annotations

from collections.abc import Callable

from rag.errors import InputError
from rag.generators.base import Generator

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
