"""How old are the articles that answer a RealTimeQA question, counted from the question's date?

    python -m experiments.article_ages [--data ../shared/datasets/realtimeqa]

For every search result of every question (`*_gcs.jsonl.gz`) with a publication date, its age in days at
the question's date (`*_qa.jsonl.gz`); separately for the results whose text holds the question's gold
answer (`evals.suite.metrics.contains_answer`). Prints the share published after the question (what a
retriever with no as-of date may leak) and the distribution of ages. It bounds what a time window or a
recency prior can do: they can only promote answer-bearing articles that are recent.

Result (a few seconds): recorded in `docs/measurements.md`, "Time-aware retrieval".
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
from datetime import date
from pathlib import Path

from evals.suite.datasets.realtimeqa import DEFAULT_DIR
from evals.suite.metrics import contains_answer

BUCKETS = ((-(10**6), -1, "after the question"), (0, 7, "0-7 days"), (8, 30, "8-30 days"), (31, 365, "31-365 days"))


def bucket(age: int) -> str:
    for low, high, name in BUCKETS:
        if low <= age <= high:
            return name
    return "over a year"


def parse(text: str) -> date | None:
    try:
        return date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    args = ap.parse_args()
    questions = {}
    for path in sorted(args.data.glob("*_qa.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    q = json.loads(line)
                    questions[q["question_id"]] = q
    ages: dict[str, list[int]] = {"all results": [], "answer-bearing results": []}
    for path in sorted(args.data.glob("*_gcs.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                record = json.loads(line) if line.strip() else {}
                q = questions.get(record.get("question_id"))
                asked = parse(q["question_date"]) if q else None
                if q is None or asked is None:
                    continue
                gold = q["choices"][int(q["answer"][0])]
                for result in record.get("search_result") or []:
                    published = parse(result.get("publish_date") or "")
                    if published is None:
                        continue
                    age = (asked - published).days
                    ages["all results"].append(age)
                    if result.get("text") and contains_answer(result["text"], [gold]):
                        ages["answer-bearing results"].append(age)
    for name, values in ages.items():
        counts = collections.Counter(bucket(a) for a in values)
        shares = ", ".join(f"{b}: {counts[b] / len(values):.2f}" for _, _, b in BUCKETS) if values else ""
        print(f"{name} ({len(values)} dated): {shares}, over a year: {counts['over a year'] / max(1, len(values)):.2f}")


if __name__ == "__main__":
    main()
