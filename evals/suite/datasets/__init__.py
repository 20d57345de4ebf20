"""Dataset loaders of the evaluation suite: the project's seed questions and the public sets it reads in place.

- `seed_set`: the hand-written questions about the seed article (`seed_questions.jsonl`, beside it);
- `realtimeqa`: RealTimeQA questions and the evidence check shared by the suite and the benchmark;
- `timeline`: the hand-written questions on running stories whose answer depends on the as-of date
  (`timeline_questions.jsonl`, beside it);
- `judge_sets`: the human-labelled (claim, evidence, supported) sets the support judge is measured on.

The public sets live in `SHARED_DATASETS` (`../shared/datasets/` beside the repository) and are never
copied into the project: every loader takes a folder.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"
