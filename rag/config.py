"""Settings: read only by the CLI and the API; library functions take explicit arguments.

Sources, highest priority first: environment variables (prefix `RAG_`, nesting with `__`, e.g.
`RAG_RETRIEVE__TOP_K=8`), then a TOML file (`$RAG_CONFIG`, else `./rag.toml` if present), then defaults.
Every field is documented in README.md (a test checks it).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rag.embedders.base import DEFAULT_MODEL
from rag.errors import InputError
from rag.judges.base import DEFAULT_THRESHOLD


class EmbedSettings(BaseModel):
    model: str = Field(DEFAULT_MODEL, description="embedding model; an index remembers the one that built it")
    batch_size: int = Field(16, ge=1, description="texts per forward pass (16 measured fastest on 2 cores)")
    threads: int = Field(0, ge=0, description="CPU threads of the embedding runtime; 0 = all cores")
    runtime: str = Field(
        "auto",
        pattern="^(auto|onnx|torch)$",
        description="auto (ONNX Runtime when installed, else PyTorch), onnx or torch; same vectors either way",
    )


class ChunkSettings(BaseModel):
    encoding: str = Field("cl100k_base", description="tiktoken encoding that measures chunks")
    max_tokens: int = Field(200, ge=16, description="largest chunk, in tiktoken tokens")
    overlap_tokens: int = Field(40, ge=0, description="sentences carried into the next chunk, up to this many tokens")
    title_prefix: bool = Field(True, description="embed each chunk with its article's title in front")


class IndexSettings(BaseModel):
    exact_max_chunks: int = Field(
        30_000, ge=0, description="exact (flat) vector search up to this many chunks, HNSW above"
    )


class RetrieveSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=100, description="passages returned by search")
    candidates: int = Field(50, ge=1, le=1000, description="candidates each retriever (dense, BM25) contributes")
    rrf_k: int = Field(60, ge=0, description="reciprocal rank fusion constant")
    duplicate_threshold: float = Field(
        0.8, gt=0, le=1, description="word 5-gram Jaccard above which passages count as copies"
    )
    max_per_article: int = Field(
        1, ge=0, description="passages per article before any article gets more (0 = no cap); fills in if short"
    )
    mode: str = Field("hybrid", pattern="^(hybrid|dense|bm25)$", description="hybrid, dense or bm25")


class IngestSettings(BaseModel):
    max_file_mb: float = Field(10.0, gt=0, description="larger files are reported and skipped")
    batch_chunks: int = Field(256, ge=1, description="chunks embedded and committed together")


class AnswerSettings(BaseModel):
    generator: str = Field(
        "local", pattern="^(local|extractive|openai)$", description="local (the bundled LLM), extractive or openai"
    )
    passages: int = Field(5, ge=1, le=20, description="retrieved passages the generator sees")
    min_similarity: float = Field(
        0.2, ge=-1, le=1, description="a passage this similar to the question (cosine) counts as relevant"
    )
    min_coverage: float = Field(
        0.5, ge=0, le=1, description="or one holding this share of the question's content words"
    )
    premise_check: bool = Field(
        True, description="abstain when the question names a person, figure or date no passage mentions"
    )
    max_question_chars: int = Field(1000, ge=1, description="longer questions are refused")
    max_tokens: int = Field(256, ge=1, description="longest draft the generator may write, in its tokens")
    fallback: str = Field(
        "extractive",
        pattern="^(extractive|none)$",
        description="when no drafted sentence that answers survives verification: extractive (quote the passage "
        "sentence that best answers, guided by the draft) or none (abstain)",
    )
    revise: bool = Field(
        False,
        description="when no drafted sentence that answers survives verification (and no fallback quote "
        "qualifies), ask the generator once more, showing it the failed sentences and why they failed (costs a "
        "second generation; the bundled model seldom gains from it)",
    )
    join_neighbours: bool = Field(
        False,
        description="retrieved passages of one article that overlap or touch reach the generator as one passage "
        "(the overlap once: a shorter prompt; the bundled model answered fewer seed questions with it)",
    )
    relevant_only: bool = Field(
        False,
        description="the generator sees only the retrieved passages that pass the relevance gate (min_similarity "
        "or min_coverage), not all of them: a shorter prompt",
    )


class VerifySettings(BaseModel):
    mode: str = Field(
        "strict", pattern="^(strict|lenient)$", description="strict drops unsupported sentences; lenient marks them"
    )
    judge: str = Field(
        "llm",
        pattern="^(llm|calibrated|overlap)$",
        description="llm (checks, then the local LLM's P(yes)), calibrated (a classifier over it) or overlap",
    )
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0, le=1, description="P(yes) at which the LLM judge says supported")
    recite_candidates: int = Field(
        2, ge=0, description="other passages tried for a sentence whose citations fail, best first"
    )


class LLMSettings(BaseModel):
    threads: int = Field(0, ge=0, description="CPU threads of the local LLM; 0 = all available cores")
    context: int = Field(4096, ge=512, description="context window of the local LLM, in tokens")
    base_url: str = Field(
        "", description="OpenAI-compatible server for generator=openai, e.g. http://localhost:11434/v1"
    )
    model: str = Field("", description="model name on that server")
    api_key: SecretStr = Field(SecretStr(""), description="bearer token for that server (never logged)")
    timeout: float = Field(60.0, gt=0, description="seconds to wait for that server's answer")


class ApiSettings(BaseModel):
    host: str = Field("127.0.0.1", description="address `rag serve` listens on (0.0.0.0 exposes it to the network)")
    port: int = Field(8000, ge=1, le=65535, description="port `rag serve` listens on")
    workers: int = Field(1, ge=1, description="server processes; each loads its own models")
    keys: list[SecretStr] = Field(
        default_factory=list, description='bearer tokens that may call the API, e.g. \'["k1","k2"]\'; none = open'
    )
    admin_keys: list[SecretStr] = Field(
        default_factory=list, description="bearer tokens that may also add and delete documents; none = any key"
    )
    max_body_mb: float = Field(10.0, gt=0, description="larger request bodies are refused (413)")
    queue_size: int = Field(8, ge=1, description="answers waiting or running at once; more get 503 + Retry-After")
    retry_after: int = Field(10, ge=1, description="seconds a client is told to wait when the queue is full")
    cors_origins: list[str] = Field(default_factory=list, description="origins allowed by CORS; none = CORS off")
    model_name: str = Field("rag-news", description="the model id `/v1/models` lists and chat clients select")
    sources_footer: bool = Field(
        False, description='append a "Sources:" list to chat answers, for clients that drop citations'
    )
    mcp: bool = Field(True, description="serve MCP (streamable HTTP) at /mcp")


class Settings(BaseSettings):
    """All configuration of the `rag` command and the service."""

    model_config = SettingsConfigDict(env_prefix="RAG_", env_nested_delimiter="__", extra="forbid")

    index_dir: Path = Field(Path("index"), description="where the index lives")
    embed: EmbedSettings = EmbedSettings()
    chunk: ChunkSettings = ChunkSettings()
    index: IndexSettings = IndexSettings()
    retrieve: RetrieveSettings = RetrieveSettings()
    ingest: IngestSettings = IngestSettings()
    answer: AnswerSettings = AnswerSettings()
    verify: VerifySettings = VerifySettings()
    llm: LLMSettings = LLMSettings()
    api: ApiSettings = ApiSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))


def config_file() -> Path | None:
    """The TOML file settings are read from, if any."""
    explicit = os.environ.get("RAG_CONFIG")
    if explicit:
        if not Path(explicit).is_file():
            raise InputError(f"RAG_CONFIG names {explicit}, which is not a file")
        return Path(explicit)
    default = Path("rag.toml")
    return default if default.exists() else None
