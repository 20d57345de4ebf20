"""`rag migrate --to URI`: copy the local index into Milvus without re-embedding (docs/scaling.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rag.cli.context import EXIT_PROBLEMS, CliContext, errors


@click.command()
@click.option(
    "--to", "uri", required=True, help="Milvus URI: a Milvus Lite file (./index/milvus.db) or http://host:19530."
)
@click.option("--batch", default=64, show_default=True, help="Articles per write.")
@click.pass_obj
def migrate(obj: CliContext, uri: str, batch: int) -> None:
    """Copy the local index (--index) into Milvus, vectors included; no model is loaded.

    Collections are named by `store.prefix`, the token read from `store.token_env`. Articles already there
    with the same content are skipped, so an interrupted run is resumed by running it again. Exits 1 when
    the counts of the two indexes differ afterwards. Then set RAG_STORE__KIND=milvus and RAG_STORE__URI.
    """
    from rag.store.local import LocalStore
    from rag.store.manifest import MANIFEST, config_from_manifest, read_manifest
    from rag.store.migrate import copy_index
    from rag.store.milvus import MilvusStore
    from rag.store.milvus_schema import is_lite

    s = obj.settings
    with errors():
        manifest = s.index_dir / MANIFEST
        if not manifest.exists():
            raise click.ClickException(f"no local index at {s.index_dir}: nothing to migrate")
        config = config_from_manifest(read_manifest(manifest), manifest)
        source = LocalStore.open(s.index_dir, embed_model=config.embed_model, dim=config.dim)
        target = MilvusStore.open(
            uri,
            path=Path(uri).parent if is_lite(uri) else s.index_dir,
            embed_model=config.embed_model,
            dim=config.dim,
            create=config,
            token_env=s.store.token_env,
            prefix=s.store.prefix,
            index_type=s.store.index_type,
        )

        def progress(done: int, total: int) -> None:
            click.echo(f"\r{done}/{total} articles", nl=False, err=True)

        try:
            report = copy_index(source, target, batch=batch, progress=progress)
        finally:
            source.close()
            target.close()
    click.echo("", err=True)
    click.echo(f"Copied {report.copied} articles ({report.skipped} already there) to {uri}.")
    for name in ("articles", "chunks", "tokens"):
        click.echo(f"{name:<9} local {report.source[name]:>10}   milvus {report.target[name]:>10}")
    if not report.matches:
        click.echo("error: the counts differ: the Milvus collections hold other articles too", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo("The counts match.")
