"""`python -m evals.bench.ray_ingest`: ingest throughput of the local path and of Ray with 1 and 2 workers.

The same input for each (the first `--articles` distinct articles of the RealTimeQA `_gcs` files, written
to one .jsonl file), each into a new empty index with the configured embedder (all-MiniLM-L6-v2 unless
RAG_EMBED__MODEL says otherwise). Wall time counts everything a user waits for: the model load, and for
Ray the start of a local Ray and of its workers. Ray workers embed with one thread each; the local path
uses the embedder's default (every core). Prints a table and writes JSON (`--out`); the CPU model, core
count and load average are recorded, since the figures mean little without them, and so are the CPU seconds
of the run and every process it started (Ray's raylet and workers; `machine.TreeCpu`): the work done, where
wall time on a shared machine also counts the waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from evals.bench.config import ROOT, settings_for
from evals.bench.machine import TreeCpu, load

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "realtimeqa"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def write_sample(data: Path, n: int, out: Path) -> int:
    """The first `n` distinct articles of the `_gcs` files, as JSONL records; how many were written."""
    from rag.ingest import read_sources
    from rag.types import Article

    written = 0
    with out.open("w") as f:
        for item in read_sources(sorted(data.glob("*_gcs.jsonl.gz"))):
            if not isinstance(item, Article):
                continue
            record = {"id": item.id, "title": item.title, "text": item.body, "url": item.url}
            record |= {"outlet": item.outlet, "published_at": item.published_at, "authors": item.byline}
            f.write(json.dumps(record) + "\n")
            written += 1
            if written == n:
                break
    return written


def run_local(sample: Path, index_dir: Path) -> dict[str, Any]:
    from rag import factory

    settings = settings_for(index_dir)
    started = time.perf_counter()
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder, create=True)
    from rag.ingest import read_sources

    with store.writing():
        embedder.warm_up()
        report = factory.indexer(settings, store, embedder).ingest(read_sources([sample]))
    store.close()
    return {"report": report, "wall_s": time.perf_counter() - started}


def run_ray(sample: Path, index_dir: Path, workers: int) -> dict[str, Any]:
    from rag import factory
    from rag.ray_ingest import RayOptions, ingest_with_ray, ray_session

    settings = settings_for(index_dir)
    started = time.perf_counter()
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder, create=True)
    options = RayOptions(workers=workers, batch_chunks=settings.ingest.batch_chunks)
    with store.writing(), ray_session(workers):
        report = ingest_with_ray([sample], store, factory.embedder_factory(settings, threads=1), options)
    store.close()
    return {"report": report, "wall_s": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of RealTimeQA *_gcs.jsonl.gz")
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--engines", default="local,ray1,ray2", help="comma-separated: local, ray1, ray2, rayN")
    args = parser.parse_args(argv)
    machine = {"cpu_model": cpu_model(), "cpu_count": os.cpu_count(), "load_start": load()}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        sample = Path(tmp) / "sample.jsonl"
        n = write_sample(args.data, args.articles, sample)
        for engine in args.engines.split(","):
            index_dir = Path(tmp) / f"index-{engine}"
            with TreeCpu() as cpu:
                if engine == "local":
                    result = run_local(sample, index_dir)
                else:
                    result = run_ray(sample, index_dir, int(engine.removeprefix("ray")))
            report, wall = result["report"], result["wall_s"]
            rows.append(
                {
                    "engine": engine,
                    "articles": report.new,
                    "chunks": report.chunks,
                    "problems": len(report.problems),
                    "wall_s": round(wall, 2),
                    "articles_per_s": round(report.new / wall, 2),
                    "chunks_per_s": round(report.chunks / wall, 2),
                    "cpu_s": round(cpu.seconds, 1),
                    "chunks_per_cpu_s": round(report.chunks / cpu.seconds, 2) if cpu.seconds else None,
                    "load": load(),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    machine["load_end"] = load()
    print(f"\n{n} articles; {machine['cpu_model']}, {machine['cpu_count']} cores; load {machine['load_start']}")
    print(
        f"{'engine':8} {'articles':>8} {'chunks':>7} {'wall s':>7} {'articles/s':>10} {'chunks/s':>9} {'CPU s':>7} load"
    )
    for r in rows:
        print(
            f"{r['engine']:8} {r['articles']:>8} {r['chunks']:>7} {r['wall_s']:>7} "
            f"{r['articles_per_s']:>10} {r['chunks_per_s']:>9} {r['cpu_s']:>7} {r['load'][0]}"
        )
    if args.out:
        args.out.write_text(json.dumps({"machine": machine, "sample_articles": n, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
