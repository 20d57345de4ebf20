"""A deterministic, model-free embedder for tests: words hashed into a fixed-size space.

Each word contributes a unit vector seeded from the SHA-256 of the lower-cased word, so texts that
share words are similar, and retrieval tests behave like retrieval without loading any model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from rag.text import TOKEN, tokens


@lru_cache(maxsize=65536)
def _word_vector(word: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


class HashEmbedder:
    """Bag of hashed words; `count_tokens` counts words plus two special tokens, like a BERT tokenizer."""

    name = "fake-hash"

    def __init__(self, dim: int = 64, max_tokens: int = 256, **_options: object) -> None:
        # Options meant for real models (batch_size, threads) do not apply here.
        self.dim = dim
        self.max_tokens = max_tokens

    def warm_up(self) -> None:
        pass

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(TOKEN.findall(t)) + 2 for t in texts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = tokens(text)
            if len(words) + 2 > self.max_tokens:
                raise ValueError(f"text of {len(words) + 2} tokens exceeds max_tokens={self.max_tokens}")
            for w in words:
                out[i] += _word_vector(w, self.dim)
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else _word_vector("", self.dim)
        return out
