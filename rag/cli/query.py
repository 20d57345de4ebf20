"""`rag search` and `rag ask`: passages, and answers whose every sentence cites a verified quote."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import click

from rag.cli.context import CliContext, errors, filters, read_arg

if TYPE_CHECKING:
    from rag.types import Answer, Passage


@click.command()
@click.argument("query")
@click.option("-k", "--top-k", "k", type=click.IntRange(1, 100), help="Passages to show [default: 5].")
@click.option("--after", default="", help="Only articles published on or after this ISO date.")
@click.option("--before", default="", help="Only articles published before this ISO date.")
@click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
@click.option("--article", "articles", multiple=True, help="Only this article id (repeatable).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), help="Retriever [default: hybrid].")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="The day the question is asked at (YYYY-MM-DD): nothing published after it is used, and 'this week' "
    "counts from it [default: answer.as_of, else today].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def search(
    obj: CliContext,
    query: str,
    k: int | None,
    after: str,
    before: str,
    outlets: tuple[str, ...],
    articles: tuple[str, ...],
    mode: str | None,
    as_of: str | None,
    as_json: bool,
) -> None:
    """Show the passages most relevant to QUERY (- reads it from stdin)."""
    from rag import factory

    query = read_arg(query, "query")
    with errors():
        embedder = obj.embedder()
        store = obj.store(embedder)
        passages = factory.retriever(obj.settings, store, embedder, mode).search(
            query,
            k or obj.settings.retrieve.top_k,
            filters(after, before, outlets, articles, obj.settings.answer.as_of if as_of is None else as_of),
        )
    if as_json:
        from api.schemas import PassageOut  # the one passage shape, as /v1/search and MCP give it

        shaped = [p.model_dump(mode="json") for p in PassageOut.numbered(passages)]
        click.echo(json.dumps(shaped, indent=2, ensure_ascii=False))
        return
    if not passages:
        click.echo("No passages match.")
    for n, p in enumerate(passages, 1):
        _print_passage(n, p)


def _print_passage(n: int, p: Passage) -> None:
    meta = " · ".join(x for x in (p.byline, p.outlet, p.published_at) if x)
    click.secho(f"[{n}] {p.title or '(untitled)'}", bold=True)
    if meta:
        click.echo(f"    {meta}")
    ranks = ", ".join(f"{name} #{rank}" for name, rank in (("dense", p.dense_rank), ("bm25", p.bm25_rank)) if rank)
    click.echo(f"    {p.chunk_id}  chars {p.start}-{p.end}  score {p.score:.4f} ({ranks})")
    if p.url or p.source:
        click.echo(f"    {p.url or p.source}")
    if p.duplicates:
        click.echo(f"    also in: {', '.join(p.duplicates)}")
    click.echo(textwrap.fill(" ".join(p.text.split()), 100, initial_indent="    ", subsequent_indent="    "))
    click.echo()


@click.command()
@click.argument("question")
@click.option(
    "--generator",
    type=click.Choice(["local", "extractive", "openai"]),
    help="Who drafts the answer [default: answer.generator, local].",
)
@click.option("--lenient", is_flag=True, help="Keep unsupported sentences, marked, instead of dropping them.")
@click.option("--after", default="", help="Only articles published on or after this ISO date.")
@click.option("--before", default="", help="Only articles published before this ISO date.")
@click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
@click.option("--article", "articles", multiple=True, help="Only this article id (repeatable).")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="The day the question is asked at (YYYY-MM-DD): nothing published after it is used, and 'this week' "
    "counts from it [default: answer.as_of, else today].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Also show dropped sentences, notes and timings.")
@click.pass_obj
def ask(
    obj: CliContext,
    question: str,
    generator: str | None,
    lenient: bool,
    after: str,
    before: str,
    outlets: tuple[str, ...],
    articles: tuple[str, ...],
    as_of: str | None,
    as_json: bool,
    verbose: bool,
) -> None:
    """Answer QUESTION from the index; every sentence cites a verified quote (- reads it from stdin).

    When the articles do not support an answer, says so (exit status 0; "answerable" is false).
    """
    from rag import factory

    question = read_arg(question, "question")
    if lenient:
        obj.settings.verify.mode = "lenient"
    with errors():
        embedder = obj.embedder()
        store = obj.store(embedder)
        pipeline = factory.pipeline(obj.settings, store, embedder, generator_name=generator)
        pipeline.check_question(question)  # refuse bad input before loading models
        factory.warm_up(pipeline)
        asked_at = obj.settings.answer.as_of if as_of is None else as_of
        answer = pipeline.ask(question, filters(after, before, outlets, articles, asked_at))
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    _print_answer(answer, verbose)


def _print_answer(answer: Answer, verbose: bool) -> None:
    click.echo(textwrap.fill(answer.answer, 100))
    if not answer.answerable:
        click.secho(f"(abstained: {answer.abstain_reason})", dim=True)
    for s in answer.sentences:
        if s.verdict == "unsupported":
            click.secho(f"  unsupported: {s.text}", fg="yellow")
    for c in answer.conflicts:
        click.echo()
        click.secho(f"The sources disagree ({c.status}): {c.slot}", bold=True)
        for v in c.values:
            cited = "; ".join(
                " · ".join(x for x in (f"[{s.n}]", s.outlet, s.published_at[:10]) if x) for s in v.sources
            )
            click.echo(f"  {v.value}: {cited}")
    if answer.sources:
        click.echo()
    for src in answer.sources:
        meta = " · ".join(x for x in (src.author, src.outlet, src.published_at) if x)
        click.secho(f"[{src.n}] {src.title or '(untitled)'}", bold=True)
        if meta:
            click.echo(f"    {meta}")
        click.echo(f"    {src.url or src.path}  ({src.chunk_id}, chars {src.start}-{src.end})")
        quote = " ".join(src.quote.split())
        click.echo(textwrap.fill(f"“{quote}”", 100, initial_indent="    ", subsequent_indent="     "))
    if verbose:
        click.echo()
        for s in answer.dropped:
            click.secho(f"dropped: {s.text} ({'; '.join(s.reasons)})", dim=True, err=True)
        for note in answer.usage.get("notes", []):
            click.secho(f"note: {note}", dim=True, err=True)
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in answer.timings.items())
        click.secho(f"timings: {stages}; judge calls {answer.usage.get('judge_calls', 0)}", dim=True, err=True)
