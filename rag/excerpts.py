"""What the generator reads of each passage: the sentences that bear on the question, not the whole chunk.

A local model spends most of an answer reading its prompt (docs/measurements.md, "Ask latency per stage"),
so each passage is cut to the sentences that share the most weighted words with the question, up to a word
budget, with the sentence before each one kept when it fits (a quote's "he" or "the deal" is named there).
Kept sentences stay in their order; a gap is shown as " … ". The passage's title, outlet and date are
untouched, and verification still reads the whole passage: an excerpt only narrows what the model reads.

A word weighs more the fewer of the retrieved sentences hold it (inverse sentence frequency over all the
passages): the words every passage shares (the story's topic) say little about which sentence answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.text import in_words, joined_sentences, query_words, split_sentences, tokens
from rag.types import Passage


def excerpts(question: str, passages: Sequence[Passage], budget: int, total: int = 0) -> list[Passage]:
    """`passages` with each text cut to its sentences that matter most to `question`, within `budget`
    words each (a passage within the budget is returned whole). `budget` 0 leaves every passage whole.

    With `total` (words over all the passages together, 0 for no such limit) every passage keeps its first
    choice (its best sentence, with the one before when the budget allows) and the rest of the total goes to
    the best sentences wherever they are: a passage that only shares the story's words with the question
    is shown by its best sentence, not by `budget` words."""
    if budget <= 0:
        return list(passages)
    spans = [split_sentences(p.text) or [(0, len(p.text))] for p in passages]
    words = [[set(tokens(p.text[s:e])) for s, e in found] for p, found in zip(passages, spans, strict=True)]
    weights = _weights(query_words(question), [w for per in words for w in per])
    picks: list[list[_Pick]] = []
    shown: set[tuple[str, int, int]] = set()  # (article, start, end) of the sentences already shown
    for passage, found, held in zip(passages, spans, words, strict=True):
        where = [(passage.article_id, passage.start + s, passage.start + e) for s, e in found]
        fresh = [w not in shown for w in where]
        scores = [
            sum(weight for word, weight in weights.items() if in_words(word, pool)) if new else -1.0
            for pool, new in zip(held, fresh, strict=True)
        ]
        sizes = [len(passage.text[s:e].split()) for s, e in found]
        chosen = _choose(sizes, scores, budget)
        if sum(sizes) <= budget and all(fresh):  # the whole passage, in the order its sentences matter
            taken = {i for pick in chosen for i in pick.sentences}
            chosen += [_Pick(0.0, (i,), sizes[i]) for i in range(len(sizes)) if i not in taken]
        picks.append(chosen)
        shown.update(where[i] for pick in picks[-1] for i in pick.sentences)
    if total > 0:
        picks = _within_total(picks, total)
    out = []
    for passage, found, chosen in zip(passages, spans, picks, strict=True):
        keep = sorted(i for pick in chosen for i in pick.sentences)
        whole = keep == list(range(len(found)))
        out.append(passage if whole else replace(passage, text=joined_sentences(passage.text, found, keep)))
    return out


@dataclass(frozen=True)
class _Pick:
    """One step of filling a passage's budget: a sentence (with its score) and the one before it when kept."""

    score: float
    sentences: tuple[int, ...]
    words: int


def _within_total(picks: Sequence[Sequence[_Pick]], total: int) -> list[list[_Pick]]:
    """Each passage's first pick, then the best of the other picks, over all passages, while `total` lasts
    (ties: the higher-ranked passage first)."""
    kept = [list(chosen[:1]) for chosen in picks]
    used = sum(pick.words for chosen in kept for pick in chosen)
    rest = sorted(
        ((pick.score, n, j) for n, chosen in enumerate(picks) for j, pick in enumerate(chosen) if j > 0),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    for _, n, j in rest:
        pick = picks[n][j]
        if used + pick.words <= total:
            kept[n].append(pick)
            used += pick.words
    return kept


def _weights(question: Sequence[str], sentences: Sequence[set[str]]) -> dict[str, float]:
    """Each question word's inverse sentence frequency over the retrieved sentences (0 for none of them)."""
    n = len(sentences)
    weights = {}
    for word in question:
        df = sum(in_words(word, pool) for pool in sentences)
        if df:
            weights[word] = math.log(1 + n / df)
    return weights


def _choose(sizes: Sequence[int], scores: Sequence[float], budget: int) -> list[_Pick]:
    """The sentences kept, in the order chosen: the best scoring first (ties: the earlier), each with the
    sentence before it when both fit, until the budget is spent. A negative score marks a sentence already
    shown in another passage: never kept again, unless nothing else is left."""
    order = sorted((i for i, score in enumerate(scores) if score > 0), key=lambda i: (-scores[i], i))
    if not order:  # nothing shares a word: the first sentence not shown yet (or the first one)
        order = [next((i for i, score in enumerate(scores) if score >= 0), 0)]
    kept: set[int] = set()
    picks: list[_Pick] = []
    used = 0
    for i in order:
        wanted = [j for j in (i - 1, i) if j >= 0 and j not in kept and (j == i or scores[j] >= 0)]
        cost = sum(sizes[j] for j in wanted)
        if used + cost > budget:
            wanted, cost = [i] if i not in kept else [], sizes[i] if i not in kept else 0
        if not wanted or (used + cost > budget and kept):
            continue
        kept.update(wanted)
        used += cost
        picks.append(_Pick(max(scores[i], 0.0), tuple(wanted), cost))
    return picks
