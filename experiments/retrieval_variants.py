"""Retrieval variants at a fixed context budget on RealTimeQA: what was tried to raise answer@k over LlamaIndex.

    python -m experiments.retrieval_variants --index /tmp/rtqa [--budget 7631] [--out variants.json]

`--index` holds every RealTimeQA article (`rag ingest ../shared/datasets/realtimeqa/*_gcs.jsonl.gz`); the
questions are those `python -m evals.bench --articles all` scores (answer text non-empty, search results present). Each
variant ranks passages for a question and the first results are kept while their cl100k tokens stay within
`--budget` (default: LlamaIndex's mean for its top 10 in `evals/results/bench_all_articles.json`). Reported
per variant: answer@budget (a kept result contains the gold answer text), mean results and tokens kept.

Variants: the product's fusion (reciprocal rank, one passage per article first) with other constants,
candidate depths and a dense weight; no per-article cap; the top 10 passages widened around their chunk;
articles ranked by their chunks' fused scores (max, sum, best two or three) with a window on each article's
best chunk, and whole; pseudo-relevance feedback on the query vector (Rocchio: the query plus `beta` times the
mean vector of the top `m` fused chunks, searched again). The same questions' ceiling is printed: the gold
answer text in one of their own articles, and in any article.

Result (about 2 min): every variant within 2 points of the product's ranking, inside the noise, so none was
adopted. Recorded in `docs/measurements.md`, "Benchmark against LlamaIndex", retrieval variants.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench.common import open_index_read_only
from evals.bench.sample import make_sample
from evals.suite.datasets.realtimeqa import DEFAULT_DIR, normalise

ROOT = Path(__file__).resolve().parents[1]
BENCH_JSON = ROOT / "evals" / "results" / "bench_all_articles.json"
DEPTH = 300


def default_budget() -> float:
    try:
        runs = json.loads(BENCH_JSON.read_text())["comparison"]["runs"]
        return float(runs["llamaindex @10"]["context_tokens_mean"])
    except (OSError, KeyError, ValueError):
        return 7631.0


def rrf(lists: Sequence[tuple[float, Sequence[int]]], constant: int) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion of ranked row lists, best first (ties by row, as the product)."""
    scores: dict[int, float] = defaultdict(float)
    for weight, rows in lists:
        for rank, row in enumerate(rows, 1):
            scores[row] += weight / (constant + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def one_per_article_first(rows: Sequence[int], article_of: Callable[[int], str]) -> list[int]:
    """Every article's best row first (in rank order), then the rest (the product's max_per_article=1)."""
    seen: set[str] = set()
    first, rest = [], []
    for row in rows:
        (rest if article_of(row) in seen else first).append(row)
        seen.add(article_of(row))
    return first + rest


def within_budget(results: Sequence[tuple[str, int]], budget: float) -> list[tuple[str, int]]:
    """The leading (text, tokens) results whose tokens add up to no more than `budget`."""
    kept, used = [], 0
    for text, tokens in results:
        if used + tokens > budget:
            break
        kept.append((text, tokens))
        used += tokens
    return kept


def widen(body: str, start: int, end: int, chars: int) -> tuple[int, int]:
    """[start, end) grown by `chars` on each side within the body; what one side cannot take goes to the other."""
    a, b = max(0, start - chars), min(len(body), end + chars)
    spare = 2 * chars - ((start - a) + (b - end))
    if spare > 0:
        a, b = max(0, a - spare), min(len(body), b + spare)
    return a, b


class Corpus:
    """The index's chunks, article bodies and per-question candidate lists, read once."""

    def __init__(self, index: Path, questions: list[Any]) -> None:
        from rag.embedders.registry import load_embedder
        from rag.encodings import get_encoding
        from rag.store.local import LocalStore

        self.enc = get_encoding("cl100k_base")
        embedder = load_embedder()
        self.store = LocalStore.open(index, embed_model=embedder.name, dim=embedder.dim)
        embedder.warm_up()
        self.db = open_index_read_only(index)
        rows = self.db.execute('SELECT id, article_id, start, "end", text FROM chunks').fetchall()
        self.chunks = {r[0]: r[1:] for r in rows}
        self.bodies = dict(self.db.execute("SELECT id, body FROM articles").fetchall())
        self.tokens: dict[int, int] = {}
        self.qvec = {q.id: embedder.embed([q.question])[0] for q in questions}
        self.dense = {q.id: [r for r, _ in self.store.dense_search(self.qvec[q.id], DEPTH)] for q in questions}
        self.bm25 = {q.id: [r for r, _ in self.store.lexical_search(q.question, DEPTH)] for q in questions}

    def count(self, text: str) -> int:
        return len(self.enc.encode(text, disallowed_special=()))

    def chunk(self, row: int) -> tuple[str, int]:
        if row not in self.tokens:
            self.tokens[row] = self.count(self.chunks[row][3])
        return self.chunks[row][3], self.tokens[row]

    def article(self, row: int) -> str:
        return self.chunks[row][0]

    def window(self, row: int, chars: int) -> tuple[str, int]:
        """The chunk's text widened by `chars` on each side within its article (`widen`), and its tokens."""
        article, start, end, _ = self.chunks[row]
        a, b = widen(self.bodies[article], start, end, chars)
        text = self.bodies[article][a:b]
        return text, self.count(text)

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        marks = ",".join("?" * len(rows))
        found = dict(self.db.execute(f"SELECT id, embedding FROM chunks WHERE id IN ({marks})", list(rows)))
        return np.stack([np.frombuffer(found[r], dtype=np.float32) for r in rows])


Variant = Callable[[str], list[tuple[str, int]]]  # question id -> (text, cl100k tokens) results, best first


def variants(c: Corpus) -> dict[str, tuple[Variant, bool]]:
    """Each variant by name, and whether the budget applies (False: an upper bound shown for scale)."""

    def fused(qid: str, constant: int = 60, depth: int = 50, dense_weight: float = 1.0) -> list[int]:
        return [r for r, _ in rrf([(dense_weight, c.dense[qid][:depth]), (1.0, c.bm25[qid][:depth])], constant)]

    def chunks(rows: Sequence[int]) -> list[tuple[str, int]]:
        return [c.chunk(r) for r in rows]

    def product(**kw: Any) -> Callable[[str], list[tuple[str, int]]]:
        return lambda qid: chunks(one_per_article_first(fused(qid, **kw), c.article))

    def widened(chars: int) -> Callable[[str], list[tuple[str, int]]]:
        def run(qid: str) -> list[tuple[str, int]]:
            return [c.window(row, chars) for row in one_per_article_first(fused(qid), c.article)[:10]]

        return run

    def by_article(how: str, whole: bool) -> Callable[[str], list[tuple[str, int]]]:
        def run(qid: str) -> list[tuple[str, int]]:
            scored = rrf([(1.0, c.dense[qid][:50]), (1.0, c.bm25[qid][:50])], 60)
            per: dict[str, list[tuple[float, int]]] = defaultdict(list)
            for row, score in scored:
                per[c.article(row)].append((score, row))
            take = {"max": 1, "sum2": 2, "sum3": 3, "sum": None}[how]

            def key(article: str) -> float:
                return sum(sorted((s for s, _ in per[article]), reverse=True)[:take])

            top = sorted(per, key=lambda a: -key(a))[:10]
            if whole:
                return [(c.bodies[a], c.count(c.bodies[a])) for a in top]
            return [c.window(max(per[a])[1], 1500) for a in top]

        return run

    def feedback(m: int, beta: float) -> Callable[[str], list[tuple[str, int]]]:
        def run(qid: str) -> list[tuple[str, int]]:
            top = fused(qid)[:m]
            vector = c.qvec[qid] + beta * c.vectors(top).mean(axis=0)
            vector = vector / np.linalg.norm(vector)
            dense = [r for r, _ in c.store.dense_search(vector.astype(np.float32), 50)]
            rows = [r for r, _ in rrf([(1.0, dense), (1.0, c.bm25[qid][:50])], 60)]
            return chunks(one_per_article_first(rows, c.article))

        return run

    out: dict[str, tuple[Variant, bool]] = {"product default (rrf 60, 50 candidates)": (product(), True)}
    for constant in (10, 30, 120):
        out[f"rrf constant {constant}"] = (product(constant=constant), True)
    for depth in (100, 300):
        out[f"{depth} candidates per retriever"] = (product(depth=depth), True)
    for weight in (0.5, 0.75, 1.5, 2.0):
        out[f"dense weight {weight}"] = (product(dense_weight=weight), True)
    out["no per-article cap"] = (lambda qid: chunks(fused(qid)), True)
    for chars in (800, 1500):
        out[f"top 10 widened by {chars} characters each side"] = (widened(chars), True)
    for how in ("max", "sum", "sum2", "sum3"):
        out[f"articles by {how} of chunk scores, window on the best chunk"] = (by_article(how, whole=False), True)
    out["articles by max of chunk scores, top 10 whole (no budget)"] = (by_article("max", whole=True), False)
    for m, beta in ((3, 0.5), (5, 0.5), (5, 1.0), (10, 2.0)):
        out[f"query-vector feedback m={m} beta={beta}"] = (feedback(m, beta), True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an index of every RealTimeQA article")
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--budget", type=float, default=None, help="context tokens per question")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    budget = args.budget if args.budget is not None else default_budget()
    if budget <= 0:
        parser.error("--budget must be positive")
    with tempfile.TemporaryDirectory(prefix="rag-variants-") as tmp:
        sample = make_sample(args.data, sys.maxsize, 0, Path(tmp))
    questions = sample.questions
    corpus = Corpus(args.index, questions)
    gold = {q.id: normalise(q.answer) for q in questions}
    bodies = {a: normalise(b) for a, b in corpus.bodies.items()}
    ceiling = {
        "in_own_articles": sum(any(gold[q.id] in bodies.get(a, "") for a in sample.own[q.id]) for q in questions),
        "in_any_article": sum(any(gold[q.id] in b for b in bodies.values()) for q in questions),
    }
    n = len(questions)
    print(f"{n} questions; budget {budget:.0f} tokens; gold answer text in own articles "
          f"{ceiling['in_own_articles'] / n:.3f}, in any article {ceiling['in_any_article'] / n:.3f}")  # fmt: skip
    results = {}
    for name, (run, capped) in variants(corpus).items():
        hits = kept = tokens = 0
        for q in questions:
            ranked = run(q.id)
            chosen = within_budget(ranked, budget) if capped else ranked
            hits += any(gold[q.id] in normalise(t) for t, _ in chosen)
            kept += len(chosen)
            tokens += sum(k for _, k in chosen)
        results[name] = {"answer_at_budget": round(hits / n, 3), "results": round(kept / n, 1),
                         "tokens": round(tokens / n)}  # fmt: skip
        r = results[name]
        print(f"  {name:62} {r['answer_at_budget']:.3f}   {r['results']:5.1f} results  {r['tokens']:6,} tokens",
              flush=True)  # fmt: skip
    if args.out:
        report = {"questions": n, "budget": budget, "ceiling": {k: round(v / n, 3) for k, v in ceiling.items()}}
        args.out.write_text(json.dumps({**report, "variants": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
