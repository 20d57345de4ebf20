"""rag.excerpts: what the generator reads of each passage."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from rag.excerpts import excerpts
from rag.text import GAP
from rag.types import Passage

TEXT = (
    "The council met on Monday. It discussed the harbour. Defence Minister Guido Crosetto confirmed the refusal. "
    "He spoke to reporters in Rome. The weather was mild. Markets closed higher on Tuesday."
)


def passage(text: str = TEXT, article_id: str = "a", start: int = 0, chunk_id: str = "c1") -> Passage:
    return Passage(chunk_id, article_id, text, start, start + len(text), 1.0, title="Italy refuses access")


def test_budget_zero_or_a_short_passage_is_shown_whole() -> None:
    assert excerpts("Who confirmed the refusal?", [passage()], 0) == [passage()]
    assert excerpts("Who confirmed the refusal?", [passage()], 100) == [passage()]


def test_the_sentence_with_the_question_words_is_kept_with_the_one_before_and_gaps_are_marked() -> None:
    [cut] = excerpts("Who confirmed the refusal?", [passage()], 15)
    assert cut.text == (
        f"{GAP.strip()} It discussed the harbour. Defence Minister Guido Crosetto confirmed the refusal. {GAP.strip()}"
    )
    assert (cut.title, cut.start, cut.end, cut.chunk_id) == ("Italy refuses access", 0, len(TEXT), "c1")


def test_a_sentence_alone_when_its_neighbour_does_not_fit() -> None:
    [cut] = excerpts("Who confirmed the refusal?", [passage()], 9)
    assert cut.text == f"{GAP.strip()} Defence Minister Guido Crosetto confirmed the refusal. {GAP.strip()}"


def test_rarer_question_words_weigh_more() -> None:
    # "Rome" is in one sentence, "refusal" in three: the Rome sentence wins the one place left.
    text = "The refusal was news. A refusal again. The refusal was final. Crowds marched in Rome today."
    [cut] = excerpts("What refusal happened in Rome?", [passage(text)], 5)
    assert "Crowds marched in Rome today." in cut.text


def test_a_passage_with_no_shared_word_shows_its_first_sentence() -> None:
    [cut] = excerpts("What did the volcano do?", [passage()], 6)
    assert cut.text == f"The council met on Monday. {GAP.strip()}"


def test_a_sentence_already_shown_in_an_overlapping_passage_is_not_repeated() -> None:
    first = passage()
    offset = TEXT.index("Defence")
    second = passage(TEXT[offset:], start=offset, chunk_id="c2")  # overlaps the first from the Crosetto sentence
    one, two = excerpts("Who confirmed the refusal?", [first, second], 9)
    assert "Crosetto confirmed the refusal" in one.text
    assert "Crosetto" not in two.text
    other_article = replace(second, article_id="b")  # the same words in another article are shown again
    assert "Crosetto" in excerpts("Who confirmed the refusal?", [first, other_article], 9)[1].text


QUESTIONS = ["Who confirmed the refusal?", "When did markets close?"]


@given(st.integers(min_value=1, max_value=40), st.sampled_from(QUESTIONS))
def test_every_kept_sentence_is_the_passage_text_in_order(budget: int, question: str) -> None:
    [cut] = excerpts(question, [passage()], budget)
    parts = [x.strip() for x in cut.text.split(GAP.strip()) if x.strip()]
    position = 0
    for part in parts:
        found = TEXT.find(part, position)
        assert found >= position, part
        position = found + len(part)


def words_shown(cut: Passage) -> int:
    return len(cut.text.replace(GAP.strip(), " ").split())


def test_a_total_keeps_each_passage_s_best_sentence_and_gives_the_rest_to_the_best_anywhere() -> None:
    # The second passage shares only "refusal" with the question; the first holds the confirmation.
    other = (
        "Officials gave no reason for the refusal. Parliament will vote in June. The opposition called for "
        "an inquiry. Protesters gathered outside the ministry."
    )
    question = "Who confirmed the refusal to the reporters?"
    first, second = passage(), passage(other, article_id="b", chunk_id="c2")
    alone = excerpts(question, [first, second], 40)  # the budget holds each passage whole
    assert alone == [first, second]
    one, two = excerpts(question, [first, second], 40, total=24)
    assert two.text == f"Officials gave no reason for the refusal. {GAP.strip()}"  # its best sentence only
    assert "Crosetto confirmed the refusal. He spoke to reporters" in one.text  # the rest went here
    assert words_shown(one) + words_shown(two) <= 24


def test_a_total_below_the_best_sentences_still_shows_each_passage_s_first_choice() -> None:
    second = passage(TEXT, article_id="b", chunk_id="c2")
    cuts = excerpts("Who confirmed the refusal?", [passage(), second], 80, total=1)
    best = "It discussed the harbour. Defence Minister Guido Crosetto confirmed the refusal."  # with the one before
    assert [c.text for c in cuts] == [f"{GAP.strip()} {best} {GAP.strip()}"] * 2


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=60), st.sampled_from(QUESTIONS))
def test_a_total_only_ever_shows_less(budget: int, total: int, question: str) -> None:
    second = passage(TEXT, article_id="b", chunk_id="c2")
    within = excerpts(question, [passage(), second], budget)
    limited = excerpts(question, [passage(), second], budget, total)
    for wide, narrow in zip(within, limited, strict=True):
        assert set(narrow.text.split()) <= set(wide.text.split()) | {GAP.strip()}
