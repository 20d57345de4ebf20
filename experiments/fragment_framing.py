"""How the support judge should read a bare answer ("Kyiv") to a question: framings compared on SQuAD.

    python -m experiments.fragment_framing [--data ../shared/datasets/squad2-dev-half/dev.json] [--n 45] [--seed 0]

Pairs: for a SQuAD 2.0 question with a short gold span (at most 4 words), the gold span is a right
answer and the gold span of ANOTHER question on the same paragraph a wrong one (a plausible entity that
the paragraph does contain, so the deterministic checks cannot reject it). Pairs the checks flag are left
out. Each framing gives the model's P(Yes) (`LLMJudge.probability`, prompt support-v1) on a window of the
paragraph (`rag.verify.evidence_window`):
- current: `rag.judges.framed(answer, question)` ("Asked "…", the answer is: Kyiv"), window by the answer
  (what the answer path runs);
- cur_qwin: the same claim, window by question and answer together;
- qa: "Question: …\\nAnswer: Kyiv", window by question and answer;
- qa_awin: "Question: …\\nAnswer: Kyiv", window by the answer.
Prints AUC and, at thresholds 0.4/0.5/0.6, the share of right and of wrong answers that pass.

Result (45 questions, about 6 min): the question-and-answer framing raised AUC but let more wrong fragments
through at 0.5, so the answer path keeps `framed` and the fallback quote recovers right fragments instead.
Recorded in `docs/measurements.md`, "Answers on the seed set", what was tried and not adopted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from evals.suite.datasets import SHARED_DATASETS
from evals.suite.metrics import auc
from rag import factory
from rag.config import Settings
from rag.judges.checks import deterministic_issues
from rag.judges.llm import framed
from rag.text import evidence_window

DEFAULT = SHARED_DATASETS / "squad2-dev-half" / "dev.json"
FRAMINGS = ("current", "cur_qwin", "qa", "qa_awin")


def pairs(path: Path, n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(question, paragraph, right, wrong) for `n` seeded questions."""
    rng = random.Random(seed)
    out = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            qs = [q for q in paragraph["qas"] if not q["is_impossible"] and q["answers"]]
            golds = {q["id"]: {a["text"] for a in q["answers"]} for q in qs}
            for q in qs:
                gold = min(golds[q["id"]], key=len)
                if len(gold.split()) > 4:
                    continue
                others = [min(golds[o["id"]], key=len) for o in qs if o["id"] != q["id"]]
                others = [
                    o
                    for o in others
                    if len(o.split()) <= 4
                    and not any(o.lower() in g.lower() or g.lower() in o.lower() for g in golds[q["id"]])
                ]
                if others:
                    out.append((q["question"], paragraph["context"], gold, rng.choice(others)))
    rng.shuffle(out)
    return out[:n]


def claim_and_window_key(framing: str, question: str, answer: str) -> tuple[str, str]:
    both = f"{question} {answer}"
    return {
        "current": (framed(answer, question), answer),
        "cur_qwin": (framed(answer, question), both),
        "qa": (f"Question: {question}\nAnswer: {answer}", both),
        "qa_awin": (f"Question: {question}\nAnswer: {answer}", answer),
    }[framing]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--n", type=int, default=45)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no SQuAD file at {args.data}", file=sys.stderr)
        return 2
    settings = Settings()
    llm = factory.local_llm(settings)
    judge = factory.judge(settings, llm, kind="llm")
    llm.warm_up()
    scores: dict[tuple[str, str], list[float]] = {(f, label): [] for f in FRAMINGS for label in "RW"}
    for question, context, right, wrong in pairs(args.data, args.n, args.seed):
        for label, answer in (("R", right), ("W", wrong)):
            if deterministic_issues(answer, context):
                continue
            for f in FRAMINGS:
                claim, key = claim_and_window_key(f, question, answer)
                scores[(f, label)].append(judge.probability(claim, evidence_window(key, context)))
    for f in FRAMINGS:
        right, wrong = np.array(scores[(f, "R")]), np.array(scores[(f, "W")])
        area = auc([*right, *wrong], [True] * len(right) + [False] * len(wrong))
        shown = "n/a" if area is None else f"{area:.3f}"
        for t in (0.4, 0.5, 0.6):
            print(
                f"{f:9s} right/wrong n={len(right)}/{len(wrong)} AUC={shown} threshold={t}: "
                f"right pass {np.mean(right >= t):.2f}, wrong pass {np.mean(wrong >= t):.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
