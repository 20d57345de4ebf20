"""What every section of the benchmark shares: paths, caches, the LlamaIndex packages, k, and the product's
settings for an index folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "evals" / "results" / "bench.json"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag"
DEFAULT_PEER_VENV = CACHE / "peer-venv"
DEFAULT_COLLECTIONS = CACHE / "bench" / "collections"
SECTIONS = ("ingest", "peer", "search", "vectors", "ask", "ask-peer")
PEER_PACKAGES = (
    "llama-index-core==0.14.25",
    "llama-index-embeddings-huggingface==0.8.0",
    "llama-index-vector-stores-faiss==0.7.0",
    "llama-index-llms-llama-cpp==0.7.0",
    # The version the product runs (this environment's); pinned so pip takes it (or its wheel in pip's cache)
    # and never builds llama.cpp from source.
    "llama-cpp-python==0.3.36",
)
K = 10
K_MAX = 100  # deepest ranking ours is searched to when matching the peer's context budget
NOISE = 0.05


def settings_for(index_dir: Path) -> Any:
    """The product's settings (environment and rag.toml as usual) with the index at `index_dir`."""
    from rag.config import Settings

    settings = Settings()
    settings.index_dir = index_dir
    return settings
