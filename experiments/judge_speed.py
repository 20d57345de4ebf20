"""Seconds per claim of the support judge against passages of about 250 model tokens.

    python -m experiments.judge_speed [--set factcheckgpt] [--n 20] [--threads 2] [--plain]

Takes `--n` pairs (seeded, one per passage) whose evidence is 200-300 tokens long in the model's tokenizer, loads the
model once, and times `LLMJudge.judge` on each: wall time per claim including the deterministic checks
and features, as the answer path and `rag judge` pay it. Claims the deterministic checks reject cost
almost nothing and are reported apart; p50/p95 are over the claims that reached the model. The first
call (which fills the system prompt's KV cache) is made before timing starts.

Result: about 1 s per claim for the calibrated judge on 2 cores. Recorded in `docs/measurements.md`,
"The support judge", speed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence

from evals.suite.datasets.judge_sets import LOADERS, load_set
from evals.suite.metrics import percentile
from rag.judges.calibration import default_calibration
from rag.judges.checks import deterministic_issues
from rag.judges.llm import LLMJudge
from rag.llm import LocalLLM


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="factcheckgpt", choices=list(LOADERS))
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--plain", action="store_true", help="the uncalibrated judge (checks, then P(Yes))")
    args = ap.parse_args(argv)

    llm = LocalLLM(n_threads=args.threads)
    judge = LLMJudge(llm, calibration=None if args.plain else default_calibration())
    judge.warm_up()
    pairs = load_set(args.set, max_evidence_words=400)
    random.Random(args.seed).shuffle(pairs)
    chosen, seen = [], set()
    for p in pairs:
        if p.evidence in seen:  # one claim per passage: no passage's KV cache is reused between claims
            continue
        if not deterministic_issues(p.claim, p.evidence) and 200 <= llm.count_tokens(p.evidence) <= 300:
            seen.add(p.evidence)
            chosen.append(p)
        if len(chosen) == args.n + 1:
            break
    judge.judge(chosen[0].claim, chosen[0].evidence)  # fills the system prompt's KV cache
    seconds = []
    for p in chosen[1:]:
        start = time.perf_counter()
        judge.judge(p.claim, p.evidence)
        seconds.append(time.perf_counter() - start)
    tokens = statistics.mean(llm.count_tokens(p.evidence) for p in chosen[1:])
    print(
        f"{len(seconds)} claims from {args.set}, passages {tokens:.0f} tokens on average, {llm.n_threads} threads, "
        f"{'plain' if args.plain else 'calibrated'} judge: p50 {percentile(seconds, 50):.2f} s, "
        f"p95 {percentile(seconds, 95):.2f} s, mean {statistics.mean(seconds):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
