"""The `rag` command line. Reads settings, wires the library together, translates errors to exit codes."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from rag.errors import RagError

EXIT_PROBLEMS = 1
EXIT_INTERRUPTED = 130


class CliContext:
    """Settings and lazily opened resources shared by the subcommands."""

    def __init__(self, index_dir: Path | None) -> None:
        from rag.config import Settings

        try:
            self.settings = Settings()
        except ValidationError as exc:
            raise click.ClickException(f"invalid settings: {_validation_message(exc)}") from None
        except RagError as exc:
            raise click.ClickException(str(exc)) from None
        if index_dir is not None:
            self.settings.index_dir = index_dir

    def embedder(self) -> Any:
        from rag import factory

        return factory.embedder(self.settings)

    def store(self, embedder: Any, *, create: bool = False) -> Any:
        from rag import factory

        return factory.store(self.settings, embedder, create=create)


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


@contextmanager
def _errors() -> Iterator[None]:
    """Library errors become one line on stderr and exit status 1; never a traceback."""
    try:
        yield
    except RagError as exc:
        raise click.ClickException(str(exc)) from None


def _read_arg(value: str, what: str) -> str:
    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        raise click.ClickException(f"the {what} is empty")
    return text.strip()


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


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.pass_obj
def ingest(obj: CliContext, paths: tuple[str, ...]) -> None:
    """Add or update articles from files and folders (.txt .md .html .jsonl .jsonl.gz; - for stdin).

    Unchanged articles are skipped, changed ones replaced. Bad files are reported and skipped; the
    exit status is 1 if any input could not be read.
    """
    from rag import factory
    from rag.ingest import count_sources, read_sources

    with _errors():
        embedder = obj.embedder()
        store = obj.store(embedder, create=True)
        config = store.config
        _warn_if_chunking_differs(obj, config)
        max_bytes = int(obj.settings.ingest.max_file_mb * 1_000_000)
        started = time.perf_counter()
        with store.writing():
            embedder.warm_up()
            indexer = factory.indexer(obj.settings, store, embedder)
            latest = None if "-" in paths else _latest_versions(read_sources(paths, max_bytes=max_bytes))
            with _Progress(count_sources(paths)) as progress:
                report = indexer.ingest(read_sources(paths, max_bytes=max_bytes), progress.update, latest=latest)
        _print_report(report, time.perf_counter() - started, store)
    if report.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    if report.problems:
        sys.exit(EXIT_PROBLEMS)


def _latest_versions(items: Iterable[Any]) -> dict[str, str]:
    """Content hash of each article id's last version in the input (standard input cannot be read twice)."""
    from rag.types import Article

    return {item.id: item.content_hash for item in items if isinstance(item, Article)}


def _warn_if_chunking_differs(obj: CliContext, config: Any) -> None:
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

    def update(self, report: Any, source: str) -> None:
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


def _print_report(report: Any, seconds: float, store: Any) -> None:
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


def _filters(after: str, before: str, outlets: tuple[str, ...], articles: tuple[str, ...]) -> Any:
    from rag.types import Filters

    return Filters(published_after=after, published_before=before, outlets=outlets, article_ids=articles)


@main.command()
@click.argument("query")
@click.option("-k", "--top-k", "k", type=click.IntRange(1, 100), help="Passages to show [default: 5].")
@click.option("--after", default="", help="Only articles published on or after this ISO date.")
@click.option("--before", default="", help="Only articles published before this ISO date.")
@click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
@click.option("--article", "articles", multiple=True, help="Only this article id (repeatable).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), help="Retriever [default: hybrid].")
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
    as_json: bool,
) -> None:
    """Show the passages most relevant to QUERY (- reads it from stdin)."""
    from rag import factory

    query = _read_arg(query, "query")
    with _errors():
        embedder = obj.embedder()
        store = obj.store(embedder)
        passages = factory.retriever(obj.settings, store, embedder, mode).search(
            query, k or obj.settings.retrieve.top_k, _filters(after, before, outlets, articles)
        )
    if as_json:
        click.echo(json.dumps([asdict(p) for p in passages], indent=2, ensure_ascii=False))
        return
    if not passages:
        click.echo("No passages match.")
    for n, p in enumerate(passages, 1):
        _print_passage(n, p)


def _print_passage(n: int, p: Any) -> None:
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


@main.command()
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
    as_json: bool,
    verbose: bool,
) -> None:
    """Answer QUESTION from the index; every sentence cites a verified quote (- reads it from stdin).

    When the articles do not support an answer, says so (exit status 0; "answerable" is false).
    """
    from rag import factory

    question = _read_arg(question, "question")
    if lenient:
        obj.settings.verify.mode = "lenient"
    with _errors():
        embedder = obj.embedder()
        store = obj.store(embedder)
        pipeline = factory.pipeline(obj.settings, store, embedder, generator_name=generator)
        pipeline.check_question(question)  # refuse bad input before loading models
        factory.warm_up(pipeline)
        answer = pipeline.ask(question, _filters(after, before, outlets, articles))
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    _print_answer(answer, verbose)


def _print_answer(answer: Any, verbose: bool) -> None:
    click.echo(textwrap.fill(answer.answer, 100))
    if not answer.answerable:
        click.secho(f"(abstained: {answer.abstain_reason})", dim=True)
    for s in answer.sentences:
        if s.verdict == "unsupported":
            click.secho(f"  unsupported: {s.text}", fg="yellow")
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


@main.command()
@click.option("--host", help="Address to listen on [default: api.host, 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: api.port, 8000].")
@click.option("--workers", type=click.IntRange(1, 64), help="Server processes, each with its own models [default: 1].")
@click.pass_obj
def serve(obj: CliContext, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP service: native API under /v1, OpenAI-compatible chat, MCP at /mcp, docs at /docs.

    The index is opened (created empty if missing) and the models loaded before it accepts requests.
    """
    import os

    import uvicorn

    api = obj.settings.api
    host, port, workers = host or api.host, port or api.port, workers or api.workers
    if workers > 1:
        # Each worker process builds its own app from the environment: pass the resolved index on.
        os.environ["RAG_INDEX_DIR"] = str(obj.settings.index_dir)
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")
        return
    from api.app import create_app
    from api.service import Service

    with _errors():  # a bad index or a missing model is one line here, not a startup traceback
        service = Service.from_settings(obj.settings)
        click.echo(f"rag: loading models for {obj.settings.index_dir} ...", err=True)
        service.warm_up()
        app = create_app(service=service, warm_up=False)
    uvicorn.run(app, host=host, port=port, log_level="info")


@main.command("mcp")
@click.pass_obj
def mcp_command(obj: CliContext) -> None:
    """Serve the MCP tools `search` and `ask` on stdin/stdout, for Claude Desktop and other MCP clients.

    The client starts this command; stdout carries only protocol messages, logs go to stderr. The index
    is opened and the models loaded before the first message is read. Over HTTP, `rag serve` offers the
    same tools at /mcp.
    """
    from api.mcp import serve_stdio

    try:
        with _errors():  # a bad index or a missing model is one line on stderr, not a traceback
            serve_stdio(obj.settings)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)


@main.command()
@click.argument("refs", nargs=-1, required=True)
@click.pass_obj
def delete(obj: CliContext, refs: tuple[str, ...]) -> None:
    """Remove articles by id, URL or source path, from every part of the index."""
    from rag.readers.base import article_id_for

    with _errors():
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


@main.command("judge")
@click.argument("source", default="-", required=False)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Support score at or above which a claim is supported (default: the configured one).",
)
@click.option(
    "--judge",
    "kind",
    type=click.Choice(["llm", "calibrated", "overlap"]),
    default=None,
    help="llm (checks, then the local model's P(yes)), calibrated (checks, then a trained classifier over the "
    "model and word features), or overlap (checks and word overlap, no model); default: the configured judge.",
)
@click.pass_obj
def judge_command(obj: CliContext, source: str, threshold: float | None, kind: str | None) -> None:
    """Judge claims against passages: JSON lines {"passage", "claim"[, "question", "id"]} from SOURCE (- or
    none: standard input), one JSON line out per line in: {"line", "support", "verdict", "reasons"}.

    "passage" may be a list of passages (judged together). A line that cannot be read gives
    {"line", "error"} and the exit status 1; the other lines are still judged.
    """
    from rag import factory
    from rag.errors import InputError

    def parse(n: int, line: str) -> tuple[str, str, str, Any]:
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"line {n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InputError(f"line {n}: expected a JSON object")
        passage, claim, question = row.get("passage"), row.get("claim"), row.get("question", "")
        if isinstance(passage, list) and all(isinstance(p, str) for p in passage):
            passage = "\n\n".join(p.strip() for p in passage)
        for field, value in (("passage", passage), ("claim", claim)):
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"line {n}: {field!r} must be a non-empty string")
        if not isinstance(question, str):
            raise InputError(f"line {n}: 'question' must be a string")
        return claim, passage, question, row.get("id")

    try:
        stream = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror}") from None
    judge, errors, done, started = None, 0, 0, time.perf_counter()
    with _errors(), stream:
        try:
            for n, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    claim, passage, question, row_id = parse(n, line)
                except InputError as exc:
                    errors += 1
                    click.echo(json.dumps({"line": n, "error": str(exc)}))
                    continue
                if judge is None:  # built on first use: input with no valid line loads no model
                    judge = factory.judge(obj.settings, kind=kind, threshold=threshold)
                    if hasattr(judge, "warm_up"):
                        judge.warm_up()
                verdict = judge.judge(claim, passage, question=question)
                out = {"line": n} | ({"id": row_id} if row_id is not None else {})
                out |= {
                    "support": round(verdict.score, 4),
                    "verdict": "supported" if verdict.supported else "unsupported",
                    "reasons": [str(r) for r in verdict.reasons],
                }
                click.echo(json.dumps(out, ensure_ascii=False))
                sys.stdout.flush()
                done += 1
                if done % 25 == 0:
                    click.echo(f"judged {done} claims in {time.perf_counter() - started:.0f} s", err=True)
        except UnicodeDecodeError:
            raise click.ClickException(f"{source}: not UTF-8 text") from None
        except KeyboardInterrupt:
            click.echo(f"interrupted after {done} claims", err=True)
            sys.exit(EXIT_INTERRUPTED)
    if done >= 25:
        seconds = time.perf_counter() - started
        click.echo(f"judged {done} claims in {seconds:.1f} s ({seconds / done:.2f} s each)", err=True)
    if errors:
        click.echo(f"error: {errors} line{'s' * (errors != 1)} could not be read", err=True)
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def info(obj: CliContext, as_json: bool) -> None:
    """Show what the index holds and how it was built."""
    with _errors():
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
    if stats["top_outlets"]:
        click.echo("outlets      " + ", ".join(f"{k} ({v})" for k, v in stats["top_outlets"].items()))
    click.echo(f"updated      {stats['updated_at']}")


@main.command("eval")
@click.argument("sets", nargs=-1)
@click.option("--limit", type=click.IntRange(0), default=0, help="A seeded sample of N questions per set (0: all).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample.")
@click.option("--url", default=None, help="Ask a running service (http://host:port) instead of in process.")
@click.option(
    "--data", type=click.Path(path_type=Path), default=Path("../shared/datasets"), show_default=True,
    help="Folder of the public datasets (read in place, never copied).",
)  # fmt: skip
@click.option(
    "--generator", type=click.Choice(["local", "extractive", "openai"]),
    help="Who drafts the answers [default: answer.generator].",
)  # fmt: skip
@click.option(
    "--scorer", type=click.Choice(["llm", "overlap"]), default="overlap", show_default=True,
    help="Faithfulness scorer: model-free overlap plus checks, or the local LLM (True/False, threshold tuned on WiCE).",
)  # fmt: skip
@click.option("--threshold", type=click.FloatRange(0, 1), default=None, help="Scorer threshold [default: its own].")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("evals/results"), show_default=True,
    help="Where the JSON, the HTML report and the per-question cache go.",
)  # fmt: skip
@click.option(
    "--index", "index", type=click.Path(path_type=Path), default=None, help="Use this existing index (one set)."
)
@click.option(
    "--cache-dir", type=click.Path(path_type=Path), default=None,
    help="Where per-set indexes are built and reused [default: ~/.cache/rag/eval, or $RAG_EVAL_CACHE].",
)  # fmt: skip
@click.option(
    "--judge-limit", type=click.IntRange(0), default=None,
    help="Pairs per judge set [default: 40 with llm, all with overlap].",
)  # fmt: skip
@click.option("--fresh", is_flag=True, help="Ignore cached per-question results and ask everything again.")
@click.pass_obj
def eval_command(
    obj: CliContext,
    sets: tuple[str, ...],
    limit: int,
    seed: int,
    url: str | None,
    data: Path,
    generator: str | None,
    scorer: str,
    threshold: float | None,
    out: Path,
    index: Path | None,
    cache_dir: Path | None,
    judge_limit: int | None,
    fresh: bool,
) -> None:
    """Run evaluation SETS (seed, realtimeqa, realtimeqa_nota, squad, rgb, judge; default: seed).

    Prints a summary table and writes a JSON file and an HTML report to --out. An interrupted run,
    started again with the same options, resumes: answered questions are cached. For --url the
    service must already hold the set's corpus; $RAG_EVAL_API_KEY is sent as its bearer token.
    """
    import os

    from evals.suite import report
    from evals.suite.config import DEFAULT_CACHE_DIR, EvalError, RunConfig
    from evals.suite.runner import run

    config = RunConfig(
        sets=list(sets) or ["seed"],
        data=data,
        out=out,
        limit=limit or None,
        seed=seed,
        url=url,
        generator=generator,
        scorer=scorer,
        scorer_threshold=threshold,
        cache_dir=cache_dir or DEFAULT_CACHE_DIR,
        index=index,
        fresh=fresh,
        judge_limit=judge_limit,
        api_key=os.environ.get("RAG_EVAL_API_KEY", ""),
    )
    try:
        with _errors():
            results = run(config, obj.settings, echo=lambda msg: click.echo(msg, err=True))
    except EvalError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("Interrupted: answered questions are cached; run the same command again to resume.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"eval-{'-'.join(config.sets)}-{stamp}"
    report.write_json(results, out / f"{name}.json")
    report.write_html(results, out / f"{name}.html")
    click.echo(report.summary_text(results))
    click.echo(f"\nresults: {out / f'{name}.json'}\nreport:  {out / f'{name}.html'}")
