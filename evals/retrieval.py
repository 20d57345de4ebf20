"""Retrieval quality and search latency on RealTimeQA, for hybrid, dense-only and BM25-only search, with and
without the temporal features.

    python -m evals.retrieval --index /tmp/rtqa [--data ../shared/datasets/realtimeqa] [--out results.json]
                              [--modes hybrid dense bm25] [--variants plain as-of time recent always]
                              [--half-life 30] [--floor 0.25]

Variants (each question's date is its as-of date where one is given):
- `plain`: no time at all (the pipeline before time-awareness);
- `as-of`: nothing published after the question's date;
- `time`: as-of, plus the question's time expression as a window of publication dates;
- `recent`: time, plus the recency prior on "latest"-like words;
- `always`: time, plus the recency prior on every question;
- `phrased`, `soft`, `soft-phrased`, `soft-always`, `prior-only`: the recency prior on time-phrased questions
  and/or the window as a prior (`window=prior`) rather than a filter (see `VARIANTS`; `soft-phrased` is the
  default);
- `default`: what the pipeline does by default.
`--queries question focus focus+names` also tries searching for the asking sentence only (`rag.question.focus`),
or with the names of the question's preamble.
Every figure is reported over all questions and over the time-phrased ones (`rag.timeframe.find_time`).

passage@k: a top-k passage holds an evidence sentence (verbatim after normalising case, quotes and spaces,
or 70% of its content words: the evidence comes from the quiz's own source, the corpus from other
outlets); article@k: a top-k passage comes from an article with such a passage. Both count only the
questions whose evidence was located in the index (129 of 379 come with no evidence sentence).
answer@k: a top-k passage contains the gold answer text (all questions; a looser, noisier signal).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

from evals.bench.common import open_index_read_only
from evals.suite.datasets.realtimeqa import DEFAULT_DIR, Question, Text, contains_evidence, load_questions, normalise
from rag.embedders.registry import load_embedder
from rag.question import focus, proper_names
from rag.retrieve import RetrievalParams, Retriever
from rag.store.local import LocalStore
from rag.store.manifest import MANIFEST, config_from_manifest, read_manifest
from rag.timeframe import find_time
from rag.types import Filters

VARIANTS: dict[str, tuple[bool, dict[str, object]]] = {  # name -> (use the as-of date, RetrievalParams fields)
    "plain": (False, {"time_aware": False, "recency": "off"}),
    "default": (True, {}),  # the pipeline's defaults (RetrievalParams)
    "as-of": (True, {"time_aware": False, "recency": "off"}),
    "time": (True, {"time_aware": True, "recency": "off"}),
    "recent": (True, {"time_aware": True, "recency": "recent"}),
    "always": (True, {"time_aware": True, "recency": "always"}),
    "phrased": (True, {"time_aware": True, "recency": "phrased"}),
    "soft": (True, {"time_aware": True, "recency": "recent", "window": "prior"}),
    "soft-phrased": (True, {"time_aware": True, "recency": "phrased", "window": "prior"}),
    "soft-always": (True, {"time_aware": True, "recency": "always", "window": "prior"}),
    "prior-only": (True, {"time_aware": True, "recency": "phrased", "window": "off"}),
}
# Query variants: what of a quiz question is searched for (a question often opens with context).
QUERIES = {
    "question": lambda q: q,
    "focus": lambda q: focus(q),  # only the sentence that asks
    "focus+names": lambda q: " ".join(dict.fromkeys([focus(q), *proper_names(q)])),  # plus the preamble's names
}

KS = (1, 5, 10)


def gold_chunks(store: LocalStore, questions: list[Question]) -> dict[str, set[int]]:
    """Chunk rows that hold each question's evidence (one pass over the index)."""
    gold: dict[str, set[int]] = {q.id: set() for q in questions}
    with_evidence = [q for q in questions if q.evidence]
    with contextlib.closing(open_index_read_only(store.path)) as db:
        rows = db.execute("SELECT id, text FROM chunks").fetchall()
    for row, text in rows:
        prepared = Text(text)
        for q in with_evidence:
            if contains_evidence(prepared, q.evidence):
                gold[q.id].add(row)
    return gold


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def as_of(question: Question) -> str:
    """The question's date as an ISO date (RealTimeQA writes 2024/01/05)."""
    return question.date.replace("/", "-")[:10]


def time_phrased(question: Question) -> bool:
    from datetime import date

    return find_time(question.question, date.fromisoformat(as_of(question))) is not None


def evaluate(
    store: LocalStore,
    embedder,
    questions: list[Question],
    gold: dict[str, set[int]],
    params: RetrievalParams,
    use_as_of: bool = False,
    query: str = "question",
) -> dict:
    retriever = Retriever(store, embedder, params)
    mode = params.mode
    hits = {f"{kind}@{k}": 0 for kind in ("passage", "article", "answer") for k in KS}
    rr = 0.0
    latencies: list[float] = []
    stages: dict[str, list[float]] = {}
    context_tokens: list[int] = []
    for q in questions:
        t = time.perf_counter()
        filters = Filters(as_of=as_of(q)) if use_as_of else Filters()
        passages = retriever.search(QUERIES[query](q.question), k=max(KS), filters=filters)
        latencies.append(time.perf_counter() - t)
        for stage, seconds in retriever.last_timings.items():
            stages.setdefault(stage, []).append(seconds)
        context_tokens.append(sum(len(p.text.split()) for p in passages))
        answer_hit = [normalise(q.answer) in normalise(p.text) for p in passages]
        for k in KS:
            hits[f"answer@{k}"] += any(answer_hit[:k])
        if not gold[q.id]:
            continue
        chunks = store.chunks(sorted(gold[q.id]))
        gold_ids = {c.chunk_id for c in chunks.values()}
        gold_articles = {c.article_id for c in chunks.values()}
        passage_hit = [p.chunk_id in gold_ids or bool(set(p.duplicates) & gold_ids) for p in passages]
        article_hit = [p.article_id in gold_articles for p in passages]
        for k in KS:
            hits[f"passage@{k}"] += any(passage_hit[:k])
            hits[f"article@{k}"] += any(article_hit[:k])
        first = next((i for i, h in enumerate(passage_hit) if h), None)
        rr += 0 if first is None else 1 / (first + 1)
    n = max(1, sum(bool(gold[q.id]) for q in questions))
    ms = [x * 1000 for x in latencies]
    return {
        "mode": mode,
        "questions_with_located_evidence": n,
        **{name: round(v / (len(questions) if name.startswith("answer") else n), 3) for name, v in hits.items()},
        "mrr@10": round(rr / n, 3),
        "latency_ms": {"p50": round(percentile(ms, 50), 1), "p95": round(percentile(ms, 95), 1)},
        "stage_ms_p50": {s: round(percentile([x * 1000 for x in v], 50), 2) for s, v in stages.items()},
        "context_words_top10_mean": round(statistics.mean(context_tokens), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--modes", nargs="+", default=["hybrid"])
    parser.add_argument("--variants", nargs="+", default=["plain", "recent"], choices=list(VARIANTS))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--max-per-article", type=int, default=1)
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--half-life", type=float, default=RetrievalParams.half_life_days)
    parser.add_argument("--floor", type=float, default=RetrievalParams.recency_floor)
    parser.add_argument("--window-weight", type=float, default=RetrievalParams.window_weight)
    parser.add_argument("--queries", nargs="+", default=["question"], choices=list(QUERIES))
    args = parser.parse_args()
    questions = load_questions(args.data)
    if not questions:
        sys.exit(f"no *_qa.jsonl.gz files in {args.data}")
    manifest = args.index / MANIFEST
    embedder = load_embedder(config_from_manifest(read_manifest(manifest), manifest).embed_model)  # the index's own
    store = LocalStore.open(args.index, embed_model=embedder.name, dim=embedder.dim)
    embedder.warm_up()
    gold = gold_chunks(store, questions)
    located = sum(bool(g) for g in gold.values())
    phrased = [q for q in questions if time_phrased(q)]
    print(
        f"{len(questions)} questions ({len(phrased)} time-phrased); evidence located in the index for {located}",
        file=sys.stderr,
    )
    results = {"questions": len(questions), "time_phrased": len(phrased), "evidence_located": located}
    results["index"] = store.stats()["counts"]
    results["params"] = {
        "candidates": args.candidates, "max_per_article": args.max_per_article,
        "half_life_days": args.half_life, "recency_floor": args.floor,
    }  # fmt: skip
    runs = []
    for mode in args.modes:
        for variant in args.variants:
            use_as_of, fields = VARIANTS[variant]
            params = RetrievalParams(
                mode=mode, candidates=args.candidates, max_per_article=args.max_per_article,
                half_life_days=args.half_life, recency_floor=args.floor, window_weight=args.window_weight,
                **fields,  # type: ignore[arg-type]
            )  # fmt: skip
            for query in args.queries:
                for subset, qs in (("all", questions), ("time-phrased", phrased)):
                    run = evaluate(store, embedder, qs, gold, params, use_as_of, query)
                    runs.append({"variant": variant, "query": query, "subset": subset, "n": len(qs)} | run)
    results["runs"] = runs
    columns = [f"{kind}@{k}" for kind in ("article", "answer") for k in KS] + ["mrr@10"]
    print(f"{'variant':13}{'query':12}{'subset':14}{'n':>5}" + "".join(f"{c:>11}" for c in columns) + f"{'p50 ms':>9}")
    for r in runs:
        cells = "".join(f"{r[c]:11.3f}" for c in columns)
        line = f"{r['variant']:13}{r['query']:12}{r['subset']:14}{r['n']:5}{cells}{r['latency_ms']['p50']:9.1f}"
        print(line)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
