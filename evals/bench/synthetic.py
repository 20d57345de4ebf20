"""A made-up news archive for measuring stores: articles, chunks and random vectors, deterministic in a seed.

No embedding model runs: each chunk's vector is a uniformly random unit vector of `dim` dimensions, so a
benchmark built on this measures the store alone (writes, disk, memory, search), never the embedder.

The text is realistic in its word statistics only: every word of a title or a chunk is drawn independently
from a unigram distribution (`Vocabulary`, counted from real text: RealTimeQA articles or `seeds/`), so
common words are as common as in news and rare ones as rare (what BM25's postings lists and IDF depend on),
but sentences mean nothing. An article has `chunks_per_article` chunks of `words_per_chunk` words, cut into
sentences of 15 words; its body is the chunk texts joined by a blank line, so `body[start:end] == text`
holds for every chunk, as the store's contract wants. Dates are uniform over `DAYS` (2019 to 2024), outlets
drawn from 50 made-up domains with Zipf weights. Chunk token counts are estimated as 4/3 of the words (the
chunking tokenizer is not run).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from rag.types import Article, Chunk

WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
FIRST_DAY = date(2019, 1, 1)
DAYS = 6 * 365 + 1  # 2019-01-01 to 2024-12-31
OUTLETS = 50
SENTENCE = 15  # words per sentence
Item = tuple[Article, list[Chunk], np.ndarray]


@dataclass(frozen=True)
class Vocabulary:
    """Words and the probability of each, most frequent first."""

    words: tuple[str, ...]
    p: np.ndarray

    def __len__(self) -> int:
        return len(self.words)


def vocabulary(texts: Iterable[str], min_count: int = 1) -> Vocabulary:
    """The lowercased words of `texts` with their relative frequencies (ties in alphabetical order)."""
    counts = Counter(w.lower() for text in texts for w in WORD.findall(text))
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    if not kept:
        raise ValueError("no words in the vocabulary's texts")
    freq = np.array([c for _, c in kept], dtype=np.float64)
    return Vocabulary(tuple(w for w, _ in kept), freq / freq.sum())


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """`n` uniformly random L2-normalised float32 vectors."""
    x = rng.standard_normal((n, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def sentences(words: list[str]) -> str:
    """Words cut into sentences of `SENTENCE` words: the first capitalised, a full stop at the end."""
    out = []
    for i in range(0, len(words), SENTENCE):
        part = words[i : i + SENTENCE]
        out.append(" ".join([part[0].capitalize(), *part[1:]]) + ".")
    return " ".join(out)


class Archive:
    """The made-up archive: `batches(n_chunks, batch_chunks)` yields `Store.write` items in a fixed order, so
    the first articles of a larger archive are those of a smaller one (same seed and batch size)."""

    def __init__(
        self,
        vocab: Vocabulary,
        *,
        seed: int = 0,
        dim: int = 384,
        chunks_per_article: int = 10,
        words_per_chunk: int = 150,
        title_words: int = 8,
    ) -> None:
        self.vocab = vocab
        self.rng = np.random.default_rng(seed)
        self.dim = dim
        self.chunks_per_article = chunks_per_article
        self.words_per_chunk = words_per_chunk
        self.title_words = title_words
        zipf = 1.0 / np.arange(1, OUTLETS + 1)
        self.outlet_cdf = np.cumsum(zipf / zipf.sum())
        self.word_cdf = np.cumsum(vocab.p)
        self.next_article = 0

    def _draw(self, cdf: np.ndarray, n: int) -> np.ndarray:
        """`n` indices drawn with the probabilities whose running sum is `cdf` (one searchsorted, no re-summing)."""
        return np.minimum(np.searchsorted(cdf, self.rng.random(n) * cdf[-1], side="right"), len(cdf) - 1)

    def _words(self, n: int) -> list[str]:
        return [self.vocab.words[i] for i in self._draw(self.word_cdf, n)]

    def article(self) -> Item:
        """The next article: metadata, its chunks and their vectors."""
        i = self.next_article
        self.next_article += 1
        words = self._words(self.title_words + self.chunks_per_article * self.words_per_chunk)
        title = " ".join(words[: self.title_words]).capitalize()
        texts = []
        for c in range(self.chunks_per_article):
            lo = self.title_words + c * self.words_per_chunk
            texts.append(sentences(words[lo : lo + self.words_per_chunk]))
        body = "\n\n".join(texts)
        day = FIRST_DAY + timedelta(days=int(self.rng.integers(DAYS)))
        outlet = f"outlet{int(self._draw(self.outlet_cdf, 1)[0]):02d}.example"
        article_id = f"syn{i:08d}"
        article = Article(
            article_id, title, body, hashlib.sha256(body.encode()).hexdigest(), "", outlet,
            f"https://{outlet}/{article_id}", day.isoformat(), "synthetic",
        )  # fmt: skip
        chunks, start = [], 0
        for position, text in enumerate(texts):
            chunks.append(Chunk(article_id, position, start, start + len(text), text, self.words_per_chunk * 4 // 3))
            start += len(text) + 2
        return article, chunks, unit_vectors(self.rng, len(chunks), self.dim)

    def batches(self, n_chunks: int, batch_chunks: int = 256) -> Iterator[list[Item]]:
        """Articles until `n_chunks` chunks (whole articles: the last may overshoot), about `batch_chunks` a batch."""
        batch: list[Item] = []
        written = size = 0
        while written < n_chunks:
            item = self.article()
            batch.append(item)
            written += len(item[1])
            size += len(item[1])
            if size >= batch_chunks:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def queries(self, n: int, words: int = 8, skip_top: int = 100) -> list[str]:
        """`n` queries of `words` words drawn by frequency from the vocabulary less its `skip_top` most
        frequent words (mostly stopwords, which a real question has but the stores drop anyway)."""
        offset = skip_top if len(self.vocab) > skip_top + words else 0
        cdf = np.cumsum(self.vocab.p[offset:])
        return [" ".join(self.vocab.words[i + offset] for i in self._draw(cdf, words)) for _ in range(n)]
