"""Two `rag eval` results side by side: the failure modes of each, and answers that changed.

    python -m evals.suite.compare BEFORE.json AFTER.json [--set realtimeqa] [--answers 20] [--out report.md]
        [--without RUN.json]

Prints Markdown: a table of the answer metrics (containment, confidently wrong, wrong-but-verified and
how many of those cite a stale article, declines by cause, answer@k) for each run, then up to `--answers`
questions asked in both runs whose outcome differs (question, gold, each answer with its verdicts), the
ones that got better first. Only questions present in both files are compared; `--without RUN.json` leaves
out the questions of another run too (the sample a change was chosen on, to see it on the others).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evals.suite.scoring import summarise

ROWS = [
    ("questions", ("answers", "n")),
    ("containment", ("answers", "containment")),
    ("containment, strict (before canonical forms)", ("answers", "containment_strict")),
    ("answered", ("answers", "answered")),
    ("wrong among answered", ("answers", "wrong_answered")),
    ("confidently wrong (names a wrong choice)", ("answers", "confidently_wrong")),
    ("confidently wrong, share of answered", ("answers", "confidently_wrong_of_answered")),
    ("wrong but verified", ("answers", "wrong_but_verified")),
    ("wrong but verified, share of answered", ("answers", "wrong_but_verified_of_answered")),
    ("  of which cite an article over 21 days older than the question", ("answers", "wrong_but_verified_stale")),
    ("declined", ("answers", "declined")),
    ("  gold not in the passages shown (retrieval)", ("answers", "declined_by_cause", "retrieval")),
    ("  gold in the passages shown (a gate or the verifier)", ("answers", "declined_by_cause", "gate")),
    ("answer@1", ("answer_retrieval", "answer@1")),
    ("answer@5", ("answer_retrieval", "answer@5")),
    ("answer@10", ("answer_retrieval", "answer@10")),
    ("gold in the passages the generator saw", ("answer_retrieval", "answer@shown")),
    ("time-phrased questions", ("answers_time_phrased", "n")),
    ("  containment", ("answers_time_phrased", "containment")),
    ("  wrong but verified", ("answers_time_phrased", "wrong_but_verified")),
]


def _get(summary: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = summary
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def outcome(row: dict[str, Any]) -> str:
    """right, wrong (answered, not containing the gold answer) or declined (with its reason)."""
    if not row.get("answerable"):
        return f"declined ({row.get('abstain_reason')})"
    return "right" if row.get("contains_gold") else "wrong"


def _answer_lines(row: dict[str, Any]) -> str:
    verdicts = ", ".join(f"{s.get('verdict')} {s.get('support', 0):.2f}" for s in row.get("sentences", []))
    dates = ", ".join(s.get("published_at", "")[:10] or "undated" for s in row.get("sources", []))
    text = " ".join(str(row.get("answer", "")).split())
    return f"{outcome(row)}: {text} [{verdicts}] (sources: {dates or '-'})"


def report(
    before: dict[str, Any], after: dict[str, Any], set_name: str, answers: int, without: frozenset[str] = frozenset()
) -> str:
    """The Markdown comparison of the rows of `set_name` present in both results, but for the ids `without`."""
    rows_a = {r["id"]: r for r in before["sets"][set_name]["rows"] if not r.get("error")}
    rows_b = {r["id"]: r for r in after["sets"][set_name]["rows"] if not r.get("error")}
    common = [i for i in rows_a if i in rows_b and i not in without]
    a = summarise([rows_a[i] for i in common])
    b = summarise([rows_b[i] for i in common])
    lines = [f"## {set_name}: {len(common)} questions in both runs", "", "| | before | after |", "|---|---|---|"]
    lines += [f"| {label} | {_cell(_get(a, path))} | {_cell(_get(b, path))} |" for label, path in ROWS]
    rank = {"right": 0, "wrong": 2}
    changed = [i for i in common if outcome(rows_a[i]) != outcome(rows_b[i])]
    changed.sort(key=lambda i: (rank.get(outcome(rows_b[i]), 1) - rank.get(outcome(rows_a[i]), 1), i))
    lines += ["", f"### Answers that changed ({len(changed)}; the first {min(answers, len(changed))})", ""]
    for i in changed[:answers]:
        ra, rb = rows_a[i], rows_b[i]
        lines += [
            f"- **{i}** {ra['question']}  ",
            f"  gold: {', '.join(ra.get('gold', []))}  ",
            f"  before — {_answer_lines(ra)}  ",
            f"  after — {_answer_lines(rb)}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--set", default="realtimeqa")
    ap.add_argument("--answers", type=int, default=20)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--without", type=Path, help="leave out the questions of this results file")
    args = ap.parse_args(argv)
    before = json.loads(args.before.read_text(encoding="utf-8"))
    after = json.loads(args.after.read_text(encoding="utf-8"))
    other = json.loads(args.without.read_text(encoding="utf-8")) if args.without else {"sets": {args.set: {}}}
    for name, data in (("before", before), ("after", after), ("without", other)):
        if args.set not in data.get("sets", {}):
            print(f"{name}: no set {args.set!r} in {getattr(args, name)}", file=sys.stderr)
            return 2
    without = frozenset(r["id"] for r in other["sets"][args.set].get("rows", []))
    text = report(before, after, args.set, args.answers, without)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
