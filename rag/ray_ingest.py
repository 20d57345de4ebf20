"""Bulk ingestion on Ray Data (`rag ingest --engine ray`): read, chunk and embed in parallel workers,
write from the driver through the `Store` protocol, with the local path's guarantees.

The work is the local path's, spread out: files are read by `rag.ingest.read_sources` (one Ray task per
file), articles are chunked by `rag.indexer.prepare` with the index's own `Chunker`, and embedded by the
configured embedder, loaded once per worker (a Ray Data actor pool, `map_batches` with a callable class);
the driver alone writes, in batches of about `batch_chunks` chunks, so the store's write lock, commit
points and crash guarantees are the ones `rag.indexer` relies on.

Two passes over the input, as `rag ingest` makes locally: the first reads only each article's id and
content hash (in parallel), and the driver decides what to write (`plan_writes`): the last version of each
id in the input, and only if the store does not already hold it, so a re-run on unchanged input embeds
and writes nothing. The second pass reads again, drops everything else before it leaves the reading task,
and chunks and embeds the rest. Bad input never loses a batch: a file or line that cannot be read is an
`IngestProblem` (from the readers, as locally); an article that cannot be chunked or embedded is one too,
found by embedding its batch again article by article (`chunk_and_embed`); a batch the store refuses is
written again article by article, and only the articles refused alone are reported.

Differences from the local path: standard input ("-") is refused (workers cannot read it); sources are
recorded as absolute paths (workers may run elsewhere); an edited article is embedded whole (workers
cannot read the stored vectors the local path reuses; the vectors are the same). Ray itself is imported
lazily (`load_ray`): it comes with the extra `scale`.
"""

from __future__ import annotations

import logging
import os
import pickle
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunk import Chunker
from rag.embedders.base import Embedder
from rag.errors import InputError
from rag.indexer import IngestReport, chunker_for, prepare
from rag.ingest import expand_sources, read_sources
from rag.readers.base import IngestProblem
from rag.store.base import IndexConfig, Store
from rag.types import Article, Chunk

EXTRA_HINT = 'pip install -e ".[scale]"'
EmbedderFactory = Callable[[], Embedder]
Progress = Callable[[IngestReport, int, int], None]  # (report so far, articles done, articles to write)


@dataclass(frozen=True)
class RayOptions:
    """How the Ray pipeline runs; the defaults suit one machine."""

    workers: int = 2  # embedding workers (Ray actors, one CPU each), each with its own embedder
    batch_articles: int = 16  # articles a worker chunks and embeds together
    batch_chunks: int = 256  # about this many chunks per store write on the driver
    max_bytes: int = 10_000_000  # per file (.txt .md .html) or per line (JSONL), as locally
    object_store_mb: int = 1024  # the object store of a local Ray (spills to disk beyond)

    def __post_init__(self) -> None:
        for name in ("workers", "batch_articles", "batch_chunks", "max_bytes", "object_store_mb"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")


@dataclass
class Prepared:
    """One article as a worker hands it back: its chunks and their vectors, ready for `Store.write`."""

    article: Article
    chunks: list[Chunk]
    vectors: np.ndarray
    embedded: int = 0  # embedder inputs computed for it (an input repeated in the batch counts once)
    tokens: int = 0  # embedder tokens they held
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Plan:
    """What the first pass decided: which occurrence of which article to write."""

    wanted: dict[str, tuple[int, int]]  # article id -> (file, item) of the occurrence to write
    new: set[str]
    unchanged: int = 0
    repeated: int = 0


# ---------------------------------------------------------------- Ray itself


def load_ray() -> Any:
    """The `ray` module with Ray Data loaded, or `InputError` naming the extra that provides it."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError(f"ingesting with Ray needs ray[data]: {EXTRA_HINT}") from None
    return ray


@contextmanager
def ray_session(workers: int, *, object_store_mb: int = 1024) -> Iterator[str]:
    """A Ray to run on; yields where it is. Reuses one already initialised in this process (tests), joins
    the cluster `RAY_ADDRESS` names, else starts a local Ray with `workers` + 1 CPUs; stops only what it started."""
    ray = load_ray()
    if ray.is_initialized():
        yield "the Ray this process had started"
        return
    quiet: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    address = os.environ.get("RAY_ADDRESS", "")
    if address:
        ray.init(address=address, **quiet)
        where = f"the Ray cluster at {address}"
    else:
        ray.init(
            num_cpus=workers + 1,  # one per worker, one for the reading and repartitioning tasks
            object_store_memory=object_store_mb * 2**20,
            include_dashboard=False,
            **quiet,
        )
        where = f"a local Ray with {workers + 1} CPUs"
    try:
        yield where
    finally:
        ray.shutdown()


# ---------------------------------------------------------------- the work each worker does


def chunk_and_embed(
    articles: Sequence[Article], chunker: Chunker, embedder: Embedder, *, title_prefix: bool = True
) -> list[Prepared | IngestProblem]:
    """Each article chunked (`rag.indexer.prepare`) and embedded, in order; one that fails is a problem.

    The batch's inputs are embedded together, each distinct input once (as `Indexer` does); when that
    fails, each article is embedded alone, so only the articles that fail alone are lost.
    """
    out: list[Prepared | IngestProblem] = []
    inputs: list[list[str]] = []
    for article in articles:
        t = time.perf_counter()
        try:
            chunks, texts = prepare(article, chunker, embedder, title_prefix=title_prefix)
        except Exception as e:  # one article must not stop the batch; the reason names the error
            out.append(_problem(article, "could not chunk", e))
            inputs.append([])
            continue
        vectors = np.zeros((len(chunks), embedder.dim), np.float32)
        out.append(Prepared(article, chunks, vectors, seconds={"chunk": time.perf_counter() - t}))
        inputs.append(texts)
    ready = [(i, p, texts) for i, (p, texts) in enumerate(zip(out, inputs, strict=True)) if isinstance(p, Prepared)]
    try:
        _embed_into([(p, texts) for _, p, texts in ready], embedder)
    except Exception:
        for i, prepared, texts in ready:
            prepared.embedded = prepared.tokens = 0  # counted again by the call that succeeds
            try:
                _embed_into([(prepared, texts)], embedder)
            except Exception as e:
                out[i] = _problem(prepared.article, "could not embed", e)
    return out


def _embed_into(ready: list[tuple[Prepared, list[str]]], embedder: Embedder) -> None:
    """Fill each `Prepared`'s vectors from one `embed` call over the distinct inputs of all of them."""
    slots: dict[str, list[tuple[int, int]]] = {}
    first: dict[str, int] = {}
    for a, (_, texts) in enumerate(ready):
        for c, text in enumerate(texts):
            slots.setdefault(text, []).append((a, c))
            first.setdefault(text, a)
    if not slots:
        return
    t = time.perf_counter()
    distinct = list(slots)
    vectors = embedder.embed(distinct)
    tokens = embedder.count_tokens(distinct)
    seconds = time.perf_counter() - t
    for text, vector, n in zip(distinct, vectors, tokens, strict=True):
        for a, c in slots[text]:
            ready[a][0].vectors[c] = vector
        owner = ready[first[text]][0]
        owner.embedded += 1
        owner.tokens += n
    ready[0][0].seconds["embed"] = seconds


def _problem(article: Article, what: str, error: Exception) -> IngestProblem:
    return IngestProblem(article.source or article.id, f"{what}: {type(error).__name__}: {error}"[:200])


class ChunkEmbedWorker:
    """The Ray Data actor: loads the embedder once, then chunks and embeds batches of pickled articles."""

    def __init__(self, embedder_factory: EmbedderFactory, config: IndexConfig) -> None:
        self.embedder = embedder_factory()
        self.embedder.warm_up()
        self.chunker = chunker_for(config, self.embedder)
        self.title_prefix = config.title_prefix

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        articles = [pickle.loads(p) for p in batch["payload"]]
        results = chunk_and_embed(articles, self.chunker, self.embedder, title_prefix=self.title_prefix)
        return {"payload": [pickle.dumps(r) for r in results]}


# ---------------------------------------------------------------- the reading tasks


def read_keys(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """First pass, one file: (file, item, id, content hash) per article, (source, reason) per problem."""
    for item, x in enumerate(read_sources([row["path"]], max_bytes=row["max_bytes"])):
        key = {"file": row["file"], "item": item, "id": "", "hash": "", "source": x.source, "reason": ""}
        if isinstance(x, Article):
            yield key | {"id": x.id, "hash": x.content_hash}
        else:
            yield key | {"reason": x.reason}


def read_wanted(row: dict[str, Any], wanted: dict[str, tuple[int, int]]) -> Iterator[dict[str, Any]]:
    """Second pass, one file: the articles the plan writes, pickled; everything else stays here."""
    for item, x in enumerate(read_sources([row["path"]], max_bytes=row["max_bytes"])):
        if isinstance(x, Article) and wanted.get(x.id) == (row["file"], item):
            yield {"payload": pickle.dumps(x)}


def plan_writes(
    keys: Iterable[dict[str, Any]], stored_hashes: Callable[[Sequence[str]], Mapping[str, str]]
) -> tuple[Plan, list]:
    """The local path's choice, made from the first pass's keys: for each id its last version in input order
    (its first occurrence, as `read_sources` skips identical repeats), written unless the store holds it.
    The stored hashes are asked for in one call (`Store.article_hashes`: a few round trips, not one per
    article). Returns the plan and the problems, in input order."""
    rows = sorted(keys, key=lambda k: (k["file"], k["item"]))
    problems = [IngestProblem(k["source"], k["reason"]) for k in rows if k["reason"]]
    latest: dict[str, str] = {}
    first: dict[tuple[str, str], tuple[int, int]] = {}
    for k in rows:
        if not k["reason"]:
            latest[k["id"]] = k["hash"]
            first.setdefault((k["id"], k["hash"]), (k["file"], k["item"]))
    plan = Plan(wanted={}, new=set(), repeated=len(first) - len(latest))
    stored = stored_hashes(list(latest))
    for article_id, content_hash in latest.items():
        in_store = stored.get(article_id)
        if in_store == content_hash:
            plan.unchanged += 1
            continue
        plan.wanted[article_id] = first[(article_id, content_hash)]
        if in_store is None:
            plan.new.add(article_id)
    return plan, problems


# ---------------------------------------------------------------- the driver


def ingest_with_ray(
    paths: Sequence[str | Path],
    store: Store,
    embedder_factory: EmbedderFactory,
    options: RayOptions = RayOptions(),
    on_progress: Progress | None = None,
) -> IngestReport:
    """Index `paths` into `store` on Ray (see the module docstring); must run inside `with store.writing():`
    and inside `ray_session` (or any initialised Ray). `embedder_factory` builds the embedder in each worker
    (it must be picklable: a class or `functools.partial`). Ctrl-C stops after the writes already made."""
    ray = load_ray()
    if any(str(p) == "-" for p in paths):
        raise InputError("standard input cannot be ingested with Ray: give files or folders")
    report = IngestReport()
    files: list[str] = []
    for x in expand_sources(paths):
        if isinstance(x, IngestProblem):
            report.problems.append(x)
        else:
            files.append(str(Path(x).resolve()))
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.preserve_order = True  # writes in input order, as the local path
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    # An input of fewer blocks than workers leaves some idle, which Ray Data warns about each time.
    warnings.filterwarnings("ignore", message="The minimum number of concurrent actors", category=UserWarning)
    sources = [{"file": i, "path": p, "max_bytes": options.max_bytes} for i, p in enumerate(files)]
    t = time.perf_counter()
    keys = ray.data.from_items(sources).flat_map(read_keys, num_cpus=0) if sources else None
    plan, problems = plan_writes(keys.iter_rows() if keys else [], store.article_hashes)
    report.seconds["parse"] += time.perf_counter() - t
    report.problems += problems
    report.unchanged, report.repeated = plan.unchanged, plan.repeated
    total = len(plan.wanted)
    if on_progress:
        on_progress(report, 0, total)
    if not total:
        return report
    prepared = (
        ray.data.from_items(sources)
        .flat_map(read_wanted, fn_kwargs={"wanted": plan.wanted}, num_cpus=0)  # reading needs no CPU of its own
        .repartition(target_num_rows_per_block=options.batch_articles)  # several blocks, even from one file
        .map_batches(
            ChunkEmbedWorker,
            fn_constructor_kwargs={"embedder_factory": embedder_factory, "config": store.config},
            batch_size=options.batch_articles,
            compute=ray.data.ActorPoolStrategy(size=options.workers),
            num_cpus=1,
        )
    )
    pending: list[Prepared] = []
    done = 0
    try:
        for batch in prepared.iter_batches(batch_size=None):
            for payload in batch["payload"]:
                result = pickle.loads(payload)
                done += 1
                if isinstance(result, IngestProblem):
                    report.problems.append(result)
                    continue
                pending.append(result)
                if sum(len(p.chunks) for p in pending) >= options.batch_chunks:
                    write_batch(store, pending, plan, report)
            if on_progress:
                on_progress(report, done, total)
        write_batch(store, pending, plan, report)
    except KeyboardInterrupt:
        report.interrupted = True
    if on_progress:
        on_progress(report, done, total)
    return report


def write_batch(store: Store, pending: list[Prepared], plan: Plan, report: IngestReport) -> None:
    """Write `pending` in one `Store.write` (then empty it); if the store refuses the batch, write it again
    article by article and report the articles refused alone. Raises when it refuses every one of several."""
    if not pending:
        return
    t = time.perf_counter()
    written: list[Prepared] = []
    try:
        store.write([(p.article, p.chunks, p.vectors) for p in pending])
        written = list(pending)
    except Exception:
        errors: list[Exception] = []
        for p in pending:
            try:
                store.write([(p.article, p.chunks, p.vectors)])
                written.append(p)
            except Exception as e:  # one article the store refuses must not lose the rest of the batch
                errors.append(e)
                report.problems.append(_problem(p.article, "could not store", e))
        if not written and len(pending) > 1:  # not one article of several: the store itself fails
            raise errors[0] from None
    report.seconds["store"] += time.perf_counter() - t
    for p in written:
        report.new += p.article.id in plan.new
        report.changed += p.article.id not in plan.new
        report.chunks += len(p.chunks)
        report.chunks_embedded += p.embedded
        report.tokens_embedded += p.tokens
        for stage in ("chunk", "embed"):
            report.seconds[stage] += p.seconds.get(stage, 0.0)
    pending.clear()
