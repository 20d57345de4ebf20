"""Whether the support judge can tell a fallback quote that answers its question from one that does not.

    python -m experiments.fallback_framing RUN.json [RUN.json ...] [--index IDX] [--squad DEV.json]

A fallback quote (`RAG_ANSWER__FALLBACK=agreeing`) is a passage sentence, so it always passes verification as
verbatim; what can be wrong is that it does not answer the question ("Who won the Nevada primary?" answered
"Nikki Haley opted to participate in Nevada's Republican primary"). For every answered row of the given
`rag eval` result files whose answer is a quote, the judge (`rag.factory.judge`, the default `llm`) scores
the quote framed as the answer to its question (`rag.judges.llm.framed`, as fragments are read) against a
window of its cited passage (`rag.verify.evidence_window`): the RealTimeQA article from `--index`, the
SQuAD 2.0 paragraph from `--squad`. Prints each score with the row's correctness, then how many right and
wrong quotes a bar of 0.5, 0.6 and 0.7 would keep.

Result (the RealTimeQA replay of 379 questions and the SQuAD replay of 300: 52 quotes, about 4 min): no bar
separates them (at 0.6 it keeps 8 of 18 right quotes and 11 of 34 wrong ones), so the fallback stays as it
is. Recorded in `docs/measurements.md`, "What a passage only asks, ranks, days and the newest".
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

from evals.bench.common import open_index_read_only
from evals.suite.datasets import SHARED_DATASETS
from evals.suite.metrics import strip_markers
from rag import factory
from rag.config import Settings
from rag.pipeline import undated
from rag.text import evidence_window

SQUAD = SHARED_DATASETS / "squad2-dev-half" / "dev.json"
BARS = (0.5, 0.6, 0.7)


def article_body(db: sqlite3.Connection | None, article_id: str) -> str | None:
    if db is None:
        return None
    row = db.execute("SELECT body FROM articles WHERE id=?", (article_id,)).fetchone()
    return row[0] if row else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path, help="`rag eval` result files (--out)")
    ap.add_argument("--index", type=Path, help="the index the RealTimeQA run searched")
    ap.add_argument("--squad", type=Path, default=SQUAD)
    args = ap.parse_args()
    db = open_index_read_only(args.index) if args.index else None
    paragraphs = []
    if args.squad.exists():
        data = json.loads(args.squad.read_text(encoding="utf-8"))["data"]
        paragraphs = [p["context"] for a in data for p in a["paragraphs"]]
    judge = factory.judge(Settings())
    scored: list[tuple[float, bool]] = []
    for path in args.runs:
        for name, result in json.loads(path.read_text(encoding="utf-8"))["sets"].items():
            for row in result["rows"]:
                text = undated(row["answer"])
                if not row["answerable"] or not text.startswith('"') or not row["sources"]:
                    continue
                claim, source = strip_markers(text), row["sources"][0]
                body = article_body(db, source["article_id"]) or next(
                    (p for p in paragraphs if source["quote"][:60] in p), None
                )
                if body is None:
                    print(f"skipped {name} {row['id']}: its passage was not found")
                    continue
                score = judge.judge(claim, evidence_window(claim, body), question=row["question"]).score
                right = bool(row["contains_gold"])
                scored.append((score, right))
                print(f"{score:.3f} {name} {'right' if right else 'wrong'} | {row['question'][:60]} | {claim[:60]}")
    rights = sum(r for _, r in scored)
    wrongs = len(scored) - rights
    for bar in BARS:
        kept_right = sum(r for s, r in scored if s >= bar)
        kept_wrong = sum(not r for s, r in scored if s >= bar)
        print(f"bar {bar}: keeps {kept_right} of {rights} right quotes and {kept_wrong} of {wrongs} wrong")


if __name__ == "__main__":
    main()
