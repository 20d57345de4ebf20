"""The ask section: `Pipeline.ask` over an index of seeds/ on the seed questions, for each generator, with
retrieval, prompt processing, decoding (llama.cpp's counters) and verification timed apart."""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

from evals.bench.common import per_second, percentile, round_or_none, table
from evals.bench.config import settings_for
from evals.bench.machine import cpu_seconds, load


def instrument(llm: Any, log: list[tuple[str, dict[str, float]]]) -> None:
    """Record `last_stats` after every generation and judge call of this LocalLLM (instance attributes only)."""
    complete, yes = llm.complete, llm.yes_probability

    def timed_complete(*args: Any, **kwargs: Any) -> str:
        out = complete(*args, **kwargs)
        log.append(("generate", dict(llm.last_stats)))
        return out

    def timed_yes(*args: Any, **kwargs: Any) -> float:
        out = yes(*args, **kwargs)
        log.append(("judge", dict(llm.last_stats)))
        return out

    llm.complete, llm.yes_probability = timed_complete, timed_yes


def seed_index(workdir: Path) -> tuple[Any, Any, Any, list[Any]]:
    """The product's settings, store and embedder for a fresh index of the seed article in `workdir`, and the
    articles as the product read them (what `evals.bench.ask_peer` hands its peer)."""
    from evals.suite.datasets.seed_set import SEED_ARTICLE

    return corpus_index(workdir / "seeds-index", [SEED_ARTICLE])


def corpus_index(index_dir: Path, sources: list[Path]) -> tuple[Any, Any, Any, list[Any]]:
    """The product's settings, store and embedder for a fresh index at `index_dir` of the articles in
    `sources`, and the articles as the product read them."""
    from rag import factory
    from rag.ingest import read_sources
    from rag.types import Article

    settings = settings_for(index_dir)
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder, create=True)
    items = list(read_sources([str(s) for s in sources]))
    with store.writing():
        embedder.warm_up()
        factory.indexer(settings, store, embedder).ingest(items)
    return settings, store, embedder, [a for a in items if isinstance(a, Article)]


def ask(generators: list[str], n_questions: int, workdir: Path) -> dict[str, Any]:
    from evals.suite.datasets.seed_set import SEED_ARTICLE, load_seed_questions
    from rag import factory

    settings, store, embedder, _ = seed_index(workdir)
    questions = load_seed_questions()[:n_questions]
    out: dict[str, Any] = {"questions": len(questions), "seed_article": SEED_ARTICLE.name, "generators": {}}
    for name in generators:
        pipeline = factory.pipeline(settings, store, embedder, generator_name=name)
        factory.warm_up(pipeline)
        log: list[tuple[str, dict[str, float]]] = []
        llms = {
            id(x): x
            for x in (getattr(pipeline.generator, "llm", None), getattr(pipeline.verifier.judge, "llm", None))
            if x
        }
        for llm in llms.values():
            instrument(llm, log)
        rows = []
        load_before = load()
        for q in questions:
            log.clear()
            cpu_start = cpu_seconds()
            first = FirstSentence()
            answer = pipeline.ask(q.question, on_event=first)
            cpu = cpu_seconds() - cpu_start
            gen = [s for kind, s in log if kind == "generate"]
            judge = [s for kind, s in log if kind == "judge"]
            rows.append(
                {
                    "id": q.id,
                    "answerable": answer.answerable,
                    "timings": answer.timings,
                    "first_sentence_s": first.seconds,
                    "cpu_s": round(cpu, 3),
                    "prompt_s": sum(s.get("prompt_seconds", 0.0) for s in gen),
                    "decode_s": sum(s.get("decode_seconds", 0.0) for s in gen),
                    "prompt_tokens": sum(s.get("prompt_tokens", 0) for s in gen),
                    "prompt_tokens_evaluated": sum(s.get("evaluated_tokens", 0) for s in gen),
                    "completion_tokens": sum(s.get("completion_tokens", 0) for s in gen),
                    "judge_calls": len(judge),
                    "judge_s": sum(s.get("seconds", 0.0) for s in judge),
                    "judge_tokens_evaluated": sum(s.get("evaluated_tokens", 0) for s in judge),
                }
            )
            print(f"  ask {name} {q.id}: {answer.timings.get('total', 0):.2f}s", file=sys.stderr, flush=True)
        out["generators"][name] = summarise_ask(rows) | {
            "generator": pipeline.generator.name,
            "load": {"before": load_before, "after": load()},
        }
        del pipeline, llms
        gc.collect()
    store.close()
    return out


class FirstSentence:
    """An `on_event` hook: seconds from the ask to the first sentence verified (what a stream shows first)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.seconds: float | None = None

    def __call__(self, kind: str, payload: Any) -> None:
        if kind == "sentence" and self.seconds is None:
            self.seconds = round(time.perf_counter() - self.start, 3)


def summarise_ask(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def stage(values: list[float]) -> dict[str, float]:
        return {"p50_s": round(percentile(values, 50), 3), "p95_s": round(percentile(values, 95), 3)}

    timings = {s: [r["timings"].get(s, 0.0) for r in rows] for s in ("retrieve", "generate", "verify", "total")}
    prompt_s = sum(r["prompt_s"] for r in rows)
    decode_s = sum(r["decode_s"] for r in rows)
    judge_s = sum(r["judge_s"] for r in rows)
    return {
        "answered": sum(r["answerable"] for r in rows),
        "stages": {
            "retrieval": stage(timings["retrieve"]),
            "generate": stage(timings["generate"]),
            "prompt_processing": stage([r["prompt_s"] for r in rows]),
            "decoding": stage([r["decode_s"] for r in rows]),
            "verification": stage(timings["verify"]),
            "total": stage(timings["total"]),
            # over the questions that streamed a sentence (an abstention streams none)
            "first_sentence": stage([r["first_sentence_s"] for r in rows if r["first_sentence_s"] is not None]),
        },
        "prompt_tokens_mean": round(sum(r["prompt_tokens"] for r in rows) / max(1, len(rows)), 1),
        # Medians of the per-question rates (one stalled question does not set the figure), and pooled rates.
        "prompt_tokens_per_s": _median_rate(rows, "prompt_tokens_evaluated", "prompt_s"),
        "decode_tokens_per_s": _median_rate(rows, "completion_tokens", "decode_s"),
        "judge_tokens_per_s": _median_rate(rows, "judge_tokens_evaluated", "judge_s"),
        "pooled_tokens_per_s": {
            "prompt": round_or_none(per_second(sum(r["prompt_tokens_evaluated"] for r in rows), prompt_s)),
            "decode": round_or_none(per_second(sum(r["completion_tokens"] for r in rows), decode_s)),
            "judge": round_or_none(per_second(sum(r["judge_tokens_evaluated"] for r in rows), judge_s)),
        },
        "judge_calls_per_question": round(sum(r["judge_calls"] for r in rows) / max(1, len(rows)), 2),
        "cpu_s_per_wall_s": round_or_none(per_second(sum(r["cpu_s"] for r in rows), sum(timings["total"])), 2),
        "rows": rows,
    }


def _median_rate(rows: list[dict[str, Any]], amount: str, seconds: str) -> float | None:
    rates = [r[amount] / r[seconds] for r in rows if r[seconds] > 0]
    return round(percentile(rates, 50), 1) if rates else None


def print_ask(result: dict[str, Any]) -> None:
    rows = []
    for name, r in result["generators"].items():
        s = r["stages"]
        rows.append(
            [
                name,
                f"{s['total']['p50_s']:.2f} / {s['total']['p95_s']:.2f}",
                s["first_sentence"]["p50_s"],
                r["prompt_tokens_mean"],
                s["retrieval"]["p50_s"],
                s["generate"]["p50_s"],
                s["prompt_processing"]["p50_s"] if r["prompt_tokens_per_s"] else None,
                s["decoding"]["p50_s"] if r["decode_tokens_per_s"] else None,
                s["verification"]["p50_s"],
                r["prompt_tokens_per_s"],
                r["decode_tokens_per_s"],
                r["judge_tokens_per_s"],
            ]
        )
    print(f"\nAsk ({result['questions']} seed questions; seconds, p50 unless marked):")
    print(
        table(
            [
                "generator",
                "total p50/p95",
                "first verified sentence",
                "prompt tokens",
                "retrieval",
                "generation",
                "of which prompt",
                "of which decoding",
                "verification",
                "prompt tok/s",
                "decode tok/s",
                "judge tok/s",
            ],
            rows,
        )
    )
