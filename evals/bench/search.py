"""The search section: whole-path latency (`Retriever.search`, k=10) at about 10^3, 10^4 and 10^5 chunks.

Collections are whole real articles of an index, then made-up copies of them (see `evals.bench`), built
through `LocalStore.write` and cached (they are deterministic in the seed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench.common import drop_words, latency_ms, open_index_read_only, table
from evals.bench.config import NOISE, K, settings_for
from evals.bench.machine import load
from evals.bench.vectors import perturb
from evals.suite.datasets.realtimeqa import load_questions


def source_rows(source: Path) -> tuple[list[tuple], dict[str, list[tuple]], dict[str, Any]]:
    db = open_index_read_only(source)
    try:
        articles = db.execute(
            "SELECT id, title, body, content_hash, byline, outlet, url, published_at, source FROM articles ORDER BY id"
        ).fetchall()
        chunks: dict[str, list[tuple]] = {}
        for row in db.execute(
            'SELECT article_id, position, start, "end", n_tokens, text, embedding FROM chunks '
            "ORDER BY article_id, position"
        ):
            chunks.setdefault(row[0], []).append(row[1:])
    finally:
        db.close()
    manifest = json.loads((source / "manifest.json").read_text())
    return articles, chunks, manifest


def build_collection(source: Path, n: int, dest: Path, seed: int) -> dict[str, Any]:
    """About `n` chunks: whole real articles of `source` in a seeded order, then made-up copies (see module doc)."""
    from rag.store.local import LocalStore
    from rag.store.manifest import config_from_manifest
    from rag.types import Article, Chunk

    info_path = dest / "bench_collection.json"
    src_manifest = json.loads((source / "manifest.json").read_text())
    wanted = {
        "source": str(source),
        "source_generation": src_manifest.get("vector_index", {}).get("generation"),
        "source_chunks": src_manifest.get("counts", {}).get("chunks"),
        "n": n,
        "seed": seed,
        "noise": NOISE,
        "copy_text": "every 7th word dropped (offset = copy number)",
    }
    try:
        info = json.loads(info_path.read_text())
        if {k: info.get(k) for k in wanted} == wanted:
            return info
    except (OSError, ValueError):
        pass
    shutil.rmtree(dest, ignore_errors=True)
    articles, chunks, manifest = source_rows(source)
    config = config_from_manifest(manifest, source / "manifest.json")
    rng = np.random.default_rng(seed)
    order = [a for a in (articles[i] for i in rng.permutation(len(articles))) if chunks.get(a[0])]
    started = time.perf_counter()
    store = LocalStore.open(dest, embed_model=config.embed_model, dim=config.dim, create=config)
    count = real = synthetic = 0
    batch: list[tuple[Article, list[Chunk], np.ndarray]] = []
    with store.writing():

        def flush() -> None:
            if batch:
                store.write(batch)
                batch.clear()

        copy = 0
        while count < n and order:
            for row in order:
                if count >= n:
                    break
                rows = chunks[row[0]]
                vectors = np.frombuffer(b"".join(r[5] for r in rows), dtype=np.float32).reshape(len(rows), -1)
                if copy == 0:
                    article = Article(*row)
                    items = [Chunk(row[0], r[0], r[1], r[2], r[4], r[3]) for r in rows]
                    real += len(items)
                else:
                    texts = [drop_words(r[4], copy) for r in rows]
                    body = "\n".join(texts)
                    article_id = f"{row[0]}~{copy}"
                    digest = hashlib.sha256(body.encode()).hexdigest()
                    article = Article(article_id, row[1], body, digest, *row[4:8], source=f"bench copy {copy}")
                    items, pos = [], 0
                    for i, (r, text) in enumerate(zip(rows, texts, strict=True)):
                        items.append(Chunk(article_id, i, pos, pos + len(text), text, r[3]))
                        pos += len(text) + 1
                    vectors = perturb(vectors, NOISE, rng)
                    synthetic += len(items)
                batch.append((article, items, vectors))
                count += len(items)
                if len(batch) >= 200:
                    flush()
            flush()
            copy += 1
    kind = store.stats()["vector_index"]["kind"]
    store.close()
    info = {
        **wanted,
        "chunks": count,
        "real_chunks": real,
        "synthetic_chunks": synthetic,
        "vector_index": kind,
        "build_s": round(time.perf_counter() - started, 1),
        "bytes": sum(p.stat().st_size for p in dest.iterdir() if p.is_file()),
    }
    info_path.write_text(json.dumps(info, indent=2))
    return info


def search_latency(collection: Path, queries: list[str], embedder: Any) -> dict[str, Any]:
    from rag import factory

    settings = settings_for(collection)
    store = factory.store(settings, embedder)
    retriever = factory.retriever(settings, store, embedder)
    warm_up: list[float] = []
    for q in queries[:5]:  # the first goes to FTS5, the second builds the in-memory BM25 index (rag.store)
        t = time.perf_counter()
        retriever.search(q, k=K)
        warm_up.append(time.perf_counter() - t)
    build = dict(store.lexical.last_sync) if hasattr(store, "lexical") else {}
    whole: list[float] = []
    stages: dict[str, list[float]] = {}
    load_before = load()
    for q in queries:
        t = time.perf_counter()
        retriever.search(q, k=K)
        whole.append(time.perf_counter() - t)
        for stage, seconds in retriever.last_timings.items():
            stages.setdefault(stage, []).append(seconds)
    result = {
        "whole": latency_ms(whole),
        "stages": {s: latency_ms(v) for s, v in stages.items()},
        "vector_index": store.stats()["vector_index"]["kind"],
        "chunks": store.counts()["chunks"],
        "load": {"before": load_before, "after": load()},
        "warm_up_ms": [round(x * 1000, 1) for x in warm_up],
        "bm25_index_build_s": round(build["seconds"], 2) if build else None,
    }
    store.close()
    return result


def run_search(args: argparse.Namespace) -> dict[str, Any]:
    from rag import factory

    questions = load_questions(args.data)
    rng = np.random.default_rng(args.seed)
    picked = [questions[i].question for i in rng.permutation(len(questions))[: args.queries]]
    embedder = factory.embedder(settings_for(args.index))
    embedder.warm_up()
    out: dict[str, Any] = {
        "k": K,
        "queries": len(picked),
        "source": str(args.index),
        "synthesis": "above the real chunks: copies of real articles, each chunk's text without every 7th word "
        f"(offset = copy number) and its vector plus N(0, {NOISE}^2) per coordinate, renormalised",
        "sizes": {},
    }
    for n in args.sizes:
        dest = args.collections / f"rtqa-{n}-seed{args.seed}"
        print(f"  search: collection of {n} chunks ...", file=sys.stderr, flush=True)
        info = build_collection(args.index, n, dest, args.seed)
        result = search_latency(dest, picked, embedder)
        result["collection"] = info
        out["sizes"][str(n)] = result
    return out


def print_search(search: dict[str, Any]) -> None:
    rows = []
    for n, r in search["sizes"].items():
        s = r["stages"]
        rows.append(
            [
                n,
                r["chunks"],
                r["collection"]["synthetic_chunks"],
                r["vector_index"],
                r["whole"]["p50_ms"],
                r["whole"]["p95_ms"],
                *(s.get(stage, {}).get("p50_ms") for stage in ("embed", "vector", "bm25", "fuse")),
            ]
        )
    print("\nSearch latency, whole path, k=10 (ms; stages are p50):")
    print(
        table(["size", "chunks", "synthetic", "index", "p50", "p95", "embed", "vector", "bm25", "fusion+fetch"], rows)
    )
    builds = {n: r.get("bm25_index_build_s") for n, r in search["sizes"].items()}
    if any(v is not None for v in builds.values()):
        print(
            "In-memory BM25 index built during warm-up (a process's first search goes to FTS5, the second builds "
            "it), seconds: " + ", ".join(f"{n}: {v}" for n, v in builds.items())
        )
