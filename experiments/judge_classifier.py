"""A small calibrated classifier over the judge's signals, trained and thresholded on one part of the
labelled sets and reported on the other.

    python -m experiments.judge_classifier [--sets ...] [--limit 120] [--seed 0] [--scores v1w v2w]
                                           [--train-on dev|SET] [--min-recall 0.85] [--save [FILE]]

Inputs per pair: the model's P(Yes) under each prompt named by `--scores` (read from the cache that
`experiments.judge_eval` fills; pairs not scored yet are left out and counted), and the model-free
`rag.judges.checks.support_features` of the claim against the whole evidence. A logistic regression (scikit-learn,
here only; the service applies the saved coefficients with numpy) is trained on the training part: with
`--train-on dev`, the half of every set whose evidence hashes even (so summaries of one document never
straddle the split); with `--train-on SET`, all of that set, every other set held out. The threshold is
fixed on the training part from cross-validated predictions: the highest balanced accuracy among
thresholds that keep at least `--min-recall` of the unsupported pairs. Figures are reported on the
held-out part only. Variants are reported side by side so each idea's contribution shows:
model alone, checks then model (today's judge), features without the model, features with the model.

`--save` (default file `rag/judges/calibration_weights.py`, which `rag.judges.calibration` loads) writes the
checks+features+model classifier: a `.py` file as a module holding `CALIBRATION` (run `ruff format` on it
before committing), any other suffix as JSON.

Result: the calibrated judge's weights and threshold, and the held-out table. Recorded in
`docs/measurements.md`, "The support judge".
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.suite.datasets.judge_sets import DEFAULT_DIR, LOADERS, Pair, load_set, sample_pairs
from evals.suite.metrics import auc
from experiments.judge_eval import DEFAULT_CACHE, Cache, at_threshold
from rag.judges.checks import claim_parts, deterministic_issues, support_features
from rag.llm import MODEL_NAME

PROMPT_OF = {"v1": "support-v1", "v1w": "support-v1", "v2w": "support-v2", "v1s": "support-v1"}
DEFAULT_SETS = ("summedits_scitldr", "summedits_sales_email", "factcheckgpt", "wice")
SCORE_IDS = {
    "v1": f"llm:{MODEL_NAME}:support-v1",
    "v1w": f"llm:{MODEL_NAME}:support-v1:window",
    "v2w": f"llm:{MODEL_NAME}:support-v2:window",
    # each sentence of the claim against its own window, the lowest P(Yes); a one-sentence claim's
    # score is the window score
    "v1s": f"llm:{MODEL_NAME}:support-v1:sentences",
}
FALLBACK = {"v1s": "v1w"}
DEFAULT_SAVE = Path(__file__).resolve().parents[1] / "rag" / "judges" / "calibration_weights.py"


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def is_dev(pair: Pair) -> bool:
    return int(hashlib.sha1(pair.evidence.encode()).hexdigest(), 16) % 2 == 0


def pick_threshold(scores: Sequence[float], labels: Sequence[bool], min_recall: float) -> float:
    """Best balanced accuracy among thresholds keeping unsupported recall >= min_recall (else the best)."""
    values = sorted(set(scores))
    candidates = [(a + b) / 2 for a, b in itertools.pairwise(values)] or [0.5]
    rows = [(t, at_threshold(scores, labels, t)) for t in candidates]
    ok = [(m["balanced_accuracy"] or 0, t) for t, m in rows if (m["unsupported_recall"] or 0) >= min_recall]
    if not ok:
        ok = [(m["balanced_accuracy"] or 0, t) for t, m in rows]
    return max(ok)[1]


def fit(x: np.ndarray, y: np.ndarray, min_recall: float, c: float) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cv = cross_val_predict(lr, z, y, cv=folds, method="predict_proba")[:, 1]
    threshold = pick_threshold(cv.tolist(), y.tolist(), min_recall)
    lr.fit(z, y)
    return {
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": lr.coef_[0].tolist(),
        "intercept": float(lr.intercept_[0]),
        "threshold": threshold,
        "cv_auc": auc(cv.tolist(), y.tolist()),
        "cv": cv,  # cross-validated predictions on the training rows (not saved)
    }


def fit_boosting(x: np.ndarray, y: np.ndarray) -> tuple[Any, np.ndarray]:
    """Gradient boosting (shallow trees) for comparison only: its trees are not shipped."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    gb = HistGradientBoostingClassifier(max_depth=2, max_iter=100, learning_rate=0.05, class_weight="balanced")
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cv = cross_val_predict(gb, x, y, cv=folds, method="predict_proba")[:, 1]
    return gb.fit(x, y), cv


def predict(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.array(model["coef"]) + model["intercept"])))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), choices=list(LOADERS))
    ap.add_argument("--limit", type=int, default=120)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scores", nargs="*", default=["v1w", "v2w"], choices=list(SCORE_IDS))
    ap.add_argument("--train-on", default="dev", help="dev (half of every set) or a set name")
    ap.add_argument("--min-recall", type=float, default=0.85, help="unsupported recall the threshold keeps")
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--max-evidence-words", type=int, default=450)
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--gb", action="store_true", help="also report gradient boosting (not shippable)")
    ap.add_argument(
        "--save",
        type=Path,
        nargs="?",
        const=DEFAULT_SAVE,
        default=None,
        help=f"write the classifier (.py: as the module the judge loads; else JSON) [file: {DEFAULT_SAVE}]",
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    cache = Cache(args.cache)
    rows: list[dict[str, Any]] = []
    missing = 0
    for name in args.sets:
        pairs = load_set(name, args.data, max_evidence_words=args.max_evidence_words or None)
        for pair in sample_pairs(pairs, args.limit or None, args.seed):
            ps = {}
            for s in args.scores:
                key = hashlib.sha256(f"{SCORE_IDS[s]}\0{pair.claim}\0{pair.evidence}".encode()).hexdigest()
                if key not in cache.rows and s in FALLBACK and len(claim_parts(pair.claim)) == 1:
                    fallback = SCORE_IDS[FALLBACK[s]]
                    key = hashlib.sha256(f"{fallback}\0{pair.claim}\0{pair.evidence}".encode()).hexdigest()
                if key in cache.rows:
                    ps[s] = cache.rows[key]["p"]
            if len(ps) < len(args.scores):
                missing += 1
                continue
            train = is_dev(pair) if args.train_on == "dev" else pair.set == args.train_on
            flagged = bool(deterministic_issues(pair.claim, pair.evidence))
            rows.append(
                {
                    "pair": pair,
                    "p": ps,
                    "feats": support_features(pair.claim, pair.evidence),
                    "flagged": flagged,
                    "train": train,
                }
            )
    if not rows:
        print("no scored pairs in the cache: run experiments.judge_eval first", file=sys.stderr)
        return 1
    feat_names = list(rows[0]["feats"])
    y = np.array([r["pair"].supported for r in rows])
    train = np.array([r["train"] for r in rows])
    plain = np.array([[r["feats"][f] for f in feat_names] for r in rows])
    variants: dict[str, np.ndarray] = {}
    fitted: dict[str, dict[str, Any]] = {}
    thresholds: dict[str, float] = {}
    for s in args.scores:
        p = np.array([r["p"][s] for r in rows])
        variants[f"model {s}"] = p
        variants[f"checks+model {s}"] = np.where([r["flagged"] for r in rows], 0.0, p)
    for v, scores in variants.items():
        thresholds[v] = pick_threshold(scores[train].tolist(), y[train].tolist(), args.min_recall)
    for s in args.scores:  # the judge as it shipped before calibration: checks, then P(Yes) >= 0.5
        variants[f"checks+model {s} @0.5"] = variants[f"checks+model {s}"]
        thresholds[f"checks+model {s} @0.5"] = 0.5
    designs = {"features (no model)": (plain, feat_names)}
    for s in args.scores:
        lp = np.array([[logit(r["p"][s])] for r in rows])
        designs[f"features+{s}"] = (np.hstack([plain, lp]), [*feat_names, f"logit_p_{s}"])
    if len(args.scores) > 1:
        lps = np.array([[logit(r["p"][s]) for s in args.scores] for r in rows])
        designs["features+" + "+".join(args.scores)] = (
            np.hstack([plain, lps]),
            [*feat_names, *(f"logit_p_{s}" for s in args.scores)],
        )
    flagged = np.array([r["flagged"] for r in rows])
    for v, (x, names) in designs.items():
        model = fit(x[train], y[train], args.min_recall, args.c)
        model["features"] = names
        fitted[v] = model
        variants[v] = predict(model, x)
        thresholds[v] = model["threshold"]
        # As the service runs it: a pair the deterministic checks flag scores 0 and never reaches the
        # classifier, which is trained on the unflagged pairs only (its threshold set on all of them).
        keep = train & ~flagged
        model = fit(x[keep], y[keep], 0.0, args.c)
        model["features"] = names
        scores = np.where(flagged, 0.0, predict(model, x))
        cv_scores = scores.copy()
        cv_scores[np.flatnonzero(keep)] = model["cv"]
        model["threshold"] = pick_threshold(cv_scores[train].tolist(), y[train].tolist(), args.min_recall)
        fitted["checks+" + v] = model
        variants["checks+" + v] = scores
        thresholds["checks+" + v] = model["threshold"]
        if args.gb and v != "features (no model)":
            gb, cv = fit_boosting(x[keep], y[keep])
            scores = np.where(flagged, 0.0, gb.predict_proba(x)[:, 1])
            cv_scores = scores.copy()
            cv_scores[np.flatnonzero(keep)] = cv
            variants["checks+GB " + v] = scores
            thresholds["checks+GB " + v] = pick_threshold(cv_scores[train].tolist(), y[train].tolist(), args.min_recall)

    summary: dict[str, Any] = {
        "trained_on": args.train_on,
        "n_train": int(train.sum()),
        "n_missing_scores": missing,
        "min_recall": args.min_recall,
        "thresholds": thresholds,
        "sets": {},
    }
    set_names = [*args.sets, "all held-out"]
    print(
        f"train on {args.train_on}: {int(train.sum())} pairs; held out {int((~train).sum())}; "
        f"{missing} sampled pairs not yet scored (left out); threshold keeps unsupported recall "
        f">= {args.min_recall} on the training part"
    )
    print(f"{'set':<22}{'variant':<26}{'n':>4}{'AUC':>7}{'thr':>7}{'bal':>7}{'unsR':>7}{'supR':>7}")
    for name in set_names:
        mask = ~train & np.array([name == "all held-out" or r["pair"].set == name for r in rows])
        if mask.sum() == 0:
            continue
        summary["sets"][name] = {}
        for v, scores in variants.items():
            m = at_threshold(scores[mask].tolist(), y[mask].tolist(), thresholds[v])
            a = auc(scores[mask].tolist(), y[mask].tolist())
            summary["sets"][name][v] = {"n": int(mask.sum()), "auc": a, **m}
            f = lambda x: "  -  " if x is None else f"{x:.3f}"  # noqa: E731
            print(
                f"{name:<22}{v:<26}{int(mask.sum()):>4}{f(a):>7}{thresholds[v]:>7.3f}"
                f"{f(m['balanced_accuracy']):>7}{f(m['unsupported_recall']):>7}{f(m['supported_recall']):>7}"
            )
    best = "checks+" + (
        "features+" + "+".join(args.scores)
        if len(args.scores) > 1
        else (f"features+{args.scores[0]}" if args.scores else "features (no model)")
    )
    for v in fitted:
        print(
            f"{v}: " + ", ".join(f"{n} {c:+.2f}" for n, c in zip(fitted[v]["features"], fitted[v]["coef"], strict=True))
        )
    if args.save:
        model = {k: v for k, v in fitted[best].items() if k != "cv"} | {
            "scores": args.scores,
            "trained_on": args.train_on,
            "n_train": int(train.sum()),
            "sets": args.sets,
            "limit": args.limit,
            "seed": args.seed,
            "min_recall": args.min_recall,
        }
        model["prompts"] = {f"logit_p_{s}": PROMPT_OF[s] for s in args.scores}
        model["window"] = all(s != "v1" for s in args.scores)
        model["split"] = any(s == "v1s" for s in args.scores)
        text = json.dumps(model, indent=1)
        if args.save.suffix == ".py":
            command = " ".join(argv or sys.argv[1:])
            doc = textwrap.fill(
                '"""The calibrated judge\'s weights (see `rag.judges.calibration`), written by '
                f'`python -m experiments.judge_classifier {command}`."""',
                width=117,
            )
            text = f"{doc}\n\nCALIBRATION = {text}\n"
            text = text.replace("null", "None").replace("true", "True").replace("false", "False")
        args.save.write_text(text + "\n")
        print(f"saved {best} to {args.save}")
    if args.out:
        args.out.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
