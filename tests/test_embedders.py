"""Embedder contract: the real model and the fake both meet it."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embed import DEFAULT_MODEL, Embedder, available, load_embedder
from rag.errors import InputError


@pytest.fixture(
    scope="module",
    params=["fake-hash", pytest.param(DEFAULT_MODEL, marks=pytest.mark.slow)],
)
def any_embedder(request: pytest.FixtureRequest) -> Embedder:
    embedder = load_embedder(request.param)
    embedder.warm_up()
    return embedder


def test_contract(any_embedder: Embedder) -> None:
    assert isinstance(any_embedder, Embedder)
    texts = ["Defense Minister Guido Crosetto confirmed the refusal.", "Crosetto confirmed it.", "Recipe: bake bread."]
    vectors = any_embedder.embed(texts)
    assert vectors.shape == (3, any_embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert np.allclose(any_embedder.embed(texts[:1]), vectors[:1], atol=1e-5)  # batch-independent
    assert any_embedder.embed([]).shape == (0, any_embedder.dim)


def test_count_tokens_includes_special_tokens(any_embedder: Embedder) -> None:
    short, longer = any_embedder.count_tokens(["hello world", "hello world " * 100])
    assert short == 4  # [CLS] hello world [SEP]
    assert longer == 202  # counted in full, never truncated at max_tokens


def test_registry() -> None:
    assert {DEFAULT_MODEL, "fake-hash"} <= set(available())
    with pytest.raises(InputError, match="unknown embedding model 'nope'"):
        load_embedder("nope")


@pytest.mark.slow
def test_minilm_is_the_model_the_design_names() -> None:
    embedder = load_embedder(DEFAULT_MODEL)
    assert (embedder.dim, embedder.max_tokens) == (384, 256)
