"""evals.bench: the pure logic of its sections (no model, no timing assertions)."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from evals.bench import ask, ask_peer, cli, ingest, peer, ranking, search
from evals.bench.common import (
    budget_top_k,
    covered_span,
    covered_tokens,
    drop_words,
    hits_at,
    k_for_budget,
    latency_ms,
    looks_like_abstention,
    mean_prefix_tokens,
    merge_spans,
    mrr_at,
    parse_peer,
    parse_query_engine,
    percentile,
    ratio,
    select_groups,
    table,
    truncation_cut,
)
from evals.bench.config import DEFAULT_OUT
from evals.bench.targets import targets
from rag.chunk import Chunker
from rag.embedders.hashing import HashEmbedder
from rag.indexer import Indexer
from rag.retrieve import Retriever
from rag.store.base import IndexConfig
from rag.store.local import LocalStore
from rag.types import Article

# -- numbers and tables ----------------------------------------------------------------------------


def test_percentile_interpolates_like_numpy() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0]
    for p in (0, 10, 50, 95, 100):
        assert percentile(values, p) == pytest.approx(float(np.percentile(values, p)))
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="percentile must be in"):
        percentile([1.0], 101)


def test_latency_ms_summarises_seconds_in_milliseconds() -> None:
    out = latency_ms([0.001, 0.002, 0.003, 0.004])
    assert out == {"n": 4, "p50_ms": 2.5, "p95_ms": 3.85, "mean_ms": 2.5}
    assert math.isnan(latency_ms([])["p50_ms"])


def test_ratio_is_none_when_it_cannot_be_computed() -> None:
    assert ratio(3, 2) == 1.5
    assert ratio(1, 3, digits=3) == 0.333
    assert ratio(1, 0) is None
    assert ratio(None, 2) is None
    assert ratio(2, None) is None
    assert ratio(float("nan"), 2) is None


def test_table_aligns_numbers_right_and_text_left() -> None:
    text = table(["name", "value"], [["ours", 1234.5], ["llamaindex", 0.123456], ["none", None]])
    lines = text.splitlines()
    assert lines[0] == "| name       | value |"
    assert lines[1] == "|------------|------:|"
    assert lines[2] == "| ours       | 1,234 |"  # thousands without decimals
    assert lines[3] == "| llamaindex | 0.123 |"
    assert lines[4] == "| none       |     - |"
    assert table(["n"], [[12_345]]).splitlines()[2] == "| 12,345 |"
    with pytest.raises(ValueError, match="row has 1 cells, the header 2"):
        table(["a", "b"], [["x"]])


# -- truncation coverage -----------------------------------------------------------------------------


def offsets_of(text: str) -> list[tuple[int, int]]:
    """Whitespace 'word pieces' with [CLS]/[SEP] spans, like a fast tokenizer's offset mapping."""
    spans, pos = [], 0
    for word in text.split():
        start = text.index(word, pos)
        spans.append((start, start + len(word)))
        pos = start + len(word)
    return [(0, 0), *spans, (0, 0)]


def test_truncation_cut_is_where_the_last_read_word_piece_ends() -> None:
    text = "one two three four five"
    assert truncation_cut(offsets_of(text), 7) is None  # 5 words + 2 special tokens fit exactly
    assert truncation_cut(offsets_of(text), 5) == len("one two three")  # 3 text tokens are read
    assert truncation_cut(offsets_of(text), 2) == 0


def test_covered_span_maps_the_cut_back_onto_the_body() -> None:
    # Input "Title\n" + body[100:150]; the model stopped 26 characters into the input.
    assert covered_span(100, 150, 6, 26) == (100, 120)
    assert covered_span(100, 150, 6, None) == (100, 150)
    assert covered_span(100, 150, 6, 3) == (100, 100)  # cut inside the title: nothing of the body read
    assert covered_span(100, 150, 0, 500) == (100, 150)


def test_covered_tokens_counts_each_token_once_over_overlapping_spans() -> None:
    assert merge_spans([(5, 9), (0, 3), (2, 4), (9, 9), (8, 12)]) == [(0, 4), (5, 12)]
    starts = [0, 4, 8, 12, 16, 20]
    assert covered_tokens(starts, [(0, 10), (5, 13)]) == 4  # 0, 4, 8, 12
    assert covered_tokens(starts, []) == 0
    assert covered_tokens(starts, [(0, 100)]) == 6


def test_coverage_of_bodies_with_a_fake_tokenizer() -> None:
    def tokenizer(texts: list[str], **_: object) -> dict[str, list]:
        return {"offset_mapping": [offsets_of(t)[1:-1] for t in texts]}

    bodies = {"a": "w1 w2 w3 w4", "b": "x1 x2"}
    out = ingest.coverage(tokenizer, bodies, {"a": [(0, 5)], "b": [(0, 5)]})
    assert out == {"body_word_pieces": 6, "covered_word_pieces": 4, "coverage": round(4 / 6, 4)}


# -- the sample and made-up chunks -------------------------------------------------------------------


def test_select_groups_takes_whole_questions_until_the_article_count() -> None:
    groups = [("q0", ["a", "b"]), ("q1", ["b", "c", "d"]), ("q2", []), ("q3", ["e"]), ("q4", ["f", "g"])]
    chosen = select_groups(groups, 3, seed=1)
    articles = {a for q, ids in groups if q in chosen for a in ids}
    assert len(articles) >= 3 and "q2" not in chosen
    assert chosen == [q for q, _ in groups if q in chosen]  # input order
    assert select_groups(groups, 3, seed=1) == chosen  # seeded
    assert set(select_groups(groups, 100, seed=0)) == {"q0", "q1", "q3", "q4"}


def retrieved_apart(tmp_path: Path, text: str, other: str) -> bool:
    """Whether retrieval returns two articles holding `text` and `other` as two passages, rather than folding
    the second into the first as a syndicated duplicate (word 5-gram Jaccard at or above the threshold)."""
    embedder = HashEmbedder()
    config = IndexConfig(embedder.name, embedder.dim, embedder.max_tokens, "cl100k_base", 200, 40)
    store = LocalStore.open(tmp_path, embed_model=embedder.name, dim=embedder.dim, create=config)
    with store.writing():
        items = [Article("a", "", text, "ha"), Article("b", "", other, "hb")]
        Indexer(store, embedder, Chunker(encoding="cl100k_base", max_tokens=200, overlap_tokens=40)).ingest(items)
    passages = Retriever(store, embedder).search(text, k=5)
    store.close()
    return {p.article_id for p in passages} == {"a", "b"} and not any(p.duplicates for p in passages)


def test_drop_words_makes_copies_retrieval_does_not_fold_together(tmp_path: Path) -> None:
    text = " ".join(f"word{i}" for i in range(70))
    copies = [drop_words(text, c) for c in range(1, 4)]
    assert all(len(c.split()) == 60 for c in copies)
    assert len(set(copies)) == 3
    assert set(copies[0].split()) <= set(text.split())
    assert retrieved_apart(tmp_path / "copy", text, copies[0])  # below retrieval's duplicate threshold
    assert not retrieved_apart(tmp_path / "same", text, text)  # an identical text is folded: the check can fail
    assert drop_words("one", 1) == "one"  # never empty
    with pytest.raises(ValueError, match="every must be at least 2"):
        drop_words(text, 1, every=1)


def make_source(path: Path, n_articles: int = 6) -> None:
    """A small index built with the fake embedder, standing in for /tmp/rtqa."""
    embedder = HashEmbedder()
    config = IndexConfig(embedder.name, embedder.dim, embedder.max_tokens, "cl100k_base", 40, 8)
    store = LocalStore.open(path, embed_model=embedder.name, dim=embedder.dim, create=config)
    chunker = Chunker(encoding="cl100k_base", max_tokens=40, overlap_tokens=8)
    with store.writing():
        items = []
        for i in range(n_articles):
            body = " ".join(f"Sentence {j} of article {i} talks about topic{i} and item{j}." for j in range(12))
            items.append(Article(f"art{i}", f"Title {i}", body, f"hash{i}", outlet="Outlet", url=f"https://x/{i}"))
        Indexer(store, embedder, chunker).ingest(items)
    store.close()


def test_build_collection_adds_made_up_copies_above_the_real_chunks(tmp_path: Path) -> None:
    source = tmp_path / "source"
    make_source(source)
    real = sqlite3.connect(source / "store.sqlite").execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    small = search.build_collection(source, 5, tmp_path / "small", seed=0)
    assert small["synthetic_chunks"] == 0 and 5 <= small["chunks"] < real
    info = search.build_collection(source, 3 * real, tmp_path / "big", seed=0)
    assert info["real_chunks"] == real and info["chunks"] >= 3 * real
    assert info["synthetic_chunks"] == info["chunks"] - real and info["vector_index"] == "flat"

    embedder = HashEmbedder()
    store = LocalStore.open(tmp_path / "big", embed_model=embedder.name, dim=embedder.dim)
    counts = store.counts()
    assert counts["chunks"] == info["chunks"]
    db = sqlite3.connect(tmp_path / "big" / "store.sqlite")
    rows = db.execute("SELECT id, article_id, text FROM chunks").fetchall()
    copies = [r for r in rows if "~" in r[1]]
    assert {r[1].split("~")[1] for r in copies} >= {"1", "2"}
    for row, article_id, text in rows[:: max(1, len(rows) // 20)]:
        chunk = store.chunks([row])[row]
        assert store.get_article(article_id).body[chunk.start : chunk.end] == text  # offsets hold
    vectors = np.frombuffer(b"".join(r[0] for r in db.execute("SELECT embedding FROM chunks")), np.float32)
    db.close()
    assert np.allclose(np.linalg.norm(vectors.reshape(-1, embedder.dim), axis=1), 1.0, atol=1e-4)
    # A copy is searchable by its own words and is not folded into the original as a duplicate.
    passages = Retriever(store, embedder).search("topic2 item5", k=5)
    assert len({p.article_id for p in passages}) > 1
    store.close()

    again = search.build_collection(source, 3 * real, tmp_path / "big", seed=0)
    assert again == info  # cached: deterministic in the seed, not rebuilt


# -- ranking metrics -----------------------------------------------------------------------------------


def test_hits_mrr_and_context_budget() -> None:
    hits = [[False, True, False], [True, False, False], [False, False, False]]
    assert hits_at(hits, 1) == pytest.approx(1 / 3)
    assert hits_at(hits, 2) == pytest.approx(2 / 3)
    assert mrr_at(hits, 10) == pytest.approx((0.5 + 1) / 3)
    assert math.isnan(hits_at([], 10)) and math.isnan(mrr_at([], 10))
    tokens = [[100, 100, 100, 100], [50, 150, 200, 10]]
    assert mean_prefix_tokens(tokens, 2) == 200
    assert k_for_budget(tokens, 200, 4) == 2
    assert k_for_budget(tokens, 10, 4) == 1  # never below one passage
    assert k_for_budget(tokens, 10_000, 3) == 3


def test_score_uses_the_same_definitions_for_both_systems() -> None:
    from evals.suite.datasets.realtimeqa import Question

    q = Question(
        "q1", "2024/01/05", "Who won?", "Lai Ching-te", ("a",), ("Lai Ching-te won the presidential election",)
    )
    texts = ["nothing here", "In the end LAI CHING-TE won the presidential election.", "more"]
    ranked = {"q1": ranking.Ranked(texts, ["x", "y", "mine"], 0.01)}

    class Enc:
        def encode(self, text: str, **_: object) -> list[int]:
            return list(range(len(text.split())))

    out = ranking.score([q], ranked, {"q1"}, Enc(), 10, own={"q1": ["mine", "other"]})
    assert out["answer@1"] == 0 and out["answer@10"] == 1 and out["answer_mrr@10"] == 0.5
    assert out["passage@10"] == 1 and out["evidence_questions"] == 1
    assert out["article@10"] == 1 and out["article_mrr@10"] == pytest.approx(1 / 3, abs=1e-3)
    assert out["distinct_articles_mean"] == 3
    assert out["context_tokens_mean"] == 2 + 9 + 1
    assert ranking.score([q], ranked, {"q1"}, Enc(), 2, own={"q1": ["mine"]})["article@2"] == 0


def test_answer_ceiling_counts_own_articles_apart_from_the_rest() -> None:
    from types import SimpleNamespace

    from evals.suite.datasets.realtimeqa import Question

    def question(qid: str, answer: str) -> Question:
        return Question(qid, "2024/01/05", "Which?", answer, (answer,), ())

    articles = {
        "a": SimpleNamespace(id="a", body="The Beatles reunite."),
        "b": SimpleNamespace(id="b", body="Rugby is a sport."),
        "c": SimpleNamespace(id="c", body="Nothing."),
    }
    questions = [question("q1", "The Beatles"), question("q2", "rugby"), question("q3", "Ecuador")]
    own = {"q1": ["a"], "q2": ["c"], "q3": ["a", "b", "c"]}
    out = ranking.answer_ceiling(questions, articles, own)
    assert out == {"in_own_articles": pytest.approx(1 / 3, abs=1e-3), "in_any_article": pytest.approx(2 / 3, abs=1e-3)}


# -- the peer's report -----------------------------------------------------------------------------------


def peer_report() -> dict:
    return {
        "system": "llamaindex",
        "versions": {"llama-index-core": "0.14.25"},
        "settings": {"chunk_size": 1024},
        "ingest": {
            "documents": 1,
            "nodes": 2,
            "seconds": {"parse": 0.0, "split": 0.1, "embed": 2.0, "index": 0.1, "persist": 0.01, "total": 2.21},
            "tokens_read": 512,
            "tokens_total": 900,
            "peak_rss_mb": 700.0,
            "bytes_on_disk": 2000,
        },
        "nodes": [
            {"doc": "a", "start": 0, "end": 100, "covered_end": 60, "read": 256, "total": 500},
            {"doc": "a", "start": 80, "end": 150, "covered_end": 150, "read": 256, "total": 400},
        ],
        "queries": [{"id": "q1", "seconds": 0.02, "hits": [{"doc": "a", "start": 0, "end": 100, "text": "x"}]}],
        "loadavg": {"start": [1.0, 1.0, 1.0], "end": [2.0, 1.0, 1.0]},
    }


def test_parse_peer_accepts_a_complete_report() -> None:
    report = parse_peer(json.dumps(peer_report()))
    assert report["ingest"]["tokens_read"] == 512 and len(report["queries"][0]["hits"]) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("nodes"), "peer report: missing nodes"),
        (lambda r: r["ingest"].pop("tokens_read"), "peer report: ingest: missing tokens_read"),
        (lambda r: r["ingest"]["seconds"].pop("embed"), "ingest.seconds: missing embed"),
        (lambda r: r["nodes"][1].update(covered_end=200), r"nodes\[1\]: covered_end 200 outside its span"),
        (lambda r: r["queries"][0]["hits"][0].pop("text"), r"queries\[0\].hits\[0\]: missing text"),
        (lambda r: r["queries"].append("q2"), r"queries\[1\]: expected an object, got str"),
    ],
)
def test_parse_peer_names_what_is_wrong(change, message: str) -> None:
    report = peer_report()
    change(report)
    with pytest.raises(ValueError, match=message):
        parse_peer(json.dumps(report))


def test_parse_peer_rejects_what_is_not_a_report() -> None:
    with pytest.raises(ValueError, match="not JSON"):
        parse_peer("Traceback (most recent call last):")
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_peer("[1, 2]")


def test_peer_summary_computes_rates_and_coverage_like_ours() -> None:
    def tokenizer(texts: list[str], **_: object) -> dict[str, list]:
        return {"offset_mapping": [[(i, i + 1) for i in range(0, len(t), 10)] for t in texts]}

    out = peer.peer_summary(parse_peer(json.dumps(peer_report())), tokenizer, {"a": "y" * 200})
    assert out["tokens_read_per_s_model"] == 256.0 and out["truncated_inputs"] == 2
    assert out["coverage"] == round(13 / 20, 4)  # word pieces at 0..50 and 80..140, of 0..190
    assert out["index_bytes_per_chunk"] == 1000.0 and out["articles_per_s"] == round(1 / 2.21, 2)


# -- instrumentation, ask summary, targets ------------------------------------------------------------------


def test_timed_embedder_passes_calls_through_and_keeps_the_texts() -> None:
    inner = HashEmbedder()
    timed = ingest.TimedEmbedder(inner)
    assert (timed.name, timed.dim, timed.max_tokens) == (inner.name, inner.dim, inner.max_tokens)
    vectors = timed.embed(["a b", "c"])
    assert np.array_equal(vectors, inner.embed(["a b", "c"]))
    assert timed.texts == ["a b", "c"] and timed.seconds >= 0
    assert timed.count_tokens(["a b"]) == [4]


def test_instrument_records_generation_and_judge_stats() -> None:
    class FakeLLM:
        def __init__(self) -> None:
            self.last_stats: dict = {}

        def complete(self, messages: object, max_tokens: int) -> str:
            self.last_stats = {"prompt_seconds": 1.0, "decode_seconds": 2.0, "completion_tokens": 4}
            return "draft"

        def yes_probability(self, system: str, user: str) -> float:
            self.last_stats = {"seconds": 0.5, "evaluated_tokens": 100}
            return 0.9

    llm, log = FakeLLM(), []
    ask.instrument(llm, log)
    assert llm.complete([], max_tokens=3) == "draft" and llm.yes_probability("s", "u") == 0.9
    assert [kind for kind, _ in log] == ["generate", "judge"] and log[1][1]["evaluated_tokens"] == 100


def test_first_sentence_hook_keeps_the_time_of_the_first_sentence_event_only() -> None:
    first = ask.FirstSentence()
    first("passages", [])
    assert first.seconds is None
    first("sentence", object())
    seconds = first.seconds
    assert seconds is not None and seconds >= 0
    first("sentence", object())
    assert first.seconds == seconds


def test_summarise_ask_splits_stages_and_rates() -> None:
    row = {
        "answerable": True,
        "timings": {"retrieve": 0.01, "generate": 3.0, "verify": 1.0, "total": 4.01},
        "first_sentence_s": 3.5,
        "prompt_s": 1.0,
        "decode_s": 2.0,
        "prompt_tokens": 120,
        "prompt_tokens_evaluated": 90,
        "completion_tokens": 28,
        "judge_calls": 2,
        "judge_s": 1.0,
        "judge_tokens_evaluated": 300,
        "cpu_s": 2.005,
    }
    slow = {**row, "answerable": False, "decode_s": 14.0, "first_sentence_s": None, "prompt_tokens": 150}
    out = ask.summarise_ask([row, slow, {**row, "prompt_s": 0.0}])
    assert out["answered"] == 2 and out["stages"]["decoding"]["p50_s"] == 2.0
    # The first verified sentence counts only where one was streamed.
    assert out["stages"]["first_sentence"]["p50_s"] == 3.5 and out["prompt_tokens_mean"] == 130
    # Per-question medians: the stalled decode does not set the rate; a question without prompt time is skipped.
    assert (out["prompt_tokens_per_s"], out["decode_tokens_per_s"], out["judge_tokens_per_s"]) == (90, 14, 300)
    assert out["pooled_tokens_per_s"]["decode"] == round(84 / 18, 1)
    assert out["judge_calls_per_question"] == 2 and out["cpu_s_per_wall_s"] == 0.5


def test_targets_are_reported_not_asserted() -> None:
    def run(k: int, answer: float) -> dict:
        return {"k": k, f"answer@{k}": answer, f"article@{k}": answer + 0.3}

    report = {
        "ingest": {"tokens_read_per_s_model": 9000.0},
        "peer": {"tokens_read_per_s_model": 3000.0},
        "search": {"sizes": {"1000": {"whole": {"p50_ms": 5.0}}, "100000": {"whole": {"p50_ms": 25.0}}}},
        "comparison": {
            "equal_budget": {"ours_k": 40},
            "answer_ceiling": {"in_own_articles": 0.5, "in_any_article": 0.7},
            "runs": {
                "ours hybrid @10": run(10, 0.5),
                "llamaindex @10": run(10, 0.45),
                "ours hybrid @40 (equal budget)": run(40, 0.6),
            },
        },
    }
    out = targets(report)
    assert out["embed_throughput_vs_peer"]["met"] and out["embed_throughput_vs_peer"]["ours/peer"] == 3.0
    assert not out["search_p50_ms_at_1e5"]["met"]
    assert out["hits10_vs_peer"]["points_at_equal_budget"] == 15.0 and out["hits10_vs_peer"]["met"]
    assert out["hits10_vs_peer"]["ours hybrid own-article@10"] == 0.8
    assert all("target" in row for row in out.values())


# -- ask-peer: ours and the LlamaIndex query engine ------------------------------------------------------------


def test_budget_top_k_is_the_k_nearest_the_budget_at_the_mean_node_length() -> None:
    nodes = [180, 220, 200]  # mean 200
    assert budget_top_k(1000, nodes, 10) == 5
    assert budget_top_k(1090, nodes, 10) == 5 and budget_top_k(1110, nodes, 10) == 6
    assert budget_top_k(1100, nodes, 10) == 5  # a tie takes the smaller k
    assert budget_top_k(5000, nodes, 3) == 3  # no more than the index holds
    assert budget_top_k(10, nodes, 10) == 1 and budget_top_k(500, [], 10) == 1


def test_looks_like_abstention_reads_the_wording() -> None:
    for text in (
        "The context does not mention who confirmed the refusal.",
        "The article doesn’t say.",
        "There is no information about the base.",
        "The date cannot be determined from the context.",
        "Empty Response",
        "  ",
    ):
        assert looks_like_abstention(text), text
    for text in ("Defense Minister Guido Crosetto confirmed it.", "Italy did not allow the US to use Sigonella."):
        assert not looks_like_abstention(text), text


def _qe_report() -> dict:
    row = {"id": "s01", "seconds": 3.0, "answer": "Crosetto.", "llm_calls": 1, "prompt_tokens": 900}
    row |= {"passage_tokens": 700}
    config = {"settings": {"similarity_top_k": 2}, "rows": [row]}
    return {"system": "x", "versions": {}, "settings": {}, "configs": {"default": config, "budget": config}}


def test_parse_query_engine_accepts_a_report_and_names_what_is_missing() -> None:
    report = _qe_report() | {"loadavg": {}}
    assert parse_query_engine(json.dumps(report))["configs"]["default"]["rows"][0]["id"] == "s01"
    with pytest.raises(ValueError, match="missing loadavg"):
        parse_query_engine(json.dumps(_qe_report()))
    broken = report | {"configs": {"default": report["configs"]["default"]}}
    with pytest.raises(ValueError, match=r"configs: missing budget"):
        parse_query_engine(json.dumps(broken))
    with pytest.raises(ValueError, match="not JSON"):
        parse_query_engine("{")


def test_ask_peer_scores_both_systems_with_the_suites_containment() -> None:
    golds = {"a": ("Guido Crosetto", "Crosetto"), "b": ("March 31",), "u": ()}
    kinds = {"a": "answerable", "b": "answerable", "u": "unanswerable"}

    def row(qid: str, seconds: float, answer: str, **more: object) -> dict:
        return {"id": qid, "seconds": seconds, "answer": answer, "prompt_tokens": 1000, "passage_tokens": 600} | more

    ours = ask_peer.score_ours(
        [
            row("a", 1.0, "Defense Minister Guido Crosetto confirmed it [1].", answerable=True, prompt_s=0.75),
            # an abstention is a miss even when its text happens to hold the answer
            row("b", 2.0, "The articles don't say (March 31).", answerable=False),
            row("u", 3.0, "The articles don't say.", answerable=False),
        ],
        golds,
    )
    peer = ask_peer.score_peer(
        [
            row("a", 4.0, "Crosetto"),
            row("b", 6.0, "It happened on March thirty-first."),
            row("u", 8.0, "The context does not mention it."),
        ],
        golds,
    )
    assert [r["contains"] for r in ours] == [True, False, False]
    assert [r["abstained"] for r in peer] == [False, False, True]
    s_ours, s_peer = ask_peer.summarise_answers(ours, kinds), ask_peer.summarise_answers(peer, kinds)
    assert s_ours["p50_s"] == 2.0 and s_ours["containment"] == 0.5 and s_ours["false_abstention"] == 0.5
    assert s_ours["prompt_s_mean"] == 0.8 and s_peer["prompt_s_mean"] is None  # means over the rows that have it
    assert s_peer["containment"] == 0.5 and s_peer["abstentions"] == 1 and s_peer["abstention_not_answerable"] == 1.0
    r = ask_peer.ours_over_peer(s_ours, s_peer)
    assert r["p50"] == 0.33 and r["prompt_tokens"] == 1.0 and r["containment_points"] == 0.0
    result = {"systems": {"ours": s_ours, "llamaindex default": s_peer}, "ratios": {"llamaindex default": r}}
    rows = ask_peer.ask_peer_rows(result)
    assert rows[0][0] == "ours" and rows[0][-3:] == [None, None, None]
    assert rows[1][1] == "6.00 / 7.80" and rows[1][-3] == 0.33
    assert table(["c"] * len(rows[0]), rows)  # every row fits the table
    assert ask_peer.mean_passage_tokens([{"passages": 2, "passage_tokens": 500}, {"passages": 0, "passage_tokens": 0}])
    assert ask_peer.mean_passage_tokens([]) == 0.0


def test_ask_peer_target_needs_both_configurations() -> None:
    fast = {"p50": 0.4, "containment_points": 12.5}
    out = targets({"ask_peer": {"ratios": {"llamaindex default": fast, "llamaindex at our budget": fast}}})
    assert out["ask_p50_vs_query_engine"]["met"]
    slow = fast | {"p50": 0.6}
    out = targets({"ask_peer": {"ratios": {"llamaindex default": fast, "llamaindex at our budget": slow}}})
    assert not out["ask_p50_vs_query_engine"]["met"]
    assert out["ask_p50_vs_query_engine"]["llamaindex at our budget: ours/peer p50"] == 0.6


def test_quick_mode_shrinks_every_section() -> None:
    args = cli.parse_args(["--quick"])
    assert args.articles <= 40 and max(args.sizes) <= 10_000 and args.queries <= 30 and args.ask_questions <= 2
    full = cli.parse_args([])
    assert full.sizes == [1_000, 10_000, 100_000] and full.out == DEFAULT_OUT
    assert cli.parse_args(["--articles", "all"]).articles >= 10**9
    for bad in ("0", "many"):
        with pytest.raises(SystemExit):
            cli.parse_args(["--articles", bad])


def test_cpu_reads_the_model_and_the_simd_flags_kernels_choose_between() -> None:
    from evals.bench import machine

    info = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse avx2 fma avx512f amx_int8\n"
    found = machine.cpu(info)
    assert found["model"] == "Intel(R) Xeon(R) Processor"
    assert found["simd"] == ["avx2", "fma", "avx512f", "amx_int8"]
    assert machine.cpu("")["model"] == "unknown" and machine.cpu("")["simd"] == []
    assert machine.runtimes()["versions"]["onnxruntime"]  # installed with the product


def test_peer_process_helpers_name_versions_and_the_load_span() -> None:
    from evals.bench import common

    assert common.package_version("pytest") and common.package_version("no-such-package-x") == "not installed"
    span = common.load_span([1.234, 0.5, 0.25])
    assert span["start"] == [1.23, 0.5, 0.25] and len(span["end"]) == 3


def test_ask_peer_corpus_is_chosen_on_the_command_line_and_checked_before_any_work(tmp_path: Path) -> None:
    assert cli.parse_args([]).ask_corpus == "seed"
    assert cli.parse_args(["--ask-corpus", "realtimeqa"]).ask_corpus == "realtimeqa"
    with pytest.raises(SystemExit):
        cli.parse_args(["--ask-corpus", "wikipedia"])
    with pytest.raises(ValueError, match="corpus must be one of seed, realtimeqa, got 'wikipedia'"):
        ask_peer.ask_peer(1, tmp_path, tmp_path / "venv", 1, corpus="wikipedia")
    with pytest.raises(ValueError, match="needs the RealTimeQA folder"):
        ask_peer.ask_peer(1, tmp_path, tmp_path / "venv", 1, corpus="realtimeqa")
    assert list(tmp_path.iterdir()) == []
