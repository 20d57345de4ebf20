"""Time in a question, resolved against the as-of date: a table of phrasings at month and year boundaries,
a leap day and the start of a week, and what leaves the lexical query."""

from __future__ import annotations

from datetime import date

import pytest

from rag.timeframe import current_event, find_time, named_days, without_time

JAN8 = date(2026, 1, 8)  # a Thursday, a week into the year
LEAP = date(2024, 2, 29)
MON = date(2024, 3, 4)  # a Monday: "this week" is the last seven days, not the calendar week

CASES = [
    # (question, as-of, first day published, last day published) -- None for "the newest reports"
    ("What happened today?", JAN8, "2026-01-08", "2026-01-08"),
    ("What did he say yesterday?", JAN8, "2026-01-07", "2026-01-08"),
    ("What did he say last night?", JAN8, "2026-01-07", "2026-01-08"),
    ("Which city was at the centre of a crackdown this week?", JAN8, "2026-01-01", "2026-01-08"),
    ("Which city was at the centre of a crackdown this week?", MON, "2024-02-26", "2024-03-04"),
    ("Who resigned last week?", JAN8, "2025-12-25", "2026-01-08"),  # reported until today
    ("What happened this month?", JAN8, "2026-01-01", "2026-01-08"),
    ("What happened last month?", JAN8, "2025-12-01", "2026-01-08"),
    ("What happened last month?", date(2024, 3, 1), "2024-02-01", "2024-03-01"),
    ("How many so far this year?", JAN8, "2026-01-01", "2026-01-08"),
    ("Who won last year's award?", JAN8, "2025-01-01", "2026-01-08"),
    ("Who won in March?", JAN8, "2025-03-01", "2025-04-02"),
    ("Who won in March?", date(2026, 3, 15), "2026-03-01", "2026-03-15"),
    ("Who won in March 2024?", JAN8, "2024-03-01", "2024-04-02"),
    ("Who won in December?", JAN8, "2025-12-01", "2026-01-02"),
    ("What happened on 31 March?", JAN8, "2025-03-31", "2025-04-02"),
    ("What happened on March 31, 2024?", JAN8, "2024-03-31", "2024-04-02"),
    ("What happened on 29 February?", LEAP, "2024-02-29", "2024-02-29"),
    ("What happened on 29 February?", date(2025, 3, 1), "2024-02-29", "2024-03-02"),
    ("What happened on 7 January?", JAN8, "2026-01-07", "2026-01-08"),
    ("Who has led since January?", JAN8, "2026-01-01", "2026-01-08"),
    ("Who has led since 2024?", JAN8, "2024-01-01", "2026-01-08"),
    ("What happened in 2024?", JAN8, "2024-01-01", "2025-01-02"),  # reports of late December
    ("What happened two days ago?", JAN8, "2026-01-05", "2026-01-08"),
    ("What is the latest figure?", JAN8, None, None),
    ("Who is currently the chief executive?", JAN8, None, None),
    ("Which new law passed?", JAN8, None, None),
    ("What did the minister recently announce?", JAN8, None, None),
]


@pytest.mark.parametrize(("question", "as_of", "first", "last"), CASES)
def test_time_expressions_become_windows(question: str, as_of: date, first: str | None, last: str | None) -> None:
    frame = find_time(question, as_of)
    assert frame is not None, question
    if first is None:
        assert frame.recent and not frame.is_window
        return
    assert frame.start is not None and frame.end is not None
    assert frame.start.isoformat() == first
    assert date.fromordinal(frame.end.toordinal() - 1).isoformat() == last
    assert frame.end <= date.fromordinal(as_of.toordinal() + 1), "a window never reaches past the as-of date"


@pytest.mark.parametrize(
    "question",
    [
        "Who lives in New York?",  # a name, not "new"
        "Which company may announce layoffs?",  # the verb, not the month
        "Who will march in Rome?",
        "Who won the 2024 Super Bowl?",  # a year as a name, not a period
        "Who confirmed the refusal?",
    ],
)
def test_words_that_only_look_like_time_are_left_alone(question: str) -> None:
    assert find_time(question, JAN8) is None


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Which company has been temporarily grounded from operating?", "has been"),
        ("Florida has recently hit an outbreak of which disease?", "has recently hit"),
        ("How many people have died in the floods?", "have died"),
        ("Which pop superstar is being associated with conspiracy theories?", "is being"),
        ("What is happening to the AMC movie theater?", "is happening"),
        ("Who is running for governor?", "is running"),
        ("The Supreme Court will soon decide the future of which medication?", "will soon"),
        ("Renée Zellweger is set to reprise her film role as who?", "is set to"),
        ("Who is a candidate in Taiwan's upcoming presidential election?", "upcoming"),
        ("Which state will host the 2026 World Cup final?", "will host"),
        ("Director Sam Mendes is to make separate films about which band?", "is to make"),
        ("Who did Emmanuel Macron appoint as France's next prime minister?", "next"),
        # not about now: a past event, a state, a record, a noun after "is", possession
        ("Who confirmed the refusal?", None),
        ("What is the minimum age for users on TikTok?", None),
        ("Who has won the most Grand Slam titles?", None),
        ("What is the highest-grossing film ever?", None),
        ("What is Beijing's position?", None),
        ("Which company has children's products?", None),
        ("What is the meaning of the ruling?", None),
        ("Which film did Will Smith win an award for?", None),
        ("Which building stands next to the cathedral?", None),
    ],
)
def test_a_question_presumes_a_current_event_by_its_tense(question: str, words: str | None) -> None:
    assert current_event(question) == words


def test_a_period_after_the_as_of_date_is_not_a_window() -> None:
    assert find_time("What happened in 2027?", JAN8) is None
    assert find_time("What happened on 9 January 2026?", JAN8) is None


def test_the_time_words_leave_the_lexical_query() -> None:
    q = "Which US city was the center of a major immigration crackdown this week?"
    frame = find_time(q, JAN8)
    assert without_time(q, frame) == "Which US city was the center of a major immigration crackdown?"
    assert without_time("What is the latest figure?", find_time("What is the latest figure?", JAN8)) == (
        "What is the figure?"
    )
    assert without_time("Who confirmed it?", None) == "Who confirmed it?"


def test_the_days_a_sentence_names_are_read_near_its_articles_date() -> None:
    text = "The primary on Feb. 6 follows the caucus of 23 January 2023; the vote may be delayed until March."
    assert named_days(text, date(2024, 1, 23)) == [date(2023, 1, 23), date(2024, 2, 6)]
    assert named_days("It will open on Dec. 30.", date(2026, 1, 2)) == [date(2025, 12, 30)]
    assert named_days("Officials may 3 times a year review it.", JAN8) == []  # the verb, not the month
