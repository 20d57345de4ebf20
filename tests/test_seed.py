"""End to end with the real embedding model on the seed article: what the README's first command shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.embedders.registry import load_embedder
from rag.store.local import LocalStore
from tests.conftest import SEED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "index"
    result = CliRunner().invoke(
        main, ["--index", str(path), "ingest", str(SEED.parent)], env={"RAG_EMBED__MODEL": None}
    )
    assert result.exit_code == 0, result.output
    return path


def test_seed_question_finds_the_confirming_sentence(index: Path) -> None:
    result = CliRunner().invoke(main, ["--index", str(index), "search", "Who confirmed the refusal?", "--json"])
    passages = json.loads(result.output)
    assert "Defense Minister Guido Crosetto confirmed that the refusal" in passages[0]["text"]
    assert passages[0]["byline"] == "Marc Wells" and passages[0]["published_at"] == "2026-04-01"


def test_no_chunk_exceeds_what_minilm_reads(index: Path) -> None:
    embedder = load_embedder()
    store = LocalStore.open(index, embed_model=embedder.name, dim=embedder.dim)
    article = store.get_article(store.list_articles()[0]["id"])
    rows = store._db.execute('SELECT start, "end", text FROM chunks ORDER BY position').fetchall()
    assert len(rows) > 3
    inputs = [f"{article.title}\n{text}" for _, _, text in rows]
    assert max(embedder.count_tokens(inputs)) <= 256
    for start, end, text in rows:
        assert article.body[start:end] == text
    covered = set()
    for start, end, _ in rows:
        covered.update(range(start, end))
    assert all(i in covered for i, ch in enumerate(article.body) if not ch.isspace())
    assert "To contact" not in article.body
