"""Flat versus HNSW versus IVF vector search at several collection sizes, to justify `exact_max_chunks` and efSearch.

    python -m evals.bench.vectors [--sizes 1000 10000 100000 300000] [--queries 200] [--store /tmp/rtqa]
                                  [--out results.json] [--threads 0 1] [--include-slow] [--no-ivf] [--nprobe 1 4 16]

Measures what the product runs: `rag.store.vectors.VectorIndex` with its default HNSW settings (M=32,
efConstruction=80, efSearch=96), vectors added in batches of 8192 as `LocalStore` rebuilds them, one
query at a time with k=10 as the service searches. For each size and kind: build time, save time and
bytes of the saved file, single-query latency p50/p95, and recall@10 of HNSW against flat's exact top 10;
for HNSW also recall and p50 at efSearch 32/64/96/128. IVF (`faiss.IndexIVFFlat`, inner product, not in the
product: it needs training and cannot delete in place behind an id map) is built with nlist = 4·sqrt(n) lists,
trained on the collection itself (k-means, FAISS defaults), and swept over nprobe; its searches run on one
thread, as the product runs every single query.

Vectors are 384-dim and L2-normalised. With `--store PATH` they are real MiniLM chunk embeddings read
(read-only) from PATH/store.sqlite; when a size needs more vectors than the store holds, the rest are
made by adding Gaussian noise (per-coordinate sigma `--noise`, then renormalising) to randomly chosen real
vectors, and the output says how many were synthetic. Queries are real vectors held out of the index.
Without `--store` the vectors and queries are uniformly random unit vectors: they have no cluster
structure, which is the hard case for HNSW (neighbours are barely closer than anything else), so their
recall is a lower bound on what real embeddings get.

Search latency is timed with FAISS's default OpenMP threads (what the product runs) and with 1 thread
(`--threads`): on a busy machine a single query's parallel region waits for a second core and costs
milliseconds. Builds use the default threads. The load average is recorded at the start and the end; when
the machine is loaded (1-minute load above half the cores) each latency is measured in 2 rounds (`--rounds`)
and the round with the lower p50 is reported, every round kept in the JSON. HNSW builds whose time,
extrapolated from the largest size built so far, exceeds `--hnsw-build-budget-s` are skipped with a note
unless `--include-slow` is given.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from evals.bench.common import open_index_read_only
from rag.store.vectors import VectorIndex, single_thread

DIM = 384
K = 10
EF_SWEEP = (32, 64, 96, 128)
NPROBE_SWEEP = (1, 4, 8, 16, 32, 64)
BATCH = 8192  # LocalStore._rebuild_vectors adds in batches of this size
DEFAULT_SIZES = (1_000, 10_000, 100_000, 300_000)


# -- vectors ------------------------------------------------------------------------------------
def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return np.ascontiguousarray(x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12))


def load_real(store: Path, limit: int) -> np.ndarray:
    """Up to `limit` chunk embeddings from a built index folder (read-only: a writer may be active)."""
    db = open_index_read_only(store)
    try:
        rows = db.execute("SELECT embedding FROM chunks ORDER BY id LIMIT ?", (limit,)).fetchall()
    finally:
        db.close()
    blob = b"".join(r[0] for r in rows)
    return normalise(np.frombuffer(blob, dtype=np.float32).reshape(-1, DIM))


def perturb(seeds: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Made-up vectors near real ones: Gaussian noise (per-coordinate sigma `noise`) added, then renormalised."""
    return normalise(seeds + rng.normal(0.0, noise, size=seeds.shape).astype(np.float32))


def nn_cosine(vectors: np.ndarray, sample: int, rng: np.random.Generator) -> float:
    """Median cosine of a sample of vectors to their nearest other vector (how clustered the data is)."""
    pick = rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)
    sims = vectors[pick] @ vectors.T
    sims[np.arange(len(pick)), pick] = -np.inf
    return float(np.median(sims.max(axis=1)))


class Corpus:
    """Index vectors (a growing prefix serves every size) and held-out query vectors."""

    def __init__(self, args: argparse.Namespace, rng: np.random.Generator) -> None:
        need = max(args.sizes)
        self.info: dict[str, object] = {}
        if args.store is None:
            self.source = "random"
            self.queries = normalise(rng.standard_normal((args.queries, DIM), dtype=np.float32))
            self.base = normalise(rng.standard_normal((need, DIM), dtype=np.float32))
            self.n_real = 0
            self.info["note"] = "uniformly random unit vectors: the hard case for HNSW (no cluster structure)"
            return
        self.source = f"real:{args.store}"
        real = load_real(args.store, need + args.queries)
        if len(real) < args.queries + K:
            raise SystemExit(f"{args.store} holds only {len(real)} vectors; need more than {args.queries + K}")
        real = real[rng.permutation(len(real))]
        self.queries, pool = real[: args.queries], real[args.queries :]
        self.n_real = len(pool)
        extra = max(0, need - len(pool))
        if extra:
            seeds = pool[rng.integers(0, len(pool), size=extra)]
            fake = perturb(seeds, args.noise, rng)
            self.base = np.vstack([pool, fake])
            cos = np.einsum("ij,ij->i", seeds[:2000], fake[:2000])
            self.info["synthetic_cosine_to_seed_median"] = float(np.median(cos))
        else:
            self.base = pool
        self.info["real_vectors_in_pool"] = self.n_real
        self.info["noise_sigma_per_coordinate"] = args.noise
        self.info["real_nn_cosine_median"] = nn_cosine(pool, 500, rng)

    def synthetic_in(self, n: int) -> int:
        return max(0, n - self.n_real) if self.source != "random" else n


# -- measurements -------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p))


def build(kind: str, vectors: np.ndarray) -> tuple[VectorIndex, float]:
    index = VectorIndex(DIM, kind)
    ids = np.arange(len(vectors), dtype=np.int64)
    start = time.perf_counter()
    for lo in range(0, len(vectors), BATCH):
        index.add(ids[lo : lo + BATCH], vectors[lo : lo + BATCH])
    return index, time.perf_counter() - start


class IVFIndex:
    """`faiss.IndexIVFFlat` behind the `search(query, k)` that `search_all` calls, one thread per query."""

    def __init__(self, vectors: np.ndarray, nlist: int) -> None:
        self.nlist = nlist
        self.index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        self.index.train(vectors)
        self.index.add(vectors)  # ids 0..n-1, as `build` gives the other kinds

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        with single_thread():
            scores, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, DIM), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def file_bytes(self) -> int:
        return int(faiss.serialize_index(self.index).size)


def ivf_nlist(n: int) -> int:
    """4·sqrt(n) inverted lists (the FAISS guidelines' 4-16·sqrt(n)), at most n/39 so k-means has data to fit."""
    return max(1, min(round(4 * math.sqrt(n)), n // 39 or 1))


def build_ivf(vectors: np.ndarray) -> tuple[IVFIndex, float]:
    start = time.perf_counter()
    index = IVFIndex(vectors, ivf_nlist(len(vectors)))
    return index, time.perf_counter() - start


def save_stats(index: VectorIndex) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.npz"
        start = time.perf_counter()
        index.save(path)
        saved = time.perf_counter() - start
        size = path.stat().st_size
        start = time.perf_counter()
        VectorIndex.load(path)
        loaded = time.perf_counter() - start
    return {"file_bytes": size, "save_s": round(saved, 3), "load_s": round(loaded, 3)}


def search_all(index: VectorIndex, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    """Latencies (ms) and top-k ids, one query at a time; a few warm-up searches first."""
    for q in queries[:5]:
        index.search(q, K)
    times, found = [], np.full((len(queries), K), -1, dtype=np.int64)
    for i, q in enumerate(queries):
        start = time.perf_counter()
        _scores, ids = index.search(q, K)
        times.append((time.perf_counter() - start) * 1000)
        found[i, : len(ids)] = ids
    return times, found


def latency(
    index: VectorIndex, queries: np.ndarray, rounds: int, threads: list[int], default_threads: int
) -> tuple[dict[str, object], np.ndarray]:
    """p50/p95 per FAISS thread setting (best round by p50; every round kept) and the ids found."""
    out: dict[str, object] = {}
    found = np.zeros(0)
    for n_threads in threads:
        faiss.omp_set_num_threads(n_threads or default_threads)
        runs = []
        for _ in range(rounds):
            times, found = search_all(index, queries)
            runs.append({"p50_ms": round(percentile(times, 50), 3), "p95_ms": round(percentile(times, 95), 3)})
        best = min(runs, key=lambda r: r["p50_ms"])
        out[thread_key(n_threads, default_threads)] = {**best, "rounds": runs}
    faiss.omp_set_num_threads(default_threads)
    return out, found


def thread_key(n_threads: int, default_threads: int) -> str:
    return f"default({default_threads})" if n_threads == 0 else str(n_threads)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(e[e >= 0])) / K for f, e in zip(found, exact, strict=True)]))


def hnsw_build_estimate(measured: tuple[int, float] | None, n: int) -> float | None:
    """Extrapolate HNSW build time from the largest size built so far (roughly n log n)."""
    if measured is None:
        return None
    n0, t0 = measured
    return t0 * (n / n0) * (math.log(n) / math.log(n0))


def load_average() -> dict[str, object]:
    try:
        text = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        text = ""
    return {"uptime": text, "loadavg_1m": round(os.getloadavg()[0], 2)}


# -- main ---------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--store", type=Path, help="a built index folder whose store.sqlite supplies real vectors")
    parser.add_argument("--noise", type=float, default=0.05, help="per-coordinate sigma for synthetic vectors")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--rounds", type=int, default=0, help="latency rounds per measurement (0: 2 if the machine is loaded, else 1)"
    )
    parser.add_argument(
        "--hnsw-build-budget-s",
        type=float,
        default=150.0,
        help="skip an HNSW build whose extrapolated time exceeds this (unless --include-slow)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[0, 1],
        help="FAISS thread counts to time searches with (0: FAISS's default, what the product runs)",
    )
    parser.add_argument("--include-slow", action="store_true", help="build HNSW at every size whatever it costs")
    parser.add_argument("--no-ivf", dest="ivf", action="store_false", help="leave IVF out")
    parser.add_argument("--nprobe", type=int, nargs="+", default=list(NPROBE_SWEEP), help="IVF nprobe values to sweep")
    args = parser.parse_args(argv)
    args.sizes = sorted(set(args.sizes))
    return args


def fmt_row(cols: list[object], widths: list[int]) -> str:
    return "  ".join(str(c).rjust(w) for c, w in zip(cols, widths, strict=True))


def print_tables(results: list[dict[str, object]], thread_keys: list[str]) -> None:
    widths = [7, 7, 9, 8, 9, 8, 8, 8, 8, 9]
    print("\nbuild, saved file, recall@10 of HNSW vs flat (by efSearch):")
    head = ["n", "synth", "flat_bld", "flat_MB", "hnsw_bld", "hnsw_MB"]
    print(fmt_row(head + [f"rec_ef{ef}" for ef in EF_SWEEP], widths))
    for row in results:
        f, h = row["flat"], row["hnsw"]
        cols = [row["n"], row["synthetic_vectors"], f"{f['build_s']:.2f}s", f"{f['file_bytes'] / 1e6:.1f}"]
        if "skipped" in h:
            cols += [f"~{h['build_s_estimate']:.0f}s*", "-", *["-"] * len(EF_SWEEP)]
        else:
            cols += [f"{h['build_s']:.1f}s", f"{h['file_bytes'] / 1e6:.1f}"]
            cols += [f"{h['ef_search'][ef]['recall_at_10']:.3f}" for ef in EF_SWEEP]
        print(fmt_row(cols, widths))
    widths = [7, 11, 8, 8] + [9] * (len(EF_SWEEP) + 1)
    print("\nsingle-query latency, k=10, ms (best round's p50/p95; FAISS threads):")
    head = ["n", "threads", "flat_p50", "flat_p95"] + [f"ef{ef}_p50" for ef in EF_SWEEP] + ["ef96_p95"]
    print(fmt_row(head, widths))
    for row in results:
        for key in thread_keys:
            f, h = row["flat"]["latency"][key], row["hnsw"]
            cols = [row["n"], key, f"{f['p50_ms']:.2f}", f"{f['p95_ms']:.2f}"]
            if "skipped" in h:
                cols += ["-"] * (len(EF_SWEEP) + 1)
            else:
                cols += [f"{h['ef_search'][ef]['latency'][key]['p50_ms']:.2f}" for ef in EF_SWEEP]
                cols.append(f"{h['ef_search'][96]['latency'][key]['p95_ms']:.2f}")
            print(fmt_row(cols, widths))
    ivf_rows = [row for row in results if "ivf" in row]
    if ivf_rows:
        print("\nIVF (IndexIVFFlat, nlist lists, one thread): recall@10 vs flat and p50 ms by nprobe:")
        probes = list(ivf_rows[0]["ivf"]["nprobe"])
        widths = [7, 6, 9, 8] + [13] * len(probes)
        print(fmt_row(["n", "nlist", "ivf_bld", "ivf_MB"] + [f"np{p} rec/p50" for p in probes], widths))
        key = thread_keys[0]
        for row in ivf_rows:
            v = row["ivf"]
            cols = [row["n"], v["nlist"], f"{v['build_s']:.1f}s", f"{v['file_bytes'] / 1e6:.1f}"]
            for p in probes:
                sweep = v["nprobe"].get(p)
                cols.append(f"{sweep['recall_at_10']:.3f}/{sweep['latency'][key]['p50_ms']:.2f}" if sweep else "-")
            print(fmt_row(cols, widths))


def measure_ivf(
    vectors: np.ndarray, queries: np.ndarray, exact: np.ndarray, args: argparse.Namespace, rounds: int, threads: int
) -> dict[str, object]:
    """IVF at one size: build (train + add) time, serialised bytes, recall@10 against exact and latency per nprobe.

    An nprobe above nlist searches every list (exhaustive); it is kept under the requested value, marked.
    """
    ivf, t = build_ivf(vectors)
    sweep: dict[int, object] = {}
    for nprobe in sorted(set(args.nprobe)):
        ivf.index.nprobe = min(nprobe, ivf.nlist)
        lat, found = latency(ivf, queries, rounds, args.threads, threads)  # type: ignore[arg-type]
        used, rec = ivf.index.nprobe, round(recall(found, exact), 4)
        sweep[nprobe] = {"nprobe_used": used, "recall_at_10": rec, "latency": lat}
    return {"nlist": ivf.nlist, "build_s": round(t, 3), "file_bytes": ivf.file_bytes(), "nprobe": sweep}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def run(args: argparse.Namespace) -> dict[str, object]:
    """Every size and kind of `args`; prints the tables and returns the report (what `--out` writes)."""
    started = time.perf_counter()
    load_start = load_average()
    cores = os.cpu_count() or 1
    default_threads = faiss.omp_get_max_threads()
    thread_keys = [thread_key(t, default_threads) for t in args.threads]
    rounds = args.rounds or (2 if load_start["loadavg_1m"] > 0.5 * cores else 1)
    print(f"start: {load_start['uptime']}  (FAISS default threads {default_threads}, latency rounds {rounds})")
    rng = np.random.default_rng(args.seed)
    corpus = Corpus(args, rng)
    print(f"vectors: {corpus.source}  {json.dumps(corpus.info)}")

    results: list[dict[str, object]] = []
    notes: list[str] = []
    hnsw_measured: tuple[int, float] | None = None
    for n in args.sizes:
        vectors = corpus.base[:n]
        row: dict[str, object] = {"n": n, "synthetic_vectors": corpus.synthetic_in(n)}
        flat, t = build("flat", vectors)
        lat, exact = latency(flat, corpus.queries, rounds, args.threads, default_threads)
        row["flat"] = {"build_s": round(t, 3), **save_stats(flat), "latency": lat}
        if corpus.source != "random" and row["synthetic_vectors"]:
            # How much of the exact top 10 the synthetic vectors take: near 0 means the size is not really tested.
            row["exact_top10_synthetic_fraction"] = round(float(np.mean(exact >= corpus.n_real)), 4)
        del flat
        if args.ivf:
            row["ivf"] = measure_ivf(vectors, corpus.queries, exact, args, rounds, default_threads)
        estimate = hnsw_build_estimate(hnsw_measured, n)
        if estimate is not None and estimate > args.hnsw_build_budget_s and not args.include_slow:
            note = (
                f"HNSW at n={n} skipped: build extrapolated from n={hnsw_measured[0]} "
                f"({hnsw_measured[1]:.1f}s) to ~{estimate:.0f}s > budget {args.hnsw_build_budget_s:.0f}s "
                "(use --include-slow)"
            )
            notes.append(note)
            row["hnsw"] = {"skipped": note, "build_s_estimate": round(estimate, 1)}
        else:
            hnsw, t = build("hnsw", vectors)
            hnsw_measured = (n, t)
            sweep = {}
            for ef in EF_SWEEP:
                hnsw.ef_search = ef
                lat, found = latency(hnsw, corpus.queries, rounds, args.threads, default_threads)
                sweep[ef] = {"recall_at_10": round(recall(found, exact), 4), "latency": lat}
            row["hnsw"] = {"build_s": round(t, 3), **save_stats(hnsw), "ef_search": sweep}
            del hnsw
        results.append(row)
        print(f"  n={n} done ({time.perf_counter() - started:.0f}s elapsed)", file=sys.stderr, flush=True)

    load_end = load_average()
    print_tables(results, thread_keys)
    for note in notes:
        print(f"* {note}")
    total = time.perf_counter() - started
    print(f"end: {load_end['uptime']}  (total {total:.0f}s)")

    return {
        "vectors": {"source": corpus.source, "dim": DIM, **corpus.info},
        "queries": args.queries,
        "k": K,
        "hnsw_settings": {"M": 32, "efConstruction": 80, "efSearch_default": 96},
        "ivf_settings": {"nlist": "4*sqrt(n), at most n/39", "quantizer": "IndexFlatIP", "trained_on": "collection"},
        "faiss_default_threads": default_threads,
        "cpu_count": cores,
        "latency_rounds": rounds,
        "load_start": load_start,
        "load_end": load_end,
        "total_s": round(total, 1),
        "notes": notes,
        "results": results,
    }


if __name__ == "__main__":
    sys.exit(main())
