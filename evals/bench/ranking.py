"""Retrieval quality on the sample, both systems scored by the same code: answer@k, passage@k, own article@k,
MRR@10 of each and the context tokens of the passages returned; ours also at the peer's context budget."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from evals.bench.common import hits_at, k_for_budget, latency_ms, mean_prefix_tokens, mrr_at, table
from evals.bench.config import K_MAX, K, settings_for
from evals.bench.sample import Sample
from evals.suite.datasets.realtimeqa import Question, Text, contains_evidence, normalise


@dataclass
class Ranked:
    """One system's results for one question: texts and their article ids, best first, and the seconds the
    search took."""

    texts: list[str]
    articles: list[str]
    seconds: float


def score(
    questions: list[Question],
    ranked: dict[str, Ranked],
    located: set[str],
    enc: Any,
    k: int,
    own: dict[str, list[str]] | None = None,
) -> dict:
    """answer@k (a result contains the gold answer text), passage@k (a result holds the evidence, over the
    questions in `located`), article@k (a result comes from one of the question's own search results, `own`),
    MRR@10 of each, and the mean cl100k tokens of the first k results."""
    answer_hits, evidence_hits, article_hits, tokens = [], [], [], []
    own = own or {}
    for q in questions:
        r = ranked[q.id]
        gold = normalise(q.answer)
        answer_hits.append([gold in normalise(t) for t in r.texts])
        mine = set(own.get(q.id, ()))
        article_hits.append([a in mine for a in r.articles])
        tokens.append([len(enc.encode(t, disallowed_special=())) for t in r.texts])
        if q.id in located:
            evidence_hits.append([contains_evidence(t, q.evidence) for t in r.texts])
    return {
        "k": k,
        "questions": len(questions),
        "answer@1": _r(hits_at(answer_hits, 1)),
        "answer@5": _r(hits_at(answer_hits, 5)),
        f"answer@{k}": _r(hits_at(answer_hits, k)),
        f"answer_mrr@{min(k, 10)}": _r(mrr_at(answer_hits, min(k, 10))),
        "evidence_questions": len(evidence_hits),
        f"passage@{k}": _r(hits_at(evidence_hits, k)),
        f"passage_mrr@{min(k, 10)}": _r(mrr_at(evidence_hits, min(k, 10))),
        f"article@{k}": _r(hits_at(article_hits, k)),
        f"article_mrr@{min(k, 10)}": _r(mrr_at(article_hits, min(k, 10))),
        "distinct_articles_mean": round(sum(len(set(r.articles[:k])) for r in ranked.values()) / len(ranked), 1),
        "context_tokens_mean": round(mean_prefix_tokens(tokens, k), 1),
        "latency": latency_ms([r.seconds for r in ranked.values()]),
        "_tokens": tokens,
    }


def _r(x: float) -> float:
    return round(x, 3)


def ours_ranked(store: Any, embedder: Any, questions: list[Question], mode: str, k: int) -> dict[str, Ranked]:
    from rag import factory

    retriever = factory.retriever(settings_for(store.path), store, embedder, mode)
    for q in questions[:3]:
        retriever.search(q.question, k=k)
    out = {}
    for q in questions:
        t = time.perf_counter()
        passages = retriever.search(q.question, k=k)
        out[q.id] = Ranked([p.text for p in passages], [p.article_id for p in passages], time.perf_counter() - t)
    return out


def compare(sample: Sample, store: Any, embedder: Any, peer: dict[str, Any] | None) -> dict[str, Any]:
    from rag.encodings import get_encoding

    enc = get_encoding("cl100k_base")
    questions = sample.questions
    prepared = [Text(a.body) for a in sample.articles.values()]
    located = {q.id for q in questions if q.evidence and any(contains_evidence(t, q.evidence) for t in prepared)}
    own = sample.own
    runs: dict[str, dict[str, Any]] = {}
    for mode in ("hybrid", "dense", "bm25"):
        ranked = ours_ranked(store, embedder, questions, mode, K)
        runs[f"ours {mode} @{K}"] = score(questions, ranked, located, enc, K, own)
    out: dict[str, Any] = {
        "questions": len(questions),
        "evidence_located": len(located),
        "answer_ceiling": answer_ceiling(questions, sample.articles, own),
        "runs": runs,
    }
    if peer is not None:
        ranked = {
            q["id"]: Ranked([h["text"] for h in q["hits"]], [h["doc"] for h in q["hits"]], q["seconds"])
            for q in peer["queries"]
        }
        runs[f"llamaindex @{K}"] = score(questions, ranked, located, enc, K, own)
        budget = runs[f"llamaindex @{K}"]["context_tokens_mean"]
        deep = score(questions, ours_ranked(store, embedder, questions, "hybrid", K_MAX), located, enc, K_MAX)
        k_eq = k_for_budget(deep["_tokens"], budget, K_MAX)
        out["equal_budget"] = {"peer_tokens_top10": budget, "ours_k": k_eq}
        for mode in ("hybrid", "dense"):
            ranked = ours_ranked(store, embedder, questions, mode, k_eq)
            runs[f"ours {mode} @{k_eq} (equal budget)"] = score(questions, ranked, located, enc, k_eq, own)
    for run in runs.values():
        run.pop("_tokens", None)
    return out


def answer_ceiling(questions: list[Question], articles: dict[str, Any], own: dict[str, list[str]]) -> dict[str, Any]:
    """How often answer@k can count at all: the share of questions whose gold answer text occurs in one of their
    own search results, and in any article of the sample (there it may be a coincidence: "1978", "Rugby")."""
    bodies = {a.id: normalise(a.body) for a in articles.values()}
    in_own = in_any = 0
    for q in questions:
        gold = normalise(q.answer)
        in_own += any(gold in bodies.get(a, "") for a in own.get(q.id, ()))
        in_any += any(gold in body for body in bodies.values())
    n = max(1, len(questions))
    return {"in_own_articles": _r(in_own / n), "in_any_article": _r(in_any / n)}


def query_embedding_check(store: Any, sample: Sample) -> dict[str, Any]:
    """Dense answer@10 with query vectors from PyTorch instead of the product's runtime, over the same index."""
    from rag.embedders.minilm import MiniLMEmbedder
    from rag.encodings import get_encoding

    torch_embedder = MiniLMEmbedder(runtime="torch")
    torch_embedder.warm_up()
    ranked = ours_ranked(store, torch_embedder, sample.questions, "dense", K)
    result = score(sample.questions, ranked, set(), get_encoding("cl100k_base"), K)
    return {"dense answer@10 with torch query vectors": result[f"answer@{K}"], "runtime": "torch"}


def print_comparison(comp: dict[str, Any]) -> None:
    rows = []
    for name, r in comp["runs"].items():
        k = r["k"]
        rows.append(
            [
                name,
                r[f"answer@{k}"],
                r[f"answer_mrr@{min(k, 10)}"],
                r[f"passage@{k}"],
                r[f"passage_mrr@{min(k, 10)}"],
                r[f"article@{k}"],
                r[f"article_mrr@{min(k, 10)}"],
                r["distinct_articles_mean"],
                r["context_tokens_mean"],
                r["latency"]["p50_ms"],
                r["latency"]["p95_ms"],
            ]
        )
    print(
        f"\nRetrieval on the sample ({comp['questions']} questions, evidence located for {comp['evidence_located']}):"
    )
    print(
        table(
            [
                "run",
                "answer@k",
                "answer MRR@10",
                "passage@k",
                "passage MRR@10",
                "own article@k",
                "own article MRR@10",
                "distinct articles",
                "context tokens",
                "p50 ms",
                "p95 ms",
            ],
            rows,
        )
    )
    ceiling = comp["answer_ceiling"]
    print(
        f"The gold answer text occurs in one of the question's own search results for {ceiling['in_own_articles']} "
        f"of the questions, in any article of the sample for {ceiling['in_any_article']}."
    )
