"""`rag ingest --engine ray`: the Ray pipeline (`rag.ray_ingest`) wired to the settings, with progress.

A local Ray with `--workers` workers is started for the command, or the cluster `RAY_ADDRESS` names is
joined; each worker builds the configured embedder once (one thread each unless `embed.threads` says).
The report and exit statuses are `rag ingest`'s (`rag.cli.index`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from rag.cli.context import CliContext, errors
from rag.cli.index import warn_if_chunking_differs

if TYPE_CHECKING:
    from rag.indexer import IngestReport
    from rag.store.base import Store


def ingest_on_ray(obj: CliContext, paths: tuple[str, ...], workers: int) -> tuple[IngestReport, float, Store]:
    """Run the Ray ingest of `paths` into the configured store; the report, the seconds taken and the store."""
    from rag import factory
    from rag.ray_ingest import RayOptions, ingest_with_ray, load_ray, ray_session

    s = obj.settings
    with errors():
        load_ray()  # the missing extra is named before anything is opened
        embedder = obj.embedder()
        store = obj.store(embedder, create=True)
        warn_if_chunking_differs(obj, store.config)
        options = RayOptions(
            workers=workers,
            batch_chunks=s.ingest.batch_chunks,
            max_bytes=int(s.ingest.max_file_mb * 1_000_000),
        )
        started = time.perf_counter()
        with store.writing(), ray_session(workers) as where:
            click.echo(f"ingesting on {where}, {workers} workers", err=True)
            with RayProgress() as progress:
                report = ingest_with_ray(
                    paths, store, factory.embedder_factory(s, threads=1), options, on_progress=progress.update
                )
    return report, time.perf_counter() - started, store


class RayProgress:
    """Articles written of those to write, chunks and chunk rate, on stderr (a bar on a terminal, else a line
    every 10 s)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} articles, {task.fields[chunks]} chunks, {task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
        )
        self.task = self.progress.add_task("ray ingest", total=None, chunks=0, rate="")
        self.started = self.last_log = time.perf_counter()

    def __enter__(self) -> RayProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, report: IngestReport, done: int, total: int) -> None:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = f"{report.chunks / elapsed:.1f} chunks/s"
        self.progress.update(self.task, completed=done, total=total, chunks=report.chunks, rate=rate)
        if not self.console.is_terminal and (time.perf_counter() - self.last_log > 10 or done == total):
            self.last_log = time.perf_counter()
            click.echo(f"… {done}/{total} articles to write, {report.chunks} chunks, {rate}, {elapsed:.0f} s", err=True)
