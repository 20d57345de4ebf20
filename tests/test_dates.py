"""Tests for rag.dates: every written date form the data holds, read into ISO; anything else is ""."""

from __future__ import annotations

import pytest

from rag.dates import in_words, month_number, parse_date


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        # ISO: a date stays a date; a datetime keeps its time and offset
        ("2026-01-08", "2026-01-08"),
        ("  2026-01-08  ", "2026-01-08"),
        ("2026-01-08 09:30", "2026-01-08T09:30:00"),
        ("2026-04-01T09:30:00Z", "2026-04-01T09:30:00+00:00"),
        ("2026-01-08 09:30:00.5+02:00", "2026-01-08T09:30:00.500000+02:00"),
        # slashed, as RealTimeQA writes publish dates and search times
        ("2026/04/10", "2026-04-10"),
        ("2024/01/05/23:29", "2024-01-05"),
        # day first
        ("1 April 2026", "2026-04-01"),
        ("1st Apr. 2026", "2026-04-01"),
        ("01 Sept 2026", "2026-09-01"),
        ("Tue, 2 Jan 2024 9:30", "2024-01-02"),
        # month first, with weekday and clock variants (the time is read past)
        ("April 1, 2026", "2026-04-01"),
        ("Apr. 1 2026", "2026-04-01"),
        ("Wednesday, April 1, 2026", "2026-04-01"),
        ("Wed. April 1, 2026, 9:30 a.m. EST", "2026-04-01"),
        ("April 1, 2026 at 10.30pm", "2026-04-01"),
        # RFC 2822
        ("Wed, 01 Apr 2026 09:30:00 +0000", "2026-04-01T09:30:00+00:00"),
        ("01 Apr 2026 09:30:00 GMT", "2026-04-01T09:30:00+00:00"),
        # not dates, or impossible ones
        ("", ""),
        ("sometime soon", ""),
        ("2026-13-45", ""),
        ("2026/02/30", ""),
        ("June 31, 2026", ""),
        ("Febtober 1, 2026", ""),
        ("Ju 1, 2026", ""),
        ("12:30 nothing", ""),
        ("Mon, 1 Jan 99999999999 10:00:00 +0000", ""),
    ],
)
def test_parse_date(written: str, iso: str) -> None:
    assert parse_date(written) == iso


def test_month_number_takes_names_and_abbreviations_of_three_letters_or_more() -> None:
    assert [month_number(w) for w in ("jan", "Sept", "september", "DEC", "ju", "mayday")] == [1, 9, 9, 12, 0, 0]


@pytest.mark.parametrize(
    ("stored", "prose"),
    [("2026-01-08", "8 January 2026"), ("2026-04-01T09:30:00+00:00", "1 April 2026"), ("", ""), ("soon", "soon")],
)
def test_a_stored_date_in_words(stored: str, prose: str) -> None:
    assert in_words(stored) == prose
