"""The extractive generator: answers with the passage sentence that best answers the question, quoted.

No LLM: it scores every sentence of the retrieved passages by how many of the question's content words
it contains (close inflections count) and whether it holds the kind of thing the question asks for (a
name for "who", a figure for "how many", a date for "when"), and returns the best one verbatim, in
quotation marks, with its citation. Below `min_coverage` it declines. Its sentences are verbatim, so
they pass verification by construction; what it cannot do is paraphrase or combine facts.

It is also the answer path's fallback: when every sentence another generator drafted fails verification,
the pipeline asks it for the quote instead, passing that draft as a `hint`. Among the sentences that
clear the same coverage bar, one holding the draft's own answer words (those not in the question) ranks
higher, so the model's pick of which fact answers is kept and the user reads the article's words.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from rag.generators.base import NOT_STATED, Draft
from rag.text import answer_words, content_words, coverage, share_held, split_sentences
from rag.types import Passage

_NUMBER = re.compile(r"\d")
_MONTH = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
    r"last (week|month|year|summer|spring|autumn|fall|winter)|ago)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


class ExtractiveGenerator:
    """Returns the best-matching passage sentence verbatim; declines below `min_coverage`."""

    name = "extractive"
    reads_prompt = False  # it quotes passage sentences: whole passages cost it nothing

    def __init__(self, min_coverage: float = 0.5, max_sentences: int = 1) -> None:
        if not 0 < min_coverage <= 1:
            raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage}")
        if max_sentences < 1:
            raise ValueError(f"max_sentences must be at least 1, got {max_sentences}")
        self.min_coverage = min_coverage
        self.max_sentences = max_sentences

    def warm_up(self) -> None:
        pass

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "", hint: str = "") -> Draft:
        """The best sentence; `hint` (a draft that failed verification) favours sentences holding its answer.
        `as_of` changes nothing: the sentence is quoted as written, its date travels with its citation."""
        started = time.perf_counter()
        drafted = answer_words(question, hint)
        scored = []
        for n, passage in enumerate(passages, 1):
            for s, e in split_sentences(passage.text):
                sentence = " ".join(passage.text[s:e].split())
                cov = coverage(question, sentence)
                held = share_held(drafted, sentence)
                # Rank: coverage (plus half the share of the hint's answer words held), then the kind of
                # answer asked for, then retrieval rank, then position. Only coverage decides eligibility.
                rank = cov + 0.5 * held
                scored.append((rank, _answer_type_bonus(question, sentence), -n, -s, cov, n, sentence))
        scored.sort(reverse=True)
        chosen = [
            (n, sentence) for *_, cov, n, sentence in scored if cov >= self.min_coverage and len(sentence.split()) >= 3
        ]
        if not chosen:
            return Draft(NOT_STATED, {"seconds": time.perf_counter() - started})
        lines = [f'"{sentence}" [{n}]' for n, sentence in chosen[: self.max_sentences]]
        return Draft("\n".join(lines), {"seconds": time.perf_counter() - started})


def _answer_type_bonus(question: str, sentence: str) -> int:
    """1 when the sentence holds the kind of answer the question asks for beyond the question's words."""
    q = question.lower()
    new_words = set(content_words(sentence)) - set(content_words(question))
    if re.search(r"\bhow (many|much|long|old|far)\b|\bwhat (share|percentage|number)\b", q):
        return int(bool(_NUMBER.search(sentence)))
    if re.search(r"\bwhen\b|\bwhat (date|day|year|time)\b", q):
        return int(bool(_MONTH.search(sentence) or _NUMBER.search(sentence)))
    if re.search(r"\bwho(m|se)?\b", q):
        names = {m.group(0).lower() for m in _NAME.finditer(sentence)}
        return int(any(coverage(name, question) < 1 for name in names))
    return int(bool(new_words))
