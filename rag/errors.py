"""The project's exceptions: one small hierarchy, translated to exit codes and HTTP only at the edges."""

from __future__ import annotations


class RagError(Exception):
    """Base class for every error this library raises on purpose."""


class InputError(RagError):
    """A request or a file that cannot be used as given (empty, malformed, too long, wrong type)."""


class NotFoundError(RagError):
    """An article, index or file that was asked for does not exist."""


class StoreError(RagError):
    """The index on disk is missing, corrupt, or was built in a way this process cannot read."""


class IndexMismatchError(StoreError):
    """The index was built with a different embedder, tokenizer or schema than the one asked for."""


class IndexLockedError(RagError):
    """Another process holds the index's write lock."""


class ModelError(RagError):
    """A model cannot be loaded or run (missing package, corrupt file, wrong hash)."""


class BackendError(RagError):
    """A configured remote service (an OpenAI-compatible server) is unreachable, too slow or failed."""
