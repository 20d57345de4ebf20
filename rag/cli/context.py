"""What every `rag` command shares: settings, the index, error handling and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from rag.errors import RagError

if TYPE_CHECKING:
    from rag.embedders.base import Embedder
    from rag.store.base import Store
    from rag.types import Filters

EXIT_PROBLEMS = 1  # some input could not be read (the rest was)
EXIT_INTERRUPTED = 130  # Ctrl-C; finished work is kept


class CliContext:
    """Settings and lazily opened resources shared by the subcommands."""

    def __init__(self, index_dir: Path | None) -> None:
        from rag.config import Settings

        try:
            self.settings = Settings()
        except ValidationError as exc:
            raise click.ClickException(f"invalid settings: {validation_message(exc)}") from None
        except RagError as exc:
            raise click.ClickException(str(exc)) from None
        if index_dir is not None:
            self.settings.index_dir = index_dir

    def embedder(self) -> Embedder:
        from rag import factory

        return factory.embedder(self.settings)

    def store(self, embedder: Embedder, *, create: bool = False) -> Store:
        from rag import factory

        return factory.store(self.settings, embedder, create=create)


def validation_message(exc: ValidationError) -> str:
    """A pydantic error as one line: each failing field with its message."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


@contextmanager
def errors() -> Iterator[None]:
    """Library errors become one line on stderr and exit status 1; never a traceback."""
    try:
        yield
    except RagError as exc:
        raise click.ClickException(str(exc)) from None


def read_arg(value: str, what: str) -> str:
    """A text argument, `-` read from standard input; an empty one is refused."""
    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        raise click.ClickException(f"the {what} is empty")
    return text.strip()


def filters(after: str, before: str, outlets: tuple[str, ...], articles: tuple[str, ...], as_of: str = "") -> Filters:
    """The retrieval filters the `--after/--before/--outlet/--article/--as-of` options ask for; a bad
    `--as-of` is refused here, and one after today is said on stderr (it is allowed)."""
    from datetime import date

    from rag.timeframe import parse_as_of
    from rag.types import Filters

    try:
        day = parse_as_of(as_of)
    except RagError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    if day and day > date.today().isoformat():
        click.echo(f"note: the as-of date {day} is after today", err=True)
    return Filters(published_after=after, published_before=before, outlets=outlets, article_ids=articles, as_of=day)
