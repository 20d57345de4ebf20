"""Progress on stderr for the suite's long loops (indexing, asking, judging): a bar on a terminal, and
otherwise (a log file, CI) a plain line every tenth of the way, so an hour-long run shows it is alive."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LINES = 10  # plain lines per loop when stderr is no terminal


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """Progress of `total` steps; `advance(n)` moves it."""
    from rich.console import Console

    console = Console(file=sys.stderr)
    if not console.is_terminal:
        yield _lines(label, total)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _lines(label: str, total: int) -> Callable[[int], None]:
    """An `advance` that prints "label: done/total, elapsed, left" each time another tenth is done."""
    started = time.monotonic()
    state = {"done": 0, "next": max(1, -(-total // LINES))}  # a ceiling: at most LINES lines, and the last
    step = state["next"]

    def advance(n: int) -> None:
        state["done"] += n
        done = state["done"]
        if done < state["next"] and done != total:
            return
        while state["next"] <= done:
            state["next"] += step
        elapsed = time.monotonic() - started
        left = elapsed / done * (total - done) if done else 0.0
        print(f"{label}: {done}/{total}, {elapsed:.0f} s elapsed, about {left:.0f} s left", file=sys.stderr, flush=True)

    return advance
