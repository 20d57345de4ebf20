"""Builds the library's objects from Settings: the one piece of wiring the CLI and the API share.

Library classes take explicit arguments; only this module (called from the CLI and the API) reads
settings. Nothing here loads a model: callers warm up what they are about to use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rag.config import Settings
from rag.embedders.base import Embedder
from rag.embedders.registry import load_embedder
from rag.errors import RagError
from rag.generators.base import Generator
from rag.generators.extractive import ExtractiveGenerator
from rag.generators.registry import load_generator
from rag.indexer import Indexer, chunker_for
from rag.judges.base import SupportJudge
from rag.judges.calibration import default_calibration
from rag.judges.llm import LLMJudge
from rag.judges.overlap import OverlapJudge
from rag.llm import JUDGE_MODEL, WEIGHTS, LocalLLM
from rag.pipeline import AskParams, Pipeline
from rag.retrieve import RetrievalParams, Retriever
from rag.store.base import IndexConfig, Store
from rag.store.local import LocalStore
from rag.store.manifest import MANIFEST, config_from_manifest, read_manifest
from rag.verify import Verifier


def embed_model(settings: Settings) -> str:
    """The embedding model to use: the one the local index at `settings.index_dir` was built with, unless the
    settings name one (environment, rag.toml), so that an index built with another model (the int8 one)
    needs no setting on every later command. A model named that differs from the index's is refused when
    the index is opened, naming both; a new index, or a manifest that cannot be read, takes the settings'."""
    chosen = settings.embed.model
    if "model" in settings.embed.model_fields_set or settings.store.kind != "local":
        return chosen
    path = settings.index_dir / MANIFEST
    try:
        return config_from_manifest(read_manifest(path), path).embed_model if path.is_file() else chosen
    except RagError:  # opening the index says what is wrong with it
        return chosen


def embedder(settings: Settings) -> Embedder:
    s = settings.embed
    return load_embedder(embed_model(settings), batch_size=s.batch_size, threads=s.threads or None, runtime=s.runtime)


def embedder_factory(settings: Settings, *, threads: int | None = None) -> Callable[[], Embedder]:
    """A picklable recipe for the configured embedder, for processes that build their own (Ray workers);
    `threads` applies when the settings leave `embed.threads` at 0 (automatic)."""
    s = settings.embed
    model = embed_model(settings)
    return partial(load_embedder, model, batch_size=s.batch_size, threads=s.threads or threads, runtime=s.runtime)


def store(settings: Settings, embedder: Embedder, *, create: bool = False) -> Store:
    """The configured index (`settings.store.kind`): a `LocalStore` in `settings.index_dir`, or a `MilvusStore`
    at `settings.store.uri` (pymilvus imported only then); with `create`, a new one is made if none exists."""
    c = settings.chunk
    config = IndexConfig(
        embed_model=embedder.name,
        dim=embedder.dim,
        embed_max_tokens=embedder.max_tokens,
        encoding=c.encoding,
        max_tokens=c.max_tokens,
        overlap_tokens=c.overlap_tokens,
        title_prefix=c.title_prefix,
    )
    if settings.store.kind == "milvus":
        from rag.store.milvus import MilvusStore

        s = settings.store
        return MilvusStore.open(
            s.uri or str(settings.index_dir / "milvus.db"),
            path=settings.index_dir,
            embed_model=embedder.name,
            dim=embedder.dim,
            create=config if create else None,
            token_env=s.token_env,
            prefix=s.prefix,
            index_type=s.index_type,
        )
    return LocalStore.open(
        settings.index_dir,
        embed_model=embedder.name,
        dim=embedder.dim,
        create=config if create else None,
        exact_max=settings.index.exact_max_chunks,
    )


def indexer(settings: Settings, store: Store, embedder: Embedder) -> Indexer:
    """An indexer that chunks the way `store` was built (its manifest, not the settings, decides)."""
    c = store.config
    chunker = chunker_for(c, embedder)
    return Indexer(store, embedder, chunker, title_prefix=c.title_prefix, batch_chunks=settings.ingest.batch_chunks)


def retriever(settings: Settings, store: Store, embedder: Embedder, mode: str | None = None) -> Retriever:
    r = settings.retrieve
    params = RetrievalParams(
        candidates=r.candidates,
        rrf_k=r.rrf_k,
        duplicate_threshold=r.duplicate_threshold,
        max_per_article=r.max_per_article,
        mode=mode or r.mode,
        time_aware=r.time_aware,
        recency=r.recency,
        half_life_days=r.half_life_days,
        recency_floor=r.recency_floor,
        window=r.window,
        window_weight=r.window_weight,
    )
    return Retriever(store, embedder, params)


def local_llm(settings: Settings, model: str = JUDGE_MODEL) -> LocalLLM:
    """The local LLM `model` (a name in `rag.llm.WEIGHTS`; the default is the one that judges)."""
    return LocalLLM(n_ctx=settings.llm.context, n_threads=settings.llm.threads or None, weights=WEIGHTS[model])


def generator(settings: Settings, llm: LocalLLM | None = None, name: str | None = None) -> Generator:
    """The configured generator; the local one shares `llm` (with the judge) when given and when it drafts with
    the same model (`llm.draft_model`)."""
    name = name or settings.answer.generator
    if name == "local":
        drafter = settings.llm.draft_model
        if llm is None or llm.weights is not WEIGHTS[drafter]:
            llm = local_llm(settings, drafter)
        return load_generator("local", llm=llm, max_tokens=settings.answer.max_tokens)
    if name == "openai":
        s = settings.llm
        return load_generator(
            "openai",
            base_url=s.base_url,
            model=s.model,
            api_key=s.api_key.get_secret_value(),
            timeout=s.timeout,
            max_tokens=settings.answer.max_tokens,
        )
    return load_generator(name)


def judge(
    settings: Settings, llm: LocalLLM | None = None, *, kind: str | None = None, threshold: float | None = None
) -> SupportJudge:
    """The configured support judge; `kind` and `threshold` override the settings.

    Kinds: "llm" (deterministic checks, then the model's P(Yes) against `settings.verify.threshold`),
    "calibrated" (checks, then a trained classifier over the model's P(Yes) on the best-covering
    sentences and model-free features, against the threshold it was tuned with), "overlap" (checks and
    word coverage, no model; the threshold is the coverage it needs).
    """
    kind = kind or settings.verify.judge
    if kind == "overlap":
        return OverlapJudge() if threshold is None else OverlapJudge(min_overlap=threshold)
    if kind == "calibrated":
        return LLMJudge(llm or local_llm(settings), threshold=threshold, calibration=default_calibration())
    if kind != "llm":
        raise ValueError(f"unknown judge {kind!r}; known: llm, calibrated, overlap")
    return LLMJudge(llm or local_llm(settings), threshold=settings.verify.threshold if threshold is None else threshold)


def pipeline(settings: Settings, store: Store, embedder: Embedder, *, generator_name: str | None = None) -> Pipeline:
    """The whole answer path. One local LLM serves both the generator and the judge, unless the generator
    drafts with another model (`llm.draft_model`)."""
    name = generator_name or settings.answer.generator
    needs_llm = name == "local" or settings.verify.judge in ("llm", "calibrated")
    llm = local_llm(settings) if needs_llm else None
    a, v = settings.answer, settings.verify
    return Pipeline(
        retriever(settings, store, embedder),
        generator(settings, llm, name),
        Verifier(
            judge(settings, llm),
            strict=v.mode == "strict",
            recite_candidates=v.recite_candidates,
            recite_min_score=v.recite_min_score,
            modality=v.modality,
            alignment=v.alignment,
            time_words=v.time_words,
        ),
        lambda article_id: store.get_article(article_id).body,
        AskParams(
            passages=a.passages,
            min_similarity=a.min_similarity,
            min_coverage=a.min_coverage,
            max_question_chars=a.max_question_chars,
            premise_check=a.premise_check,
            revise=a.revise,
            span=a.span,
            join_neighbours=a.join_neighbours,
            relevant_only=a.relevant_only,
            excerpt_words=a.excerpt_words,
            excerpt_total_words=a.excerpt_total_words,
            answer_kind=a.answer_kind,
            metadata=a.metadata,
            fallback_agreement=a.fallback == "agreeing",
            conflicts=a.conflicts,
            outdated_days=a.outdated_days,
        ),
        fallback=ExtractiveGenerator().generate if a.fallback != "none" and name != "extractive" else None,
    )


def warm_up(pipeline: Pipeline) -> None:
    """Load every model the pipeline uses (embedder, generator, judge) now rather than on first use."""
    pipeline.retriever.embedder.warm_up()
    pipeline.generator.warm_up()
    judge = pipeline.verifier.judge
    if hasattr(judge, "warm_up"):
        judge.warm_up()
