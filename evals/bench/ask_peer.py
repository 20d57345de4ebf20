"""The ask-peer section: our answer path and a LlamaIndex query engine, on the same GGUF, the same articles and
the same questions, in one run.

Two corpora (`--ask-corpus`). `seed`: the seed article and the seed questions, each asked as of the article's
day as `evals.seed_eval` asks it. `realtimeqa`: the RealTimeQA sample the ingest section uses (whole questions'
search results until `--articles`, `evals.bench.sample`), its questions asked as of their own dates: an archive,
where no two questions' prompts hold the same passages (on one article the peer's nodes recur from question to
question and llama.cpp reuses them from its KV cache). The peer filters no dates: it may read reports published
after a question's date, which ours never does.

Ours is `Pipeline.ask` with the local generator and the product's default settings over a fresh index of the
corpus (`evals.bench.ask.corpus_index`). The peer is `evals.bench.peer_query_engine` in the peer's environment
(`evals.bench.peer.ensure_peer_venv`): a `VectorStoreIndex(...).as_query_engine()` over the same article text
with `LlamaCPP` on the very GGUF file ours loads, with ours' llama.cpp context size and thread count; once with
LlamaIndex's defaults (its default splitter, `similarity_top_k=2`), once at our context budget (our chunk size
and overlap, and the k whose nodes hold about the passage tokens ours showed its model, on average;
`evals.bench.common.budget_top_k`).

Measured per system, on the same questions (one warm-up question first, not measured): wall seconds per question
(p50/p95); prompt tokens per question (llama.cpp's count over all LLM calls of the answer: ours' drafting and
verification, the peer's synthesis), and those of the first drafting call alone; tokens the model actually
evaluated (a prefix reused from the KV cache is not); passage tokens (the retrieved text the prompt holds, model
tokenizer); answer containment (`evals.suite.metrics.contains_answer`, the suite's: the gold answer contained, as
whole words after canonicalisation; ours counts only answers it gives, an abstention is a miss); and abstentions
(ours: its flag; the peer: the answer's wording, `evals.bench.common.looks_like_abstention`). Ours is reported as
a ratio to each peer configuration. Speed is printed, never asserted; the load average is recorded around each.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.bench.ask import corpus_index, instrument, seed_index
from evals.bench.common import looks_like_abstention, parse_query_engine, percentile, ratio, table
from evals.bench.config import ROOT
from evals.bench.machine import load
from evals.bench.peer import ensure_peer_venv
from evals.bench.sample import make_sample

WARM_UP = "What is this article about?"  # asked once by each system before the measured questions
PEER_CONFIGS = {"default": "llamaindex default", "budget": "llamaindex at our budget"}


CORPORA = ("seed", "realtimeqa")


@dataclass(frozen=True)
class Asked:
    """A question both systems are asked: its gold answers, its kind, and the date ours asks it as of."""

    id: str
    question: str
    answers: tuple[str, ...]
    kind: str  # "answerable", or the seed set's kinds of questions that should be declined
    as_of: str


def ask_peer(
    n_questions: int,
    workdir: Path,
    venv: Path,
    timeout: int,
    *,
    corpus: str = "seed",
    data: Path | None = None,
    n_articles: int = 300,
    seed: int = 0,
) -> dict[str, Any]:
    """Both systems on `corpus` ("seed" or "realtimeqa": `data`'s sample of about `n_articles` articles)."""
    if corpus == "seed":
        from evals.suite.datasets.seed_set import ASKED_ON, SEED_ARTICLE, load_seed_questions

        questions = [Asked(q.id, q.question, q.answers, q.kind, ASKED_ON) for q in load_seed_questions()]
        settings, store, embedder, articles = seed_index(workdir)
        described = f"the seed article {SEED_ARTICLE.name}, asked as of {ASKED_ON}"
    elif corpus == "realtimeqa":
        from rag.dates import parse_date

        if data is None:
            raise ValueError("the realtimeqa corpus needs the RealTimeQA folder (data)")
        sample = make_sample(data, n_articles, seed, workdir)
        questions = [Asked(q.id, q.question, (q.answer,), "answerable", parse_date(q.date)) for q in sample.questions]
        settings, store, embedder, articles = corpus_index(workdir / "archive-index", [sample.path])
        described = f"{len(articles)} RealTimeQA articles (seed {seed}), each question asked as of its date"
    else:
        raise ValueError(f"corpus must be one of {', '.join(CORPORA)}, got {corpus!r}")
    questions = questions[:n_questions]
    ours, setup = ask_ours(questions, settings, store, embedder)
    budget = mean_passage_tokens(ours["rows"])
    peer = run_query_engine(articles, questions, setup, budget, workdir, venv, timeout)
    golds = {q.id: q.answers for q in questions}
    kinds = {q.id: q.kind for q in questions}
    systems = {"ours": summarise_answers(score_ours(ours["rows"], golds), kinds) | {"load": ours["load"]}}
    for key, name in PEER_CONFIGS.items():
        config = peer["configs"][key]
        systems[name] = summarise_answers(score_peer(config["rows"], golds), kinds) | {"settings": config["settings"]}
    return {
        "corpus": corpus,
        "questions": len(questions),
        "described": described,
        "ours_settings": setup,
        "budget_tokens": round(budget, 1),
        "budget_how": "the peer's chunk size and overlap are ours (cl100k tokens both); its k is the one whose k "
        "nodes, at the index's mean node length, hold the closest to ours' mean passage tokens per question",
        "peer_settings": peer["settings"],
        "peer_versions": peer["versions"],
        "peer_load": peer["loadavg"],
        "systems": systems,
        "ratios": {name: ours_over_peer(systems["ours"], systems[name]) for name in PEER_CONFIGS.values()},
    }


def ask_ours(questions: list[Asked], settings: Any, store: Any, embedder: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Our answers with the local generator, timed per question, with llama.cpp's counts for every model call
    and the passages the generator was shown. Closes `store`."""
    from rag import factory
    from rag.llm import model_file
    from rag.types import Filters

    pipeline = factory.pipeline(settings, store, embedder, generator_name="local")
    factory.warm_up(pipeline)
    llm = pipeline.generator.llm
    log: list[tuple[str, dict[str, float]]] = []
    instrument(llm, log)
    shown: list[list[str]] = []
    generate = pipeline.generator.generate

    def recorded_generate(question: str, passages: Any, *args: Any, **kwargs: Any) -> Any:
        shown.append([p.text for p in passages])
        return generate(question, passages, *args, **kwargs)

    pipeline.generator.generate = recorded_generate
    if questions:
        pipeline.ask(WARM_UP, Filters(as_of=questions[0].as_of))
    rows = []
    load_before = load()
    for q in questions:
        log.clear()
        shown.clear()
        start = time.perf_counter()
        answer = pipeline.ask(q.question, Filters(as_of=q.as_of))
        seconds = time.perf_counter() - start
        gen = [s for kind, s in log if kind == "generate"]
        rows.append(
            {
                "id": q.id,
                "seconds": seconds,
                "answer": answer.answer,
                "answerable": answer.answerable,
                "llm_calls": len(log),
                "judge_calls": len(log) - len(gen),
                "prompt_tokens": sum(int(s.get("prompt_tokens", 0)) for _, s in log),
                "draft_prompt_tokens": int(gen[0].get("prompt_tokens", 0)) if gen else 0,
                "completion_tokens": sum(int(s.get("completion_tokens", 0)) for s in gen),
                "evaluated_tokens": sum(int(s.get("evaluated_tokens", 0)) for _, s in log),
                "prompt_s": sum(s.get("prompt_seconds", 0.0) for s in gen),
                "decode_s": sum(s.get("decode_seconds", 0.0) for s in gen),
                "judge_s": sum(s.get("seconds", 0.0) for kind, s in log if kind == "judge"),
                "passages": len(shown[0]) if shown else 0,
                "passage_tokens": sum(llm.count_tokens(t) for t in shown[0]) if shown else 0,
                "timings": answer.timings,
            }
        )
        print(f"  ask-peer ours {q.id}: {seconds:.2f}s", file=sys.stderr, flush=True)
    setup = {
        "model": str(llm.path or model_file()),
        "n_ctx": llm.n_ctx,
        "n_threads": llm.n_threads,
        "max_tokens": pipeline.generator.max_tokens,
        "passages": settings.answer.passages,
        "chunk_max_tokens": settings.chunk.max_tokens,
        "chunk_overlap_tokens": settings.chunk.overlap_tokens,
        "judge": settings.verify.judge,
        "as_of": sorted({q.as_of for q in questions}),
    }
    store.close()
    del pipeline, llm
    gc.collect()
    return {"rows": rows, "load": {"before": load_before, "after": load()}}, setup


def mean_passage_tokens(rows: list[dict[str, Any]]) -> float:
    """Mean passage tokens of the prompts ours wrote (questions it abstained on before drafting left out)."""
    shown = [r["passage_tokens"] for r in rows if r["passages"]]
    return statistics.fmean(shown) if shown else 0.0


def run_query_engine(
    articles: list[Any],
    questions: list[Asked],
    setup: dict[str, Any],
    budget: float,
    workdir: Path,
    venv: Path,
    timeout: int,
) -> dict[str, Any]:
    """The peer's report: `evals.bench.peer_query_engine` in the peer's environment, with ours' model and settings."""
    from rag.encodings import get_encoding

    get_encoding("cl100k_base")  # puts the BPE file where tiktoken (and so LlamaIndex's splitter) looks, offline
    python = ensure_peer_venv(venv)
    articles_path = workdir / "qe_articles.json"
    questions_path = workdir / "qe_questions.json"
    out = workdir / "qe_report.json"
    articles_path.write_text(
        json.dumps([{"id": a.id, "title": a.title, "body": a.body} for a in articles]), encoding="utf-8"
    )
    questions_path.write_text(json.dumps([{"id": q.id, "question": q.question} for q in questions]))
    cmd = [str(python), "-m", "evals.bench.peer_query_engine", "--articles", str(articles_path)]
    cmd += ["--questions", str(questions_path), "--out", str(out), "--model", setup["model"]]
    cmd += ["--threads", str(setup["n_threads"]), "--context", str(setup["n_ctx"])]
    cmd += ["--max-new-tokens", str(setup["max_tokens"]), "--budget-tokens", str(budget)]
    cmd += ["--chunk-size", str(setup["chunk_max_tokens"]), "--chunk-overlap", str(setup["chunk_overlap_tokens"])]
    log = workdir / "query_engine.log"
    with log.open("w") as err:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    sys.stderr.write("".join(line for line in log.read_text().splitlines(True) if line.startswith("  ask-peer")))
    if proc.returncode != 0:
        raise RuntimeError(f"the query engine peer failed (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
    return parse_query_engine(out.read_text(encoding="utf-8"))


def score_ours(rows: list[dict[str, Any]], golds: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Our rows with `contains` (an answer given that contains a gold alias) and `abstained` (its flag)."""
    from evals.suite.metrics import contains_answer

    return [
        r
        | {
            "abstained": not r["answerable"],
            "contains": r["answerable"] and contains_answer(r["answer"], golds[r["id"]]),
        }
        for r in rows
    ]


def score_peer(rows: list[dict[str, Any]], golds: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """The peer's rows with `contains` (the answer text contains a gold alias, whatever else it says) and
    `abstained` (by its wording)."""
    from evals.suite.metrics import contains_answer

    return [
        r | {"abstained": looks_like_abstention(r["answer"]), "contains": contains_answer(r["answer"], golds[r["id"]])}
        for r in rows
    ]


def summarise_answers(rows: list[dict[str, Any]], kinds: dict[str, str]) -> dict[str, Any]:
    """Latency, tokens, containment and abstention of one system's scored rows (`kinds`: question id -> kind)."""
    answerable = [r for r in rows if kinds[r["id"]] == "answerable"]
    other = [r for r in rows if kinds[r["id"]] != "answerable"]
    seconds = [r["seconds"] for r in rows]

    def mean(key: str) -> float | None:
        values = [r[key] for r in rows if r.get(key) is not None]
        return round(statistics.fmean(values), 1) if values else None

    return {
        "questions": len(rows),
        "p50_s": round(percentile(seconds, 50), 3),
        "p95_s": round(percentile(seconds, 95), 3),
        "prompt_tokens_mean": mean("prompt_tokens"),
        "draft_prompt_tokens_mean": mean("draft_prompt_tokens"),
        "evaluated_tokens_mean": mean("evaluated_tokens"),
        "passage_tokens_mean": mean("passage_tokens"),
        "passages_mean": mean("passages"),
        # Seconds inside the model: prompt processing and decoding of the drafting calls (llama.cpp's counters),
        # and ours' judge calls; the rest of a question's wall time is retrieval and the pipelines' own code.
        "prompt_s_mean": mean("prompt_s"),
        "decode_s_mean": mean("decode_s"),
        "judge_s_mean": mean("judge_s"),
        "llm_calls_mean": mean("llm_calls"),
        "containment": _share(sum(r["contains"] for r in answerable), len(answerable)),
        "abstentions": sum(r["abstained"] for r in rows),
        "abstention_not_answerable": _share(sum(r["abstained"] for r in other), len(other)),
        "false_abstention": _share(sum(r["abstained"] for r in answerable), len(answerable)),
        "rows": rows,
    }


def _share(n: int, total: int) -> float | None:
    return round(n / total, 3) if total else None


def ours_over_peer(ours: dict[str, Any], peer: dict[str, Any]) -> dict[str, Any]:
    """Ours as a ratio to the peer (latency and tokens), and the containment difference in points."""
    points = None
    if ours["containment"] is not None and peer["containment"] is not None:
        points = round(100 * (ours["containment"] - peer["containment"]), 1)
    return {
        "p50": ratio(ours["p50_s"], peer["p50_s"]),
        "p95": ratio(ours["p95_s"], peer["p95_s"]),
        "prompt_tokens": ratio(ours["prompt_tokens_mean"], peer["prompt_tokens_mean"]),
        "draft_prompt_tokens": ratio(ours["draft_prompt_tokens_mean"], peer["draft_prompt_tokens_mean"]),
        "evaluated_tokens": ratio(ours["evaluated_tokens_mean"], peer["evaluated_tokens_mean"]),
        "passage_tokens": ratio(ours["passage_tokens_mean"], peer["passage_tokens_mean"]),
        "containment": ratio(ours["containment"], peer["containment"]),
        "containment_points": points,
    }


def ask_peer_rows(result: dict[str, Any]) -> list[list[Any]]:
    """One table row per system: figures, then ours/peer for latency and prompt tokens ("-" for ours)."""
    out = []
    for name, s in result["systems"].items():
        r = result["ratios"].get(name)
        out.append(
            [
                name,
                f"{s['p50_s']:.2f} / {s['p95_s']:.2f}",
                s["prompt_tokens_mean"],
                s["draft_prompt_tokens_mean"],
                s["evaluated_tokens_mean"],
                s["passage_tokens_mean"],
                s["llm_calls_mean"],
                s["containment"],
                s["abstentions"],
                None if r is None else r["p50"],
                None if r is None else r["prompt_tokens"],
                None if r is None else r["containment_points"],
            ]
        )
    return out


def print_ask_peer(result: dict[str, Any]) -> None:
    headers = [
        "system",
        "p50 / p95 s",
        "prompt tok",
        "draft prompt tok",
        "evaluated tok",
        "passage tok",
        "LLM calls",
        "containment",
    ]
    headers += ["abstentions", "ours/peer p50", "ours/peer prompt tok", "ours-peer containment (points)"]
    print(
        f"\nAsk, ours vs the LlamaIndex query engine ({result['questions']} questions on {result['described']}; "
        "same GGUF, "
        f"{result['ours_settings']['n_threads']} threads, n_ctx {result['ours_settings']['n_ctx']}; tokens are "
        f"means per question; our budget {result['budget_tokens']} passage tokens):"
    )
    print(table(headers, ask_peer_rows(result)))
