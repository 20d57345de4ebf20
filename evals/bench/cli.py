"""The benchmark's command line (`python -m evals.bench`): runs the sections asked for and writes the report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evals import bench
from evals.bench import vectors
from evals.bench.ask import ask, print_ask
from evals.bench.ask_peer import CORPORA, ask_peer, print_ask_peer
from evals.bench.config import DEFAULT_COLLECTIONS, DEFAULT_OUT, DEFAULT_PEER_VENV, SECTIONS
from evals.bench.ingest import embed_levers, ingest_ours, lever_texts, print_ingest
from evals.bench.machine import cpu, load, runtimes
from evals.bench.peer import peer_summary, run_peer
from evals.bench.ranking import compare, print_comparison, query_embedding_check
from evals.bench.sample import make_sample
from evals.bench.search import print_search, run_search
from evals.bench.targets import targets
from evals.suite.datasets.realtimeqa import DEFAULT_DIR


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=(bench.__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--articles", type=_article_count, default=300, help="RealTimeQA articles to ingest (about), or all"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke test of every section in a few minutes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR, help="RealTimeQA folder")
    parser.add_argument("--index", type=Path, default=Path("/tmp/rtqa"), help="index of all RealTimeQA (read-only)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="search queries per size")
    parser.add_argument("--ask-questions", type=int, default=8)
    parser.add_argument(
        "--ask-corpus",
        choices=CORPORA,
        default="seed",
        help="what ask-peer asks: the seed article's questions, or the RealTimeQA sample's (--articles, --seed)",
    )
    parser.add_argument("--generators", nargs="+", default=["extractive", "local"])
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_PEER_VENV)
    parser.add_argument("--peer-timeout", type=int, default=3600)
    parser.add_argument("--collections", type=Path, default=DEFAULT_COLLECTIONS, help="cache of search collections")
    parser.add_argument("--lever-texts", type=int, default=96, help="chunk inputs for the runtime/batch comparison")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.articles = min(args.articles, 40)
        args.sizes = [n for n in args.sizes if n <= 10_000] or [1_000]
        args.queries = min(args.queries, 30)
        args.ask_questions = min(args.ask_questions, 1)
        args.lever_texts = min(args.lever_texts, 24)
    return args


def _article_count(text: str) -> int:
    if text == "all":
        return sys.maxsize
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of articles or 'all', got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 article, got {n}")
    return n


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    report: dict[str, Any] = {
        "machine": {"cpu_count": os.cpu_count(), "cpu": cpu(), "runtimes": runtimes(), "load_start": load()},
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "notes": [],
    }
    started = time.perf_counter()
    sections = set(args.sections)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        workdir = Path(tmp)
        if sections & {"ingest", "peer"}:
            sample = make_sample(args.data, args.articles, args.seed, workdir)
            report["sample"] = {
                "articles": len(sample.articles),
                "questions": len(sample.questions),
                "question_groups": len(sample.question_ids),
                "how": "whole questions' search results, in a seeded order, until --articles; the questions "
                "are those whose results were taken (answer text non-empty); other questions' articles are "
                "distractors",
            }
            print(
                f"sample: {report['sample']['articles']} articles, {len(sample.questions)} questions", file=sys.stderr
            )
            ours, store, embedder = ingest_ours(sample, workdir / "ours")
            report["ingest"] = ours
            report["ingest"]["levers"] = embed_levers(list(lever_texts(store, embedder, args.lever_texts)), rounds=3)
            peer_report = None
            if "peer" in sections:
                peer_report = run_peer(sample, workdir, args.peer_venv, args.peer_timeout)
                bodies = {a.id: a.body for a in sample.articles.values()}
                report["peer"] = peer_summary(peer_report, embedder.tokenizer, bodies)
            report["comparison"] = compare(sample, store, embedder, peer_report)
            report["comparison"]["query_vectors_check"] = query_embedding_check(store, sample)
            print_ingest(report["ingest"], report.get("peer"))
            print_comparison(report["comparison"])
            store.close()
        if "search" in sections:
            report["search"] = run_search(args)
            print_search(report["search"])
        if "vectors" in sections:
            argv_vectors = ["--sizes", *map(str, args.sizes), "--queries", str(args.queries), "--threads", "0"]
            argv_vectors += ["--store", str(args.index), "--seed", str(args.seed)]
            report["vectors"] = vectors.run(vectors.parse_args(argv_vectors))
        if "ask" in sections:
            report["ask"] = ask(args.generators, args.ask_questions, workdir)
            print_ask(report["ask"])
        if "ask-peer" in sections:
            report["ask_peer"] = ask_peer(
                args.ask_questions,
                workdir,
                args.peer_venv,
                args.peer_timeout,
                corpus=args.ask_corpus,
                data=args.data,
                n_articles=args.articles,
                seed=args.seed,
            )
            print_ask_peer(report["ask_peer"])
    report["targets"] = targets(report)
    report["machine"]["load_end"] = load()
    report["total_s"] = round(time.perf_counter() - started, 1)
    print("\nTargets:")
    for name, row in report["targets"].items():
        figures = {k: v for k, v in row.items() if k not in ("met", "target")}
        print(f"  {name}: {'met' if row['met'] else 'NOT met'}  {json.dumps(figures)}")
    print(
        f"\nload average: start {report['machine']['load_start']}, end {report['machine']['load_end']} on "
        f"{report['machine']['cpu_count']} cores; total {report['total_s']} s"
    )
    machine = report["machine"]["cpu"]
    print(f"CPU: {machine['model']}, {machine['cores_usable']} usable cores, {' '.join(machine['simd'])}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    return 0
