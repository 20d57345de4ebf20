"""Loaders for the human-labelled support sets in `../shared/datasets/judge/` (claim, evidence, supported).

Labels are reduced to supported / not supported; "partially supported" counts as NOT supported, because
a citation that backs only part of a sentence is a failed citation here. The files are never copied
into this repository: every loader takes a folder.

- wice: WiCE dev, Wikipedia claims against the cited web page's sentences (joined with spaces).
- factcheckgpt: FactCheck-GPT claim-evidence stance; only "completely-support" is supported
  (partially-support, refute and irrelevant are not).
- summedits_<domain>: SummEdits podcast / sales_email / scitldr; the claim is the summary, the evidence
  the whole document (label 1 consistent). Documents are long (podcasts 1,500 words), while the
  service judges against short passages: `max_evidence_words` drops longer items rather than
  truncating them, since a truncated document may no longer hold the fact and the label would be wrong.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.suite.datasets import SHARED_DATASETS

DEFAULT_DIR = SHARED_DATASETS / "judge"

FILES = {
    "wice": "wice_dev.jsonl.gz",
    "factcheckgpt": "factcheckgpt_claim_evidence_stance.jsonl.gz",
    "summedits_podcast": "summedits_podcast.json.gz",
    "summedits_sales_email": "summedits_sales_email.json.gz",
    "summedits_scitldr": "summedits_scitldr.json.gz",
}


@dataclass(frozen=True)
class Pair:
    """One labelled (claim, evidence) pair from set `set`."""

    claim: str
    evidence: str
    supported: bool
    set: str


def load_wice(folder: Path = DEFAULT_DIR, max_evidence_words: int | None = None) -> list[Pair]:
    pairs = []
    for row in _jsonl(folder / FILES["wice"]):
        evidence = " ".join(s.strip() for s in row["evidence"] if s.strip())
        pairs.append(Pair(row["claim"].strip(), evidence, row["label"] == "supported", "wice"))
    return _short(pairs, max_evidence_words)


def load_factcheckgpt(folder: Path = DEFAULT_DIR, max_evidence_words: int | None = None) -> list[Pair]:
    pairs = [
        Pair(row["claim"].strip(), row["evidence"].strip(), row["stance"] == "completely-support", "factcheckgpt")
        for row in _jsonl(folder / FILES["factcheckgpt"])
    ]
    return _short(pairs, max_evidence_words)


def load_summedits(domain: str, folder: Path = DEFAULT_DIR, max_evidence_words: int | None = None) -> list[Pair]:
    """SummEdits `domain` ("podcast", "sales_email" or "scitldr")."""
    name = f"summedits_{domain}"
    if name not in FILES:
        raise ValueError(f"unknown SummEdits domain {domain!r}; known: podcast, sales_email, scitldr")
    with gzip.open(folder / FILES[name], "rt", encoding="utf-8") as f:
        rows = json.load(f)
    pairs = [Pair(r["summary"].strip(), r["doc"].strip(), int(r["label"]) == 1, name) for r in rows]
    return _short(pairs, max_evidence_words)


LOADERS: dict[str, Callable[..., list[Pair]]] = {
    "wice": load_wice,
    "factcheckgpt": load_factcheckgpt,
    "summedits_podcast": lambda folder=DEFAULT_DIR, **kw: load_summedits("podcast", folder, **kw),
    "summedits_sales_email": lambda folder=DEFAULT_DIR, **kw: load_summedits("sales_email", folder, **kw),
    "summedits_scitldr": lambda folder=DEFAULT_DIR, **kw: load_summedits("scitldr", folder, **kw),
}


def load_set(name: str, folder: Path = DEFAULT_DIR, max_evidence_words: int | None = None) -> list[Pair]:
    """The set called `name` (a key of `LOADERS`)."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise ValueError(f"unknown judge set {name!r}; known: {', '.join(LOADERS)}") from None
    return loader(folder, max_evidence_words=max_evidence_words)


def balanced_choice(pairs: list[Pair], limit: int | None, seed: int) -> list[Pair]:
    """Up to `limit` pairs, half supported and half not where possible, in a seeded random choice.

    Each class is shuffled on its own and cut, so a larger `limit` extends a smaller one's choice (cached
    scores stay useful when a run is widened). Without a limit, all pairs.
    """
    if limit is None or limit >= len(pairs):
        return list(pairs)
    pos = [p for p in pairs if p.supported]
    neg = [p for p in pairs if not p.supported]
    random.Random(seed).shuffle(pos)
    random.Random(seed + 1).shuffle(neg)
    n_pos = min(len(pos), max(limit // 2, limit - len(neg)))
    return pos[:n_pos] + neg[: min(len(neg), limit - n_pos)]


def sample_pairs(pairs: Sequence[Pair], limit: int | None, seed: int) -> list[Pair]:
    """`balanced_choice` of the pairs, ordered so that pairs sharing a passage run back to back (the
    model then reuses that passage's KV cache)."""
    chosen = balanced_choice(list(pairs), limit, seed)
    return sorted(chosen, key=lambda p: (p.evidence, p.claim))


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _short(pairs: list[Pair], max_words: int | None) -> list[Pair]:
    if max_words is None:
        return pairs
    return [p for p in pairs if len(p.evidence.split()) <= max_words]


def main(argv: list[str] | None = None) -> int:
    """Print a set as JSON lines {"id", "passage", "claim", "supported"} for `rag judge` (which echoes "id"):

    python -m evals.suite.datasets.judge_sets wice --limit 40 | rag judge --judge calibrated
    """
    import argparse
    import sys

    ap = argparse.ArgumentParser(description=main.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set", choices=list(LOADERS))
    ap.add_argument("--limit", type=int, default=0, help="a balanced seeded sample of N pairs (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-evidence-words", type=int, default=450, help="skip longer evidence (0: no limit)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    args = ap.parse_args(argv)
    pairs = sample_pairs(load_set(args.set, args.data, args.max_evidence_words or None), args.limit or None, args.seed)
    for i, p in enumerate(pairs, 1):
        row = {"id": f"{args.set}:{i}", "passage": p.evidence, "claim": p.claim, "supported": p.supported}
        sys.stdout.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
