"""Performance of the product on this machine, with LlamaIndex measured side by side in the same run.

    python -m evals.bench [--articles 300|all] [--quick] [--out evals/results/bench.json]
                          [--sections ingest peer search vectors ask] [--sizes 1000 10000 100000]
                          [--index /tmp/rtqa] [--ask-questions 8] [--generators extractive local]

Sections (all by default; `--quick` shrinks every one to a smoke test of a few minutes):

- ingest: a sample of RealTimeQA (`--articles`, about 300 articles: whole questions' search results, see
  `evals.bench_common.select_groups`) goes through the product's own path, as `rag ingest` runs it
  (`factory.embedder/store/indexer`, `read_sources`, `Indexer.ingest`, `LocalStore.writing`), into a fresh
  index. Reported: articles/s, chunks/s, word pieces the embedding model actually read (after truncation,
  [CLS]/[SEP] included) per second of model time, seconds by stage (parse, chunk, embed, store = SQLite and
  FAISS writes, persist = the vector file and manifest), coverage (share of the articles' word pieces that
  reach the model untruncated), peak memory, index bytes per chunk. Then "levers": the same chunk inputs
  embedded by each runtime and batch size, interleaved, so CPU contention hits them alike.
- peer: LlamaIndex (`evals/peer_llamaindex.py`, its own virtual environment, created on first use in
  `--peer-venv`) ingests the same articles and answers the same questions; both are scored with the same
  code: answer@k (a top-k passage contains the gold answer), passage@k (it holds the evidence sentence;
  `evals.realtimeqa.contains_evidence`, over questions whose evidence some article of the sample holds),
  own article@k (a top-k passage comes from one of the question's own search results), MRR@10 of each, and
  the cl100k tokens of the passages returned; and the ceiling of answer@k: the share of questions whose gold
  answer text occurs in one of their own articles, or in any article of the sample. Ours is also run with k
  chosen so its passages hold no more tokens than the peer's top 10 (equal context budget). Figures are given
  as ratios peer/ours. The questions are those whose search results make up the sample (all their articles
  are in the corpus; the other questions' articles are the distractors).
- search: whole-path latency (`Retriever.search`, k=10: query embedding, FAISS, BM25, fusion with passage
  fetching, each timed by the retriever's `last_timings`) at about 10^3, 10^4 and 10^5 chunks. 10^3 and 10^4
  are whole articles of `--index` (read-only; default /tmp/rtqa, every RealTimeQA article); above the real
  chunks, made-up copies of real articles are added: copy c of a chunk is its text without every 7th word
  (offset c, so retrieval does not fold copies together as duplicates; `bench_common.drop_words`) under a
  new article id, with the original's vector plus Gaussian noise (sigma 0.05 per coordinate, renormalised;
  `bench_vectors.perturb`). Collections are built through `LocalStore.write` and cached in
  `--collections` (they are deterministic in the seed).
- vectors: exact vs HNSW vs IVF at the same sizes (`evals.bench_vectors.run`): recall@10 against exact,
  latency, build time and bytes.
- ask: `Pipeline.ask` over an index of seeds/ on the project's seed questions (`--ask-questions`) for each
  generator: retrieval, prompt processing and decoding (llama.cpp's counters, `LocalLLM.last_stats`),
  verification (the judge's calls) and tokens per second.

CPU contention: the load average is recorded around every section (`load`) and printed with the tables.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evals import bench_vectors
from evals.bench_common import (
    covered_span,
    covered_tokens,
    drop_words,
    hits_at,
    k_for_budget,
    latency_ms,
    mean_prefix_tokens,
    mrr_at,
    parse_peer,
    per_second,
    percentile,
    ratio,
    select_groups,
    table,
    truncation_cut,
)
from evals.realtimeqa import DEFAULT_DIR, Question, Text, contains_evidence, load_questions, normalise

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "evals" / "results" / "bench.json"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag"
DEFAULT_PEER_VENV = CACHE / "peer-venv"
DEFAULT_COLLECTIONS = CACHE / "bench" / "collections"
SECTIONS = ("ingest", "peer", "search", "vectors", "ask")
PEER_PACKAGES = (
    "llama-index-core==0.14.25",
    "llama-index-embeddings-huggingface==0.8.0",
    "llama-index-vector-stores-faiss==0.7.0",
)
K = 10
K_MAX = 100  # deepest ranking ours is searched to when matching the peer's context budget
NOISE = 0.05
TARGETS = {
    "embed_throughput_vs_peer": "word pieces read per second of model time at least 1.5x LlamaIndex's",
    "search_p50_ms_at_1e5": "whole-path search p50 at most 20 ms at 10^5 chunks",
    "hits10_vs_peer": "hybrid answer@10 at least 10 points above LlamaIndex's default at no more context tokens",
}


# -- small utilities ------------------------------------------------------------------------------


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads) so far."""
    t = os.times()
    return t.user + t.system


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssPeak:
    """Highest resident memory of this process while the block runs (sampled every 50 ms)."""

    def __init__(self) -> None:
        self.before = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


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


def torch_threads() -> int | None:
    try:
        import torch

        return torch.get_num_threads()
    except ImportError:
        return None


# -- the RealTimeQA sample ----------------------------------------------------------------------------


@dataclass
class Sample:
    path: Path  # the chosen `_gcs` lines, as a .jsonl file the product reads
    question_ids: list[str]
    questions: list[Question]
    articles: dict[str, Any] = field(default_factory=dict)  # id -> Article (last version), as parsed
    own: dict[str, list[str]] = field(default_factory=dict)  # question id -> ids of its own search results


def make_sample(data: Path, n_articles: int, seed: int, workdir: Path) -> Sample:
    from rag.errors import InputError
    from rag.ingest import read_sources
    from rag.readers.jsonl import article_from_record
    from rag.types import Article

    groups: list[tuple[str, list[str]]] = []
    lines: dict[str, bytes] = {}
    for path in sorted(data.glob("*_gcs.jsonl.gz")):
        with gzip.open(path, "rb") as f:
            for raw in f:
                if not raw.strip():
                    continue
                record = json.loads(raw)
                ids = []
                for item in record.get("search_result") or []:
                    with contextlib.suppress(InputError, TypeError, AttributeError):
                        ids.append(article_from_record(item).id)
                qid = str(record["question_id"])
                groups.append((qid, ids))
                lines[qid] = raw if raw.endswith(b"\n") else raw + b"\n"
    if not groups:
        raise SystemExit(f"no *_gcs.jsonl.gz files in {data}")
    chosen = select_groups(groups, n_articles, seed)
    out = workdir / "sample.jsonl"
    out.write_bytes(b"".join(lines[q] for q in chosen))
    articles = {a.id: a for a in read_sources([out]) if isinstance(a, Article)}
    wanted = set(chosen)
    questions = [q for q in load_questions(data) if q.id in wanted and q.answer.strip()]
    return Sample(out, chosen, questions, articles, {qid: ids for qid, ids in groups if qid in wanted})


# -- ingest (ours) ------------------------------------------------------------------------------------


def settings_for(index_dir: Path) -> Any:
    from rag.config import Settings

    settings = Settings()
    settings.index_dir = index_dir
    return settings


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
    rows = store._db.execute(
        'SELECT c.article_id, c.start, c."end", c.text, a.title FROM chunks c JOIN articles a ON a.id = c.article_id'
    ).fetchall()
    prefixes: dict[str, str] = {}
    inputs, meta = [], []
    for article_id, start, end, text, title in rows:
        if title not in prefixes:
            prefixes[title] = indexer._prefix(title)
        prefix = prefixes[title]
        inputs.append(f"{prefix}\n{text}" if prefix else text)
        meta.append((article_id, start, end, len(prefix) + 1 if prefix else 0))
    tokenizer = embedder._tokenizer
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


def embed_levers(texts: list[str], rounds: int) -> dict[str, Any]:
    """The same chunk inputs embedded by each runtime and batch size, interleaved round by round."""
    from rag.embedders.minilm import MiniLMEmbedder

    configs: list[tuple[str, Any]] = []
    for runtime, batch in (("onnx", 8), ("onnx", 16), ("onnx", 32), ("torch", 16), ("torch", 32)):
        embedder = MiniLMEmbedder(batch_size=batch, runtime=runtime)
        try:
            embedder.warm_up()
        except Exception as exc:  # onnx may be unavailable; say so and go on
            configs.append((f"{runtime} bs{batch}", f"unavailable: {exc}"))
            continue
        configs.append((f"{runtime} bs{batch}", embedder))
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


# -- the peer -------------------------------------------------------------------------------------------


def ensure_peer_venv(path: Path) -> Path:
    """A virtual environment with LlamaIndex that also sees this environment's packages (torch,
    sentence-transformers, faiss, the model), so both systems run the very same versions of those."""
    python = path / "bin" / "python"
    marker = path / ".rag-peer.json"
    purelib = sysconfig.get_paths()["purelib"]
    wanted = {"packages": list(PEER_PACKAGES), "project_site_packages": purelib}
    try:
        if json.loads(marker.read_text()) == wanted and python.exists():
            return python
    except (OSError, ValueError):
        pass
    print(f"creating the LlamaIndex environment in {path} (first use) ...", file=sys.stderr, flush=True)
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Appended after the venv's own site-packages: what LlamaIndex needs and this environment lacks is
    # installed into the venv; what this environment has (torch, transformers, faiss, ...) is used as is.
    Path(site, "zz_rag_project_venv.pth").write_text(f"import site; site.addsitedir({purelib!r})\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    marker.write_text(json.dumps(wanted))
    return python


def run_peer(sample: Sample, workdir: Path, venv: Path, timeout: int) -> dict[str, Any]:
    from rag.encodings import get_encoding

    get_encoding("cl100k_base")  # puts the BPE file where tiktoken (and so LlamaIndex) looks, and sets the env
    python = ensure_peer_venv(venv)
    articles = workdir / "peer_articles.json"
    questions = workdir / "peer_questions.json"
    out = workdir / "peer_report.json"
    articles.write_text(
        json.dumps([{"id": a.id, "title": a.title, "body": a.body} for a in sample.articles.values()]),
        encoding="utf-8",
    )
    questions.write_text(json.dumps([{"id": q.id, "question": q.question} for q in sample.questions]))
    cmd = [str(python), "-m", "evals.peer_llamaindex", "--articles", str(articles), "--questions", str(questions)]
    cmd += ["--out", str(out), "--top-k", str(K)]
    log = workdir / "peer.log"
    started = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the LlamaIndex peer failed (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
    report = parse_peer(out.read_text(encoding="utf-8"))
    report["process_wall_s"] = round(time.perf_counter() - started, 1)
    return report


def peer_summary(report: dict[str, Any], tokenizer: Any, bodies: dict[str, str]) -> dict[str, Any]:
    ingest = report["ingest"]
    spans: dict[str, list[tuple[int, int]]] = {}
    for node in report["nodes"]:
        spans.setdefault(node["doc"], []).append((node["start"], node["covered_end"]))
    cover = coverage(tokenizer, bodies, spans)
    seconds = ingest["seconds"]
    wall = seconds["total"]
    return {
        "documents": ingest["documents"],
        "nodes": ingest["nodes"],
        "seconds": seconds,
        "articles_per_s": round(ingest["documents"] / wall, 2),
        "chunks_per_s": round(ingest["nodes"] / wall, 1),
        "tokens_read": ingest["tokens_read"],
        "tokens_before_truncation": ingest["tokens_total"],
        "tokens_read_per_s_model": round(ingest["tokens_read"] / seconds["embed"], 1),
        "tokens_read_per_s_wall": round(ingest["tokens_read"] / wall, 1),
        "cpu_s": ingest.get("cpu_s"),
        "tokens_read_per_cpu_s": _round(per_second(ingest["tokens_read"], ingest.get("cpu_s") or 0)),
        "truncated_inputs": sum(n["total"] > n["read"] for n in report["nodes"]),
        **cover,
        "peak_rss_mb": ingest["peak_rss_mb"],
        "index_bytes": ingest["bytes_on_disk"],
        "index_bytes_per_chunk": round(ingest["bytes_on_disk"] / max(1, ingest["nodes"]), 1),
        "versions": report["versions"],
        "settings": report["settings"],
        "load": report["loadavg"],
        "process_wall_s": report.get("process_wall_s"),
    }


# -- retrieval quality on the sample, both systems scored by the same code ---------------------------------


@dataclass
class Ranked:
    """One system's results for one question: texts and their article ids, best first, and the seconds the
    search took."""

    texts: list[str]
    articles: list[str]
    seconds: float


def score(
    questions: list[Question],
    ranked: dict[str, Ranked],
    located: set[str],
    enc: Any,
    k: int,
    own: dict[str, list[str]] | None = None,
) -> dict:
    """answer@k (a result contains the gold answer text), passage@k (a result holds the evidence, over the
    questions in `located`), article@k (a result comes from one of the question's own search results, `own`),
    MRR@10 of each, and the mean cl100k tokens of the first k results."""
    answer_hits, evidence_hits, article_hits, tokens = [], [], [], []
    own = own or {}
    for q in questions:
        r = ranked[q.id]
        gold = normalise(q.answer)
        answer_hits.append([gold in normalise(t) for t in r.texts])
        mine = set(own.get(q.id, ()))
        article_hits.append([a in mine for a in r.articles])
        tokens.append([len(enc.encode(t, disallowed_special=())) for t in r.texts])
        if q.id in located:
            evidence_hits.append([contains_evidence(t, q.evidence) for t in r.texts])
    return {
        "k": k,
        "questions": len(questions),
        "answer@1": _r(hits_at(answer_hits, 1)),
        "answer@5": _r(hits_at(answer_hits, 5)),
        f"answer@{k}": _r(hits_at(answer_hits, k)),
        f"answer_mrr@{min(k, 10)}": _r(mrr_at(answer_hits, min(k, 10))),
        "evidence_questions": len(evidence_hits),
        f"passage@{k}": _r(hits_at(evidence_hits, k)),
        f"passage_mrr@{min(k, 10)}": _r(mrr_at(evidence_hits, min(k, 10))),
        f"article@{k}": _r(hits_at(article_hits, k)),
        f"article_mrr@{min(k, 10)}": _r(mrr_at(article_hits, min(k, 10))),
        "distinct_articles_mean": round(sum(len(set(r.articles[:k])) for r in ranked.values()) / len(ranked), 1),
        "context_tokens_mean": round(mean_prefix_tokens(tokens, k), 1),
        "latency": latency_ms([r.seconds for r in ranked.values()]),
        "_tokens": tokens,
    }


def _r(x: float) -> float:
    return round(x, 3)


def ours_ranked(store: Any, embedder: Any, questions: list[Question], mode: str, k: int) -> dict[str, Ranked]:
    from rag import factory

    retriever = factory.retriever(settings_for(store.path), store, embedder, mode)
    for q in questions[:3]:
        retriever.search(q.question, k=k)
    out = {}
    for q in questions:
        t = time.perf_counter()
        passages = retriever.search(q.question, k=k)
        out[q.id] = Ranked([p.text for p in passages], [p.article_id for p in passages], time.perf_counter() - t)
    return out


def compare(sample: Sample, store: Any, embedder: Any, peer: dict[str, Any] | None) -> dict[str, Any]:
    from rag.encodings import get_encoding

    enc = get_encoding("cl100k_base")
    questions = sample.questions
    prepared = [Text(a.body) for a in sample.articles.values()]
    located = {q.id for q in questions if q.evidence and any(contains_evidence(t, q.evidence) for t in prepared)}
    own = sample.own
    runs: dict[str, dict[str, Any]] = {}
    for mode in ("hybrid", "dense", "bm25"):
        ranked = ours_ranked(store, embedder, questions, mode, K)
        runs[f"ours {mode} @{K}"] = score(questions, ranked, located, enc, K, own)
    out: dict[str, Any] = {
        "questions": len(questions),
        "evidence_located": len(located),
        "answer_ceiling": answer_ceiling(questions, sample.articles, own),
        "runs": runs,
    }
    if peer is not None:
        ranked = {
            q["id"]: Ranked([h["text"] for h in q["hits"]], [h["doc"] for h in q["hits"]], q["seconds"])
            for q in peer["queries"]
        }
        runs[f"llamaindex @{K}"] = score(questions, ranked, located, enc, K, own)
        budget = runs[f"llamaindex @{K}"]["context_tokens_mean"]
        deep = score(questions, ours_ranked(store, embedder, questions, "hybrid", K_MAX), located, enc, K_MAX)
        k_eq = k_for_budget(deep["_tokens"], budget, K_MAX)
        out["equal_budget"] = {"peer_tokens_top10": budget, "ours_k": k_eq}
        for mode in ("hybrid", "dense"):
            ranked = ours_ranked(store, embedder, questions, mode, k_eq)
            runs[f"ours {mode} @{k_eq} (equal budget)"] = score(questions, ranked, located, enc, k_eq, own)
    for run in runs.values():
        run.pop("_tokens", None)
    return out


def answer_ceiling(questions: list[Question], articles: dict[str, Any], own: dict[str, list[str]]) -> dict[str, Any]:
    """How often answer@k can count at all: the share of questions whose gold answer text occurs in one of their
    own search results, and in any article of the sample (there it may be a coincidence: "1978", "Rugby")."""
    bodies = {a.id: normalise(a.body) for a in articles.values()}
    in_own = in_any = 0
    for q in questions:
        gold = normalise(q.answer)
        in_own += any(gold in bodies.get(a, "") for a in own.get(q.id, ()))
        in_any += any(gold in body for body in bodies.values())
    n = max(1, len(questions))
    return {"in_own_articles": _r(in_own / n), "in_any_article": _r(in_any / n)}


def query_embedding_check(store: Any, sample: Sample) -> dict[str, Any]:
    """Dense answer@10 with query vectors from PyTorch instead of the product's runtime, over the same index."""
    from rag.embedders.minilm import MiniLMEmbedder
    from rag.encodings import get_encoding

    torch_embedder = MiniLMEmbedder(runtime="torch")
    torch_embedder.warm_up()
    ranked = ours_ranked(store, torch_embedder, sample.questions, "dense", K)
    result = score(sample.questions, ranked, set(), get_encoding("cl100k_base"), K)
    return {"dense answer@10 with torch query vectors": result[f"answer@{K}"], "runtime": "torch"}


# -- search latency at several collection sizes ---------------------------------------------------------


def _source_rows(source: Path) -> tuple[list[tuple], dict[str, list[tuple]], dict[str, Any]]:
    db = sqlite3.connect(f"file:{source / 'store.sqlite'}?mode=ro", uri=True)
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
    articles, chunks, manifest = _source_rows(source)
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
                    vectors = bench_vectors.perturb(vectors, NOISE, rng)
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
    for q in queries[:5]:  # the first goes to FTS5, the second builds the in-memory BM25 index (rag.store.lexical)
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


# -- ask ------------------------------------------------------------------------------------------------


def instrument(llm: Any, log: list[tuple[str, dict[str, float]]]) -> None:
    """Record `last_stats` after every generation and judge call of this LocalLLM (instance attributes only)."""
    complete, yes = llm.complete, llm.yes_probability

    def timed_complete(*args: Any, **kwargs: Any) -> str:
        out = complete(*args, **kwargs)
        log.append(("generate", dict(llm.last_stats)))
        return out

    def timed_yes(*args: Any, **kwargs: Any) -> float:
        out = yes(*args, **kwargs)
        log.append(("judge", dict(llm.last_stats)))
        return out

    llm.complete, llm.yes_probability = timed_complete, timed_yes


def ask(generators: list[str], n_questions: int, workdir: Path) -> dict[str, Any]:
    from evals.seed_set import SEED_ARTICLE, load_seed_questions
    from rag import factory
    from rag.ingest import read_sources

    settings = settings_for(workdir / "seeds-index")
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder, create=True)
    with store.writing():
        embedder.warm_up()
        factory.indexer(settings, store, embedder).ingest(read_sources([str(SEED_ARTICLE)]))
    questions = load_seed_questions()[:n_questions]
    out: dict[str, Any] = {"questions": len(questions), "seed_article": SEED_ARTICLE.name, "generators": {}}
    for name in generators:
        pipeline = factory.pipeline(settings, store, embedder, generator_name=name)
        factory.warm_up(pipeline)
        log: list[tuple[str, dict[str, float]]] = []
        llms = {
            id(x): x
            for x in (getattr(pipeline.generator, "llm", None), getattr(pipeline.verifier.judge, "llm", None))
            if x
        }
        for llm in llms.values():
            instrument(llm, log)
        rows = []
        load_before = load()
        for q in questions:
            log.clear()
            cpu_start = cpu_seconds()
            answer = pipeline.ask(q.question)
            cpu = cpu_seconds() - cpu_start
            gen = [s for kind, s in log if kind == "generate"]
            judge = [s for kind, s in log if kind == "judge"]
            rows.append(
                {
                    "id": q.id,
                    "answerable": answer.answerable,
                    "timings": answer.timings,
                    "cpu_s": round(cpu, 3),
                    "prompt_s": sum(s.get("prompt_seconds", 0.0) for s in gen),
                    "decode_s": sum(s.get("decode_seconds", 0.0) for s in gen),
                    "prompt_tokens_evaluated": sum(s.get("evaluated_tokens", 0) for s in gen),
                    "completion_tokens": sum(s.get("completion_tokens", 0) for s in gen),
                    "judge_calls": len(judge),
                    "judge_s": sum(s.get("seconds", 0.0) for s in judge),
                    "judge_tokens_evaluated": sum(s.get("evaluated_tokens", 0) for s in judge),
                }
            )
            print(f"  ask {name} {q.id}: {answer.timings.get('total', 0):.2f}s", file=sys.stderr, flush=True)
        out["generators"][name] = summarise_ask(rows) | {
            "generator": pipeline.generator.name,
            "load": {"before": load_before, "after": load()},
        }
        del pipeline, llms
        gc.collect()
    store.close()
    return out


def summarise_ask(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def stage(values: list[float]) -> dict[str, float]:
        return {"p50_s": round(percentile(values, 50), 3), "p95_s": round(percentile(values, 95), 3)}

    timings = {s: [r["timings"].get(s, 0.0) for r in rows] for s in ("retrieve", "generate", "verify", "total")}
    prompt_s = sum(r["prompt_s"] for r in rows)
    decode_s = sum(r["decode_s"] for r in rows)
    judge_s = sum(r["judge_s"] for r in rows)
    return {
        "answered": sum(r["answerable"] for r in rows),
        "stages": {
            "retrieval": stage(timings["retrieve"]),
            "generate": stage(timings["generate"]),
            "prompt_processing": stage([r["prompt_s"] for r in rows]),
            "decoding": stage([r["decode_s"] for r in rows]),
            "verification": stage(timings["verify"]),
            "total": stage(timings["total"]),
        },
        # Medians of the per-question rates (one stalled question does not set the figure), and pooled rates.
        "prompt_tokens_per_s": _median_rate(rows, "prompt_tokens_evaluated", "prompt_s"),
        "decode_tokens_per_s": _median_rate(rows, "completion_tokens", "decode_s"),
        "judge_tokens_per_s": _median_rate(rows, "judge_tokens_evaluated", "judge_s"),
        "pooled_tokens_per_s": {
            "prompt": _round(per_second(sum(r["prompt_tokens_evaluated"] for r in rows), prompt_s)),
            "decode": _round(per_second(sum(r["completion_tokens"] for r in rows), decode_s)),
            "judge": _round(per_second(sum(r["judge_tokens_evaluated"] for r in rows), judge_s)),
        },
        "judge_calls_per_question": round(sum(r["judge_calls"] for r in rows) / max(1, len(rows)), 2),
        "cpu_s_per_wall_s": _round(per_second(sum(r["cpu_s"] for r in rows), sum(timings["total"])), 2),
        "rows": rows,
    }


def _median_rate(rows: list[dict[str, Any]], amount: str, seconds: str) -> float | None:
    rates = [r[amount] / r[seconds] for r in rows if r[seconds] > 0]
    return round(percentile(rates, 50), 1) if rates else None


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


# -- printing ---------------------------------------------------------------------------------------------


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


def print_comparison(comp: dict[str, Any]) -> None:
    rows = []
    for name, r in comp["runs"].items():
        k = r["k"]
        rows.append(
            [
                name,
                r[f"answer@{k}"],
                r[f"answer_mrr@{min(k, 10)}"],
                r[f"passage@{k}"],
                r[f"passage_mrr@{min(k, 10)}"],
                r[f"article@{k}"],
                r[f"article_mrr@{min(k, 10)}"],
                r["distinct_articles_mean"],
                r["context_tokens_mean"],
                r["latency"]["p50_ms"],
                r["latency"]["p95_ms"],
            ]
        )
    print(
        f"\nRetrieval on the sample ({comp['questions']} questions, evidence located for {comp['evidence_located']}):"
    )
    print(
        table(
            [
                "run",
                "answer@k",
                "answer MRR@10",
                "passage@k",
                "passage MRR@10",
                "own article@k",
                "own article MRR@10",
                "distinct articles",
                "context tokens",
                "p50 ms",
                "p95 ms",
            ],
            rows,
        )
    )
    ceiling = comp["answer_ceiling"]
    print(
        f"The gold answer text occurs in one of the question's own search results for {ceiling['in_own_articles']} "
        f"of the questions, in any article of the sample for {ceiling['in_any_article']}."
    )


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


def print_ask(result: dict[str, Any]) -> None:
    rows = []
    for name, r in result["generators"].items():
        s = r["stages"]
        rows.append(
            [
                name,
                f"{s['total']['p50_s']:.2f} / {s['total']['p95_s']:.2f}",
                s["retrieval"]["p50_s"],
                s["generate"]["p50_s"],
                s["prompt_processing"]["p50_s"] if r["prompt_tokens_per_s"] else None,
                s["decoding"]["p50_s"] if r["decode_tokens_per_s"] else None,
                s["verification"]["p50_s"],
                r["prompt_tokens_per_s"],
                r["decode_tokens_per_s"],
                r["judge_tokens_per_s"],
            ]
        )
    print(f"\nAsk ({result['questions']} seed questions; seconds, p50 unless marked):")
    print(
        table(
            [
                "generator",
                "total p50/p95",
                "retrieval",
                "generation",
                "of which prompt",
                "of which decoding",
                "verification",
                "prompt tok/s",
                "decode tok/s",
                "judge tok/s",
            ],
            rows,
        )
    )


def targets(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ingest, peer = report.get("ingest"), report.get("peer")
    if ingest and peer:
        speedup = ratio(ingest["tokens_read_per_s_model"], peer["tokens_read_per_s_model"])
        out["embed_throughput_vs_peer"] = {"ours/peer": speedup, "met": speedup is not None and speedup >= 1.5}
    search = report.get("search", {}).get("sizes", {})
    largest = max(search, key=int, default=None)
    if largest is not None and int(largest) >= 100_000:
        p50 = search[largest]["whole"]["p50_ms"]
        out["search_p50_ms_at_1e5"] = {"p50_ms": p50, "met": p50 <= 20}
    comp = report.get("comparison", {})
    runs = comp.get("runs", {})
    peer_run = runs.get(f"llamaindex @{K}")
    if peer_run:
        eq = comp["equal_budget"]["ours_k"]
        ours_eq = runs[f"ours hybrid @{eq} (equal budget)"]
        ours10 = runs[f"ours hybrid @{K}"]
        out["hits10_vs_peer"] = {
            "peer answer@10": peer_run[f"answer@{K}"],
            "ours hybrid answer@10": ours10[f"answer@{K}"],
            "ours hybrid answer@k at the peer's budget": ours_eq[f"answer@{eq}"],
            "k": eq,
            "points_at_10": round(100 * (ours10[f"answer@{K}"] - peer_run[f"answer@{K}"]), 1),
            "points_at_equal_budget": round(100 * (ours_eq[f"answer@{eq}"] - peer_run[f"answer@{K}"]), 1),
            "gold answer in the question's own articles": comp["answer_ceiling"]["in_own_articles"],
            "peer own-article@10": peer_run[f"article@{K}"],
            "ours hybrid own-article@10": ours10[f"article@{K}"],
        }
        out["hits10_vs_peer"]["met"] = out["hits10_vs_peer"]["points_at_equal_budget"] >= 10
    for name, row in out.items():
        row["target"] = TARGETS[name]
    return out


# -- main -------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles", type=_article_count, default=300, help="RealTimeQA articles to ingest (about), or all"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke test of every section in a few minutes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR, help="RealTimeQA folder")
    parser.add_argument("--index", type=Path, default=Path("/tmp/rtqa"), help="index of all RealTimeQA (read-only)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="search queries per size")
    parser.add_argument("--ask-questions", type=int, default=8)
    parser.add_argument("--generators", nargs="+", default=["extractive", "local"])
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_PEER_VENV)
    parser.add_argument("--peer-timeout", type=int, default=3600)
    parser.add_argument("--collections", type=Path, default=DEFAULT_COLLECTIONS, help="cache of search collections")
    parser.add_argument("--lever-texts", type=int, default=96, help="chunk inputs for the runtime/batch comparison")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.articles = min(args.articles, 40)
        args.sizes = [n for n in args.sizes if n <= 10_000] or [1_000]
        args.queries = min(args.queries, 30)
        args.ask_questions = min(args.ask_questions, 1)
        args.lever_texts = min(args.lever_texts, 24)
    return args


def _article_count(text: str) -> int:
    if text == "all":
        return sys.maxsize
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of articles or 'all', got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 article, got {n}")
    return n


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    report: dict[str, Any] = {
        "machine": {"cpu_count": os.cpu_count(), "load_start": load()},
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "notes": [],
    }
    started = time.perf_counter()
    sections = set(args.sections)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        workdir = Path(tmp)
        if sections & {"ingest", "peer"}:
            sample = make_sample(args.data, args.articles, args.seed, workdir)
            report["sample"] = {
                "articles": len(sample.articles),
                "questions": len(sample.questions),
                "question_groups": len(sample.question_ids),
                "how": "whole questions' search results, in a seeded order, until --articles; the questions "
                "are those whose results were taken (answer text non-empty); other questions' articles are "
                "distractors",
            }
            print(
                f"sample: {report['sample']['articles']} articles, {len(sample.questions)} questions", file=sys.stderr
            )
            ours, store, embedder = ingest_ours(sample, workdir / "ours")
            report["ingest"] = ours
            report["ingest"]["levers"] = embed_levers(list(_lever_texts(store, embedder, args.lever_texts)), rounds=3)
            peer_report = None
            if "peer" in sections:
                peer_report = run_peer(sample, workdir, args.peer_venv, args.peer_timeout)
                bodies = {a.id: a.body for a in sample.articles.values()}
                report["peer"] = peer_summary(peer_report, embedder._tokenizer, bodies)
            report["comparison"] = compare(sample, store, embedder, peer_report)
            report["comparison"]["query_vectors_check"] = query_embedding_check(store, sample)
            print_ingest(report["ingest"], report.get("peer"))
            print_comparison(report["comparison"])
            store.close()
        if "search" in sections:
            report["search"] = run_search(args)
            print_search(report["search"])
        if "vectors" in sections:
            argv_vectors = ["--sizes", *map(str, args.sizes), "--queries", str(args.queries), "--threads", "0"]
            argv_vectors += ["--store", str(args.index), "--seed", str(args.seed)]
            report["vectors"] = bench_vectors.run(bench_vectors.parse_args(argv_vectors))
        if "ask" in sections:
            report["ask"] = ask(args.generators, args.ask_questions, workdir)
            print_ask(report["ask"])
    report["targets"] = targets(report)
    report["machine"]["load_end"] = load()
    report["total_s"] = round(time.perf_counter() - started, 1)
    print("\nTargets:")
    for name, row in report["targets"].items():
        figures = {k: v for k, v in row.items() if k not in ("met", "target")}
        print(f"  {name}: {'met' if row['met'] else 'NOT met'}  {json.dumps(figures)}")
    print(
        f"\nload average: start {report['machine']['load_start']}, end {report['machine']['load_end']} on "
        f"{report['machine']['cpu_count']} cores; total {report['total_s']} s"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    return 0


def _lever_texts(store: Any, embedder: Any, n: int) -> Iterator[str]:
    """`n` chunk inputs of the fresh index (title prefix included), spread over it."""
    rows = store._db.execute(
        "SELECT a.title, c.text FROM chunks c JOIN articles a ON a.id = c.article_id ORDER BY c.id"
    ).fetchall()
    step = max(1, len(rows) // max(1, n))
    for title, text in rows[::step][:n]:
        yield f"{title}\n{text}" if title else text


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


if __name__ == "__main__":
    sys.exit(main())
