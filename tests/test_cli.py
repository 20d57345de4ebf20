"""The `rag` command line, with the fake embedder (RAG_EMBED__MODEL=fake-hash) so it runs in milliseconds."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rag.cli import main
from tests.conftest import SEED

FAKE = {"RAG_EMBED__MODEL": "fake-hash"}


def rag(index: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["--index", str(index), *args], env=FAKE, input=input)


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    index = tmp_path / "index"
    assert rag(index, "ingest", str(SEED.parent)).exit_code == 0
    return index


def test_ingest_then_again_changes_nothing(tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = rag(index, "ingest", str(SEED.parent))
    assert first.exit_code == 0, first.output
    assert "1 new, 0 changed, 0 unchanged articles" in first.output
    again = rag(index, "ingest", str(SEED))
    assert again.exit_code == 0
    assert "Nothing changed: 1 articles already indexed" in again.output


def test_workers_without_ray_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    result = rag(tmp_path / "index", "ingest", "--workers", "4", str(SEED))
    assert result.exit_code == 2 and "--workers is for --engine ray" in result.output
    assert not (tmp_path / "index").exists()


def test_search_shows_the_answering_passage(seeded: Path) -> None:
    result = rag(seeded, "search", "Who confirmed the refusal?", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    passages = json.loads(result.output)
    assert len(passages) == 3
    assert "Guido Crosetto confirmed that the refusal" in passages[0]["text"]
    assert passages[0]["title"].startswith("Italy restricts US military access")
    body = SEED.read_text()
    assert passages[0]["text"] in body
    text = rag(seeded, "search", "-", input="Who confirmed the refusal?\n")
    assert text.exit_code == 0 and "[1] Italy restricts" in text.output and "chars 0-" in text.output


def test_bad_inputs_are_reported_and_the_rest_ingested(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_text("")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (docs / "latin1.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    (docs / "good.md").write_text("# A good article\n\nThe harbour reopened on Monday after the strike.\n")
    (docs / "lines.jsonl").write_text('{"title": "T", "text": "Valid line about ships."}\n{broken\n')
    result = rag(tmp_path / "index", "ingest", str(docs), str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    for name in ("empty.txt", "binary.txt", "latin1.txt", "lines.jsonl:2", "missing.txt"):
        assert f"{name}: " in result.output, name
    assert "2 new, 0 changed" in result.output
    assert "Traceback" not in result.output


def test_delete_by_id_and_path(seeded: Path) -> None:
    info = json.loads(rag(seeded, "info", "--json").output)
    assert info["counts"]["articles"] == 1
    result = rag(seeded, "delete", str(SEED))
    assert result.exit_code == 0 and "Deleted 1 article." in result.output
    assert json.loads(rag(seeded, "info", "--json").output)["counts"] == {"articles": 0, "chunks": 0, "tokens": 0}
    missing = rag(seeded, "delete", "nope")
    assert missing.exit_code == 1 and "no article matches 'nope'" in missing.output


def test_info_describes_the_index(seeded: Path) -> None:
    result = rag(seeded, "info")
    assert result.exit_code == 0
    assert "fake-hash" in result.output and "cl100k_base" in result.output and "flat" in result.output
    assert "2026-04-01" in result.output


def test_clear_errors_without_traceback(tmp_path: Path, seeded: Path) -> None:
    missing = rag(tmp_path / "nothing", "search", "who?")
    assert missing.exit_code == 1 and "no index at" in missing.output and "rag ingest" in missing.output
    empty = rag(seeded, "search", "   ")
    assert empty.exit_code == 1 and "empty" in empty.output
    other = CliRunner().invoke(main, ["--index", str(seeded), "info"], env={"RAG_EMBED__MODEL": "nope"})
    assert other.exit_code == 1 and "unknown embedding model 'nope'" in other.output
    bad = CliRunner().invoke(main, ["--index", str(seeded), "info"], env={**FAKE, "RAG_RETRIEVE__TOP_K": "0"})
    assert bad.exit_code == 1 and "retrieve.top_k" in bad.output
    for result in (missing, empty, other, bad):
        assert "Traceback" not in result.output


def test_an_index_is_read_with_the_embedding_model_it_was_built_with(seeded: Path) -> None:
    # built with fake-hash (FAKE); later commands need not name it again
    unnamed = CliRunner().invoke(main, ["--index", str(seeded), "search", "Sigonella"], env={"RAG_EMBED__MODEL": None})
    assert unnamed.exit_code == 0, unnamed.output
    assert "Sigonella" in unnamed.output
    # a model named that differs from the index's is refused, naming both
    named = CliRunner().invoke(
        main,
        ["--index", str(seeded), "search", "Sigonella"],
        env={"RAG_EMBED__MODEL": "sentence-transformers/all-MiniLM-L6-v2"},
    )
    assert named.exit_code == 1 and "fake-hash" in named.output and "all-MiniLM-L6-v2" in named.output


EXTRACTIVE = {**FAKE, "RAG_ANSWER__GENERATOR": "extractive", "RAG_VERIFY__JUDGE": "overlap"}


def ask(index: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--index", str(index), "ask", *args], env={**EXTRACTIVE, **(env or {})})


def test_ask_json_has_the_whole_answer(seeded: Path) -> None:
    result = ask(seeded, "Who confirmed the refusal?", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) >= {"answer", "answerable", "abstain_reason", "sentences", "sources", "timings"}
    assert answer["answerable"] is True and "Crosetto" in answer["answer"]
    [sentence] = answer["sentences"]
    assert set(sentence) >= {"text", "citations", "verdict", "support"} and sentence["citations"] == [1]
    [source] = answer["sources"]
    keys = {"n", "article_id", "chunk_id", "title", "author", "published_at", "url", "quote", "start", "end"}
    assert set(source) >= keys and source["n"] == 1 and source["author"] == "Marc Wells"
    body = SEED.read_text(encoding="utf-8")
    assert source["quote"] in body and "Crosetto confirmed" in source["quote"]
    assert set(answer["timings"]) >= {"retrieve", "generate", "verify", "total"}


def test_ask_prints_answer_and_numbered_sources(seeded: Path) -> None:
    result = ask(seeded, "Who confirmed the refusal?", "-v")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Crosetto" in lines[0] and "[1]" in result.output
    assert any(line.startswith("[1] Italy restricts US military access") for line in lines)
    assert "Marc Wells" in result.output and "chars " in result.output and "timings:" in result.output


def test_ask_shows_where_sources_disagree_in_json_and_in_plain_text(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, outlet, figure in (("reuters", "Reuters", 40), ("bbc", "BBC", 25)):
        (docs / f"{name}.md").write_text(
            f"---\ntitle: Teachers strike\noutlet: {outlet}\ndate: 2024-03-04\n---\n\n"
            f"The strike closed {figure} schools across the region on Monday, officials said.\n"
        )
    index = tmp_path / "index"
    assert rag(index, "ingest", str(docs)).exit_code == 0
    question = "How many schools did the strike close?"
    result = ask(index, question, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["answerable"] is True
    [conflict] = answer["conflicts"]
    assert conflict["status"] == "disagreement" and conflict["kind"] == "number"
    assert [(v["value"], [s["outlet"] for s in v["sources"]]) for v in conflict["values"]] in (
        [("40 schools", ["Reuters"]), ("25 schools", ["BBC"])],
        [("25 schools", ["BBC"]), ("40 schools", ["Reuters"])],
    )
    plain = ask(index, question)
    assert plain.exit_code == 0
    assert plain.output.startswith("The sources disagree: one source (")
    assert "The sources disagree (disagreement): How many schools did the strike close?" in plain.output
    assert "  40 schools: [" in plain.output and "Reuters · 2024-03-04" in plain.output


def test_ask_abstains_with_a_reason_and_exit_status_0(seeded: Path) -> None:
    result = ask(seeded, "Why did Germany deny access to Sigonella?", "--json")
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert (answer["answerable"], answer["abstain_reason"]) == (False, "insufficient_support")
    assert answer["sources"] == [] and answer["sentences"] == []


def test_ask_refuses_bad_input_clearly(tmp_path: Path, seeded: Path) -> None:
    results = [
        ask(seeded, "   "),
        ask(seeded, "x" * 50, env={"RAG_ANSWER__MAX_QUESTION_CHARS": "20"}),
        ask(tmp_path / "nothing", "Who?"),
        ask(seeded, "Who?", env={"RAG_ANSWER__GENERATOR": "magic"}),
        ask(seeded, "Who?", "--generator", "openai"),
    ]
    assert [r.exit_code for r in results] == [1, 1, 1, 1, 1]
    messages = [r.output for r in results]
    assert "empty" in messages[0]
    assert "limit is 20" in messages[1]
    assert "no index at" in messages[2]
    assert "answer.generator" in messages[3]
    assert "RAG_LLM__BASE_URL" in messages[4]
    assert not any("Traceback" in m for m in messages)


def test_ask_reads_the_question_from_stdin(seeded: Path) -> None:
    result = CliRunner().invoke(
        main, ["--index", str(seeded), "ask", "-", "--json"], env=EXTRACTIVE, input="Who confirmed the refusal?\n"
    )
    assert result.exit_code == 0 and json.loads(result.output)["answerable"]


def test_ask_through_an_openai_compatible_server_keeps_verification(seeded: Path) -> None:
    from tests.fakes import FakeChatServer, Reply, completion

    server = FakeChatServer()
    try:
        server.reply(Reply(body=completion("Guido Crosetto confirmed the refusal [1]. The pope approved it [1].")))
        env = {"RAG_LLM__BASE_URL": server.base_url, "RAG_LLM__MODEL": "tiny", "RAG_LLM__API_KEY": "sk-secret"}
        result = ask(
            seeded, "Who confirmed the refusal?", "--as-of", "2026-04-01", "--generator", "openai", "--json", env=env
        )
        assert result.exit_code == 0, result.output
        answer = json.loads(result.output)
        assert answer["answer"] == "Guido Crosetto confirmed the refusal [1]."  # the unsupported sentence is gone
        assert [d["text"] for d in answer["dropped"]] == ["The pope approved it."]
        assert answer["usage"]["generator"] == "openai:tiny"
        assert server.requests[0].headers["authorization"] == "Bearer sk-secret"
        server.stop()
        down = ask(seeded, "Who confirmed the refusal?", "--generator", "openai", env={**env, "RAG_LLM__TIMEOUT": "1"})
        assert down.exit_code == 1 and "cannot reach" in down.output and "sk-secret" not in down.output
    finally:
        server.stop()


def corpus(path: Path, n: int) -> Path:
    with open(path, "w") as f:
        for i in range(n):
            text = " ".join(f"Report {i} sentence {j} on harbour traffic in port {i % 13}." for j in range(30))
            f.write(json.dumps({"id": f"a{i}", "title": f"Report {i}", "text": text}) + "\n")
    return path


def committed_articles(index: Path) -> int:
    try:
        with sqlite3.connect(f"file:{index / 'store.sqlite'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def run_cli(index: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, **FAKE, "RAG_INGEST__BATCH_CHUNKS": "32"}
    return subprocess.Popen(
        [sys.executable, "-m", "rag", "--index", str(index), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_killed_ingest_leaves_a_consistent_index(tmp_path: Path) -> None:
    """SIGKILL in the middle of an ingest: the index opens, agrees with itself, and a rerun completes."""
    data = corpus(tmp_path / "many.jsonl", 1500)
    index = tmp_path / "index"
    proc = run_cli(index, "ingest", str(data))
    deadline = time.time() + 120
    while time.time() < deadline and committed_articles(index) < 100:  # kill once some batches are in
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    info = json.loads(rag(index, "info", "--json").output)
    assert 0 < info["counts"]["articles"] < 1500, "kill came too late or too early to test anything"
    assert info["vector_index"]["vectors"] == info["counts"]["chunks"]
    rerun = run_cli(index, "ingest", str(data))
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output
    assert f"{info['counts']['articles']} unchanged" in output
    assert json.loads(rag(index, "info", "--json").output)["counts"]["articles"] == 1500


@pytest.mark.slow
def test_concurrent_writer_gets_a_clear_message(tmp_path: Path) -> None:
    data = corpus(tmp_path / "many.jsonl", 6000)  # long enough to still be writing when the second starts
    index = tmp_path / "index"
    first = run_cli(index, "ingest", str(data))
    deadline = time.time() + 120
    while time.time() < deadline and committed_articles(index) < 1:
        time.sleep(0.01)
    second = run_cli(index, "ingest", str(SEED))
    output, _ = second.communicate(timeout=120)
    first.communicate(timeout=300)
    assert second.returncode == 1
    assert "another process is writing to the index" in output
    assert first.returncode == 0
    assert committed_articles(index) == 6000


def test_as_of_is_a_date_refused_clearly_and_noted_when_in_the_future(seeded: Path) -> None:
    bad = ask(seeded, "Who confirmed the refusal?", "--as-of", "last tuesday")
    assert bad.exit_code == 2 and "as_of must be a date" in bad.output and "Traceback" not in bad.output
    before = json.loads(ask(seeded, "Who confirmed the refusal?", "--as-of", "2026-03-01", "--json").output)
    assert before["answerable"] is False and before["as_of"] == "2026-03-01"  # the seed article is of 1 April
    after = ask(seeded, "Who confirmed the refusal?", "--as-of", "2999-01-01", "--json")
    assert after.exit_code == 0 and "after today" in after.output
    assert "Crosetto" in json.loads(after.output[after.output.index("{") :])["answer"]
