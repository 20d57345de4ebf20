"""The RealTimeQA sample the ingest and peer sections share: whole questions' search results, as a .jsonl file."""

from __future__ import annotations

import contextlib
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.bench.common import select_groups
from evals.suite.datasets.realtimeqa import Question, load_questions


@dataclass
class Sample:
    path: Path  # the chosen `_gcs` lines, as a .jsonl file the product reads
    question_ids: list[str]
    questions: list[Question]
    articles: dict[str, Any] = field(default_factory=dict)  # id -> Article (last version), as parsed
    own: dict[str, list[str]] = field(default_factory=dict)  # question id -> ids of its own search results


def make_sample(data: Path, n_articles: int, seed: int, workdir: Path) -> Sample:
    from rag.errors import InputError
    from rag.ingest import read_sources
    from rag.readers.jsonl import article_from_record
    from rag.types import Article

    groups: list[tuple[str, list[str]]] = []
    lines: dict[str, bytes] = {}
    for path in sorted(data.glob("*_gcs.jsonl.gz")):
        with gzip.open(path, "rb") as f:
            for raw in f:
                if not raw.strip():
                    continue
                record = json.loads(raw)
                ids = []
                for item in record.get("search_result") or []:
                    with contextlib.suppress(InputError, TypeError, AttributeError):
                        ids.append(article_from_record(item).id)
                qid = str(record["question_id"])
                groups.append((qid, ids))
                lines[qid] = raw if raw.endswith(b"\n") else raw + b"\n"
    if not groups:
        raise SystemExit(f"no *_gcs.jsonl.gz files in {data}")
    chosen = select_groups(groups, n_articles, seed)
    out = workdir / "sample.jsonl"
    out.write_bytes(b"".join(lines[q] for q in chosen))
    articles = {a.id: a for a in read_sources([out]) if isinstance(a, Article)}
    wanted = set(chosen)
    questions = [q for q in load_questions(data) if q.id in wanted and q.answer.strip()]
    return Sample(out, chosen, questions, articles, {qid: ids for qid, ids in groups if qid in wanted})
