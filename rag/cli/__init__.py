"""The `rag` command line: reads settings, wires the library together, translates errors to exit codes.

One module per group of commands: `index` (ingest, delete, info), `query` (search, ask), `serve` (serve,
mcp), `evaluate` (eval, judge), `migrate` (migrate); `context` holds what they share. Commands import heavy
modules inside their bodies, so `rag --help` starts fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from rag.cli import evaluate, index, migrate, query, serve
from rag.cli.context import CliContext


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Index folder (default: $RAG_INDEX_DIR or ./index).",
)
@click.version_option(package_name="rag-news")
@click.pass_context
def main(ctx: click.Context, index_dir: Path | None) -> None:
    """Ask questions of news articles and get answers with verified citations."""
    ctx.obj = CliContext(index_dir)


for command in (
    index.ingest,
    query.search,
    query.ask,
    serve.serve,
    serve.mcp_command,
    index.delete,
    evaluate.judge_command,
    index.info,
    evaluate.eval_command,
    migrate.migrate,
):
    main.add_command(command)
