"""The answer path at an as-of date: what it retrieves, what it tells the generator, how it checks words of
time, when it abstains for want of articles in the period, and how its answer says when."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.generators.base import Draft
from rag.generators.extractive import ExtractiveGenerator
from rag.judges.overlap import OverlapJudge
from rag.pipeline import ABSTAIN_TEXT, NO_ARTICLES_IN_PERIOD, OUTDATED, AskParams, Pipeline, outdated, undated
from rag.retrieve import Retriever
from rag.store.local import LocalStore
from rag.types import Answer, Filters, Passage, ReasonKind, Source
from rag.verify import Verifier
from tests.conftest import article, open_store
from tests.fakes import ScriptedGenerator

STORY = {  # one running story: the figure changes over time
    "march24": ("2024-03-12", "The harbour authority of Rivertown counted 12 ships in port on Monday."),
    "jan26": ("2026-01-02", "The harbour authority of Rivertown counted 31 ships in port on Monday."),
    "week": ("2026-01-07", "The harbour authority of Rivertown counted 44 ships in port yesterday."),
}


@pytest.fixture
def harbour(tmp_path: Path, embedder, ingest: Callable) -> LocalStore:
    store = open_store(tmp_path / "index", embedder)
    ingest(store, [article(text, id=i, title="Rivertown harbour", published_at=d) for i, (d, text) in STORY.items()])
    return store


def pipeline(store: LocalStore, embedder, generator=None, params: AskParams | None = None) -> Pipeline:
    return Pipeline(
        Retriever(store, embedder),
        generator or ExtractiveGenerator(),
        Verifier(OverlapJudge()),
        lambda article_id: store.get_article(article_id).body,
        params or AskParams(),
    )


def test_the_latest_figure_comes_from_the_newest_article(harbour: LocalStore, embedder) -> None:
    answer = pipeline(harbour, embedder).ask("How many ships did the harbour authority count latest?",
                                             Filters(as_of="2026-01-08"))  # fmt: skip
    assert answer.answerable and "44" in answer.answer
    assert answer.sources[0].article_id == "week"
    assert answer.answer.startswith("As of 8 January 2026 (reports of 7 January 2026): ")
    assert answer.as_of == "2026-01-08"


def test_a_named_year_finds_the_old_figure_and_the_as_of_date_hides_what_came_after(
    harbour: LocalStore, embedder
) -> None:
    old = pipeline(harbour, embedder).ask("How many ships did the harbour count in March 2024?",
                                          Filters(as_of="2026-01-08"))  # fmt: skip
    assert "12" in old.answer and old.sources[0].article_id == "march24"
    then = pipeline(harbour, embedder).ask("How many ships did the harbour authority count?",
                                           Filters(as_of="2024-06-01"))  # fmt: skip
    assert then.answerable and {s.article_id for s in then.sources} == {"march24"}
    # no time in the question, but its report is over a month old: the answer says when it is from
    assert then.answer.startswith("As of 1 June 2024 (reports of 12 March 2024): ")
    assert undated(then.answer) == " ".join(s.text for s in then.sentences), "what the answer says, undated"
    fresh = pipeline(harbour, embedder).ask("How many ships did the harbour authority count?",
                                            Filters(as_of="2024-03-20"))  # fmt: skip
    assert fresh.answerable and not fresh.answer.startswith("As of"), "a report of the last month is not dated"
    when = pipeline(harbour, embedder).ask("When did the harbour authority count 12 ships?",
                                           Filters(as_of="2024-06-01"))  # fmt: skip
    assert when.answerable and not when.answer.startswith("As of"), "an answer to 'when' gives its date itself"


def test_a_window_without_articles_abstains_and_says_why(harbour: LocalStore, embedder) -> None:
    answer = pipeline(harbour, embedder).ask("How many ships were counted this week?", Filters(as_of="2025-06-01"))
    assert not answer.answerable and answer.abstain_reason == NO_ARTICLES_IN_PERIOD == "no_articles_in_period"
    assert any("this week" in note for note in answer.usage["notes"])


def test_the_generator_is_told_the_date_and_a_future_as_of_date_is_noted(harbour: LocalStore, embedder) -> None:
    scripted = ScriptedGenerator("NOT STATED")
    pipeline(harbour, embedder, scripted).ask("How many ships?", Filters(as_of="2031-05-05"))
    assert scripted.as_of == "2031-05-05"
    answer = pipeline(harbour, embedder).ask("How many ships did the harbour count?", Filters(as_of="2031-05-05"))
    assert any("after today" in note for note in answer.usage["notes"])


def test_without_an_as_of_date_the_question_is_asked_today(harbour: LocalStore, embedder) -> None:
    from datetime import date

    answer = pipeline(harbour, embedder).ask("How many ships did the harbour authority count?")
    assert answer.as_of == date.today().isoformat()


def passage(text: str, published_at: str) -> Passage:
    return Passage("a:0", "a", text, 0, len(text), 1.0, title="Rivertown harbour", published_at=published_at)


@pytest.mark.parametrize(
    ("published", "kept"),
    [("2026-01-07", True), ("2025-12-15", False), ("", False)],
)
def test_words_of_time_in_a_sentence_must_hold_for_its_article(published: str, kept: bool) -> None:
    text = "The harbour authority of Rivertown counted 44 ships in port."
    v = Verifier(OverlapJudge()).verify(
        "How many ships this week?", [passage(text, published)], "This week the harbour counted 44 ships [1].",
        as_of="2026-01-08",
    )  # fmt: skip
    assert bool(v.sentences) is kept
    if not kept:
        kinds = {r.kind for top in v.dropped[0].reasons for r in top.walk()}
        assert ReasonKind.TIME_MISMATCH in kinds


def test_a_quoted_sentence_keeps_the_articles_own_now() -> None:
    text = "Now the harbour authority of Rivertown counts 44 ships in port."
    v = Verifier(OverlapJudge()).verify(
        "How many ships?", [passage(text, "2025-01-01")], f'"{text}" [1]', as_of="2026-01-08"
    )
    assert v.sentences, "the article's words, quoted, are dated by their source"


def test_relative_dates_in_a_passage_are_read_from_its_publication_date() -> None:
    text = "The harbour authority of Rivertown counted 44 ships in port yesterday."
    claim = "On 6 January 2026 the harbour authority of Rivertown counted 44 ships [1]."
    dated = Verifier(OverlapJudge()).verify("When?", [passage(text, "2026-01-07")], claim, as_of="2026-01-08")
    assert dated.sentences, "yesterday, in an article of 7 January 2026, is 6 January 2026"
    undated = Verifier(OverlapJudge()).verify("When?", [passage(text, "")], claim, as_of="2026-01-08")
    assert not undated.sentences


def test_a_period_is_not_checked_against_articles_without_dates(tmp_path: Path, embedder, ingest: Callable) -> None:
    store = open_store(tmp_path / "undated", embedder)
    ingest(store, [article(text, id=i, title="Rivertown harbour") for i, (_, text) in STORY.items()])
    answer = pipeline(store, embedder).ask("How many ships did the harbour count in 2019?", Filters(as_of="2026-01-08"))
    assert answer.abstain_reason != NO_ARTICLES_IN_PERIOD
    assert any("cannot be checked" in note for note in answer.usage["notes"])


@pytest.mark.parametrize(
    ("question", "published", "kept"),
    [
        ("Which harbour counted 44 ships this week?", "2026-01-07", True),
        ("Which harbour counted 44 ships this week?", "2017-07-10", False),
        ("Which harbour counted 44 ships this week?", "2026-01-20", False),  # after the window: not this week
        ("Which harbour recently counted 44 ships?", "2025-12-20", True),
        ("Which harbour recently counted 44 ships?", "2025-10-01", False),
        ("Which harbour counted 44 ships in 2025?", "2024-11-30", False),  # a month before the year: cannot report it
        ("Which harbour counted 44 ships on 3 January 2026?", "2025-12-30", True),  # announced days before
        ("Which harbour counted 44 ships in 2025?", "2026-01-07", True),  # a later report may look back on it
        ("Which harbour counted the latest count of 44 ships?", "2020-01-01", True),  # the newest there is
        ("Which harbour counted 44 ships this week?", "", True),  # undated: the pipeline notes it
    ],
)
def test_the_questions_time_binds_every_sentence_quotes_included(question: str, published: str, kept: bool) -> None:
    text = "The harbour authority of Rivertown counted 44 ships in port."
    for draft in ("The harbour authority of Rivertown counted 44 ships [1].", f'"{text}" [1]'):
        v = Verifier(OverlapJudge()).verify(question, [passage(text, published)], draft, as_of="2026-01-08")
        assert bool(v.sentences) is kept, (question, published, draft)
        if not kept:
            reasons = [r for top in v.dropped[0].reasons for r in top.walk()]
            assert any(r.kind is ReasonKind.TIME_MISMATCH and "the question asks about" in r.message for r in reasons)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("The harbour authority of Rivertown counted 44 ships between 2023 and 2024.", False),
        ("The harbour authority of Rivertown counted 44 ships in 2025.", True),
        ("The harbour authority of Rivertown counted 44 ships in the 2024-25 season.", True),
        ("The harbour authority of Rivertown counted 44 ships.", True),  # no year: the report's date decides
    ],
)
def test_a_sentence_about_other_years_does_not_answer_a_question_about_one(text: str, kept: bool) -> None:
    question = "How many ships did the harbour authority of Rivertown count in 2025?"
    v = Verifier(OverlapJudge()).verify(question, [passage(text, "2025-06-01")], f'"{text}" [1]', as_of="2026-01-08")
    assert bool(v.sentences) is kept
    if not kept:
        assert "the question asks about 2025" in v.dropped[0].reasons[0].walk()[-1].message


@pytest.mark.parametrize(
    ("text", "published", "kept"),
    [
        ("The harbour authority of Rivertown counted 44 ships on Jan. 20.", "2026-01-06", False),  # coming
        ("The harbour authority of Rivertown counted 44 ships on 12 December.", "2026-01-06", False),  # before
        ("The harbour authority of Rivertown counted 44 ships on Jan. 6, not on Jan. 20.", "2026-01-06", True),
        ("The harbour authority of Rivertown counted 44 ships on Dec. 29.", "2026-01-06", True),  # within a week
        ("The harbour authority of Rivertown counted 44 ships on Monday.", "2026-01-06", True),  # no month named
        ("The harbour authority of Rivertown counted 44 ships on 6 January 2025.", "2026-01-06", False),
    ],
)
def test_a_sentence_about_other_days_does_not_answer_a_question_about_this_week(
    text: str, published: str, kept: bool
) -> None:
    question = "How many ships did the harbour authority of Rivertown count this week?"
    v = Verifier(OverlapJudge()).verify(question, [passage(text, published)], f'"{text}" [1]', as_of="2026-01-08")
    assert bool(v.sentences) is kept
    if not kept:
        assert "the question asks about 'this week'" in v.dropped[0].reasons[0].walk()[-1].message


def test_a_passage_from_outside_the_questions_period_takes_no_re_citation_try() -> None:
    question = "Which city was rocked this week by a bridge collapse?"
    texts = [
        ("Officials met on Monday to talk about roads.", "2026-01-06"),  # what the draft cites: no support
        ("Baltimore was rocked by a bridge collapse.", "2019-12-18"),  # the story of another year
        ("A bridge collapse rocked Baltimore.", "2015-04-15"),
        ("Baltimore was rocked on Tuesday by a bridge collapse.", "2026-01-06"),  # this week's report
    ]
    passages = [Passage(f"{n}:0", str(n), t, 0, len(t), 1.0, title="t", published_at=d) for n, (t, d) in
                enumerate(texts)]  # fmt: skip
    draft = "Baltimore was rocked this week by a bridge collapse [1]."
    v = Verifier(OverlapJudge(), recite_candidates=1).verify(question, passages, draft, as_of="2026-01-08")
    assert [s.citations for s in v.sentences] == [(3,)]
    assert not any("published 2019" in r.message for r in v.sentences[0].reasons)


def test_the_questions_time_is_not_checked_with_the_time_words_setting_off() -> None:
    text = "The harbour authority of Rivertown counted 44 ships in port."
    v = Verifier(OverlapJudge(), time_words=False).verify(
        "Which harbour counted 44 ships this week?", [passage(text, "2017-07-10")], f'"{text}" [1]', as_of="2026-01-08"
    )
    assert v.sentences


class Citing:
    """A generator that states `sentence`, citing the passage of `article_id` by its number."""

    name = "citing"

    def __init__(self, article_id: str, sentence: str) -> None:
        self.article_id, self.sentence = article_id, sentence

    def warm_up(self) -> None:
        pass

    def generate(self, question: str, passages: Sequence[Passage], as_of: str = "") -> Draft:
        n = next(i for i, p in enumerate(passages, 1) if p.article_id == self.article_id)
        return Draft(f"{self.sentence} [{n}].", {})


MONDAY_12 = "The harbour authority of Rivertown counted 12 ships in port on Monday"


def test_an_answer_only_old_reports_back_is_declined_when_newer_ones_were_found(harbour: LocalStore, embedder) -> None:
    asked = "How many ships did the harbour authority of Rivertown count in port?"
    # With conflicts on, the three counts are answered as a disagreement, newest first (tests/test_conflicts.py)
    alone = AskParams(conflicts=False)
    old = pipeline(harbour, embedder, Citing("march24", MONDAY_12), alone).ask(asked, Filters(as_of="2026-01-08"))
    assert not old.answerable and old.abstain_reason == OUTDATED == "outdated"
    assert old.answer == ABSTAIN_TEXT[OUTDATED]
    assert any("12 ships" in s.text for s in old.dropped), "what was declined is kept, with why"
    assert any("2024-03-12" in note and "2026-01-07" in note for note in old.usage["notes"])
    new = pipeline(harbour, embedder, Citing("week", STORY["week"][1][:-1]), alone).ask(
        asked, Filters(as_of="2026-01-08")
    )
    assert new.answerable and new.sources[0].article_id == "week"
    then = pipeline(harbour, embedder, Citing("march24", MONDAY_12), alone).ask(asked, Filters(as_of="2024-06-01"))
    assert then.answerable, "nothing newer was found: the old report is the news"


def test_the_outdated_rule_spares_questions_asking_when_and_can_be_turned_off(harbour: LocalStore, embedder) -> None:
    when = pipeline(harbour, embedder, Citing("march24", MONDAY_12), AskParams(conflicts=False)).ask(
        "When did the harbour authority of Rivertown count 12 ships in port?", Filters(as_of="2026-01-08")
    )
    assert when.answerable and when.sources[0].article_id == "march24"
    off = pipeline(harbour, embedder, Citing("march24", MONDAY_12), AskParams(outdated_days=0, conflicts=False)).ask(
        "How many ships did the harbour authority of Rivertown count in port?", Filters(as_of="2026-01-08")
    )
    assert off.answerable
    with pytest.raises(InputError, match="outdated_days"):
        AskParams(outdated_days=-1)


def test_a_question_about_now_is_not_answered_from_an_old_report_even_when_nothing_newer_was_found(
    harbour: LocalStore, embedder, ingest: Callable
) -> None:
    now = "How many ships have been counted in port by the harbour authority of Rivertown?"  # present perfect
    then = "How many ships did the harbour authority of Rivertown count in port?"
    alone = AskParams(conflicts=False)

    def ask(question: str, as_of: str, params: AskParams = alone) -> Answer:
        return pipeline(harbour, embedder, Citing("march24", MONDAY_12), params).ask(question, Filters(as_of=as_of))

    # The archive ends on 12 March 2024 (then 2026): asked on 1 June 2024 it is read as of its own last days.
    archived = ask(now, "2024-06-01")
    assert archived.answerable and archived.answer.startswith("As of 1 June 2024 (reports of 12 March 2024): ")
    latest = "What is the latest count of ships in port by the harbour authority of Rivertown?"
    assert ask(latest, "2024-06-01").answerable
    # Once it follows the news up to the as-of date (another story of 30 May), the old report is out of date.
    ingest(harbour, [article("Lakeside opened a new library on Thursday.", id="council", published_at="2024-05-30")])
    old = ask(now, "2024-06-01")  # 81 days after the harbour's only report then
    assert not old.answerable and old.abstain_reason == OUTDATED
    assert any("'have been'" in note and "2024-03-12" in note for note in old.usage["notes"])
    assert any("12 ships" in s.text for s in old.dropped)
    assert ask(then, "2024-06-01").answerable, "a question in the past tense takes the old report"
    assert ask(now, "2024-03-20").answerable, "a report of the last 31 days answers a question about now"
    assert ask(now, "2024-06-01", AskParams(outdated_days=0, conflicts=False)).answerable
    # "The latest" asks for the newest report there is: the old one while the archive ended with it, not once
    # it follows the news (the Incyte question: "the newest cancer treatment" answered from a report of 2018).
    stale = ask(latest, "2024-06-01")
    assert not stale.answerable and stale.abstain_reason == OUTDATED
    assert any("'latest'" in note and "2024-03-12" in note for note in stale.usage["notes"])


@pytest.mark.parametrize(
    ("cited", "retrieved", "days", "why"),
    [
        (["2024-03-12"], ["2024-03-12", "2026-01-07"], 31, True),
        (["2024-03-12", "2026-01-02"], ["2024-03-12", "2026-01-02", "2026-01-07"], 31, False),  # one is current
        (["2024-03-12"], ["2024-03-12", "2025-11-01"], 31, False),  # nothing retrieved is current
        (["2024-03-12"], ["2024-03-12", "2025-11-01"], 90, True),
        ([""], ["2026-01-07"], 31, False),  # undated: nothing to decide on
        (["2024-03-12"], ["2026-01-07"], 0, False),  # off
    ],
)
def test_outdated_compares_the_newest_cited_report_with_the_relevant_passages(
    cited: list[str], retrieved: list[str], days: int, why: bool
) -> None:
    sources = [Source(1, "a", "a:0", "t", "", d, "", "q", 0, 1) for d in cited]
    found = [passage("The harbour counted ships.", d) for d in retrieved]
    assert (outdated(sources, found, "2026-01-08", days) is not None) is why
    # A question about a current event needs a recent report whatever else was retrieved.
    about_now = outdated(sources, found, "2026-01-08", days, about_now="has been")
    assert (about_now is not None) is (days > 0 and any(cited) and max(cited) < "2025-12-08")


def test_a_name_is_not_answered_alone_once_its_sentence_failed_on_the_questions_time(
    harbour: LocalStore, embedder
) -> None:
    # "Which city ... this week?" answered from a sentence that dates the count weeks later: the name alone
    # ("Rivertown") would drop the date that failed it.
    question = "Which city's harbour authority counted 44 ships in port this week?"
    draft = "The Rivertown harbour authority counted 44 ships in port on Jan. 30 [1]."
    answer = pipeline(harbour, embedder, ScriptedGenerator(draft), AskParams(conflicts=False)).ask(
        question, Filters(as_of="2026-01-08")
    )
    assert not answer.answerable and "span" not in answer.timings
