"""RealTimeQA (Kasai et al., 2023): news-quiz questions whose gold evidence sentence lies in news articles.

Files live in a folder such as `../shared/datasets/realtimeqa/`: `*_qa.jsonl.gz` hold the questions,
`*_gcs.jsonl.gz` the articles (ingest them with `rag ingest DIR/*_gcs.jsonl.gz`).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from rag.chunk import split_sentences

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "realtimeqa"
_WORD = re.compile(r"\w+", re.UNICODE)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})
MIN_EVIDENCE_WORDS = 6
FUZZY_RECALL = 0.8  # share of an evidence sentence's word trigrams a passage must contain


@dataclass(frozen=True)
class Question:
    id: str
    date: str
    question: str
    answer: str  # text of the correct choice
    choices: tuple[str, ...]
    evidence: tuple[str, ...]  # evidence sentences, HTML removed, at least MIN_EVIDENCE_WORDS words


def normalise(text: str) -> str:
    return " ".join(text.translate(_QUOTES).lower().split())


def evidence_sentences(evidence_html: str) -> tuple[str, ...]:
    text = LexborHTMLParser(f"<div>{evidence_html}</div>").text(separator="")
    sentences = [text[s:e] for s, e in split_sentences(text)]
    return tuple(s for s in sentences if len(_WORD.findall(s)) >= MIN_EVIDENCE_WORDS)


def load_questions(folder: Path = DEFAULT_DIR, *, nota: bool = False) -> list[Question]:
    """All questions of the `_qa` files (or `_qa_nota`, where one choice became "None of the above")."""
    pattern = "*_qa_nota.jsonl.gz" if nota else "*_qa.jsonl.gz"
    questions = []
    for path in sorted(Path(folder).glob(pattern)):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    questions.append(_question(json.loads(line)))
    return questions


def _question(r: dict) -> Question:
    choices = tuple(r["choices"])
    answer_index = int(r["answer"][0]) if r["answer"] else -1
    return Question(
        id=r["question_id"],
        date=r["question_date"],
        question=r["question_sentence"],
        answer=choices[answer_index] if 0 <= answer_index < len(choices) else "",
        choices=choices,
        evidence=evidence_sentences(r.get("evidence") or ""),
    )


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(normalise(text))
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def contains_evidence(text: str, evidence: Iterable[str]) -> bool:
    """True when `text` holds an evidence sentence verbatim (after normalising case, quotes, spaces),
    or at least FUZZY_RECALL of its word trigrams (publishers edit sentences slightly between versions)."""
    norm = normalise(text)
    grams: set[tuple[str, ...]] | None = None
    for sentence in evidence:
        if normalise(sentence) in norm:
            return True
        grams = grams if grams is not None else _trigrams(text)
        wanted = _trigrams(sentence)
        if wanted and len(wanted & grams) / len(wanted) >= FUZZY_RECALL:
            return True
    return False
