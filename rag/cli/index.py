"""`rag ingest`, `rag delete` and `rag info`: what goes into the index, and what it holds."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rag.indexer import IngestReport
    from rag.readers.base import IngestProblem
    from rag.store.base import IndexConfig, Store
    from rag.types import Article

from rag.cli.context import EXIT_INTERRUPTED, EXIT_PROBLEMS, CliContext, errors


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: read, chunk and embed in parallel Ray workers (the extra `scale`; docs/scaling.md).",
)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Ray workers (with --engine ray; default 2).")
@click.pass_obj
def ingest(obj: CliContext, paths: tuple[str, ...], engine: str, workers: int | None) -> None:
    """Add or update articles from files and folders (.txt .md .html .jsonl .jsonl.gz; - for stdin).

    Unchanged articles are skipped, changed ones replaced. Bad files are reported and skipped; the
    exit status is 1 if any input could not be read. With --engine ray, a local Ray with --workers
    workers is started (or the cluster RAY_ADDRESS names is joined) and the driver writes the index.
    """
    from rag import factory
    from rag.ingest import count_sources, read_sources

    if workers is not None and engine != "ray":
        raise click.UsageError("--workers is for --engine ray; the local engine uses every core as it is")
    if engine == "ray":
        from rag.cli.distributed import ingest_on_ray

        report, seconds, store = ingest_on_ray(obj, paths, workers or 2)
        _finish(report, seconds, store)
        return
    with errors():
        embedder = obj.embedder()
        store = obj.store(embedder, create=True)
        config = store.config
        warn_if_chunking_differs(obj, config)
        max_bytes = int(obj.settings.ingest.max_file_mb * 1_000_000)
        started = time.perf_counter()
        with store.writing():
            embedder.warm_up()
            indexer = factory.indexer(obj.settings, store, embedder)
            latest = None if "-" in paths else _latest_versions(read_sources(paths, max_bytes=max_bytes))
            with _Progress(count_sources(paths)) as progress:
                report = indexer.ingest(read_sources(paths, max_bytes=max_bytes), progress.update, latest=latest)
    _finish(report, time.perf_counter() - started, store)


def _finish(report: IngestReport, seconds: float, store: Store) -> None:
    """Print the report and exit as `rag ingest` does: 130 when interrupted, 1 when some input was bad."""
    with errors():
        _print_report(report, seconds, store)
    if report.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    if report.problems:
        sys.exit(EXIT_PROBLEMS)


def _latest_versions(items: Iterable[Article | IngestProblem]) -> dict[str, str]:
    """Content hash of each article id's last version in the input (standard input cannot be read twice)."""
    from rag.types import Article

    return {item.id: item.content_hash for item in items if isinstance(item, Article)}


def warn_if_chunking_differs(obj: CliContext, config: IndexConfig) -> None:
    c = obj.settings.chunk
    wanted = (c.encoding, c.max_tokens, c.overlap_tokens, c.title_prefix)
    have = (config.encoding, config.max_tokens, config.overlap_tokens, config.title_prefix)
    if wanted != have:
        click.echo(
            f"note: this index chunks with {have} (encoding, max_tokens, overlap_tokens, title_prefix); "
            f"the settings ask for {wanted}, which apply only to a new index",
            err=True,
        )


class _Progress:
    """Files done, articles, chunks, chunk rate and time left, on stderr (a bar on a terminal)."""

    def __init__(self, files: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.files = files
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} files"),
            TextColumn("{task.fields[articles]} articles, {task.fields[chunks]} chunks, {task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
        )
        self.task = self.progress.add_task("ingesting", total=files, articles=0, chunks=0, rate="")
        self.started = time.perf_counter()
        self.last_source = ""
        self.done_files = 0
        self.last_log = self.started

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, report: IngestReport, source: str) -> None:
        path = source.rsplit(":", 1)[0] if source.rsplit(":", 1)[-1].isdigit() else source
        if path != self.last_source:
            self.done_files += bool(self.last_source)
            self.last_source = path
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = f"{report.chunks / elapsed:.1f} chunks/s"
        self.progress.update(
            self.task, completed=self.done_files, articles=report.articles, chunks=report.chunks, rate=rate
        )
        if not self.console.is_terminal and time.perf_counter() - self.last_log > 10:
            self.last_log = time.perf_counter()
            click.echo(f"… {report.articles} articles, {report.chunks} chunks, {rate}, {elapsed:.0f} s", err=True)


def _print_report(report: IngestReport, seconds: float, store: Store) -> None:
    for problem in report.problems:
        click.echo(f"error: {problem.source}: {problem.reason}", err=True)
    if report.interrupted:
        click.echo(
            f"Interrupted: {report.new + report.changed} articles were saved; run the same command again to continue.",
            err=True,
        )
    counts = store.counts()
    if not report.changed_anything and not report.interrupted:
        click.echo(f"Nothing changed: {report.unchanged} articles already indexed and unchanged.")
    else:
        rate = report.tokens_embedded / seconds if seconds else 0.0
        click.echo(
            f"{report.new} new, {report.changed} changed, {report.unchanged} unchanged articles; "
            f"{report.chunks} chunks written ({report.chunks_embedded} embedded, "
            f"{report.tokens_embedded:,} tokens, {rate:,.0f} tokens/s) in {seconds:.1f} s."
        )
    if report.repeated:
        click.echo(f"{report.repeated} articles appeared more than once (same id); the last version was kept.")
    if report.problems:
        click.echo(f"{len(report.problems)} inputs could not be read (see above).", err=True)
    click.echo(f"The index at {store.path} holds {counts['articles']} articles, {counts['chunks']} chunks.")


@click.command()
@click.argument("refs", nargs=-1, required=True)
@click.pass_obj
def delete(obj: CliContext, refs: tuple[str, ...]) -> None:
    """Remove articles by id, URL or source path, from every part of the index."""
    from rag.readers.base import article_id_for

    with errors():
        embedder = obj.embedder()
        store = obj.store(embedder)
        missing = []
        with store.writing():
            ids: list[str] = []
            for ref in refs:
                found = store.find_article_ids(ref)
                if not found and Path(ref).is_file():  # file articles are keyed by their absolute path
                    found = store.find_article_ids(article_id_for(path=ref))
                ids += found
                if not found:
                    missing.append(ref)
            removed = store.delete(list(dict.fromkeys(ids)))
    click.echo(f"Deleted {removed} article{'s' * (removed != 1)}.")
    for ref in missing:
        click.echo(f"error: no article matches {ref!r}", err=True)
    if missing:
        sys.exit(EXIT_PROBLEMS)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def info(obj: CliContext, as_json: bool) -> None:
    """Show what the index holds and how it was built."""
    with errors():
        embedder = obj.embedder()
        stats = obj.store(embedder).stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    c, n = stats["config"], stats["counts"]
    click.echo(f"index        {stats['path']}  ({stats['bytes_on_disk'] / 1e6:.1f} MB)")
    click.echo(f"articles     {n['articles']}")
    click.echo(f"chunks       {n['chunks']}  ({n['tokens']:,} tokens)")
    click.echo(f"embedding    {c['embed_model']} ({c['dim']} dims, reads {c['embed_max_tokens']} tokens)")
    click.echo(
        f"chunking     {c['encoding']}, up to {c['max_tokens']} tokens, overlap {c['overlap_tokens']}, "
        f"title prefix {'on' if c['title_prefix'] else 'off'}"
    )
    v = stats["vector_index"]
    click.echo(f"vectors      {v['kind']} ({v['vectors']} vectors, {v['tombstones']} tombstones)")
    p = stats["published"]
    if p["first"]:
        click.echo(f"published    {p['first']} … {p['last']}")
    if p.get("undated"):
        click.echo(f"undated      {p['undated']} articles (never taken for recent; no time window finds them)")
    if stats["top_outlets"]:
        click.echo("outlets      " + ", ".join(f"{k} ({v})" for k, v in stats["top_outlets"].items()))
    click.echo(f"updated      {stats['updated_at']}")
