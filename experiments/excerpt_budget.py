"""How much of each passage must the generator read? Gold answers kept by `rag.excerpts` at each word budget.

    python -m experiments.excerpt_budget --index /work/idx/rtqa [--budgets 0 40 60 80 100 130] [--limit N]
    python -m experiments.excerpt_budget --index /work/idx/rtqa --budgets 80 --totals 150 200 250 300

For every RealTimeQA question (asked as of its own date, five passages as `rag ask` retrieves them from an
index of all the articles) and every answerable seed question (a fresh index of `seeds/`, asked as of the
seed date), the passages are cut to the budget and scored: does the shown text (titles included) still
contain the gold answer (`evals.suite.metrics.contains_answer`), and how many cl100k tokens are shown?
Budget 0 is the whole passages; `--totals` adds rows at a limit on the words of all five passages together
(each passage still within the largest budget: `rag.excerpts.excerpts(..., total=...)`). No model drafts
anything: this bounds what excerpts can cost in answers, cheaply, over hundreds of questions; the answers
themselves are measured by `rag eval` and the seed set.
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
    totals: Sequence[int] = (),
) -> None:
    encoding = get_encoding("cl100k_base")
    rows = [(b, 0) for b in budgets] + [(max(budgets), t) for t in totals]
    held = {r: 0 for r in rows}
    sizes: dict[tuple[int, int], list[int]] = {r: [] for r in rows}
    lost: dict[tuple[int, int], list[str]] = {r: [] for r in rows}
    for question, as_of, golds in questions:
        retrieval = retriever.retrieve(question, k, Filters(as_of=as_of))
        asked = without_time(question, retrieval.timeframe)
        whole = contains_answer(shown(retrieval.passages), golds)
        for r in rows:
            cut = excerpts(asked, retrieval.passages, *r)
            text = shown(cut)
            sizes[r].append(sum(len(encoding.encode_ordinary(p.text)) for p in cut))
            if contains_answer(text, golds):
                held[r] += 1
            elif whole:
                lost[r].append(question)
    print(f"\n{name}: {len(questions)} questions, {k} passages each")
    print("| budget (words per passage) | total (words) | gold in shown text | passage tokens shown, mean / p50 |")
    print("|---|---|---|---|")
    for r in rows:
        label = "whole passages" if r[0] == 0 else str(r[0])
        mean, p50 = statistics.fmean(sizes[r]), statistics.median(sizes[r])
        n = len(questions)
        print(f"| {label} | {r[1] or '-'} | {held[r] / n:.3f} ({held[r]}) | {mean:.0f} / {p50:.0f} |")
    for r in rows:
        if r[0]:
            print(f"lost at {r}: {len(lost[r])}", "; ".join(lost[r][:3]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an index of every RealTimeQA article")
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--budgets", type=int, nargs="+", default=[0, 40, 60, 80, 100, 130])
    ap.add_argument("--totals", type=int, nargs="*", default=[], help="words of all passages together")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args()
    budgets = sorted(set(args.budgets) | {0})

    settings = Settings()
    settings.index_dir = args.index
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder)
    rtqa = [(q.question, q.date.replace("/", "-")[:10], [q.answer]) for q in load_questions(args.data)][: args.limit]
    score("RealTimeQA", factory.retriever(settings, store, embedder), rtqa, budgets, args.k, args.totals)

    with tempfile.TemporaryDirectory() as tmp:
        seed_settings = Settings()
        seed_settings.index_dir = Path(tmp)
        seed_store = factory.store(seed_settings, embedder, create=True)
        with seed_store.writing():
            factory.indexer(seed_settings, seed_store, embedder).ingest(read_sources([str(SEED_ARTICLE)]))
        seed = [(q.question, ASKED_ON, q.answers) for q in load_seed_questions() if q.answerable]
        score(
            "seed set (answerable)",
            factory.retriever(seed_settings, seed_store, embedder),
            seed,
            budgets,
            args.k,
            args.totals,
        )


if __name__ == "__main__":
    main()
