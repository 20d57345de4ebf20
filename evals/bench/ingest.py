"""The ingest section: a RealTimeQA sample through the product's own ingest path, and the embedder "levers".

Reported: articles/s, chunks/s, word pieces the model read per second, seconds by stage, coverage (the
share of the articles' word pieces that reach the model untruncated), peak memory and index bytes per
chunk (see `evals.bench`). `embed_levers` embeds the same chunk inputs with each runtime and batch size,
interleaved, so CPU contention hits them alike.
"""

from __future__ import annotations

import contextlib
import resource
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench.common import covered_span, covered_tokens, open_index_read_only, ratio, table, truncation_cut
from evals.bench.config import settings_for
from evals.bench.machine import RssPeak, cpu_seconds, load, torch_threads
from evals.bench.sample import Sample


class TimedEmbedder:
    """The product's embedder, unchanged, with the time of its `embed` calls and the texts it embedded kept."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.seconds = 0.0
        self.texts: list[str] = []

    def warm_up(self) -> None:
        self.inner.warm_up()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        out = self.inner.embed(texts)
        self.seconds += time.perf_counter() - start
        self.texts.extend(texts)
        return out


def coverage(tokenizer: Any, bodies: dict[str, str], spans: dict[str, list[tuple[int, int]]]) -> dict[str, Any]:
    """Share of the bodies' word pieces that lie in spans the model read (same tokenizer for both systems)."""
    ids = list(bodies)
    offsets = tokenizer([bodies[i] for i in ids], add_special_tokens=False, return_offsets_mapping=True)[
        "offset_mapping"
    ]
    total = covered = 0
    for article_id, spans_of in zip(ids, offsets, strict=True):
        starts = [s for s, e in spans_of if e > s]
        total += len(starts)
        covered += covered_tokens(starts, spans.get(article_id, []))
    return {"body_word_pieces": total, "covered_word_pieces": covered, "coverage": ratio(covered, total, 4)}


def ingest_ours(sample: Sample, index_dir: Path) -> tuple[dict[str, Any], Any, Any]:
    from rag import factory
    from rag.ingest import read_sources
    from rag.types import Article

    settings = settings_for(index_dir)
    embedder = factory.embedder(settings)
    t = time.perf_counter()
    embedder.warm_up()
    model_load = time.perf_counter() - t
    timed = TimedEmbedder(embedder)
    store = factory.store(settings, embedder, create=True)
    load_before = load()
    with RssPeak() as memory:
        cpu_start = cpu_seconds()
        started = time.perf_counter()
        with store.writing():
            indexer = factory.indexer(settings, store, timed)
            t = time.perf_counter()
            latest = {a.id: a.content_hash for a in read_sources([sample.path]) if isinstance(a, Article)}
            first_pass = time.perf_counter() - t
            report = indexer.ingest(read_sources([sample.path]), latest=latest)
            ingested = time.perf_counter()
        finished = time.perf_counter()
        cpu = cpu_seconds() - cpu_start
    wall = finished - started
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    counts = [min(n, embedder.max_tokens) for n in embedder.count_tokens(timed.texts)]
    tokens_read = sum(counts)
    # Coverage: what of each chunk the model read, mapped back onto the article body.
    with contextlib.closing(open_index_read_only(index_dir)) as db:
        rows = db.execute(
            'SELECT c.article_id, c.start, c."end", c.text, a.title '
            "FROM chunks c JOIN articles a ON a.id = c.article_id"
        ).fetchall()
    prefixes: dict[str, str] = {}
    inputs, meta = [], []
    for article_id, start, end, text, title in rows:
        if title not in prefixes:
            prefixes[title] = indexer.prefix_for(title)
        prefix = prefixes[title]
        inputs.append(f"{prefix}\n{text}" if prefix else text)
        meta.append((article_id, start, end, len(prefix) + 1 if prefix else 0))
    tokenizer = embedder.tokenizer
    offsets = tokenizer(inputs, add_special_tokens=True, truncation=False, return_offsets_mapping=True)[
        "offset_mapping"
    ]
    spans: dict[str, list[tuple[int, int]]] = {}
    truncated = 0
    for (article_id, start, end, prefix_chars), off in zip(meta, offsets, strict=True):
        cut = truncation_cut(off, embedder.max_tokens)
        truncated += cut is not None
        spans.setdefault(article_id, []).append(covered_span(start, end, prefix_chars, cut))
    bodies = {a: store.get_article(a).body for a in {m[0] for m in meta}}
    cover = coverage(tokenizer, bodies, spans)
    files = {p.name: p.stat().st_size for p in index_dir.iterdir() if p.is_file()}
    index_bytes = sum(files.values())
    seconds = {
        "model_load": model_load,
        "parse": first_pass + report.seconds["parse"],
        "chunk": report.seconds["chunk"],
        "embed": report.seconds["embed"],
        "encode": timed.seconds,
        "store": report.seconds["store"],
        "persist": finished - ingested,
        "wall": wall,
    }
    result = {
        "articles": report.articles,
        "chunks": report.chunks,
        "repeated": report.repeated,
        "problems": [f"{p.source}: {p.reason}" for p in report.problems],
        "embedded_inputs": len(timed.texts),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "seconds_note": "parse = both passes over the input (rag ingest reads it twice: repeated ids, then "
        "ingest); embed = the indexer's embed stage, encode = model time inside it; wall excludes model_load",
        "articles_per_s": round(report.articles / wall, 2),
        "chunks_per_s": round(report.chunks / wall, 1),
        "tokens_read": tokens_read,
        "tokens_read_per_s_model": round(tokens_read / timed.seconds, 1),
        "tokens_read_per_s_wall": round(tokens_read / wall, 1),
        "cpu_s": round(cpu, 2),
        "tokens_read_per_cpu_s": round(tokens_read / cpu, 1),
        "mean_tokens_per_input": round(tokens_read / max(1, len(counts)), 1),
        "truncated_inputs": truncated,
        **cover,
        "peak_rss_mb": round(memory.peak, 1),
        "rss_before_mb": round(memory.before, 1),
        "maxrss_mb": round(maxrss, 1),
        "index_bytes": index_bytes,
        "index_bytes_per_chunk": round(index_bytes / max(1, report.chunks), 1),
        "files": files,
        "embedder": {
            "runtime": getattr(embedder, "active_runtime", "") or "torch",
            "batch_size": getattr(embedder, "batch_size", None),
            "torch_threads": torch_threads(),
        },
        "vector_index": store.stats()["vector_index"]["kind"],
        "load": {"before": load_before, "after": load()},
    }
    return result, store, embedder


def _levers() -> list[tuple[Any, str, int]]:
    from rag.embedders.minilm import MiniLMEmbedder, MiniLMInt8Embedder

    float32 = [(MiniLMEmbedder, runtime, batch) for runtime in ("onnx", "torch") for batch in (4, 8, 16, 32)]
    return float32 + [(MiniLMInt8Embedder, "onnx", batch) for batch in (4, 8, 16)]


def embed_levers(texts: list[str], rounds: int) -> dict[str, Any]:
    """The same chunk inputs embedded by each runtime, weights and batch size, interleaved round by round."""
    from rag.embedders.minilm import MiniLMInt8Embedder

    configs: list[tuple[str, Any]] = []
    for kind, runtime, batch in _levers():
        name = f"{runtime}{' int8' if kind is MiniLMInt8Embedder else ''} bs{batch}"
        embedder = kind(batch_size=batch, runtime=runtime)
        try:
            embedder.warm_up()
        except Exception as exc:  # onnx may be unavailable; say so and go on
            configs.append((name, f"unavailable: {exc}"))
            continue
        configs.append((name, embedder))
    reference = next((e for _, e in configs if not isinstance(e, str) and e.active_runtime == "torch"), None)
    tokens = sum(min(n, 256) for n in reference.count_tokens(texts)) if reference else 0
    ref_vectors = reference.embed(texts) if reference else None
    speeds: dict[str, list[float]] = {name: [] for name, e in configs if not isinstance(e, str)}
    cosines: dict[str, float] = {}
    for _ in range(rounds):
        for name, embedder in configs:
            if isinstance(embedder, str):
                continue
            start = time.perf_counter()
            vectors = embedder.embed(texts)
            speeds[name].append(tokens / (time.perf_counter() - start))
            if ref_vectors is not None:
                cosines[name] = round(float(np.min(np.sum(vectors * ref_vectors, axis=1))), 7)
    out = {
        "texts": len(texts),
        "tokens": tokens,
        "rounds": rounds,
        "tokens_per_s": {
            k: {"median": round(float(np.median(v)), 1), "all": [round(x) for x in v]} for k, v in speeds.items()
        },
        "min_cosine_to_torch": cosines,
        "unavailable": {name: e for name, e in configs if isinstance(e, str)},
    }
    return out


def lever_texts(store: Any, embedder: Any, n: int) -> Iterator[str]:
    """`n` chunk inputs of the fresh index (title prefix included), spread over it."""
    with contextlib.closing(open_index_read_only(store.path)) as db:
        rows = db.execute(
            "SELECT a.title, c.text FROM chunks c JOIN articles a ON a.id = c.article_id ORDER BY c.id"
        ).fetchall()
    step = max(1, len(rows) // max(1, n))
    for title, text in rows[::step][:n]:
        yield f"{title}\n{text}" if title else text


def print_ingest(ours: dict[str, Any], peer: dict[str, Any] | None) -> None:
    metrics = [
        ("articles", "articles", "documents"),
        ("chunks (LlamaIndex: nodes)", "chunks", "nodes"),
        ("articles/s", "articles_per_s", None),
        ("chunks/s", "chunks_per_s", None),
        ("word pieces read by the model", "tokens_read", None),
        ("word pieces read /s of model time", "tokens_read_per_s_model", None),
        ("word pieces read /s of wall time", "tokens_read_per_s_wall", None),
        ("word pieces read /CPU-s (whole ingest)", "tokens_read_per_cpu_s", None),
        ("coverage of the articles' word pieces", "coverage", None),
        ("inputs truncated", "truncated_inputs", None),
        ("peak RSS MB", "peak_rss_mb", None),
        ("index bytes / chunk", "index_bytes_per_chunk", None),
    ]
    rows = []
    for label, key, peer_key in metrics:
        a = ours.get(key)
        b = None if peer is None else peer.get(peer_key or key)
        rows.append([label, a, b, ratio(b, a)])
    for stage in ("parse", "chunk", "embed", "store", "persist"):
        peer_stage = {"chunk": "split", "store": "index"}.get(stage, stage)
        a = ours["seconds"].get(stage)
        b = None if peer is None else peer["seconds"].get(peer_stage)
        rows.append([f"seconds: {stage}" + (f" ({peer_stage})" if peer_stage != stage else ""), a, b, ratio(b, a)])
    a = ours["seconds"]["wall"]
    b = None if peer is None else peer["seconds"]["total"]
    rows.append(["seconds: total (excl. model load)", a, b, ratio(b, a)])
    print(f"\nIngest ({ours['articles']} RealTimeQA articles; runtime {ours['embedder']['runtime']}):")
    print(table(["", "ours", "LlamaIndex", "peer/ours"], rows))
