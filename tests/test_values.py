"""Values in text (rag.values): what is found, and which wordings say the same thing."""

from __future__ import annotations

import pytest

from rag.values import Value, ValueKind, comparable, find_values, same_value


def one(text: str, kind: ValueKind) -> Value:
    found = [v for v in find_values(text) if v.kind is kind]
    assert len(found) == 1, (text, found)
    return found[0]


def test_values_are_found_with_their_spans() -> None:
    text = "The Guardian reported 31 people dead on 4 March 2024; AP said twelve died in Valencia, Spain."
    found = find_values(text)
    assert [(v.kind.value, v.text) for v in found] == [
        ("name", "Guardian"),
        ("number", "31 people"),
        ("date", "4 March 2024"),
        ("name", "AP"),
        ("number", "twelve"),
        ("name", "Valencia, Spain"),
    ]
    for v in found:
        assert text[v.start : v.end] == v.text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12 people died", "twelve people died"),
        ("a dozen people died", "12 people died"),
        ("$1.65 billion", "US$1,650,000,000"),
        ("$1.65bn", "$1.65 billion"),
        ("more than 24,000 people", "24,100 people"),  # compared at the precision given
        ("40,000 hectares", "about 99,000 acres"),  # converted, within 3%
        ("10 km", "6.2 miles"),
        ("3.5 million", "3,500,000"),
        ("3.4%", "3.4 percent"),
    ],
)
def test_one_figure_in_other_words_is_one_value(a: str, b: str) -> None:
    x, y = one(a, ValueKind.NUMBER), one(b, ValueKind.NUMBER)
    assert comparable(x, y) and same_value(x, y)


@pytest.mark.parametrize(
    ("a", "b"), [("31 people", "12 people"), ("$10.4 billion", "$1.39 billion"), ("1,075 delegates", "1,078 delegates")]
)
def test_different_figures_differ(a: str, b: str) -> None:
    x, y = one(a, ValueKind.NUMBER), one(b, ValueKind.NUMBER)
    assert comparable(x, y) and not same_value(x, y)


@pytest.mark.parametrize(("a", "b"), [("$5", "€5"), ("31 people", "12 vehicles"), ("40 acres", "40 km")])
def test_different_currencies_nouns_and_measures_are_not_compared(a: str, b: str) -> None:
    assert not comparable(one(a, ValueKind.NUMBER), one(b, ValueKind.NUMBER))


def test_dates_agree_on_the_parts_both_give() -> None:
    nov = one("on Nov. 12, 2020 at 9", ValueKind.DATE)
    assert nov.day == (2020, 11, 12)
    assert same_value(nov, one("12 November 2020", ValueKind.DATE))
    assert same_value(nov, one("premieres on Thursday, November 12", ValueKind.DATE))
    assert same_value(one("in June 2020", ValueKind.DATE), one("released in 2020 by", ValueKind.DATE))
    assert not same_value(nov, one("November 12, 2010", ValueKind.DATE))
    assert one("The 2022-08-31 report", ValueKind.DATE).day == (2022, 8, 31)
    assert same_value(one("in the 1740s", ValueKind.DATE), one("in 1748", ValueKind.DATE))  # a decade holds it


def test_a_year_is_a_date_unless_it_counts_something() -> None:
    assert one("founded in 2015 by", ValueKind.DATE).day == (2015, None, None)
    assert one("as 2000 delegates met", ValueKind.NUMBER).number == 2000
    assert not [v for v in find_values("may 2 be") if v.kind is ValueKind.DATE]  # "may" the verb


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Crosetto said", "Guido Crosetto said"),
        ("Defense Minister Guido Crosetto said", "Crosetto said"),
        ("the U.S. won", "the United States won"),
        ("in Tampa, Florida", "in Tampa"),
        ("Tadej Pogačar won", "Tadej Pogacar won"),
        ("The Walt Disney Co. bought", "Walt Disney bought"),
    ],
)
def test_name_variants_are_one_value(a: str, b: str) -> None:
    x, y = one(a, ValueKind.NAME), one(b, ValueKind.NAME)
    assert same_value(x, y)


@pytest.mark.parametrize(
    ("a", "b"), [("Joe Biden said", "Hunter Biden said"), ("in Glendale, Arizona", "in Tampa, Florida")]
)
def test_different_names_differ(a: str, b: str) -> None:
    assert not same_value(one(a, ValueKind.NAME), one(b, ValueKind.NAME))


def test_names_split_at_possessives_and_lists() -> None:
    assert [v.text for v in find_values("Slovenia's Tadej Pogačar won") if v.kind is ValueKind.NAME] == [
        "Slovenia",
        "Tadej Pogačar",
    ]
    listed = [v.text for v in find_values("Apple, Google and Meta bid.") if v.kind is ValueKind.NAME]
    assert listed == ["Apple", "Google", "Meta"]
