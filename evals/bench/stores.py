"""`python -m evals.bench.stores`: the local store and Milvus Lite side by side, 10^4 to 10^6 chunks.

    python -m evals.bench.stores [--chunks 10000 100000 1000000] [--stores local milvus] [--queries 200]
                                 [--write-budget-s 900] [--max-rss-mb 7000] [--work /tmp/bench-stores]
                                 [--migrate 10000] [--out evals/results/stores.json]

What is measured is the store alone, through the `Store` protocol: **no embedding model runs**. The archive is
made up (`evals.bench.synthetic`: articles of 10 chunks of 150 words drawn from RealTimeQA's word frequencies,
dates over 2019-2024, 50 outlets) and every vector is a random unit vector of 384 dimensions (MiniLM's size).
For each store and size, in a fresh process (so peak memory is that run's own):

- write: the archive written into a new index in batches of 256 chunks (the ingest default), all inside one
  `writing()`, as `rag ingest` does; chunks/s over the write calls plus closing the block (the local store
  builds its HNSW index and saves it then), and the write seconds so far at every tenth (how the rate holds
  up as the index grows). Generating the text and vectors is not timed.
- disk: the bytes of the index folder afterwards; peak RSS of the process (`ru_maxrss`) over the whole run.
- open: a new handle opened and warmed up (`warm_up` and one search of each kind), as a service starts; for
  the local store also the postings of its in-memory BM25 index per chunk (8 bytes each).
- search: `--queries` queries (8 words by frequency, the 100 most frequent words left out; a random unit vector
  for dense), one at a time, k=10, p50/p95 ms: `dense_search`, `lexical_search` (BM25), and `hybrid` as the
  answer path runs it (`rag.retrieve.Retriever`: 50 dense and 50 BM25 candidates fused by RRF in Python and
  the top 10 fetched; its query embedding, a hashing embedder here, is subtracted); for Milvus also
  `hybrid_search` (one request, fused by Milvus's RRFRanker over 50 candidates each, the top 10 fetched).
  Each without a filter and with a date filter (published in 2023: about 1/6 of the chunks).
- budgets: a write that passes `--write-budget-s` or `--max-rss-mb` stops there and reports what it wrote
  and its rate (so a size that does not fit is shown by the measurement that stops it); a search set that
  passes `--search-budget-s` stops with the queries it timed; a case whose process passes `--max-rss-mb` + 1 GB
  (in a phase it cannot stop itself, like building an index) or `--case-timeout-s` is killed and reported.

`--migrate N` also times `rag.store.migrate.copy_index` of the local index of N chunks (N among `--chunks`)
into a new Milvus Lite index. The load average and CPU seconds are recorded with every figure: the machine
(2 cores) is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench.common import latency_ms, table
from evals.bench.config import ROOT
from evals.bench.machine import cpu_seconds, load, rss_mb
from evals.bench.synthetic import Archive, Vocabulary, unit_vectors, vocabulary

DIM = 384
K = 10
CANDIDATES = 50
BATCH_CHUNKS = 256
DATE_FILTER = ("2023-01-01", "2024-01-01")
REALTIMEQA = ROOT.parent / "shared" / "datasets" / "realtimeqa"
DEFAULT_WORK = Path("/tmp/bench-stores")


# -- the archive --------------------------------------------------------------------------------
def archive_vocabulary(source: Path | None) -> tuple[Vocabulary, str]:
    """Word frequencies of RealTimeQA's articles (words seen twice or more) when present, else of seeds/."""
    from rag.ingest import read_sources
    from rag.types import Article

    if source is None:
        source = REALTIMEQA if REALTIMEQA.exists() else ROOT / "seeds"
    files = sorted(source.glob("*_gcs.jsonl.gz")) or sorted(source.glob("*.txt"))
    texts = [f"{x.title}\n{x.body}" for x in read_sources(files) if isinstance(x, Article)]
    return vocabulary(texts, min_count=2 if len(texts) > 100 else 1), f"{source} ({len(texts)} articles)"


def index_config() -> Any:
    from rag.store.base import IndexConfig

    return IndexConfig("synthetic-random-unit-vectors", DIM, 256, "cl100k_base", 200, 40)


def open_store(kind: str, folder: Path, create: bool) -> Any:
    """A new (or the existing) local or Milvus Lite index in `folder`, with the product's default settings."""
    from rag.config import Settings

    config = index_config()
    settings = Settings()
    if kind == "local":
        from rag.store.local import LocalStore

        return LocalStore.open(
            folder, embed_model=config.embed_model, dim=DIM, create=config if create else None,
            exact_max=settings.index.exact_max_chunks,
        )  # fmt: skip
    from rag.store.milvus import MilvusStore

    return MilvusStore.open(
        str(folder / "milvus.db"), path=folder, embed_model=config.embed_model, dim=DIM,
        create=config if create else None, index_type=settings.store.index_type,
    )  # fmt: skip


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- writing ------------------------------------------------------------------------------------
def write_archive(store: Any, archive: Archive, n: int, budget_s: float, max_rss_mb: float) -> dict[str, Any]:
    """Write `n` chunks of `archive` (untimed generation, timed writes and the close of `writing()`)."""
    written = articles = 0
    write_s = 0.0
    stopped = ""
    progress: list[list[float]] = []  # [chunks written, write seconds so far] at every tenth of n
    cpu0, load0 = cpu_seconds(), load()
    with store.writing():
        for batch in archive.batches(n, BATCH_CHUNKS):
            t = time.perf_counter()
            store.write(batch)
            write_s += time.perf_counter() - t
            written += sum(len(c) for _, c, _ in batch)
            articles += len(batch)
            if written >= (len(progress) + 1) * n / 10:
                progress.append([written, round(write_s, 1)])
            if write_s > budget_s:
                stopped = f"write budget: {write_s:.0f} s > {budget_s:.0f} s after {written:,} chunks"
            elif rss_mb() > max_rss_mb:
                stopped = f"memory: RSS {rss_mb():.0f} MB > {max_rss_mb:.0f} MB after {written:,} chunks"
            if stopped:
                break
        t = time.perf_counter()
    close_s = time.perf_counter() - t  # the local store builds and saves its vector index here
    total = write_s + close_s
    return {
        "chunks": written, "articles": articles, "write_s": round(write_s, 2), "close_s": round(close_s, 2),
        "chunks_per_s": round(written / total, 1), "cpu_s": round(cpu_seconds() - cpu0, 1),
        "stopped": stopped, "load_start": load0, "load_end": load(), "progress": progress,
    }  # fmt: skip


# -- searching ----------------------------------------------------------------------------------
def timed(run: Callable[[int], float | None], n: int, budget_s: float) -> dict[str, Any]:
    """Latency of `run(i)` for i < n after up to 5 warm-up calls (one when it takes over a second: Milvus Lite's
    BM25 at 10^5); `run` returns seconds to subtract (or None)."""
    for i in range(min(5, n)):
        t = time.perf_counter()
        run(i)
        if time.perf_counter() - t > 1.0:
            break
    seconds: list[float] = []
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        less = run(i) or 0.0
        seconds.append(time.perf_counter() - t - less)
        if time.perf_counter() - started > budget_s:
            break
    return latency_ms(seconds) | {"load": load()}


def search_sets(store: Any, kind: str, queries: list[str], vectors: np.ndarray) -> dict[str, Callable[..., Any]]:
    """Each kind of search as `fn(i, filters)`, returning seconds to leave out of its time."""
    from rag.embedders.hashing import HashEmbedder
    from rag.retrieve import RetrievalParams, Retriever

    retriever = Retriever(store, HashEmbedder(dim=DIM), RetrievalParams(candidates=CANDIDATES))

    def hybrid(i: int, filters: Any) -> float:
        retriever.retrieve(queries[i], K, filters)
        return retriever.last_timings.get("embed", 0.0)

    def dense(i: int, filters: Any) -> None:
        store.dense_search(vectors[i], K, filters)

    def bm25(i: int, filters: Any) -> None:
        store.lexical_search(queries[i], K, filters)

    sets: dict[str, Callable[..., Any]] = {"dense": dense, "bm25": bm25, "hybrid": hybrid}
    if kind == "milvus":

        def milvus_hybrid(i: int, filters: Any) -> None:
            hits = store.hybrid_search(queries[i], vectors[i], CANDIDATES, filters)
            store.chunks([r for r, _ in hits[:K]])

        sets["milvus_hybrid_search"] = milvus_hybrid
    return sets


def measure_search(store: Any, kind: str, archive: Archive, n_queries: int, budget_s: float) -> dict[str, Any]:
    from rag.types import Filters

    queries = archive.queries(n_queries)
    vectors = unit_vectors(np.random.default_rng(1), n_queries, DIM)
    out: dict[str, Any] = {}
    for name, fn in search_sets(store, kind, queries, vectors).items():
        for label, filters in (("", Filters()), ("+date", Filters(*DATE_FILTER))):
            out[name + label] = timed(lambda i, fn=fn, f=filters: fn(i, f), n_queries, budget_s)
            print(f"    {name + label}: {json.dumps(out[name + label])}", file=sys.stderr, flush=True)
    return out


def bm25_postings(store: Any) -> int:
    """Postings (chunk, term) of the local store's in-memory BM25 index: 8 bytes each (int32 row, float32
    weight), the size a sparse inverted index of the same text has too."""
    lexicon = store.lexical.snapshot(store.generation())
    return int(sum(run.docs.size for run in lexicon.runs))


def open_and_warm(kind: str, folder: Path, archive: Archive) -> tuple[Any, float]:
    """A new handle, warmed up as a service would be (warm_up and one search of each kind); its seconds."""
    t = time.perf_counter()
    store = open_store(kind, folder, create=False)
    store.warm_up()
    store.dense_search(unit_vectors(np.random.default_rng(2), 1, DIM)[0], K)
    store.lexical_search(archive.queries(1)[0], K)
    store.lexical_search(archive.queries(1)[0], K)  # the local store builds its in-memory BM25 on the second
    return store, time.perf_counter() - t


# -- one case, in its own process ---------------------------------------------------------------
def run_case(kind: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    vocab, source = archive_vocabulary(args.vocab)
    folder = args.work / f"{kind}-{n}"
    archive = Archive(vocab, seed=args.seed, dim=DIM)
    row: dict[str, Any] = {"store": kind, "target_chunks": n, "vocabulary": f"{len(vocab):,} words from {source}"}
    if args.reuse and folder.exists():  # search only, in the index a killed or --keep run left
        store = open_store(kind, folder, create=False)
        row["write"] = {"reused": str(folder), "chunks": store.counts()["chunks"], "chunks_per_s": None}
        row["write"] |= {"load_start": load(), "load_end": load()}  # queries: the same distribution, another draw
    else:
        shutil.rmtree(folder, ignore_errors=True)
        store = open_store(kind, folder, create=True)
        row["write"] = write_archive(store, archive, n, args.write_budget_s, args.max_rss_mb)
    store.close()
    row["disk_bytes"] = folder_bytes(folder)
    row["disk_bytes_per_chunk"] = round(row["disk_bytes"] / max(1, row["write"]["chunks"]))
    print(f"  {kind} {n:,}: {json.dumps(row['write'])}", file=sys.stderr, flush=True)
    store, open_s = open_and_warm(kind, folder, archive)
    row["open_warm_s"] = round(open_s, 2)
    if kind == "local":
        row["bm25_postings_per_chunk"] = round(bm25_postings(store) / max(1, row["write"]["chunks"]), 1)
    row["search"] = measure_search(store, kind, archive, args.queries, args.search_budget_s)
    store.close()
    row["peak_rss_mb"] = round(peak_rss_mb())
    if not args.keep and not (kind == "local" and n == args.migrate):
        shutil.rmtree(folder, ignore_errors=True)
    return row


def run_migrate(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """`copy_index` of the local index of `n` chunks (kept by its case) into a new Milvus Lite index."""
    from rag.store.migrate import copy_index

    source = open_store("local", args.work / f"local-{n}", create=False)
    target_folder = args.work / f"migrate-{n}"
    shutil.rmtree(target_folder, ignore_errors=True)
    target = open_store("milvus", target_folder, create=True)
    cpu0, load0, t = cpu_seconds(), load(), time.perf_counter()
    report = copy_index(source, target)
    seconds = time.perf_counter() - t
    row = {
        "store": "migrate local->milvus", "chunks": report.source.get("chunks", 0), "copied_articles": report.copied,
        "matches": report.matches, "seconds": round(seconds, 1), "cpu_s": round(cpu_seconds() - cpu0, 1),
        "chunks_per_s": round(report.source.get("chunks", 0) / seconds, 1), "load_start": load0, "load_end": load(),
        "peak_rss_mb": round(peak_rss_mb()),
    }  # fmt: skip
    source.close()
    target.close()
    if not args.keep:
        shutil.rmtree(target_folder, ignore_errors=True)
    return row


def in_subprocess(case: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Run one case (`--case KIND N`) in a fresh interpreter; its JSON row, or an error row."""
    out = args.work / f"case-{'-'.join(case)}.json"
    cmd = [sys.executable, "-m", "evals.bench.stores", "--case", *case, "--case-out", str(out)]
    cmd += ["--work", str(args.work), "--queries", str(args.queries), "--seed", str(args.seed)]
    cmd += ["--write-budget-s", str(args.write_budget_s), "--search-budget-s", str(args.search_budget_s)]
    cmd += ["--max-rss-mb", str(args.max_rss_mb)] + (["--keep"] if args.keep else [])
    cmd += ["--reuse"] if args.reuse else []
    cmd += ["--migrate", str(args.migrate)] if args.migrate else []
    cmd += ["--vocab", str(args.vocab)] if args.vocab else []
    started = time.perf_counter()
    watch = watched(subprocess.Popen(cmd, cwd=ROOT), args.max_rss_mb + 1000, args.case_timeout_s)
    if watch["killed"] or watch["exit"] != 0 or not out.exists():
        return {"store": case[0], "target_chunks": int(case[1]), "error": watch["killed"] or f"exit {watch['exit']}",
                "seconds": round(time.perf_counter() - started), "peak_rss_mb": watch["peak_rss_mb"],
                "load": load()}  # fmt: skip
    return dict(json.loads(out.read_text()))


def process_rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def watched(child: subprocess.Popen[bytes], max_rss_mb: float, timeout_s: float) -> dict[str, Any]:
    """Wait for `child`, killing it when its resident memory passes `max_rss_mb` or it runs past `timeout_s`
    (the guard for phases the case cannot stop itself: the local store's HNSW build, BM25 build, searches)."""
    started, peak, killed = time.perf_counter(), 0.0, ""
    while child.poll() is None:
        peak = max(peak, process_rss_mb(child.pid))
        elapsed = time.perf_counter() - started
        if peak > max_rss_mb or elapsed > timeout_s:
            what = (
                f"RSS {peak:.0f} MB > {max_rss_mb:.0f} MB"
                if peak > max_rss_mb
                else f"{elapsed:.0f} s > {timeout_s:.0f} s"
            )
            killed = f"killed after {elapsed:.0f} s: {what}"
            child.kill()
            child.wait()
            break
        time.sleep(1.0)
    return {"exit": child.returncode, "killed": killed, "peak_rss_mb": round(peak)}


# -- the table ----------------------------------------------------------------------------------
def summary_rows(results: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for r in results:
        if "write" not in r:
            continue
        w, s = r["write"], r["search"]

        def p(name: str, s: dict[str, Any] = s) -> str:
            x = s.get(name)
            return "-" if x is None else f"{x['p50_ms']:.1f}/{x['p95_ms']:.1f}"

        rows.append([
            r["store"], w["chunks"], w["chunks_per_s"], round(r["disk_bytes"] / 2**20), r["disk_bytes_per_chunk"],
            r["peak_rss_mb"], r["open_warm_s"], p("dense"), p("dense+date"), p("bm25"), p("bm25+date"),
            p("hybrid"), p("hybrid+date"), p("milvus_hybrid_search"), p("milvus_hybrid_search+date"),
            f"{w['load_start'][0]}-{w['load_end'][0]}",
        ])  # fmt: skip
    return rows


HEADERS = [
    "store", "chunks", "write chunks/s", "disk MB", "disk B/chunk", "peak RSS MB", "open+warm s",
    "dense p50/p95 ms", "dense+date", "BM25", "BM25+date", "hybrid (retriever)", "hybrid+date",
    "Milvus hybrid_search", "hybrid_search+date", "load 1m (write)",
]  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--stores", nargs="+", default=["local", "milvus"], choices=["local", "milvus"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocab", type=Path, default=None, help="folder of *_gcs.jsonl.gz or *.txt for the words")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where the indexes are built")
    parser.add_argument("--write-budget-s", type=float, default=900.0, help="stop a write after this long")
    parser.add_argument("--search-budget-s", type=float, default=60.0, help="stop a search set after this long")
    parser.add_argument(
        "--max-rss-mb", type=float, default=7000.0, help="stop a write above this resident memory (kill at +1000)"
    )
    parser.add_argument("--case-timeout-s", type=float, default=3600.0, help="kill a case that runs longer")
    parser.add_argument(
        "--migrate", type=int, default=0, metavar="N", help="also time migrating the local index of N chunks"
    )
    parser.add_argument("--keep", action="store_true", help="keep the indexes in --work")
    parser.add_argument("--reuse", action="store_true", help="search the index already in --work, if any")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--case", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--case-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.case:
        kind, n = args.case[0], int(args.case[1])
        row = run_migrate(n, args) if kind == "migrate" else run_case(kind, n, args)
        args.case_out.write_text(json.dumps(row, indent=2) + "\n")
        return 0
    machine = {"cpu_count": os.cpu_count(), "load_start": load()}
    print(f"{os.cpu_count()} cores, load {machine['load_start']}; no embedding model: random unit vectors", flush=True)
    results: list[dict[str, Any]] = []
    for n in sorted(args.chunks):
        for kind in args.stores:
            results.append(in_subprocess([kind, str(n)], args))
            print(json.dumps({k: v for k, v in results[-1].items() if k != "search"}), flush=True)
            if args.out:
                args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    if args.migrate in args.chunks and "local" in args.stores:
        results.append(in_subprocess(["migrate", str(args.migrate)], args))
        print(json.dumps(results[-1]), flush=True)
        shutil.rmtree(args.work / f"local-{args.migrate}", ignore_errors=True)
    machine["load_end"] = load()
    print()
    print(table(HEADERS, summary_rows(results)))
    for r in results:
        if r.get("write", {}).get("stopped") or "error" in r:
            print(f"* {r['store']} {r['target_chunks']:,}: {r.get('error') or r['write']['stopped']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
