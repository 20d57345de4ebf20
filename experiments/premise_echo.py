"""Where the verifier's premise-echo bar should sit: answers that restate a question, judged on SQuAD 2.0.

    python -m experiments.premise_echo [--data ../shared/datasets/squad2-dev-half/dev.json] [--n 60] [--seed 0]

A small generator often restates the question in its answer ("Sigonella airbase was US forces barred from
using."). When the restated words are not in the passage, the verifier (`rag.verify`) asks the judge for
at least `PREMISE_MIN_SCORE` instead of its usual threshold, because a question with a false premise is
answered the same way. This measures that trade on text nobody on the project wrote:
- true premise: an answerable question with its shortest gold answer;
- false premise: an unanswerable question (SQuAD 2.0 writers changed a detail of an answerable one) with
  its plausible answer, which the paragraph contains.
The claim restates the whole question (`rag.judges.framed`: 'Asked "…", the answer is: …'); only pairs
whose claim has at least one question word the passage window lacks (the case the bar governs) and that
the deterministic checks do not reject are scored. Prints, per bar, the share of each kind that passes.

Result (60 pairs a side, about 4 min): the table behind `PREMISE_MIN_SCORE` = 0.65, recorded in
`docs/measurements.md`, "Answers on the seed set", the premise-echo bar.
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
from rag.verify import PREMISE_MIN_SCORE, premise_words

DEFAULT = SHARED_DATASETS / "squad2-dev-half" / "dev.json"
BARS = sorted({0.5, 0.6, PREMISE_MIN_SCORE, 0.7, 0.75, 0.8})


def pairs(path: Path, seed: int) -> list[tuple[bool, str, str, str]]:
    """(premise holds, question, paragraph, answer) for every question with a short answer, shuffled."""
    out = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            for q in paragraph["qas"]:
                answers = q["plausible_answers"] if q["is_impossible"] else q["answers"]
                texts = [a["text"] for a in answers if len(a["text"].split()) <= 4]
                if texts:
                    out.append((not q["is_impossible"], q["question"], paragraph["context"], min(texts, key=len)))
    random.Random(seed).shuffle(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--n", type=int, default=60, help="pairs of each kind")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no SQuAD file at {args.data}", file=sys.stderr)
        return 2
    settings = Settings()
    llm = factory.local_llm(settings)
    judge = factory.judge(settings, llm, kind="llm")
    llm.warm_up()
    scores: dict[bool, list[float]] = {True: [], False: []}
    for holds, question, context, answer in pairs(args.data, args.seed):
        if len(scores[holds]) >= args.n:
            if all(len(v) >= args.n for v in scores.values()):
                break
            continue
        claim = framed(answer, question)
        window = evidence_window(f"{question} {answer}", context)
        if deterministic_issues(answer, window) or not premise_words(question, claim, window):
            continue
        scores[holds].append(judge.probability(claim, window))
        done = sum(len(v) for v in scores.values())
        if done % 20 == 0:
            print(f"{done} scored", file=sys.stderr)
    true, false = np.array(scores[True]), np.array(scores[False])
    area = auc([*true, *false], [True] * len(true) + [False] * len(false))
    print(f"true premise n={len(true)}, false premise n={len(false)}, AUC={'n/a' if area is None else f'{area:.3f}'}")
    print("| bar | true premise passes | false premise passes |")
    print("|---|---|---|")
    for bar in BARS:
        print(f"| {bar} | {np.mean(true >= bar):.2f} | {np.mean(false >= bar):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
