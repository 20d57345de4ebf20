"""Pure helpers of `evals.bench` (and of its LlamaIndex peer, which imports nothing from `rag`).

Percentiles and latency summaries, ratios, plain-text tables, truncation coverage, the choice of the
RealTimeQA sample, the synthetic text of made-up chunks, ranking metrics, reading an index folder's
database read-only, and the peer's JSON report.
Standard library only, so the peer's interpreter can import this file too.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import random
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

# -- the peer's process ---------------------------------------------------------------------------


def package_version(package: str) -> str:
    """The installed version of `package`, or "not installed"."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_span(start: Sequence[float]) -> dict[str, list[float]]:
    """The load average when a run started (`start`, from os.getloadavg()) and now, rounded."""
    return {"start": [round(x, 2) for x in start], "end": [round(x, 2) for x in os.getloadavg()]}


# -- numbers --------------------------------------------------------------------------------------


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default); NaN if empty."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be in [0, 100], got {p}")
    pos = (len(ordered) - 1) * p / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean of durations given in seconds, in milliseconds (rounded to 0.01 ms)."""
    if not seconds:
        return {"n": 0, "p50_ms": math.nan, "p95_ms": math.nan, "mean_ms": math.nan}
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
    }


def ratio(numerator: float | None, denominator: float | None, digits: int = 2) -> float | None:
    """numerator / denominator, rounded; None when either is missing, NaN, or the denominator is 0."""
    if numerator is None or denominator is None:
        return None
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0:
        return None
    return round(numerator / denominator, digits)


def per_second(amount: float, seconds: float) -> float | None:
    """amount / seconds; None when no time was measured."""
    return None if seconds <= 0 else amount / seconds


def round_or_none(x: float | None, digits: int = 1) -> float | None:
    """`x` rounded to `digits` places; None stays None."""
    return None if x is None else round(x, digits)


# -- tables ---------------------------------------------------------------------------------------


def cell(value: Any, digits: int = 3) -> str:
    """How a value prints in a table: None as "-", floats to `digits` significant decimals, ints with commas."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.{digits}g}" if abs(value) < 1 else f"{value:.{max(1, digits - 1)}f}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 3) -> str:
    """A Markdown table (also readable as plain text): text columns left-aligned, numbers right-aligned."""
    body = [[cell(v, digits) for v in row] for row in rows]
    for row in body:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, the header {len(headers)}: {row}")
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(headers)]
    numeric = [all(_numeric(r[i]) for r in body) and bool(body) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric, strict=True)]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join(
        ("-" * (w + 1) + ":") if num else ("-" * (w + 2)) for w, num in zip(widths, numeric, strict=True)
    )
    return "\n".join([line(headers), rule + "|", *(line(r) for r in body)])


_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+(e[-+]?\d+)?(x|%| ms| s)?$|^-$")


def _numeric(text: str) -> bool:
    return bool(_NUMBER.match(text))


# -- truncation coverage --------------------------------------------------------------------------


def truncation_cut(offsets: Sequence[Sequence[int]], max_tokens: int, special_tokens: int = 2) -> int | None:
    """Character offset in the input text where a model that reads `max_tokens` tokens stops, or None.

    `offsets` are the tokenizer's (start, end) character spans of every token of the untruncated input,
    special tokens included ([CLS] first and [SEP] last, span (0, 0)). Truncation keeps the first
    `max_tokens - special_tokens` text tokens; the text after the last one kept is not read.
    """
    if len(offsets) <= max_tokens:
        return None
    keep = max_tokens - special_tokens
    text_spans = [span for span in offsets if span[1] > span[0]]
    if keep <= 0 or not text_spans:
        return 0
    return int(text_spans[min(keep, len(text_spans)) - 1][1])


def covered_span(start: int, end: int, prefix_chars: int, cut: int | None) -> tuple[int, int]:
    """The part of body[start:end] a model read when its input was `prefix_chars` characters of other text
    (a title, metadata) followed by that body text, truncated at input character `cut` (None: not cut)."""
    if cut is None:
        return start, end
    read = max(0, min(end - start, cut - prefix_chars))
    return start, start + read


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping union of half-open character spans (empty spans dropped)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted((s, e) for s, e in spans if e > s):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def covered_tokens(token_starts: Sequence[int], spans: Iterable[tuple[int, int]]) -> int:
    """How many tokens (given by their start character, sorted) start inside the union of `spans`."""
    n = 0
    for s, e in merge_spans(spans):
        n += bisect.bisect_left(token_starts, e) - bisect.bisect_left(token_starts, s)
    return n


# -- the RealTimeQA sample --------------------------------------------------------------------------


def select_groups(groups: Sequence[tuple[str, Sequence[str]]], n_articles: int, seed: int) -> list[str]:
    """Question ids whose search-result articles together make about `n_articles` distinct articles.

    `groups` pairs each question id with the ids of its articles. Questions are taken in a seeded random
    order until the distinct articles reach `n_articles` (the last question's articles all come in, so
    the count may pass it by a few); every chosen question has all of its articles in the sample, and
    the other questions' articles are its distractors. Returned in the input order.
    """
    order = list(range(len(groups)))
    random.Random(seed).shuffle(order)
    chosen: set[int] = set()
    articles: set[str] = set()
    for i in order:
        if len(articles) >= n_articles:
            break
        if not groups[i][1]:
            continue
        chosen.add(i)
        articles.update(groups[i][1])
    return [groups[i][0] for i in sorted(chosen)]


# -- made-up chunks for collections larger than the real corpus -------------------------------------


def drop_words(text: str, copy: int, every: int = 7) -> str:
    """`text` without every `every`-th word (which ones depends on `copy`), words joined by single spaces.

    Made-up copies of a real chunk keep its vocabulary (so BM25 has realistic postings to walk) while
    their word 5-grams differ enough (Jaccard about 0.2) that retrieval does not fold them into the
    original as syndicated duplicates.
    """
    if every < 2:
        raise ValueError(f"every must be at least 2, got {every}")
    words = text.split()
    kept = [w for i, w in enumerate(words) if (i + copy) % every != 0]
    return " ".join(kept or words)


# -- ranking metrics ------------------------------------------------------------------------------


def hits_at(hits: Sequence[Sequence[bool]], k: int) -> float:
    """Share of queries with a hit among their first k results."""
    return math.nan if not hits else sum(any(h[:k]) for h in hits) / len(hits)


def mrr_at(hits: Sequence[Sequence[bool]], k: int) -> float:
    """Mean reciprocal rank of the first hit within the first k results (0 for none)."""
    if not hits:
        return math.nan
    total = 0.0
    for h in hits:
        first = next((i for i, x in enumerate(h[:k]) if x), None)
        total += 0.0 if first is None else 1.0 / (first + 1)
    return total / len(hits)


def mean_prefix_tokens(tokens: Sequence[Sequence[int]], k: int) -> float:
    """Mean over queries of the tokens in their first k results."""
    return math.nan if not tokens else sum(sum(t[:k]) for t in tokens) / len(tokens)


def k_for_budget(tokens: Sequence[Sequence[int]], budget: float, k_max: int) -> int:
    """The largest k (1..k_max) whose first-k results hold, on average, no more than `budget` tokens."""
    best = 1
    for k in range(1, k_max + 1):
        if mean_prefix_tokens(tokens, k) <= budget:
            best = k
        else:
            break
    return best


def budget_top_k(budget: float, node_tokens: Sequence[int], k_max: int) -> int:
    """The k (1..k_max) whose k nodes of the index's mean length hold the closest to `budget` tokens (the
    smaller k on a tie): a top-k for a context budget chosen from the index alone, before any question."""
    if not node_tokens or k_max < 1:
        return 1
    mean = sum(node_tokens) / len(node_tokens)
    return min(range(1, k_max + 1), key=lambda k: (abs(k * mean - budget), k))


# -- reading a built index --------------------------------------------------------------------------


def open_index_read_only(index_dir: Path) -> sqlite3.Connection:
    """The SQLite database of an index folder (`store.sqlite`), opened read-only: a writer may be active, and
    the benchmark must never change what it measures."""
    return sqlite3.connect(f"file:{Path(index_dir) / 'store.sqlite'}?mode=ro", uri=True)


# -- the peer's report ----------------------------------------------------------------------------

PEER_KEYS = ("system", "versions", "settings", "ingest", "nodes", "queries", "loadavg")
PEER_INGEST_KEYS = ("documents", "nodes", "seconds", "tokens_read", "tokens_total", "peak_rss_mb", "bytes_on_disk")
PEER_NODE_KEYS = ("doc", "start", "end", "covered_end", "read", "total")
PEER_HIT_KEYS = ("doc", "start", "end", "text")


def parse_peer(text: str) -> dict[str, Any]:
    """The peer's JSON report, checked; ValueError names the first thing missing or malformed."""
    try:
        report = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"peer report is not JSON: {e.msg} at line {e.lineno}") from None
    if not isinstance(report, dict):
        raise ValueError("peer report is not a JSON object")
    _require(report, PEER_KEYS, "peer report")
    _require(report["ingest"], PEER_INGEST_KEYS, "peer report: ingest")
    seconds = report["ingest"]["seconds"]
    _require(seconds, ("split", "embed", "index", "total"), "peer report: ingest.seconds")
    for i, node in enumerate(report["nodes"]):
        _require(node, PEER_NODE_KEYS, f"peer report: nodes[{i}]")
        if not node["start"] <= node["covered_end"] <= node["end"]:
            raise ValueError(f"peer report: nodes[{i}]: covered_end {node['covered_end']} outside its span")
    for i, query in enumerate(report["queries"]):
        _require(query, ("id", "seconds", "hits"), f"peer report: queries[{i}]")
        for j, hit in enumerate(query["hits"]):
            _require(hit, PEER_HIT_KEYS, f"peer report: queries[{i}].hits[{j}]")
    return report


def _require(obj: Any, keys: Sequence[str], where: str) -> None:
    if not isinstance(obj, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(obj).__name__}")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")


# -- the query engine peer's report ------------------------------------------------------------------

QUERY_ENGINE_CONFIGS = ("default", "budget")
QUERY_ENGINE_ROW_KEYS = ("id", "seconds", "answer", "llm_calls", "prompt_tokens", "passage_tokens")


def parse_query_engine(text: str) -> dict[str, Any]:
    """The query engine peer's JSON report (`evals.bench.peer_query_engine`), checked; ValueError names the
    first thing missing or malformed."""
    try:
        report = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"query engine report is not JSON: {e.msg} at line {e.lineno}") from None
    _require(report, ("system", "versions", "settings", "configs", "loadavg"), "query engine report")
    _require(report["configs"], QUERY_ENGINE_CONFIGS, "query engine report: configs")
    for name in QUERY_ENGINE_CONFIGS:
        config = report["configs"][name]
        _require(config, ("settings", "rows"), f"query engine report: configs.{name}")
        for i, row in enumerate(config["rows"]):
            _require(row, QUERY_ENGINE_ROW_KEYS, f"query engine report: configs.{name}.rows[{i}]")
    return report


# Phrases with which an answer says the context does not hold the answer. The query engine has no abstention of
# its own (the product's answers say so in a flag); this reads it from the text, so it is an estimate.
_ABSTAINS = re.compile(
    r"\b(?:not (?:mentioned|provided|specified|stated|given|included|available|explicitly)"
    r"|(?:does|do|did) not (?:say|mention|provide|specify|state|contain|include|indicate)"
    r"|(?:doesn't|don't|didn't) (?:say|mention|provide|specify|state|contain|include|indicate|know)"
    r"|no (?:information|mention)|cannot (?:be )?(?:determined?|answered|answer|found|find)|unable to"
    r"|empty response)\b",
    re.IGNORECASE,
)


def looks_like_abstention(answer: str) -> bool:
    """The answer says that the context does not give the answer (or is empty), by its wording."""
    return not answer.strip() or bool(_ABSTAINS.search(answer.replace("’", "'")))
