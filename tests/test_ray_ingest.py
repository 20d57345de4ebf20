"""`rag ingest --engine ray` (rag.ray_ingest): the pieces without Ray (the write plan, per-article failures
in a worker's batch, a batch the store refuses), then on one local Ray with 2 workers for the whole module
(marker `ray`): a few hundred records with bad ones, the same index as the local path, an idempotent
re-run, an embedder failing on one article, and the command line."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.embedders.hashing import HashEmbedder
from rag.errors import InputError, StoreError
from rag.indexer import Indexer, IngestReport, chunker_for
from rag.ingest import read_sources
from rag.ray_ingest import (
    Plan,
    Prepared,
    RayOptions,
    chunk_and_embed,
    ingest_with_ray,
    load_ray,
    plan_writes,
    ray_session,
    write_batch,
)
from rag.readers.base import IngestProblem
from rag.retrieve import RetrievalParams, Retriever
from rag.store.local import LocalStore
from tests.conftest import article, make_config, open_store

FAKE = partial(HashEmbedder, dim=64, max_tokens=128)  # what `embedder` (tests/conftest.py) builds
QUERIES = ["harbour strike wages", "election results in the north", "flood warning river", "story 17 budget"]
TOPICS = ["harbour strike wages", "election results north", "flood warning river", "budget vote council"]


class PoisonEmbedder(HashEmbedder):
    """The fake embedder, failing on any text that holds POISON (an article no model can take)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if any("POISON" in t for t in texts):
            raise ValueError("poisoned input")
        return super().embed(texts)


def key(file: int, item: int, id: str = "", hash: str = "", reason: str = "") -> dict[str, Any]:
    return {"file": file, "item": item, "id": id, "hash": hash, "source": f"f{file}:{item}", "reason": reason}


# ---------------------------------------------------------------- without Ray


def test_plan_keeps_the_last_version_of_each_id_and_skips_what_the_store_holds() -> None:
    keys = [
        key(1, 0, "b", "b1"),
        key(0, 2, "a", "a2"),  # out of order on purpose: the plan sorts by (file, item)
        key(0, 0, "a", "a1"),
        key(0, 1, reason="line 2: invalid JSON"),
        key(1, 1, "a", "a2"),  # the same version again: its first occurrence (0, 2) is the one written
        key(1, 2, "c", "c1"),
    ]
    stored = {"c": "c1", "b": "b0", "z": "z0"}
    asked: list[list[str]] = []

    def hashes(ids: Sequence[str]) -> dict[str, str]:
        asked.append(list(ids))
        return {i: stored[i] for i in ids if i in stored}

    plan, problems = plan_writes(keys, hashes)
    assert asked == [["a", "b", "c"]]  # one bulk lookup, of the ids in the input only
    assert plan.wanted == {"a": (0, 2), "b": (1, 0)}
    assert plan.new == {"a"} and plan.unchanged == 1 and plan.repeated == 1
    assert problems == [IngestProblem("f0:1", "line 2: invalid JSON")]


def test_one_article_that_cannot_be_embedded_is_reported_and_its_batch_kept(tmp_path: Path) -> None:
    embedder = PoisonEmbedder(dim=64, max_tokens=128)
    chunker = chunker_for(make_config(embedder), embedder)
    articles = [article(f"Harbour workers met on day {i}. The strike went on.", id=f"a{i}") for i in range(4)]
    articles[2] = article("The POISON pill sentence. Another one follows here.", id="bad")
    out = chunk_and_embed(articles, chunker, embedder)
    assert [type(x).__name__ for x in out] == ["Prepared", "Prepared", "IngestProblem", "Prepared"]
    bad = out[2]
    assert isinstance(bad, IngestProblem) and "could not embed: ValueError: poisoned input" in bad.reason
    good = [x for x in out if isinstance(x, Prepared)]
    expected = embedder.embed([f"{c.text}" for c in good[0].chunks])
    assert np.allclose(good[0].vectors, expected)  # no title: the chunk text alone is embedded
    assert all(p.embedded == len(p.chunks) and p.tokens > 0 for p in good)


def test_a_refused_batch_is_written_article_by_article(tmp_path: Path, embedder: HashEmbedder) -> None:
    store = open_store(tmp_path / "index", embedder)
    chunker = chunker_for(store.config, embedder)
    articles = [article(f"Flood warnings on river {i}. Residents left.", id=f"r{i}") for i in range(3)]
    prepared = [x for x in chunk_and_embed(articles, chunker, embedder) if isinstance(x, Prepared)]
    prepared[1].vectors = prepared[1].vectors[:0]  # chunks without vectors: the store refuses this article
    report = IngestReport()
    with store.writing():
        write_batch(store, prepared, Plan(wanted={}, new={"r0", "r1", "r2"}), report)
        assert report.new == 2 and [p.source for p in report.problems] == ["r1"]
        assert "could not store: StoreError" in report.problems[0].reason
        assert store.article_hash("r0") and store.article_hash("r2") and store.article_hash("r1") is None
        broken = [x for x in chunk_and_embed(articles[:2], chunker, embedder) if isinstance(x, Prepared)]
        for p in broken:
            p.vectors = p.vectors[:0]
        with pytest.raises(StoreError):  # every article of several refused: the store fails, not the input
            write_batch(store, broken, Plan(wanted={}, new=set()), IngestReport())
    store.close()


def test_without_ray_the_message_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(InputError, match=r'needs ray\[data\]: pip install -e "\.\[scale\]"'):
        load_ray()
    with pytest.raises(InputError, match="at least 1"):
        RayOptions(workers=0)


# ---------------------------------------------------------------- on a local Ray


@pytest.fixture(scope="module")
def ray_local() -> Iterator[None]:
    """One local Ray with 2 workers for the module (starting one takes seconds)."""
    pytest.importorskip("ray", reason='Ray needs the extra: pip install -e ".[scale]"')
    with ray_session(2):
        yield


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 300 records in JSONL, gzipped JSONL and text files, with bad lines, bad files and repeats."""
    root = tmp_path_factory.mktemp("corpus")
    lines = []
    for i in range(240):
        topic = TOPICS[i % len(TOPICS)]
        text = " ".join(f"Report {i} on the {topic}, sentence {j}." for j in range(3 + i % 9))
        lines.append(json.dumps({"id": f"n{i}", "title": f"Story {i}: {topic}", "text": text, "outlet": "x.org"}))
    lines[10] = "{not json"
    lines[50] = json.dumps({"id": "n50", "title": "no text"})
    lines[90] = json.dumps({"id": "n90", "text": 12})
    lines.append(json.dumps({"id": "n3", "title": "Story 3, updated", "text": "Flood warning on the river, updated."}))
    (root / "wire.jsonl").write_text("\n".join(lines) + "\n")
    with gzip.open(root / "wire2.jsonl.gz", "wt") as f:
        for i in range(60):
            f.write(json.dumps({"url": f"https://example.org/{i}", "text": f"Council budget vote number {i}."}) + "\n")
        f.write(json.dumps({"id": "n5", "title": "Story 5: harbour strike wages", "text": "A new version."}) + "\n")
    folder = root / "files"
    folder.mkdir()
    for i in range(8):
        (folder / f"{i}.txt").write_text(f"# Election results {i}\n\nVotes in the north were counted on day {i}.\n")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01binary")
    return root


def local_index(path: Path, corpus: Path, embedder: HashEmbedder) -> tuple[LocalStore, IngestReport]:
    """The same input through the local path, as `rag ingest` runs it."""
    store = open_store(path, embedder)
    latest = {x.id: x.content_hash for x in read_sources([corpus]) if not isinstance(x, IngestProblem)}
    with store.writing():
        report = Indexer(store, embedder, chunker_for(store.config, embedder)).ingest(
            read_sources([corpus]), latest=latest
        )
    return store, report


def snapshot(store: LocalStore, embedder: HashEmbedder) -> dict[str, Any]:
    articles = {a["id"]: a["chunks"] for a in store.list_articles(limit=10_000)}
    hashes = {i: store.article_hash(i) for i in articles}
    retriever = Retriever(store, embedder, RetrievalParams())
    results = {q: [(p.chunk_id, round(p.score, 6)) for p in retriever.search(q, k=8)] for q in QUERIES}
    return {"chunks": articles, "hashes": hashes, "search": results, "counts": store.counts()}


@pytest.mark.ray
def test_ray_ingest_matches_the_local_path_skips_bad_records_and_reruns_idempotently(
    ray_local: None, corpus: Path, tmp_path: Path, embedder: HashEmbedder
) -> None:
    local, local_report = local_index(tmp_path / "local", corpus, embedder)
    store = open_store(tmp_path / "ray", embedder)
    seen: list[tuple[int, int]] = []
    with store.writing():
        report = ingest_with_ray(
            [corpus], store, FAKE, RayOptions(workers=2, batch_articles=16, batch_chunks=64),
            on_progress=lambda r, done, total: seen.append((done, total)),
        )  # fmt: skip
    assert report.new == local_report.new == 305 and report.changed == report.unchanged == 0
    assert report.repeated == local_report.repeated == 2
    assert report.chunks == local_report.chunks == store.counts()["chunks"] > report.new
    assert sorted(report.problems, key=str) == sorted(local_report.problems, key=str)
    reasons = " | ".join(f"{p.source}: {p.reason}" for p in report.problems)
    for bad in ("wire.jsonl:11: line 11: invalid JSON", "missing 'text'", "'text' must be a string"):
        assert bad in reasons
    assert "empty.txt: empty file" in reasons and "binary.txt: binary file" in reasons
    assert seen[0] == (0, 305) and seen[-1] == (305, 305)
    ours, theirs = snapshot(store, embedder), snapshot(local, embedder)
    assert ours == theirs
    assert store.get_article("n3").title == "Story 3, updated" and store.get_article("n5").body == "A new version."

    generation = store.generation()
    with store.writing():
        again = ingest_with_ray([corpus], store, FAKE, RayOptions(workers=2))
    assert (again.new, again.changed, again.unchanged, again.chunks) == (0, 0, 305, 0)
    assert store.generation() == generation and len(again.problems) == len(report.problems)
    store.close()
    local.close()


@pytest.mark.ray
def test_an_article_the_embedder_fails_on_is_reported_and_the_rest_indexed(
    ray_local: None, tmp_path: Path, embedder: HashEmbedder
) -> None:
    records = [{"id": f"p{i}", "text": f"Harbour strike day {i}. Wages were discussed."} for i in range(40)]
    records[7]["text"] = "The POISON pill. Nobody can embed this."
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    store = open_store(tmp_path / "index", embedder)
    with store.writing():
        report = ingest_with_ray([tmp_path / "in.jsonl"], store, partial(PoisonEmbedder, dim=64, max_tokens=128))
    assert report.new == 39 and store.counts()["articles"] == 39 and store.article_hash("p7") is None
    assert [p.reason.split(":")[0] for p in report.problems] == ["could not embed"]
    assert report.problems[0].source.endswith("in.jsonl:8")
    store.close()


@pytest.mark.ray
def test_rag_ingest_engine_ray_on_the_command_line(ray_local: None, corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    run = partial(CliRunner().invoke, main, env={"RAG_EMBED__MODEL": "fake-hash"})
    first = run(["--index", str(index), "ingest", "--engine", "ray", "--workers", "2", str(corpus / "files")])
    assert first.exit_code == 1, first.output  # the empty and the binary file
    assert "8 new, 0 changed, 0 unchanged articles" in first.output and "binary.txt: binary file" in first.output
    again = run(["--index", str(index), "ingest", "--engine", "ray", str(corpus / "files" / "0.txt")])
    assert again.exit_code == 0 and "Nothing changed: 1 articles already indexed" in again.output
    stdin = run(["--index", str(index), "ingest", "--engine", "ray", "-"], input="text")
    assert stdin.exit_code == 1 and "standard input cannot be ingested with Ray" in stdin.output


@pytest.mark.ray
@pytest.mark.milvus
def test_ray_ingest_into_milvus_lite_then_nothing_changes(ray_local: None, corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("milvus_lite", reason='Milvus Lite needs the extra: pip install -e ".[scale]"')
    env = {"RAG_EMBED__MODEL": "fake-hash", "RAG_STORE__KIND": "milvus"}
    run = partial(CliRunner().invoke, main, env=env)
    args = ["--index", str(tmp_path / "index"), "ingest", "--engine", "ray", str(corpus / "wire2.jsonl.gz")]
    first = run(args)
    assert first.exit_code == 0, first.output
    assert "61 new, 0 changed, 0 unchanged articles" in first.output and "holds 61 articles" in first.output
    again = run(args)
    assert again.exit_code == 0 and "Nothing changed: 61 articles already indexed" in again.output
