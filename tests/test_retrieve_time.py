"""Retrieval that knows what day it is: the as-of cut-off, windows from the question, the recency prior.

The corpus holds one story told on several dates in nearly the same words (only the figure differs, so
the copies are not folded together as syndicated duplicates), so that mostly time tells them apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag.embedders.hashing import HashEmbedder
from rag.errors import InputError
from rag.retrieve import RetrievalParams, Retriever
from rag.store.local import LocalStore
from rag.types import Article, Filters
from tests.conftest import article

DATES = {"y2024": "2024-03-12", "jan": "2025-12-20", "week": "2026-01-06", "later": "2026-02-20", "undated": ""}


def text(n: int) -> str:
    return f"The council of Rivertown approved the harbour budget of {n} million after a long debate."


@pytest.fixture
def dated(store: LocalStore, ingest: Callable) -> LocalStore:
    articles = [
        article(text(n), id=i, title="Rivertown budget", published_at=d) for n, (i, d) in enumerate(DATES.items(), 10)
    ]
    ingest(store, articles)
    return store


def ids(retriever: Retriever, question: str, filters: Filters, k: int = 5) -> list[str]:
    return [p.article_id for p in retriever.search(question, k=k, filters=filters)]


def test_nothing_after_the_as_of_date_is_returned_but_undated_articles_stay(
    dated: LocalStore, embedder: HashEmbedder
) -> None:
    found = ids(Retriever(dated, embedder), "Who approved the harbour budget?", Filters(as_of="2026-01-08"))
    assert "later" not in found
    assert set(found) == {"y2024", "jan", "week", "undated"}


def test_the_as_of_day_itself_counts(dated: LocalStore, embedder: HashEmbedder) -> None:
    found = ids(Retriever(dated, embedder), "Who approved the harbour budget?", Filters(as_of="2026-01-06"))
    assert "week" in found and "later" not in found


FILTER = RetrievalParams(window="filter")


def test_this_week_as_a_filter_leaves_undated_and_old_articles_out(dated: LocalStore, embedder: HashEmbedder) -> None:
    r = Retriever(dated, embedder, FILTER).retrieve(
        "Who approved the harbour budget this week?", 5, Filters(as_of="2026-01-08")
    )
    assert [p.article_id for p in r.passages] == ["week"] and r.in_window == 1
    assert r.timeframe is not None and r.timeframe.phrase == "this week"
    assert r.filters.published_after == "2026-01-01" and r.filters.published_before == "2026-01-09"


def test_this_week_as_a_prior_puts_the_week_first_and_keeps_the_rest(dated: LocalStore, embedder: HashEmbedder) -> None:
    r = Retriever(dated, embedder).retrieve(
        "Who approved the harbour budget this week?", 5, Filters(as_of="2026-01-08")
    )
    assert r.passages[0].article_id == "week" and r.in_window == 1
    assert {p.article_id for p in r.passages} == {"week", "jan", "y2024", "undated"}
    assert r.filters == Filters(as_of="2026-01-08"), "a prior narrows nothing"


def test_latest_prefers_the_newest_and_an_explicit_year_the_old_one(dated: LocalStore, embedder: HashEmbedder) -> None:
    retriever = Retriever(dated, embedder)
    latest = retriever.retrieve("What is the latest on the harbour budget?", 5, Filters(as_of="2026-03-01"))
    assert latest.recency and latest.passages[0].article_id == "later"
    assert latest.passages[-1].article_id == "undated", "an undated article counts as old"
    old = ids(retriever, "What did the council approve in March 2024?", Filters(as_of="2026-03-01"))
    assert old[0] == "y2024"
    assert ids(Retriever(dated, embedder, FILTER), "What did the council approve in March 2024?",
               Filters(as_of="2026-03-01")) == ["y2024"]  # fmt: skip


def test_without_an_as_of_date_time_words_change_nothing(dated: LocalStore, embedder: HashEmbedder) -> None:
    r = Retriever(dated, embedder).retrieve("What is the latest on the harbour budget?", 5, Filters())
    assert r.timeframe is None and not r.recency and len(r.passages) == 5


def test_a_window_with_no_articles_counts_none_in_it(dated: LocalStore, embedder: HashEmbedder) -> None:
    r = Retriever(dated, embedder, FILTER).retrieve(
        "Who approved the budget yesterday?", 5, Filters(as_of="2025-06-01")
    )
    assert r.passages == [] and r.timeframe is not None and r.in_window == 0
    soft = Retriever(dated, embedder).retrieve("Who approved the budget yesterday?", 5, Filters(as_of="2025-06-01"))
    assert soft.passages and soft.in_window == 0
    assert Retriever(dated, embedder).retrieve("Who approved it?", 5, Filters(as_of="2025-06-01")).in_window is None


def test_the_features_can_be_turned_off(dated: LocalStore, embedder: HashEmbedder) -> None:
    off = RetrievalParams(time_aware=False, recency="off")
    found = ids(Retriever(dated, embedder, off), "Who approved the budget this week?", Filters(as_of="2026-01-08"))
    assert set(found) == {"y2024", "jan", "week", "undated"}  # the as-of cut-off still holds


@pytest.mark.parametrize("as_of", ["2024-01-01", "2026-01-05", "2026-01-06", "2026-02-19", "2030-12-31"])
@pytest.mark.parametrize(
    "question",
    [
        "Who approved the harbour budget?",
        "What is the latest budget?",
        "What happened this month?",
        "Budget news in 2024?",
    ],
)
def test_no_passage_is_newer_than_the_as_of_date(
    dated: LocalStore, embedder: HashEmbedder, question: str, as_of: str
) -> None:
    for p in Retriever(dated, embedder).search(question, k=5, filters=Filters(as_of=as_of)):
        assert p.published_at == "" or p.published_at[:10] <= as_of


def test_a_bad_as_of_date_is_refused(dated: LocalStore, embedder: HashEmbedder) -> None:
    with pytest.raises(InputError, match="as_of must be a date"):
        Retriever(dated, embedder).search("budget", filters=Filters(as_of="last tuesday"))


def test_bad_recency_settings_are_refused() -> None:
    with pytest.raises(InputError, match="recency must be one of"):
        RetrievalParams(recency="sometimes")
    with pytest.raises(InputError, match="half_life_days"):
        RetrievalParams(half_life_days=0)


def test_fixture_is_what_the_tests_assume(dated: LocalStore) -> None:
    assert {dated.get_article(i).published_at for i in DATES} == set(DATES.values())
    assert isinstance(dated.get_article("jan"), Article)
