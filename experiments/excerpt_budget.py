"""How much of each passage must the generator read? Gold answers kept by `rag.excerpts` at each word budget.

    python -m experiments.excerpt_budget --index /work/idx/rtqa [--budgets 0 40 60 80 100 130] [--limit N]

For every RealTimeQA question (asked as of its own date, five passages as `rag ask` retrieves them from an
index of all the articles) and every answerable seed question (a fresh index of `seeds/`, asked as of the
seed date), the passages are cut to the budget and scored: does the shown text (titles included) still
contain the gold answer (`evals.suite.metrics.contains_answer`), and how many cl100k tokens are shown?
Budget 0 is the whole passages. No model drafts anything: this bounds what excerpts can cost in answers,
cheaply, over hundreds of questions; the answers themselves are measured by `rag eval` and the seed set.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path

from evals.suite.datasets.realtimeqa import DEFAULT_DIR, load_questions
from evals.suite.datasets.seed_set import ASKED_ON, SEED_ARTICLE, load_seed_questions
from evals.suite.metrics import contains_answer
from rag import factory
from rag.config import Settings
from rag.encodings import get_encoding
from rag.excerpts import excerpts
from rag.ingest import read_sources
from rag.retrieve import Retriever
from rag.timeframe import without_time
from rag.types import Filters, Passage


def shown(passages: Sequence[Passage]) -> str:
    return "\n\n".join(f"{p.title}\n{p.text}" for p in passages)


def score(
    name: str,
    retriever: Retriever,
    questions: Sequence[tuple[str, str, Sequence[str]]],
    budgets: Sequence[int],
    k: int,
) -> None:
    encoding = get_encoding("cl100k_base")
    held = {b: 0 for b in budgets}
    sizes: dict[int, list[int]] = {b: [] for b in budgets}
    lost: dict[int, list[str]] = {b: [] for b in budgets}
    for question, as_of, golds in questions:
        retrieval = retriever.retrieve(question, k, Filters(as_of=as_of))
        asked = without_time(question, retrieval.timeframe)
        whole = contains_answer(shown(retrieval.passages), golds)
        for b in budgets:
            cut = excerpts(asked, retrieval.passages, b)
            text = shown(cut)
            sizes[b].append(sum(len(encoding.encode_ordinary(p.text)) for p in cut))
            if contains_answer(text, golds):
                held[b] += 1
            elif whole:
                lost[b].append(question)
    print(f"\n{name}: {len(questions)} questions, {k} passages each")
    print("| budget (words per passage) | gold in shown text | passage tokens shown, mean / p50 |")
    print("|---|---|---|")
    for b in budgets:
        label = "whole passages" if b == 0 else str(b)
        mean, p50 = statistics.fmean(sizes[b]), statistics.median(sizes[b])
        n = len(questions)
        print(f"| {label} | {held[b] / n:.3f} ({held[b]}) | {mean:.0f} / {p50:.0f} |")
    for b in budgets[1:]:
        print(f"lost at {b}: {len(lost[b])}", "; ".join(lost[b][:3]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an index of every RealTimeQA article")
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--budgets", type=int, nargs="+", default=[0, 40, 60, 80, 100, 130])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args()
    budgets = sorted(set(args.budgets) | {0})

    settings = Settings()
    settings.index_dir = args.index
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder)
    rtqa = [(q.question, q.date.replace("/", "-")[:10], [q.answer]) for q in load_questions(args.data)][: args.limit]
    score("RealTimeQA", factory.retriever(settings, store, embedder), rtqa, budgets, args.k)

    with tempfile.TemporaryDirectory() as tmp:
        seed_settings = Settings()
        seed_settings.index_dir = Path(tmp)
        seed_store = factory.store(seed_settings, embedder, create=True)
        with seed_store.writing():
            factory.indexer(seed_settings, seed_store, embedder).ingest(read_sources([str(SEED_ARTICLE)]))
        seed = [(q.question, ASKED_ON, q.answers) for q in load_seed_questions() if q.answerable]
        score("seed set (answerable)", factory.retriever(seed_settings, seed_store, embedder), seed, budgets, args.k)


if __name__ == "__main__":
    main()
