"""RealTimeQA (Kasai et al., 2023): news-quiz questions whose gold evidence sentence lies in news articles.

Files live in a folder such as `../shared/datasets/realtimeqa/`: `*_qa.jsonl.gz` hold the questions,
`*_gcs.jsonl.gz` the articles (ingest them with `rag ingest DIR/*_gcs.jsonl.gz`).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from evals.suite.datasets import SHARED_DATASETS
from rag.text import QUERY_STOPWORDS, TOKEN, split_sentences

DEFAULT_DIR = SHARED_DATASETS / "realtimeqa"

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})
MIN_EVIDENCE_WORDS = 6
# Share of an evidence sentence's content words a passage must contain. The evidence sentences come from
# the quiz's source (mostly The Week), while the corpus holds other outlets' articles on the same news:
# only 2 of the 250 evidence sentences occur verbatim, so matching must allow rewording.
EVIDENCE_RECALL = 0.7


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
    return tuple(s for s in sentences if len(TOKEN.findall(s)) >= MIN_EVIDENCE_WORDS)


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


@lru_cache(maxsize=4096)
def _normalised_sentence(text: str) -> str:
    return normalise(text)


@lru_cache(maxsize=4096)
def _content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in TOKEN.findall(normalise(text)) if w not in QUERY_STOPWORDS)


class Text:
    """A passage or article prepared once for repeated evidence checks."""

    def __init__(self, text: str) -> None:
        self.norm = normalise(text)
        self.words = set(TOKEN.findall(self.norm))


def contains_evidence(text: str | Text, evidence: Iterable[str]) -> bool:
    """True when `text` holds an evidence sentence verbatim (after normalising case, quotes and spaces), or
    at least EVIDENCE_RECALL of its content words."""
    prepared = text if isinstance(text, Text) else Text(text)
    for sentence in evidence:
        if _normalised_sentence(sentence) in prepared.norm:
            return True
        wanted = _content_words(sentence)
        if wanted and len(wanted & prepared.words) / len(wanted) >= EVIDENCE_RECALL:
            return True
    return False
