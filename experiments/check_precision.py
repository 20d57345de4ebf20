"""Precision and recall of each deterministic check of the support judge, on the human-labelled sets.

    python -m experiments.check_precision [--sets wice factcheckgpt ...] [--max-words 450] [--examples 3]
                                          [--evidence full|window]

Every pair of each set (`evals.suite.datasets.judge_sets`; partial support, refutation and irrelevance count
as unsupported), evidence up to `--max-words` words; with `--evidence window` the checks read what the judge
reads in the answer path, the sentences that cover the claim best (`rag.text.evidence_window`; the
verifier's own checks read the whole evidence either way). For each check
of `rag.judges.checks.deterministic_issues` (a number, a month or weekday, a name, a negation the claim
states and the evidence lacks), and for the verifier's modality check (`modality_issue`) and its check of
claims the evidence only asks (`only_asked`):
how often it fires, its precision (the share of its firings on pairs labelled unsupported: a firing on a
supported pair is a right answer dropped), and its recall over the unsupported pairs. `--examples N`
prints N supported pairs each check wrongly rejected, to see what it gets wrong.

The checks are deterministic and need no model: the whole run takes about a minute. Result recorded in
`docs/measurements.md`, "The support judge" (each check on its own).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

from evals.suite.datasets.judge_sets import LOADERS, load_set
from rag.judges.checks import deterministic_issues, modality_issue
from rag.text import evidence_window
from rag.types import Reason
from rag.verify import only_asked


def fired(claim: str, evidence: str, window: bool = False) -> set[str]:
    """The checks that reject `claim` against `evidence`, by reason kind; with `window` the judge's checks
    read the evidence window, as in the answer path (the verifier's own checks read the whole passage)."""
    kinds = {str(r.kind) for r in deterministic_issues(claim, evidence_window(claim, evidence) if window else evidence)}
    planned: Reason | None = modality_issue(claim, evidence)
    if planned is not None:
        kinds.add("modality")
    if only_asked(claim, evidence) is not None:
        kinds.add("only_asked")
    return kinds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", default=list(LOADERS), choices=list(LOADERS))
    ap.add_argument("--max-words", type=int, default=450)
    ap.add_argument("--examples", type=int, default=0)
    ap.add_argument("--evidence", choices=("full", "window"), default="full", help="what the checks read")
    args = ap.parse_args()
    print("| set | pairs (unsupported) | check | fires | precision | recall | supported pairs rejected |")
    print("|---|---|---|---|---|---|---|")
    for name in args.sets:
        pairs = load_set(name, max_evidence_words=args.max_words)
        unsupported = sum(not p.supported for p in pairs)
        supported = len(pairs) - unsupported
        fires: Counter[str] = Counter()
        right: Counter[str] = Counter()
        wrong: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for p in pairs:
            found = fired(p.claim, p.evidence, window=args.evidence == "window")
            for kind in found | ({"any"} if found else set()):
                fires[kind] += 1
                right[kind] += not p.supported
                if p.supported:
                    wrong[kind].append((p.claim, p.evidence))
        for kind in sorted(fires, key=lambda k: (k == "any", k)):
            precision = right[kind] / fires[kind]
            recall = right[kind] / unsupported if unsupported else 0.0
            rejected = (fires[kind] - right[kind]) / supported if supported else 0.0
            print(
                f"| {name} | {len(pairs)} ({unsupported}) | {kind} | {fires[kind]} | {precision:.2f} | "
                f"{recall:.2f} | {rejected:.3f} |"
            )
            for claim, evidence in wrong[kind][: args.examples] if kind != "any" else []:
                print(f"    wrongly rejected by {kind}: {claim[:160]!r} / evidence {evidence[:160]!r}")


if __name__ == "__main__":
    main()
