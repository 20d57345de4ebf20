"""Accuracy and speed of the citation-support judge on the human-labelled sets in `../shared/datasets/judge/`.

    python -m experiments.judge_eval [--sets wice factcheckgpt summedits_scitldr] [--limit 40] [--seed 0]
                                     [--tune-on wice] [--judge llm|fake] [--out results.json] [--cache F.jsonl]
                                     [--prompt support-v1|support-v2] [--evidence full|window|sentences]

`--prompt` picks the model's prompt (`rag.judges.llm.PROMPTS`; support-v2 is defined here, and registered there
when this module is imported); `--evidence window` judges against the sentences that cover the claim best, as
the answer path does, and `--evidence sentences` judges each sentence of the claim against its own window (the
lowest P(Yes) counts). `experiments.judge_classifier` combines the cached scores with model-free features.

Per set a seeded sample, balanced between supported and not supported (`--limit` pairs, half each where
the set has enough), is scored once per pair; scores go to a JSONL cache keyed by judge, prompt and
pair, so an interrupted run resumes and a re-run with other thresholds costs nothing. Two scores are
reported: the model alone, and the model after the deterministic checks (a flagged pair scores 0),
each at 0.5 and at the threshold that maximises balanced accuracy on the `--tune-on` set. The checks
alone are also reported on every pair of each set (they are cheap): how many unsupported pairs they
catch and how many supported ones they wrongly flag.

Result: the model scores the calibrated judge is trained on, and the per-prompt and per-evidence comparison
(support-v2 and whole evidence were not adopted). Recorded in `docs/measurements.md`, "The support judge".
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.suite import metrics
from evals.suite.datasets.judge_sets import DEFAULT_DIR, FILES, LOADERS, Pair, load_set, sample_pairs
from evals.suite.metrics import auc
from rag.judges.checks import deterministic_issues
from rag.judges.llm import PROMPT_VERSION, PROMPTS, LLMJudge, Prompt
from rag.llm import MODEL_NAME, LocalLLM
from rag.text import CITATION, coverage

DEFAULT_SETS = ("wice", "factcheckgpt", "summedits_scitldr")
DEFAULT_CACHE = Path.home() / ".cache" / "rag" / "judge_eval.jsonl"
Scorer = Callable[[Pair], dict[str, float]]


# A second prompt, measured against the first with this module (`--prompt support-v2`): the claim
# comes first, the model is asked whether every detail is stated, and four worked examples sit in the
# system prompt (its KV cache is reused across calls, so they cost time only on the first call).
SYSTEM_PROMPT_V2 = (
    "You check whether a passage states every detail of a claim. A claim is supported only if each of its "
    "names, numbers, dates, places, and actions (who did what, and whether it happened or not) is stated "
    "in the passage or follows directly from it. A claim that says more than the passage, changes a "
    "detail, or is about something else is not supported. Answer with one word: Yes or No.\n\n"
    "Examples:\n"
    "Claim: The mayor opened the bridge in May.\nPassage: Mayor Ann Lee opened the new bridge on May 3.\n"
    "Answer: Yes\n"
    "Claim: The mayor opened the bridge in June.\nPassage: Mayor Ann Lee opened the new bridge on May 3.\n"
    "Answer: No\n"
    "Claim: The mayor opened the bridge, which cost $40 million.\n"
    "Passage: Mayor Ann Lee opened the new bridge on May 3.\nAnswer: No\n"
    "Claim: Ann Lee's deputy opened the bridge.\nPassage: Mayor Ann Lee opened the new bridge on May 3.\n"
    "Answer: No"
)


def user_prompt_v2(claim: str, evidence: str) -> str:
    """The second prompt's question: the claim first, then the passage, then "is every detail stated?"."""
    claim = " ".join(CITATION.sub(" ", claim).split())
    return (
        f"Claim: {claim}\n\nPassage:\n{evidence.strip()}\n\n"
        "Is every detail of the claim stated in the passage? Answer Yes or No."
    )


PROMPTS["support-v2"] = Prompt(SYSTEM_PROMPT_V2, user_prompt_v2)


def at_threshold(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> dict[str, float | None]:
    """Balanced accuracy and per-class recall when `score >= threshold` means supported (the suite's
    definition, `evals.suite.metrics.at_threshold`, under this script's key `unsupported_recall`)."""
    result = metrics.at_threshold(scores, labels, threshold)
    return {
        "threshold": threshold,
        "balanced_accuracy": result["balanced_accuracy"],
        "unsupported_recall": result["not_supported_recall"],
        "supported_recall": result["supported_recall"],
    }


def tune_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The threshold maximising balanced accuracy, placed midway between neighbouring scores."""
    values = sorted(set(scores))
    candidates = [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(values)] + [1.0]
    return max(candidates, key=lambda t: (at_threshold(scores, labels, t)["balanced_accuracy"] or 0.0, -abs(t - 0.5)))


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Cache:
    """Append-only JSONL of scored pairs; a line is written (and flushed) as soon as a pair is scored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: dict[str, dict[str, Any]] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    row = json.loads(line)
                except ValueError:  # a line cut short by an interruption
                    continue
                self.rows[row["key"]] = row

    def get_or_score(self, judge_id: str, pair: Pair, score: Scorer, read: str = "") -> dict[str, Any]:
        """The cached row of `pair`, scored now if there is none. `read`, when the model reads less than the
        whole evidence (a window), is part of the key: a change to the window is a new score."""
        text = f"{judge_id}\0{pair.claim}\0{pair.evidence}" + (f"\0{read}" if read else "")
        key = hashlib.sha256(text.encode()).hexdigest()
        if key not in self.rows:
            row = {"key": key, "judge": judge_id, "set": pair.set, **score(pair)}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as f:
                f.write(json.dumps(row) + "\n")
            self.rows[key] = row
        return self.rows[key]


def make_scorer(
    kind: str, threads: int | None, prompt: str = PROMPT_VERSION, evidence: str = "full"
) -> tuple[str, Scorer]:
    """A judge id (the cache key's first part) and a function scoring one pair with the model alone.

    `evidence="window"` judges against the passage sentences that cover the claim best (what the answer
    path does, `rag.verify.evidence_window`) instead of the whole evidence.
    """
    from rag.text import evidence_window

    def view(pair: Pair) -> str:
        return evidence_window(pair.claim, pair.evidence) if evidence == "window" else pair.evidence

    if kind == "fake":
        return "fake", lambda p: {"p": coverage(p.claim, view(p)), "seconds": 0.0}
    judge = LLMJudge(LocalLLM(n_threads=threads), checks=False)

    if evidence == "sentences":
        return f"llm:{MODEL_NAME}:{prompt}:sentences", _per_sentence_scorer(judge, prompt)

    def score(pair: Pair) -> dict[str, float]:
        p = judge.probability(pair.claim, view(pair), prompt=prompt)
        stats = judge.llm.last_stats
        return {
            "p": p,
            "seconds": stats["seconds"],
            "prompt_tokens": stats["prompt_tokens"],
            "evaluated_tokens": stats["evaluated_tokens"],
        }

    return f"llm:{MODEL_NAME}:{prompt}" + (":window" if evidence == "window" else ""), score


def _per_sentence_scorer(judge: LLMJudge, prompt: str) -> Scorer:
    """Each sentence of the claim against its own best-covering window; the lowest P(Yes) counts."""
    from rag.judges.checks import claim_parts
    from rag.text import evidence_window

    def score(pair: Pair) -> dict[str, float]:
        ps, seconds, prompt_tokens, evaluated = [], 0.0, 0, 0
        for part in claim_parts(pair.claim):
            ps.append(judge.probability(part, evidence_window(part, pair.evidence), prompt=prompt))
            stats = judge.llm.last_stats
            seconds += stats["seconds"]
            prompt_tokens += stats["prompt_tokens"]
            evaluated += stats["evaluated_tokens"]
        return {
            "p": min(ps),
            "p_mean": sum(ps) / len(ps),
            "parts": len(ps),
            "seconds": seconds,
            "prompt_tokens": prompt_tokens,
            "evaluated_tokens": evaluated,
        }

    return score


def checked_evidence(pair: Pair, evidence: str) -> str:
    """What the deterministic checks read: with `evidence` "window" the window the model reads, as in the
    answer path (the judge runs its checks on what it is given); otherwise the whole evidence."""
    from rag.text import evidence_window

    return evidence_window(pair.claim, pair.evidence) if evidence == "window" else pair.evidence


def evaluate_set(pairs: list[Pair], rows: list[dict[str, Any]], evidence: str = "full") -> dict[str, Any]:
    labels = [p.supported for p in pairs]
    flagged = [bool(deterministic_issues(p.claim, checked_evidence(p, evidence))) for p in pairs]
    model = [r["p"] for r in rows]
    combined = [0.0 if f else s for f, s in zip(flagged, model, strict=True)]
    seconds = [r["seconds"] for r in rows]
    return {
        "n": len(pairs),
        "n_supported": sum(labels),
        "scores": {"model": model, "checks+model": combined},
        "labels": labels,
        "latency_p50_s": percentile(seconds, 50) if seconds else None,
        "latency_p95_s": percentile(seconds, 95) if seconds else None,
        "prompt_tokens_mean": statistics.mean(r.get("prompt_tokens", 0) for r in rows) if rows else None,
    }


def checks_alone(pairs: Sequence[Pair], evidence: str = "full") -> dict[str, float | int | None]:
    flagged = [bool(deterministic_issues(p.claim, checked_evidence(p, evidence))) for p in pairs]
    neg = [f for f, p in zip(flagged, pairs, strict=True) if not p.supported]
    pos = [f for f, p in zip(flagged, pairs, strict=True) if p.supported]
    return {
        "n": len(pairs),
        "unsupported_caught": sum(neg) / len(neg) if neg else None,
        "supported_flagged": sum(pos) / len(pos) if pos else None,
    }


def report(results: dict[str, Any], tune_on: str) -> dict[str, Any]:
    """Thresholds tuned on `tune_on`, then every set's metrics at 0.5 and at the tuned threshold."""
    tuned = {
        variant: tune_threshold(results[tune_on]["scores"][variant], results[tune_on]["labels"])
        for variant in ("model", "checks+model")
    }
    summary: dict[str, Any] = {"tuned_on": tune_on, "thresholds": tuned, "sets": {}}
    for name, r in results.items():
        entry = {k: r[k] for k in ("n", "n_supported", "latency_p50_s", "latency_p95_s", "prompt_tokens_mean")}
        entry["checks_alone_sample"] = r["checks_sample"]
        entry["checks_alone_full_set"] = r["checks_full"]
        for variant, scores in r["scores"].items():
            entry[variant] = {
                "auc": auc(scores, r["labels"]),
                "at_0.5": at_threshold(scores, r["labels"], 0.5),
                "at_tuned": at_threshold(scores, r["labels"], tuned[variant]),
            }
        summary["sets"][name] = entry
    return summary


def print_summary(summary: dict[str, Any]) -> None:
    def f(x: float | None) -> str:
        return "  -  " if x is None else f"{x:.3f}"

    th = summary["thresholds"]
    print(f"thresholds tuned on {summary['tuned_on']}: model {th['model']:.3f}, checks+model {th['checks+model']:.3f}")
    print(f"{'set':<22}{'variant':<14}{'n':>4}{'AUC':>7}  {'bal@0.5':>8}{'unsR@0.5':>9}", end="")
    print(f"  {'bal@tuned':>9}{'unsR@tuned':>11}")
    for name, e in summary["sets"].items():
        for variant in ("model", "checks+model"):
            m = e[variant]
            print(
                f"{name:<22}{variant:<14}{e['n']:>4}{f(m['auc']):>7}  {f(m['at_0.5']['balanced_accuracy']):>8}"
                f"{f(m['at_0.5']['unsupported_recall']):>9}  {f(m['at_tuned']['balanced_accuracy']):>9}"
                f"{f(m['at_tuned']['unsupported_recall']):>11}"
            )
        full = e["checks_alone_full_set"]
        print(
            f"{'':<22}checks alone on all {full['n']} pairs: catch {f(full['unsupported_caught'])} of unsupported, "
            f"flag {f(full['supported_flagged'])} of supported; latency p50 {f(e['latency_p50_s'])} s, "
            f"p95 {f(e['latency_p95_s'])} s, prompt {f(e['prompt_tokens_mean'])} tokens"
        )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), choices=list(LOADERS))
    ap.add_argument("--limit", type=int, default=40, help="pairs per set (balanced); 0 for all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tune-on", default=None, help="set to tune the threshold on (default: the first)")
    ap.add_argument("--judge", choices=["llm", "fake"], default="llm")
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--max-evidence-words", type=int, default=450, help="skip longer evidence (0: no limit)")
    ap.add_argument("--threads", type=int, default=None, help="model threads (default: all usable cores)")
    ap.add_argument("--prompt", choices=list(PROMPTS), default=PROMPT_VERSION, help="the model's prompt")
    ap.add_argument(
        "--evidence",
        choices=["full", "window", "sentences"],
        default="full",
        help="judge against the whole evidence, the best-covering sentences (as the answer path does), or "
        "each sentence of the claim against its own best-covering sentences (the lowest score counts)",
    )
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    tune_on = args.tune_on or args.sets[0]
    if tune_on not in args.sets:
        ap.error(f"--tune-on {tune_on} must be one of --sets")
    for name in args.sets:
        if not (args.data / FILES[name]).exists():
            ap.error(f"missing dataset file {args.data / FILES[name]}")

    judge_id, score = make_scorer(args.judge, args.threads, args.prompt, args.evidence)
    cache = Cache(args.cache)
    results: dict[str, Any] = {}
    for name in args.sets:
        pairs = load_set(name, args.data, max_evidence_words=args.max_evidence_words or None)
        chosen = sample_pairs(pairs, args.limit or None, args.seed)
        rows = []
        for i, pair in enumerate(chosen, 1):
            read = checked_evidence(pair, args.evidence) if args.evidence == "window" else ""
            rows.append(cache.get_or_score(judge_id, pair, score, read))
            if sys.stderr.isatty():
                print(f"\r{name}: {i}/{len(chosen)}", end="", file=sys.stderr, flush=True)
        print(f"\r{name}: {len(chosen)} pairs scored", file=sys.stderr)
        results[name] = evaluate_set(chosen, rows, args.evidence)
        results[name]["checks_sample"] = checks_alone(chosen, args.evidence)
        results[name]["checks_full"] = checks_alone(pairs, args.evidence)
    summary = report(results, tune_on)
    summary["config"] = {**{k: str(v) for k, v in vars(args).items()}, "judge_id": judge_id}
    print_summary(summary)
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
