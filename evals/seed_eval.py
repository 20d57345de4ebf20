"""Answers on the seed-article question set, through the same pipeline `rag ask` uses.

    python -m evals.seed_eval [--generator local|extractive|openai] [--index DIR] [--limit N] [--out FILE]
                              [--replay FILE] [--as-of DATE] [--system-prompt FILE]

`--replay FILE` answers with the drafts recorded in an earlier `--out` file instead of generating (the
rest of the pipeline, verification and fallback included, runs as usual): a verification or judge
change is compared on the very same drafts, at a fraction of the time. `--system-prompt FILE` replaces
the generator's system prompt, to try a prompt without editing `rag/generators/prompt.py`.

Without `--index` it builds a fresh index of `seeds/` (real MiniLM embedder) in a temporary folder.
Metrics:
- answer containment: share of answerable questions whose answer contains a gold alias (normalised:
  case, punctuation and spacing ignored); an abstention counts as a miss;
- abstention: share of unanswerable and false-premise questions answered with `answerable: false`;
  false abstention: share of answerable ones that were;
- citation coverage: share of returned sentences with at least one citation;
- quote exactness: share of sources whose quote equals `body[start:end]` of the stored article AND
  occurs verbatim in the seed file on disk;
- latency p50/p95 per stage (retrieve, generate, verify, total), seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evals.suite.datasets.seed_set import ASKED_ON, DEFAULT_PATH, SEED_ARTICLE, SeedQuestion, load_seed_questions
from evals.suite.replay import ReplayGenerator
from rag import factory
from rag.config import Settings
from rag.types import Answer, Filters

_PUNCT = re.compile(r"[^\w\s]")
_MARKERS = re.compile(r"\[\d+\]")


def normalise(text: str) -> str:
    """Lower case, citation markers and punctuation removed, spaces collapsed (SQuAD-style, articles kept)."""
    return " ".join(_PUNCT.sub(" ", _MARKERS.sub(" ", text.lower().replace("’", "'"))).split())


def contains_gold(answer: str, golds: tuple[str, ...] | list[str]) -> bool:
    """The normalised answer contains a normalised gold alias as whole words."""
    text = f" {normalise(answer)} "
    return any(f" {normalise(g)} " in text for g in golds if normalise(g))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def score(question: SeedQuestion, answer: Answer, body: str, raw: str) -> dict[str, Any]:
    exact = [s.quote == body[s.start : s.end] and s.quote in raw for s in answer.sources]
    return {
        "id": question.id,
        "kind": question.kind,
        "question": question.question,
        "answer": answer.answer,
        "answerable": answer.answerable,
        "abstain_reason": answer.abstain_reason,
        "contains_gold": answer.answerable and contains_gold(answer.answer, question.answers),
        "sentences": len(answer.sentences),
        "cited_sentences": sum(bool(s.citations) for s in answer.sentences),
        "sources": len(answer.sources),
        "exact_quotes": sum(exact),
        "dropped": [{"text": s.text, "reasons": list(s.reasons)} for s in answer.dropped],
        "notes": answer.usage.get("notes", []),
        "draft": answer.usage.get("draft", ""),
        "revise_draft": answer.usage.get("revise_draft", ""),
        "timings": answer.timings,
        "judge_calls": answer.usage.get("judge_calls", 0),
        "passages": answer.usage.get("passages", 0),
        "prompt_tokens": answer.usage.get("prompt_tokens"),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["kind"] == "answerable"]
    other = [r for r in rows if r["kind"] != "answerable"]
    sentences = sum(r["sentences"] for r in rows)
    sources = sum(r["sources"] for r in rows)
    stages = sorted({k for r in rows for k in r["timings"]})
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "not_answerable": len(other),
        "answer_containment": _share(sum(r["contains_gold"] for r in answerable), len(answerable)),
        "abstention": _share(sum(not r["answerable"] for r in other), len(other)),
        "false_abstention": _share(sum(not r["answerable"] for r in answerable), len(answerable)),
        "citation_coverage": _share(sum(r["cited_sentences"] for r in rows), sentences),
        "quote_exactness": _share(sum(r["exact_quotes"] for r in rows), sources),
        "sentences": sentences,
        "sources": sources,
        "passages_mean": _mean([r.get("passages") for r in rows]),
        "prompt_tokens_mean": _mean([r.get("prompt_tokens") for r in rows]),
        "latency": {
            stage: {
                "p50": round(percentile([r["timings"][stage] for r in rows if stage in r["timings"]], 50), 3),
                "p95": round(percentile([r["timings"][stage] for r in rows if stage in r["timings"]], 95), 3),
                "mean": round(statistics.fmean([r["timings"][stage] for r in rows if stage in r["timings"]]), 3),
            }
            for stage in stages
        },
    }


def _mean(values: list[Any]) -> float | None:
    """Mean of the values present (a question the pipeline abstained on before drafting has no prompt)."""
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 1) if present else None


def _share(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generator", choices=["local", "extractive", "openai"])
    ap.add_argument("--index", type=Path, help="an index holding the seed article (default: build a fresh one)")
    ap.add_argument("--questions", type=Path, default=DEFAULT_PATH)
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--ids", nargs="*", default=[], help="only these question ids")
    ap.add_argument("--out", type=Path, help="write per-question rows and the summary as JSON")
    ap.add_argument("--replay", type=Path, help="answer with the drafts recorded in this earlier --out file")
    ap.add_argument(
        "--as-of", default=ASKED_ON, help=f"ask every question as of this date (default {ASKED_ON}, the article's day)"
    )
    ap.add_argument("--system-prompt", type=Path, help="a file whose text replaces the generator's system prompt")
    args = ap.parse_args(argv)
    if args.system_prompt:
        import rag.generators.prompt

        rag.generators.prompt.SYSTEM_PROMPT = args.system_prompt.read_text(encoding="utf-8").strip()

    questions = load_seed_questions(args.questions)
    if args.ids:
        questions = [q for q in questions if q.id in set(args.ids)]
    if args.limit:
        questions = questions[: args.limit]
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="seed-eval-") as tmp:
        settings.index_dir = args.index or Path(tmp)
        embedder = factory.embedder(settings)
        if args.index is None:
            build_seed_index(settings, embedder)
        store = factory.store(settings, embedder)
        pipeline = factory.pipeline(settings, store, embedder, generator_name=args.generator)
        replay = ReplayGenerator.from_results(args.replay) if args.replay else None
        if replay is not None:
            pipeline.generator = replay
        factory.warm_up(pipeline)
        raw = SEED_ARTICLE.read_text(encoding="utf-8")
        rows = []
        started = time.perf_counter()
        for n, q in enumerate(questions, 1):
            if replay is not None:
                replay.current = q.id
            answer = pipeline.ask(q.question, Filters(as_of=args.as_of))
            body = store.get_article(answer.sources[0].article_id).body if answer.sources else ""
            row = score(q, answer, body, raw)
            rows.append(row)
            mark = "ok " if (row["contains_gold"] if q.answerable else not row["answerable"]) else "BAD"
            print(f"{n:>3}/{len(questions)} {mark} {q.id} {q.kind:<13} {answer.answer[:90]!r}", file=sys.stderr)
        wall = time.perf_counter() - started
    summary = summarise(rows) | {"generator": pipeline.generator.name, "wall_seconds": round(wall, 1)}
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2, ensure_ascii=False))
    return 0


def build_seed_index(settings: Settings, embedder: Any) -> None:
    """Index the seed article into `settings.index_dir` (a fresh index) with `embedder`."""
    from rag.ingest import read_sources

    store = factory.store(settings, embedder, create=True)
    with store.writing():
        embedder.warm_up()
        factory.indexer(settings, store, embedder).ingest(read_sources([str(SEED_ARTICLE)]))


if __name__ == "__main__":
    sys.exit(main())
