"""Settings: read only by the CLI and the API; library functions take explicit arguments.

Sources, highest priority first: environment variables (prefix `RAG_`, nesting with `__`, e.g.
`RAG_RETRIEVE__TOP_K=8`), then a TOML file (`$RAG_CONFIG`, else `./rag.toml` if present), then defaults.
Every field is documented by its `description`; docs/configuration.md is generated from them
(`python -m rag.config --write docs/configuration.md`) and a test fails when it is out of date.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator
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
    model: str = Field(
        DEFAULT_MODEL,
        description="embedding model: `sentence-transformers/all-MiniLM-L6-v2`, the same with int8 weights "
        "(`sentence-transformers/all-MiniLM-L6-v2-int8`: faster, vectors within cosine 0.98; docs/measurements.md, "
        '"Embedding runtime"), `fake-hash` for tests. An existing local index is read with the model that built '
        "it (its manifest) unless this names one; a different one named is refused, naming both",
    )
    batch_size: int = Field(
        4,
        ge=1,
        description="texts per forward pass: smaller batches pad less; on 2 cores 4 read 15-50% more word pieces "
        'per second than 16, on either runtime and either weights (docs/measurements.md, "Embedding runtime")',
    )
    threads: int = Field(0, ge=0, description="CPU threads of the embedding runtime; 0 = all cores")
    runtime: str = Field(
        "auto",
        pattern="^(auto|onnx|torch)$",
        description="`onnx`: ONNX Runtime on a graph exported once (about 10 s) from the package's weights into "
        "`~/.cache/rag/models/` and checked against PyTorch before use; `torch`: sentence-transformers on PyTorch; "
        "`auto`: onnx when it can be used, else torch. Same vectors (cosine > 0.99999), so an index built with one "
        "is searched with the other",
    )


class ChunkSettings(BaseModel):
    encoding: str = Field("cl100k_base", description="tiktoken encoding that measures chunks (`o200k_base` also ships)")
    max_tokens: int = Field(200, ge=16, description="largest chunk, in tiktoken tokens")
    overlap_tokens: int = Field(
        40, ge=0, description="whole sentences carried into the next chunk, up to this many tokens"
    )
    title_prefix: bool = Field(True, description="embed each chunk with its article's title in front")


class IndexSettings(BaseModel):
    exact_max_chunks: int = Field(
        30_000, ge=0, description="exact (flat) vector search up to this many chunks, HNSW above (docs/measurements.md)"
    )


class StoreSettings(BaseModel):
    kind: str = Field(
        "local",
        pattern="^(local|milvus)$",
        description="`local`: SQLite + FAISS in `index_dir`; `milvus`: Milvus at `store.uri` (the extra `scale`; "
        "docs/scaling.md)",
    )
    uri: str = Field(
        "",
        description="with `kind=milvus`: a Milvus Lite file (`./index/milvus.db`) or a server (`http://host:19530`); "
        "none = `milvus.db` in `index_dir`",
    )
    token_env: str = Field(
        "RAG_MILVUS_TOKEN",
        description="environment variable holding the Milvus server's token (`user:password` or an API key)",
    )
    prefix: str = Field(
        "rag", pattern="^[A-Za-z_][A-Za-z0-9_]*$", description="collection name prefix: several indexes per Milvus"
    )
    index_type: str = Field(
        "AUTOINDEX",
        pattern="^(AUTOINDEX|FLAT|HNSW|IVF_FLAT)$",
        description="Milvus vector index of a new index (FLAT: exact; AUTOINDEX: the server's choice, HNSW in Lite)",
    )


class RetrieveSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=100, description="passages returned by search")
    candidates: int = Field(
        50, ge=1, le=1000, description="candidates each retriever (dense, BM25) contributes to fusion"
    )
    rrf_k: int = Field(60, ge=0, description="reciprocal rank fusion constant")
    duplicate_threshold: float = Field(
        0.8,
        gt=0,
        le=1,
        description="word 5-gram Jaccard similarity above which passages of different articles count as copies",
    )
    max_per_article: int = Field(
        1,
        ge=0,
        description="passages per article before any article gets another (0 = no cap); capped passages fill in "
        "when other articles run out",
    )
    mode: str = Field("hybrid", pattern="^(hybrid|dense|bm25)$", description="`hybrid`, `dense` or `bm25`")
    time_aware: bool = Field(
        True,
        description='read time in the question ("this week", "in March 2024", "latest") as a window of '
        "publication dates or a recency prior, counted from the as-of date (docs/answering.md)",
    )
    recency: str = Field(
        "phrased",
        pattern="^(off|recent|phrased|always)$",
        description="when newer articles rank higher: `phrased` (the question counts time from now: this week, "
        "lately, latest; not a named period such as in March 2024), "
        "`recent` (only latest, recently, currently, now, new), `always` or `off`",
    )
    window: str = Field(
        "prior",
        pattern="^(filter|prior|off)$",
        description='what a period read from the question ("this week", "in March") does: `prior` weighs '
        "down passages published outside it (`window_weight`), `filter` leaves them out, `off` nothing. Either "
        "way a question whose period holds no retrieved passage abstains with `no_articles_in_period`",
    )
    window_weight: float = Field(
        0.3, ge=0, le=1, description="with `window=prior`, the share of its score a passage outside the period keeps"
    )
    half_life_days: float = Field(
        30.0, gt=0, description="the recency prior halves a passage's score for every this many days of age"
    )
    recency_floor: float = Field(
        0.25, ge=0, le=1, description="the recency prior never weighs a passage below this share of its score"
    )


class IngestSettings(BaseModel):
    max_file_mb: float = Field(10.0, gt=0, description="larger files are reported and skipped (JSONL: per line)")
    batch_chunks: int = Field(256, ge=1, description="chunks embedded and committed together")


class AnswerSettings(BaseModel):
    as_of: str = Field(
        "",
        description="the day questions are asked at when a request does not say (the chat API, MCP, `rag ask`): "
        "an ISO date; empty = today. Nothing published after it is retrieved or cited",
    )
    generator: str = Field(
        "local",
        pattern="^(local|extractive|openai)$",
        description="who drafts answers: `local` (the bundled LLM), `extractive` (no LLM) or `openai` (a server "
        "named by `llm.base_url`)",
    )
    passages: int = Field(5, ge=1, le=20, description="retrieved passages the generator sees")
    min_similarity: float = Field(
        0.2,
        ge=-1,
        le=1,
        description="a passage at least this similar to the question (MiniLM cosine) counts as relevant",
    )
    min_coverage: float = Field(
        0.5,
        ge=0,
        le=1,
        description="so does one holding this share of the question's content words; with no relevant passage "
        "the answer is `no_relevant_passages`",
    )
    premise_check: bool = Field(
        True,
        description="abstain (`insufficient_support`) when the question names a person, place, figure or date "
        "that no retrieved passage mentions, or that no article the answer cites mentions",
    )
    max_question_chars: int = Field(1000, ge=1, description="longer questions are refused")
    max_tokens: int = Field(256, ge=1, description="longest draft the generator may write, in its tokens")
    fallback: str = Field(
        "agreeing",
        pattern="^(extractive|agreeing|none)$",
        description="when no drafted sentence that answers survives verification: `extractive` (quote the passage "
        "sentence that best answers, guided by the draft), `agreeing` (the same, but only a sentence holding half "
        "the draft's answer words: the quote must say what the draft said) or `none` (abstain)",
    )
    span: bool = Field(
        True,
        description="when no drafted sentence that answers survives verification and no fallback quote "
        'qualifies, the one name or figure the draft answered with ("TikTok" of a sentence restating the '
        "question around it) is checked alone, as a short answer read with the question",
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
    answer_kind: bool = Field(
        True,
        description="an answer must give the kind of thing asked (a person for who, a place for where, a number "
        "for how many, a year or date for when) and say what was asked (the 'won' of 'Who won ...?', the counted "
        "thing of 'How many ...?'; a name or figure alone excepted); one that does not is no answer",
    )
    metadata: bool = Field(
        True,
        description="questions about an article itself (who wrote it, when it was published, which outlet) are "
        "answered from its stored byline, date or outlet, cited to it (verdict `metadata`)",
    )
    conflicts: bool = Field(
        True,
        description="when the relevant passages give different values for what the question asks, the answer "
        "says so, attributes each value to its sources (outlet, date) and lists them in `conflicts` (an update: "
        "the latest first; a lone source against several: the majority first)",
    )
    excerpt_words: int = Field(
        80,
        ge=0,
        description="a model generator reads, of each passage, only its sentences that share the most words with "
        "the question, up to this many words (with the sentence before each; rag.excerpts); verification still "
        "reads whole passages. 0: whole passages (twice the prompt, no better answers: docs/measurements.md)",
    )
    excerpt_total_words: int = Field(
        0,
        ge=0,
        description="and of all the passages together, at most this many words: each passage keeps its best "
        "sentence, the rest goes to the best sentences wherever they are (rag.excerpts). 0: no such limit",
    )
    outdated_days: int = Field(
        31,
        ge=0,
        description="a question without words of time whose answer rests only on reports over this many days "
        "older than the as-of date is declined (`outdated`) when a relevant passage retrieved is from within "
        "them (the story has moved on), or when the question presumes a current event ('has been grounded', "
        "'will soon decide') and the archive holds reports of those days. Questions asking when are exempt. "
        "Measured in docs/measurements.md, 'Answers from old reports'. 0: off",
    )
    relevant_only: bool = Field(
        False,
        description="the generator sees only the retrieved passages that pass the relevance gate (min_similarity "
        "or min_coverage), not all of them: a shorter prompt",
    )

    @field_validator("as_of")
    @classmethod
    def _as_of_is_a_date(cls, value: str) -> str:
        if value.strip() and value.strip().lower() != "today":
            date.fromisoformat(value.strip())  # ValueError: pydantic names the field
        return value.strip()


class VerifySettings(BaseModel):
    mode: str = Field(
        "strict",
        pattern="^(strict|lenient)$",
        description="`strict` drops sentences no passage supports; `lenient` keeps them marked `unsupported`",
    )
    judge: str = Field(
        "llm",
        pattern="^(llm|calibrated|overlap)$",
        description="`llm` (deterministic checks, then the local LLM's P(yes)), `calibrated` (checks, then a "
        "classifier over P(yes) and word coverage) or `overlap` (checks and word overlap, no LLM; much weaker)",
    )
    threshold: float = Field(
        DEFAULT_THRESHOLD, ge=0, le=1, description="P(yes) at or above which the LLM judge calls a sentence supported"
    )
    recite_candidates: int = Field(
        2, ge=0, description="other retrieved passages tried, best first, for a sentence whose own citations fail"
    )
    recite_min_score: float = Field(
        0.0, ge=0, le=1, description="the judge score a sentence re-cited to another passage needs (0: the threshold)"
    )
    time_words: bool = Field(
        True,
        description="words of time in a sentence (this week, recently, now) must hold for its cited article's "
        "publication date at the as-of date",
    )
    modality: bool = Field(
        True, description="a sentence stating as done what its passage states as planned or possible fails"
    )
    alignment: bool = Field(
        True,
        description="the answer's names and figures must stand in a passage sentence about what the question asks "
        '(and not one about the other of two relatives it names: "Jason Kelce\'s brother Travis")',
    )


class LLMSettings(BaseModel):
    threads: int = Field(0, ge=0, description="CPU threads of the local LLM; 0 = all available cores")
    context: int = Field(4096, ge=512, description="context window of the local LLM, in tokens")
    draft_model: str = Field(
        "qwen2.5-coder-1.5b",
        pattern=r"^(qwen2\.5-coder-1\.5b|qwen2\.5-coder-0\.5b)$",  # the names of rag.llm.WEIGHTS
        description="the model the local generator drafts with; the judge always runs on `qwen2.5-coder-1.5b`. "
        "`qwen2.5-coder-0.5b` (the `drafter` extra) answers the seed set 2.4x sooner with 14 of 28 right answers "
        'fewer: docs/measurements.md, "A smaller drafter"',
    )
    base_url: str = Field(
        "",
        description="OpenAI-compatible server for `answer.generator=openai`, e.g. `http://localhost:11434/v1` (Ollama)",
    )
    model: str = Field("", description="model name on that server")
    api_key: SecretStr = Field(SecretStr(""), description="bearer token for that server; never printed or logged")
    timeout: float = Field(60.0, gt=0, description="seconds to wait for that server's answer")


class ApiSettings(BaseModel):
    host: str = Field("127.0.0.1", description="address `rag serve` listens on (0.0.0.0 exposes it to the network)")
    port: int = Field(8000, ge=1, le=65535, description="port `rag serve` listens on")
    workers: int = Field(1, ge=1, description="server processes; each loads its own models")
    keys: list[SecretStr] = Field(
        default_factory=list,
        description='JSON list of bearer tokens that may call the API, e.g. `\'["k1","k2"]\'`; none = open',
    )
    admin_keys: list[SecretStr] = Field(
        default_factory=list, description="tokens that may also add and delete documents; none = any valid key may"
    )
    max_body_mb: float = Field(10.0, gt=0, description="larger request bodies get 413")
    queue_size: int = Field(
        8, ge=1, description="answers waiting or running at once; one more gets 503 with `Retry-After`"
    )
    retry_after: int = Field(10, ge=1, description="seconds the 503 tells the client to wait")
    cors_origins: list[str] = Field(
        default_factory=list, description="JSON list of origins allowed by CORS; none = CORS off"
    )
    model_name: str = Field("rag-news", description="the model id `/v1/models` lists and chat requests must name")
    sources_footer: bool = Field(
        False, description='append a "Sources:" list to chat answers, for clients that drop citations'
    )
    mcp: bool = Field(True, description="serve MCP (streamable HTTP) at /mcp")
    web: bool = Field(True, description="serve the web page at / (ask, citations, articles, library)")


class Settings(BaseSettings):
    """All configuration of the `rag` command and the service."""

    model_config = SettingsConfigDict(env_prefix="RAG_", env_nested_delimiter="__", extra="forbid")

    index_dir: Path = Field(Path("index"), description="where the index lives")
    embed: EmbedSettings = EmbedSettings()
    chunk: ChunkSettings = ChunkSettings()
    index: IndexSettings = IndexSettings()
    store: StoreSettings = StoreSettings()
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


def _default(field: Any) -> str:
    value = field.get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value in ("", [], None):
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def reference_rows(model: type[BaseModel] = Settings, prefix: str = "RAG_") -> list[tuple[str, str, str]]:
    """(environment variable, default, meaning) for every setting, in declaration order."""
    rows: list[tuple[str, str, str]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += reference_rows(annotation, f"{prefix}{name.upper()}__")
        else:
            rows.append((f"{prefix}{name.upper()}", _default(field), field.description or ""))
    return rows


def reference_table() -> str:
    """The Markdown table of every setting that docs/configuration.md carries."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {default} | {meaning} |" for name, default, meaning in reference_rows()]
    return "\n".join(lines) + "\n"


GENERATED_MARK = "<!-- generated by `python -m rag.config --write docs/configuration.md`: edit rag/config.py -->"


def render_reference(document: str) -> str:
    """`document` with everything after `GENERATED_MARK` replaced by the current table."""
    head = document.split(GENERATED_MARK, 1)[0].rstrip("\n")
    return f"{head}\n\n{GENERATED_MARK}\n\n{reference_table()}"


if __name__ == "__main__":  # python -m rag.config [--write FILE]: print or refresh the settings reference
    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        target = Path(sys.argv[2])
        target.write_text(render_reference(target.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(reference_table())
