"""Shared fixtures: a deterministic fake embedder and small indexes built in temporary folders."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.service import Service
from rag.chunk import Chunker
from rag.embedders.hashing import HashEmbedder
from rag.indexer import Indexer, chunker_for
from rag.readers.plain import article_from_text
from rag.store.base import IndexConfig, Store
from rag.store.local import LocalStore
from rag.types import Article

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_397e3221e5c587a0.txt"
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder(dim=64, max_tokens=128)


def make_config(embedder: HashEmbedder, max_tokens: int = 60, overlap: int = 10) -> IndexConfig:
    return IndexConfig(
        embed_model=embedder.name,
        dim=embedder.dim,
        embed_max_tokens=embedder.max_tokens,
        encoding="cl100k_base",
        max_tokens=max_tokens,
        overlap_tokens=overlap,
    )


def make_chunker(embedder: HashEmbedder, config: IndexConfig) -> Chunker:
    return chunker_for(config, embedder)


def open_store(path: Path, embedder: HashEmbedder, exact_max: int = 100_000) -> LocalStore:
    return LocalStore.open(
        path, embed_model=embedder.name, dim=embedder.dim, create=make_config(embedder), exact_max=exact_max
    )


@pytest.fixture(params=["flat", "hnsw"])
def store(request: pytest.FixtureRequest, tmp_path: Path, embedder: HashEmbedder) -> Iterator[LocalStore]:
    """An empty store, once with exact search and once with HNSW (exact_max=0 forces HNSW)."""
    s = open_store(tmp_path / "index", embedder, exact_max=100_000 if request.param == "flat" else 0)
    yield s
    s.close()


def article(text: str, *, id: str, title: str = "", published_at: str = "", outlet: str = "") -> Article:
    return article_from_text(text, id=id, title=title, published_at=published_at, outlet=outlet)


@pytest.fixture
def ingest(embedder: HashEmbedder) -> Callable[..., object]:
    """Ingest articles into a store the way `rag ingest` does."""

    def run(store: Store, articles: list[Article], batch_chunks: int = 256) -> object:
        indexer = Indexer(store, embedder, make_chunker(embedder, store.config), batch_chunks=batch_chunks)
        with store.writing():
            return indexer.ingest(articles)

    return run


NEWS = [
    ("rome", "Rome denies base access", "Defense Minister Guido Crosetto confirmed the refusal on Tuesday. "
     "The government said the authorization had not been granted in time for a parliamentary vote."),
    ("kyiv", "Ministers meet in Kyiv", "Foreign Minister Antonio Tajani joined European counterparts in Kyiv. "
     "They reaffirmed support for Ukraine's accession to the European Union."),
    ("protest", "Mass protests in Rome", "An estimated 300,000 people marched in Rome on March 28. "
     "Organisers said the protest was the largest in a decade."),
]  # fmt: skip


@pytest.fixture
def news() -> list[Article]:
    dates = ["2026-04-01", "2026-03-30", "2026-03-28"]
    outlets = ["wsws.org", "reuters.com", "wsws.org"]
    return [
        article(text, id=i, title=t, published_at=d, outlet=o)
        for (i, t, text), d, o in zip(NEWS, dates, outlets, strict=True)
    ]


# -- a real server on loopback -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn in a background thread, stopped on exit."""

    def __init__(self, service: Service) -> None:
        self.port = free_port()
        config = uvicorn.Config(create_app(service=service), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
