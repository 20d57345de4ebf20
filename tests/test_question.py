"""What a question asks for, and whether a sentence gives it."""

from __future__ import annotations

import pytest

from rag.countries import is_country_word
from rag.question import (
    Kind,
    answer_span,
    asked_relation,
    expected_kind,
    focus,
    gives_kind,
    holds_relation,
    kin_pair,
    metadata_field,
    names_country,
    proper_names,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who confirmed the refusal?", Kind.PERSON),
        ("Where was Maduro captured?", Kind.PLACE),
        ("Which US city was the center of a crackdown this week?", Kind.PLACE),
        ("How many people marched in Rome?", Kind.NUMBER),
        ("In what year did Meloni become prime minister?", Kind.YEAR),
        ("When did the vote take place?", Kind.DATE),
        ("How long ago did the refusal happen?", Kind.DATE),  # a time, not a number
        ("Since when have demonstrations erupted?", Kind.DATE),
        ("Which company announced layoffs?", Kind.NAME),
        ("Scott Adams died this week. He was best known for creating which comic strip?", None),
        ("Why did Italy refuse?", None),
        ("How did the market react?", None),
    ],
)
def test_expected_kind(question: str, kind: Kind | None) -> None:
    assert expected_kind(question) == kind


def test_the_focus_is_the_asking_sentence() -> None:
    q = "Cartoonist Scott Adams died this week. He was best known for creating which comic strip?"
    assert focus(q) == "He was best known for creating which comic strip?"


@pytest.mark.parametrize(
    ("sentence", "kind", "question", "gives"),
    [
        ("Guido Crosetto confirmed the refusal [1].", Kind.PERSON, "Who confirmed the refusal?", True),
        ("The refusal was confirmed a few nights ago [1].", Kind.PERSON, "Who confirmed the refusal?", False),
        ("Texas is facing criticism [1].", Kind.PLACE, "Which state is facing criticism?", True),
        ("An estimated 300,000 people marched [2].", Kind.NUMBER, "How many people marched?", True),
        ("Many people marched in Rome [2].", Kind.NUMBER, "How many people marched in Rome?", False),
        ("Thousands of people marched [2].", Kind.NUMBER, "How many people marched?", True),
        (
            "Meloni became prime minister in 2022 [1].",
            Kind.YEAR,
            "In what year did Meloni become prime minister?",
            True,
        ),
        ("Meloni leads the government [1].", Kind.YEAR, "In what year did Meloni become prime minister?", False),
        # a date may be relative
        ("The refusal took place a few nights ago [1].", Kind.DATE, "How long ago did the refusal happen?", True),
        ("They erupted from last summer onward [1].", Kind.DATE, "Since when have demonstrations erupted?", True),
        ("They erupted in Rome [1].", Kind.DATE, "Since when have demonstrations erupted?", False),
        ("He was captured in Caracas [1].", Kind.PLACE, "Where was Maduro captured?", True),
        ("Maduro was captured by special forces [1].", Kind.PLACE, "Where was Maduro captured?", False),
    ],
)
def test_gives_kind(sentence: str, kind: Kind, question: str, gives: bool) -> None:
    assert gives_kind(sentence, kind, question) is gives


def test_proper_names_skip_ordinary_words_and_the_question() -> None:
    assert proper_names("The minister Guido Crosetto spoke in Rome.", "Who spoke in Rome?") == ["Guido", "Crosetto"]
    assert proper_names("Texas is facing criticism [1].", "Which state is facing criticism?") == ["Texas"]
    assert proper_names('"Oppenheimer" won in January.', "Which movie won?") == ["Oppenheimer"]


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Which outlet published the story about the base refusal?", "outlet"),
        ("What newspaper ran this article?", "outlet"),
        ("Who wrote the article?", "byline"),
        ("When was the article about the Kyiv meeting published?", "published_at"),
        # about the news, not about the article: "this week" is time, and no verb of publishing
        ("Which newspaper slashed more than 20% of its staff this week?", None),
        ("Which news outlet laid off staff this month?", None),
        ("Who won the election?", None),
    ],
)
def test_a_question_about_the_article_itself(question: str, field: str | None) -> None:
    assert metadata_field(question) == field


@pytest.mark.parametrize(
    ("sentence", "question", "span"),
    [
        (
            "TikTok is one step closer to being banned in the United States after the House passed a bill.",
            "Which social media platform is one step closer to being banned in the United States after the House "
            "passed a bill?",
            "TikTok",
        ),
        ("AT&T experienced a widespread outage this week.", "Which network experienced an outage this week?", "AT&T"),
        (
            "The Philadelphia 76ers represented Mac McClung.",
            "Which NBA team did Mac McClung represent?",
            "Philadelphia 76ers",
        ),
        ("Intel received an $8.5 billion grant.", "How much did Intel receive?", "$8.5 billion"),
        (
            "An estimated 300,000 people marched in Rome on March 28, 2024.",
            "How many people marched in Rome?",
            "300,000",
        ),
        ("Guido Crosetto confirmed the refusal on Tuesday.", "Who confirmed the refusal?", "Guido Crosetto"),
        ("Kamila Valieva was banned from figure skating.", "Kamila Valieva was banned from which sport?", None),
        ("Wendy's will bring Uber-like surge pricing.", "Which chain will bring surge pricing?", None),  # two
    ],
)
def test_the_one_name_or_figure_a_sentence_answers_with(sentence: str, question: str, span: str | None) -> None:
    assert answer_span(sentence, question) == span


@pytest.mark.parametrize(
    ("question", "relation"),
    [
        ("Who won the Nevada Republican primary this week?", "won"),
        ("Who has been named chief executive?", "named"),
        ("Who leads the Five Star Movement?", "leads"),
        ("Approximately how many hacking attempts does JPMorgan Chase fight off each day?", "attempts"),
        ("Roughly how many people demonstrated in Rome?", "people"),
        ("How many schools of medicine were recognized in China?", "schools"),
        ("Who was the first woman to lead the party?", None),  # "the" is no verb
        ("Who from Delaware was featured on the show?", None),
        ("Who is the prime minister?", None),
        ("Where was Maduro captured?", None),
    ],
)
def test_asked_relation(question: str, relation: str | None) -> None:
    found = asked_relation(question)
    assert (found.word if found else None) == relation
    if found:  # a verb of "who", or the noun "how many" counts
        assert found.act is question.startswith("Who")


@pytest.mark.parametrize(
    ("sentence", "relation", "holds"),
    [
        ("Nikki Haley won the primary [1].", "won", True),
        ("Trump wins Nevada [1].", "won", True),
        ("The winner was Donald Trump [1].", "won", True),
        ("Nikki Haley opted to participate in Nevada's Republican primary [1].", "won", False),
        ("The bank fends off 45 billion hacking attempts a day [1].", "attempts", True),
        ("JPMorgan will devote about 1,000 people to cybersecurity [1].", "attempts", False),
        ("Giuseppe Conte, who led the government, leads the party [1].", "leads", True),
    ],
)
def test_holds_relation(sentence: str, relation: str, holds: bool) -> None:
    assert holds_relation(sentence, relation) is holds


EUROPEAN_NATION = "Which European nation voted to enshrine a woman's right to abortion in its constitution?"


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("Michigan voters on Tuesday voted to enshrine abortion rights in the state's constitution [1].", False),
        ("France became the first country to do so [1].", True),
        ("The French parliament voted for it [1].", True),  # a people's adjective
        ("Italian lawmakers approved it [1].", True),  # read as "Italy"
        ("Lawmakers in the U.S. voted [1].", True),
        ("The United States of America voted [1].", True),
        ("They told us nothing [1].", False),  # the pronoun, not the US
        ("The Marches were under the control of Norman barons [1].", False),
        ("Indiana voters approved it [1].", False),  # a state, not India
        ("Indianapolis voted first [1].", False),
        ("Chadwick Boseman spoke for it [1].", False),  # not Chad
        ("Malibu residents voted [1].", False),  # not Mali
        ("Greenland's parliament voted [1].", True),
        ("Ukrainians voted for it [1].", True),  # a people
        ("The Lebanese parliament voted [1].", True),
        ("Peruvian lawmakers voted [1].", True),
    ],
)
def test_a_question_asking_for_a_country_needs_a_country(sentence: str, names: bool) -> None:
    assert names_country(sentence, EUROPEAN_NATION) is names
    assert gives_kind(sentence, Kind.PLACE, EUROPEAN_NATION) is names
    if "Michigan" in sentence:  # any place will do where no country is asked for
        assert gives_kind(sentence, Kind.PLACE, "Where did voters enshrine abortion rights?")


@pytest.mark.parametrize(
    ("word", "country"),
    [
        *[(w, True) for w in "italy italian italians chinese iraqi yemeni peruvian cuban german french".split()],
        *[(w, True) for w in "ukrainian israelis palestinian mexican chadian lebanese somali swedish greek".split()],
        *[(w, False) for w in "indiana indianapolis chadwick malibu perugia chinatown romano un chili laon".split()],
    ],
)
def test_a_country_word_is_a_name_or_its_peoples_adjective(word: str, country: bool) -> None:
    assert is_country_word(word) is country


@pytest.mark.parametrize(
    ("question", "pair"),
    [
        ("What is the name of the NFL team that Jason Kelce's brother Travis plays for?", ("Jason Kelce", "Travis")),
        ("Which team does Taylor Swift's boyfriend, Travis Kelce, play for?", ("Taylor Swift", "Travis Kelce")),
        ("What did Prince Harry's wife Meghan Markle say?", ("Prince Harry", "Meghan Markle")),
        ("Who is Jason Kelce's brother?", None),  # the relative is what is asked
        ("What was Maria de la Quellerie's father's name?", None),
        ("What is Apple's newest product called?", None),
    ],
)
def test_which_of_two_relatives_a_question_asks_about(question: str, pair: tuple[str, str] | None) -> None:
    assert kin_pair(question) == pair


def test_a_country_the_question_names_is_no_answer() -> None:
    question = "Which country did Japan not force into an alliance?"
    assert not names_country("Japan invaded the region [1].", question)
    assert names_country("Japan also invaded Thailand [1].", question)
    # A name is the question's own only when all of it is: "new" in the question leaves New Zealand new.
    assert names_country("New Zealand passed it [1].", "Which country passed a new law banning smoking?")
    assert not names_country("The United States passed it [1].", "Which country besides the United States did?")
