"""evals.bench.synthetic and evals.bench.stores: the made-up archive is deterministic and fits the store's
contract; a tiny run of the store benchmark on the local store (no timing asserted); the CPU seconds of a
process tree (evals.bench.machine.TreeCpu, which the Ray ingest benchmark records)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from evals.bench import stores
from evals.bench.machine import TreeCpu, descendants_cpu
from evals.bench.synthetic import Archive, sentences, vocabulary
from rag.types import Filters
from tests.conftest import ROOT

TEXT = "The harbour strike went on. The union said the strike would end when wages rose; the port said no."


def test_vocabulary_counts_lowercased_words_most_frequent_first() -> None:
    v = vocabulary([TEXT, "Strike!"])
    assert v.words[:3] == ("the", "strike", "said")
    assert v.p[0] == pytest.approx(4 / 20) and v.p.sum() == pytest.approx(1.0)
    assert "Strike" not in v.words and len(vocabulary([TEXT], min_count=2)) == 3
    with pytest.raises(ValueError):
        vocabulary(["1234 ..."])


def test_the_archive_is_deterministic_and_each_chunk_is_its_article_body_at_its_offsets() -> None:
    vocab = vocabulary([TEXT])
    first = [b for b in Archive(vocab, seed=3, dim=16).batches(95, 40)]
    again = [b for b in Archive(vocab, seed=3, dim=16).batches(95, 40)]
    assert [len(b) for b in first] == [4, 4, 2]  # whole articles of 10 chunks, about 40 chunks a batch
    for batch, same in zip(first, again, strict=True):
        for (a, chunks, vectors), (a2, chunks2, vectors2) in zip(batch, same, strict=True):
            assert a == a2 and chunks == chunks2 and np.array_equal(vectors, vectors2)
            assert len(chunks) == 10 == len(vectors) and vectors.shape[1] == 16
            assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
            assert all(a.body[c.start : c.end] == c.text and len(c.text.split()) == 150 for c in chunks)
            assert "2019-01-01" <= a.published_at <= "2024-12-31" and a.outlet.endswith(".example")
    other = next(iter(Archive(vocab, seed=4, dim=16).batches(10)))[0][0]
    assert other.body != first[0][0][0].body
    smaller = next(iter(Archive(vocab, seed=3, dim=16).batches(20, 40)))
    assert [a.id for a, _, _ in smaller] == [a.id for a, _, _ in first[0][:2]]  # a prefix of the larger archive
    assert sentences(["a", "b"]) == "A b."


def test_queries_leave_out_the_most_frequent_words() -> None:
    vocab = vocabulary([TEXT, " ".join(f"word{chr(97 + i)}" for i in range(26))])
    queries = Archive(vocab, seed=1).queries(20, words=4, skip_top=3)
    assert len(queries) == 20 and all(len(q.split()) == 4 for q in queries)
    assert not {"the", "strike", "said"} & {w for q in queries for w in q.split()}


def test_a_tiny_run_on_the_local_store_measures_every_search(tmp_path: Path) -> None:
    args = stores.parse_args(
        ["--chunks", "300", "--queries", "3", "--work", str(tmp_path), "--vocab", str(ROOT / "seeds")]
    )
    assert isinstance(args, argparse.Namespace)
    row = stores.run_case("local", 300, args)
    assert row["write"]["chunks"] == 300 and row["write"]["stopped"] == "" and row["disk_bytes"] > 0
    assert set(row["search"]) == {f"{s}{f}" for s in ("dense", "bm25", "hybrid") for f in ("", "+date")}
    assert all(r["n"] == 3 for r in row["search"].values())
    assert len(stores.summary_rows([row])[0]) == len(stores.HEADERS)
    assert Filters(*stores.DATE_FILTER).published_after == "2023-01-01"


def test_descendants_cpu_sums_a_process_and_everything_below_it() -> None:
    table = {1: (0, 5.0), 10: (1, 1.0), 11: (10, 2.0), 12: (10, 0.5), 20: (1, 3.0), 30: (2, 9.0)}
    assert descendants_cpu(table, 10) == {10: 1.0, 11: 2.0, 12: 0.5}
    assert sum(descendants_cpu(table, 1).values()) == 11.5 and descendants_cpu(table, 99) == {}


def test_tree_cpu_counts_a_child_process() -> None:
    with TreeCpu(every=0.05) as cpu:
        subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
        time.sleep(0.05)
    assert cpu.seconds > 0.05  # the child's work is seen even though it ran in another process


def test_a_case_that_runs_too_long_or_too_big_is_killed_and_reported() -> None:
    done = stores.watched(subprocess.Popen([sys.executable, "-c", "pass"]), 10_000, 30)
    assert done["exit"] == 0 and done["killed"] == ""
    slow = stores.watched(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]), 10_000, 0.5)
    assert slow["killed"].startswith("killed after") and "> 0 s" in slow["killed"]
    big = "x = bytearray(300 * 2**20); import time; time.sleep(30)"
    assert "RSS" in stores.watched(subprocess.Popen([sys.executable, "-c", big]), 100, 30)["killed"]
