"""`rag eval` (the evaluation suite) and `rag judge` (the support judge on claim/passage pairs)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from rag.cli.context import EXIT_INTERRUPTED, EXIT_PROBLEMS, CliContext, errors


@click.command("judge")
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
        except json.JSONDecodeError as exc:
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
        assert isinstance(claim, str) and isinstance(passage, str)  # checked just above
        return claim, passage, question, row.get("id")

    try:
        stream = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror}") from None
    judge, bad_lines, done, started = None, 0, 0, time.perf_counter()
    with errors(), stream:
        try:
            for n, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    claim, passage, question, row_id = parse(n, line)
                except InputError as exc:
                    bad_lines += 1
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
    if bad_lines:
        click.echo(f"error: {bad_lines} line{'s' * (bad_lines != 1)} could not be read", err=True)
        sys.exit(EXIT_PROBLEMS)


@click.command("eval")
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
    "--corpus-index",
    type=click.Path(path_type=Path),
    default=None,
    help="Use this existing index as the set's corpus instead of building one (one set).",
)
@click.option("--index", "legacy_index", type=click.Path(path_type=Path), default=None, hidden=True)
@click.option(
    "--cache-dir", type=click.Path(path_type=Path), default=None,
    help="Where per-set indexes are built and reused [default: ~/.cache/rag/eval, or $RAG_EVAL_CACHE].",
)  # fmt: skip
@click.option(
    "--judge-limit", type=click.IntRange(0), default=None,
    help="Pairs per judge set [default: 40 with llm, all with overlap].",
)  # fmt: skip
@click.option("--fresh", is_flag=True, help="Ignore cached per-question results and ask everything again.")
@click.option(
    "--replay",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Answer with the drafts recorded in this results JSON instead of generating (retrieval must match).",
)
@click.option(
    "--as-of",
    "as_of",
    default="question",
    show_default=True,
    help="The date each question is asked at: 'question' (its own date where the set has one), 'none' (today), "
    "or a date (YYYY-MM-DD) for every question.",
)
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
    corpus_index: Path | None,
    legacy_index: Path | None,
    replay: Path | None,
    as_of: str,
    cache_dir: Path | None,
    judge_limit: int | None,
    fresh: bool,
) -> None:
    """Run evaluation SETS (seed, realtimeqa, realtimeqa_nota, timeline, updates, squad, rgb, judge; default: seed).

    Prints a summary table and writes a JSON file and an HTML report to --out. An interrupted run,
    started again with the same options, resumes: answered questions are cached. For --url the
    service must already hold the set's corpus; $RAG_EVAL_API_KEY is sent as its bearer token.
    """
    import os

    from evals.suite import report
    from evals.suite.config import DEFAULT_CACHE_DIR, EvalError, RunConfig
    from evals.suite.runner import run

    if legacy_index is not None:  # the old name of --corpus-index, easily taken for the global --index
        click.echo("note: `rag eval --index` is now `--corpus-index`; the old name goes in the next version", err=True)
        corpus_index = corpus_index or legacy_index
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
        index=corpus_index,
        as_of=_as_of_option(as_of),
        replay=replay,
        fresh=fresh,
        judge_limit=judge_limit,
        api_key=os.environ.get("RAG_EVAL_API_KEY", ""),
    )
    try:
        with errors():
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


def _as_of_option(value: str) -> str:
    """`--as-of`: 'question', 'none' or an ISO date; anything else is refused with the value named."""
    from datetime import date

    if value in ("question", "none"):
        return value
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not 'question', 'none' or a date (YYYY-MM-DD)") from None
