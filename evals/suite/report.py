"""The outputs of `rag eval`: a summary table (text), the JSON results file and a self-contained HTML report.

The HTML report is one file: inline SVG histograms (no plotting library), the summary table, the judge
sets' table, and a per-question table with failures first (answer, citations with their quotes and
offsets, per-sentence verdicts). Every piece of text from a question, an answer or an article is escaped.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# (label, path into a set's summary, format)
ROWS: list[tuple[str, tuple[str, ...], str]] = [
    ("questions", ("n",), "d"),
    ("answerable / unanswerable / counterfactual", ("_kinds",), "s"),
    ("errors", ("errors",), "d"),
    ("retrieval n (with gold evidence)", ("retrieval", "n"), "d"),
    ("Hits@1", ("retrieval", "hits@1"), ".3f"),
    ("Hits@5", ("retrieval", "hits@5"), ".3f"),
    ("Hits@10", ("retrieval", "hits@10"), ".3f"),
    ("MRR@10", ("retrieval", "mrr@10"), ".3f"),
    ("answer containment", ("answers", "containment"), ".3f"),
    ("SQuAD EM / F1", ("_squad",), "s"),
    ("SQuAD HasAns EM / F1", ("_squad_has",), "s"),
    ("SQuAD NoAns EM", ("squad", "no_ans_em"), ".1f"),
    ("answered", ("answered",), "d"),
    ("citation recall", ("faithfulness", "citation_recall"), ".3f"),
    ("citation precision", ("faithfulness", "citation_precision"), ".3f"),
    ("fully supported answers", ("faithfulness", "fully_supported"), ".3f"),
    ("quote exactness", ("faithfulness", "quote_exactness"), ".3f"),
    ("abstention precision", ("abstention", "precision"), ".3f"),
    ("abstention recall", ("abstention", "recall"), ".3f"),
    ("abstention F1", ("abstention", "f1"), ".3f"),
    ("false abstention", ("abstention", "false_abstention"), ".3f"),
    ("repeats the false fact", ("counterfactual", "repeats_false_fact"), ".3f"),
    ("true answer (counterfactual)", ("counterfactual", "true_answer"), ".3f"),
    ("flags the conflict", ("counterfactual", "flags_conflict"), ".3f"),
    ("repeats the false fact unflagged", ("counterfactual", "repeats_false_unflagged"), ".3f"),
    ("answers with conflicts (share of answered)", ("conflicts", "rate"), ".3f"),
    ("update flagged (latest and earlier value)", ("updates", "update_flagged"), ".3f"),
    ("latest value first", ("updates", "latest_first"), ".3f"),
    ("earlier value given unflagged", ("updates", "stale_unflagged"), ".3f"),
    ("latency total p50 / p95 s", ("_latency",), "s"),
    ("latency retrieve / generate / verify p50 s", ("_stages",), "s"),
    ("tokens prompt / completion", ("_tokens",), "s"),
    ("judge calls (answer path) / scorer calls", ("_calls",), "s"),
    ("wall time s", ("wall_seconds",), ".1f"),
]


def _get(summary: dict[str, Any], path: tuple[str, ...]) -> Any:
    key = path[0]
    if key == "_kinds":
        return f"{summary['n_answerable']} / {summary['n_unanswerable']} / {summary['n_counterfactual']}"
    if key in ("_squad", "_squad_has"):
        sq = summary.get("squad")
        if not sq:
            return None
        em, f1 = (sq["em"], sq["f1"]) if key == "_squad" else (sq["has_ans_em"], sq["has_ans_f1"])
        return f"{_fmt(em, '.1f')} / {_fmt(f1, '.1f')}"
    cost = summary.get("cost", {})
    if key == "_latency":
        t = cost.get("latency_s", {}).get("total")
        return f"{_fmt(t['p50'], '.2f')} / {_fmt(t['p95'], '.2f')}" if t else None
    if key == "_stages":
        lat = cost.get("latency_s", {})
        return " / ".join(_fmt((lat.get(s) or {}).get("p50"), ".3f") for s in ("retrieve", "generate", "verify"))
    if key == "_tokens":
        t = cost.get("tokens", {})
        return f"{t.get('prompt_tokens', 0)} / {t.get('completion_tokens', 0)}"
    if key == "_calls":
        t = cost.get("tokens", {})
        return f"{t.get('judge_calls', 0)} / {t.get('scorer_calls', 0)}"
    value: Any = summary
    for k in path:
        if not isinstance(value, dict) or k not in value:
            return None
        value = value[k]
    return value


def _fmt(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def summary_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Column names (metric, then one per set) and the rows of the summary table; empty rows dropped."""
    sets = list(results.get("sets", {}))
    rows = []
    for label, path, spec in ROWS:
        cells = [_fmt(_get(results["sets"][s]["summary"], path), spec) for s in sets]
        if any(c not in ("-", "- / -", "- / - / -") for c in cells):
            rows.append([label, *cells])
    return ["metric", *sets], rows


def summary_text(results: dict[str, Any]) -> str:
    """The summary as a plain-text table (sets as columns), plus the judge sets' table."""
    header, rows = summary_rows(results)
    lines = []
    if rows:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for n, r in enumerate([header, *rows]):
            lines.append("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
    judge = results.get("judge")
    if judge:
        lines.append("")
        lines.append(f"judge sets ({judge['scorer']}); threshold tuned on {judge['tuned_on']}: {judge['threshold']}")
        lines.append(
            f"{'set':<24}{'n':>5}{'bal.acc@default':>17}{'NS recall@default':>19}"
            f"{'bal.acc@tuned':>15}{'NS recall@tuned':>17}"
        )
        for name, r in judge["sets"].items():
            d, t = r["at_default"], r["at_tuned"]
            lines.append(
                f"{name:<24}{r['n']:>5}{_fmt(d['balanced_accuracy'], '.3f'):>17}"
                f"{_fmt(d['not_supported_recall'], '.3f'):>19}"
                f"{_fmt(t['balanced_accuracy'], '.3f'):>15}{_fmt(t['not_supported_recall'], '.3f'):>17}"
            )
    return "\n".join(lines)


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")


# ---------------------------------------------------------------- SVG


def svg_histogram(values: Sequence[float], title: str, lo: float = 0.0, hi: float = 1.0, bins: int = 10) -> str:
    """A small inline SVG histogram of `values` over [lo, hi] (values outside are clamped)."""
    e = html.escape
    width, height, pad = 320, 170, 30
    if hi <= lo:
        hi = lo + 1
    counts = [0] * bins
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        i = int((min(max(v, lo), hi) - lo) / (hi - lo) * bins)
        counts[min(i, bins - 1)] += 1
    top = max(counts) or 1
    bar_w = (width - 2 * pad) / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{e(title)}">',
        f'<text x="{width / 2}" y="14" text-anchor="middle" font-size="12">{e(title)} (n={len(values)})</text>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#333"/>',
    ]
    for i, c in enumerate(counts):
        h = (height - 2 * pad - 10) * c / top
        x = pad + i * bar_w
        y = height - pad - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="#4a7bb7">'
            f"<title>{c}</title></rect>"
        )
        if c:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 2:.1f}" text-anchor="middle" font-size="9">{c}</text>')
    for frac in (0, 0.5, 1):
        x = pad + frac * (width - 2 * pad)
        label = f"{lo + frac * (hi - lo):.2g}"
        parts.append(f'<text x="{x:.1f}" y="{height - pad + 14}" text-anchor="middle" font-size="10">{e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _plots(name: str, rows: list[dict[str, Any]]) -> list[str]:
    ok = [r for r in rows if not r.get("error")]
    faith = [r["faithfulness"] for r in ok if r.get("faithfulness")]
    plots = []
    if faith:
        plots.append(
            svg_histogram(
                [f["recall"] for f in faith if f["recall"] is not None], f"{name}: citation recall per answer"
            )
        )
        plots.append(
            svg_histogram(
                [f["precision"] for f in faith if f["precision"] is not None], f"{name}: citation precision per answer"
            )
        )
        plots.append(
            svg_histogram([s["score"] for f in faith for s in f["sentences"]], f"{name}: sentence support score")
        )
    support = [
        s.get("support") for r in ok for s in r.get("sentences", []) if isinstance(s.get("support"), int | float)
    ]
    if support:
        plots.append(svg_histogram(support, f"{name}: answer-path judge score"))
    if any("f1" in r for r in ok):
        plots.append(svg_histogram([r["f1"] for r in ok if "f1" in r], f"{name}: SQuAD F1 per question"))
    ranks = [r["gold_rank"] for r in ok if "gold_rank" in r]
    if ranks:
        plots.append(
            svg_histogram([11 if x is None else x for x in ranks], f"{name}: first gold rank (11 = none)", 1, 12, 11)
        )
    totals = [r["timings"]["total"] for r in ok if "total" in r.get("timings", {})]
    if totals:
        plots.append(svg_histogram(totals, f"{name}: latency total, s", 0, max(max(totals), 1e-3)))
    return plots


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;font-size:13px}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:#fff4f2}
.quote{color:#555;font-style:italic}
.bad{color:#b00020;font-weight:600}.good{color:#0a7a2f}
.plots svg{margin:4px;border:1px solid #eee}
small{color:#666}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _summary_html(results: dict[str, Any]) -> str:
    header, rows = summary_rows(results)
    if not rows:
        return ""
    out = ["<table><tr>", *(f"<th>{_e(h)}</th>" for h in header), "</tr>"]
    for r in rows:
        out.append("<tr>" + f"<td>{_e(r[0])}</td>" + "".join(f'<td class="num">{_e(c)}</td>' for c in r[1:]) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _judge_html(judge: dict[str, Any]) -> str:
    if not judge:
        return ""
    out = [
        f"<h2>Judge quality</h2><p>Scorer <code>{_e(judge['scorer'])}</code>; threshold tuned on "
        f"{_e(judge['tuned_on'])}: {_e(judge['threshold'])}</p>",
        "<table><tr><th>set</th><th>n</th><th>supported</th><th>bal. acc. @default</th>"
        "<th>not-supported recall @default</th>"
        "<th>bal. acc. @tuned</th><th>not-supported recall @tuned</th></tr>",
    ]
    for name, r in judge["sets"].items():
        d, t = r["at_default"], r["at_tuned"]
        cells = [
            r["n"],
            r["n_supported"],
            d["balanced_accuracy"],
            d["not_supported_recall"],
            t["balanced_accuracy"],
            t["not_supported_recall"],
        ]
        out.append(
            f"<tr><td>{_e(name)}</td>"
            + "".join(f'<td class="num">{_e(_fmt(c, ".3f") if isinstance(c, float) else c)}</td>' for c in cells)
            + "</tr>"
        )
    out.append("</table>")
    return "".join(out)


def _row_html(r: dict[str, Any]) -> str:
    failed = bool(r.get("failures"))
    status = "; ".join(r.get("failures", [])) or "ok"
    answer = _e(r.get("answer", ""))
    if not r.get("answerable"):
        answer += f"<br><small>abstained: {_e(r.get('abstain_reason'))}</small>"
    sources = "".join(
        f"<div>[{_e(s.get('n'))}] {_e(s.get('title') or s.get('article_id'))} "
        f"<small>{_e(s.get('article_id'))} {_e(s.get('start'))}–{_e(s.get('end'))}</small>"
        f'<div class="quote">“{_e(s.get("quote"))}”</div></div>'
        for s in r.get("sources", [])
    )
    verdicts = []
    faith = r.get("faithfulness") or {}
    for i, s in enumerate(r.get("sentences", [])):
        ours = faith.get("sentences", [])[i] if i < len(faith.get("sentences", [])) else None
        mark = ""
        if ours is not None:
            ok = ours["supported"]
            verdict = "supported" if ok else "NOT supported"
            mark = f' <span class="{"good" if ok else "bad"}">eval: {verdict} {ours["score"]:.2f}</span>'
            if ours.get("reasons"):
                mark += f" <small>{_e('; '.join(ours['reasons']))}</small>"
        verdicts.append(
            f"<div>{_e(s.get('text'))} <small>path: {_e(s.get('verdict'))} {_e(s.get('support'))}</small>{mark}</div>"
        )
    for d in r.get("dropped", []):
        verdicts.append(
            f"<div><small>dropped: {_e(d.get('text'))} ({_e('; '.join(d.get('reasons', [])))})</small></div>"
        )
    scores = []
    for key in ("contains_gold", "em", "f1", "gold_rank", "repeats_false", "flags_conflict", "repeats_false_unflagged"):
        if key in r:
            scores.append(f"{key}={r[key]}")
    if faith:
        scores.append(f"cit.R={_fmt(faith.get('recall'), '.2f')} cit.P={_fmt(faith.get('precision'), '.2f')}")
    if r.get("quotes_exact"):
        scores.append(f"quotes={sum(r['quotes_exact'])}/{len(r['quotes_exact'])}")
    return (
        f'<tr class="{"fail" if failed else "ok"}"><td>{_e(r.get("set"))}<br>{_e(r.get("id"))}'
        f"<br><small>{_e(r.get('kind'))}</small></td>"
        f"<td>{_e(r.get('question'))}</td><td>{_gold_html(r)}</td>"
        f"<td>{answer}</td><td>{sources}</td><td>{''.join(verdicts)}</td>"
        f"<td><small>{_e(' '.join(scores))}</small></td>"
        f'<td class="{"bad" if failed else "good"}">{_e(status)}</td></tr>'
    )


def _gold_html(r: dict[str, Any]) -> str:
    gold = _e(", ".join(r.get("gold", [])))
    if r.get("false_answers"):
        gold += f" <small>(false: {_e(', '.join(r['false_answers']))})</small>"
    return gold


def render_html(results: dict[str, Any]) -> str:
    """The whole report as one HTML document."""
    config = results.get("config", {})
    parts = [
        '<!doctype html><html><head><meta charset="utf-8"><title>rag eval report</title>',
        f"<style>{_CSS}</style></head><body><h1>rag eval</h1>",
        "<p>" + " · ".join(f"{_e(k)}: <code>{_e(v)}</code>" for k, v in config.items()) + "</p>",
    ]
    for name, reason in results.get("skipped", {}).items():
        parts.append(f'<p class="bad">{_e(name)} skipped: {_e(reason)}</p>')
    parts.append("<h2>Summary</h2>" + _summary_html(results))
    parts.append(_judge_html(results.get("judge") or {}))
    for name, s in results.get("sets", {}).items():
        plots = _plots(name, s["rows"])
        if plots:
            parts.append(f'<h2>{_e(name)}: distributions</h2><div class="plots">{"".join(plots)}</div>')
    rows = [r for s in results.get("sets", {}).values() for r in s["rows"]]
    rows.sort(key=lambda r: (not r.get("failures"), str(r.get("set")), str(r.get("id"))))
    n_fail = sum(bool(r.get("failures")) for r in rows)
    parts.append(f"<h2>Questions ({len(rows)}; {n_fail} with a failure, shown first)</h2>")
    parts.append(
        "<table><tr><th>set / id</th><th>question</th><th>gold</th><th>answer</th><th>citations and quotes</th>"
        "<th>sentences: answer-path verdict, evaluation verdict</th><th>scores</th><th>status</th></tr>"
    )
    parts.extend(_row_html(r) for r in rows)
    parts.append("</table></body></html>")
    return "\n".join(parts)


def write_html(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(results), encoding="utf-8")
