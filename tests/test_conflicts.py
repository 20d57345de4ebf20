"""Disagreement among sources (rag.conflicts) through the answer path, on hand-made corpora with fakes: two
outlets disagreeing on a figure, an update, one false source against three true ones, and the variants
(of a name, a unit, a number word) that are no disagreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import conflicts, disagreement
from rag.generators.base import Generator
from rag.generators.extractive import ExtractiveGenerator
from rag.judges.overlap import OverlapJudge
from rag.pipeline import AskParams, Pipeline
from rag.retrieve import Retriever
from rag.text import split_sentences
from rag.types import Answer, Article, Filters, Passage
from rag.verify import Verifier
from tests.conftest import article, open_store
from tests.fakes import ScriptedGenerator

AS_OF = "2024-03-10"


def ask(
    tmp_path: Path, embedder, ingest, articles: list[Article], question: str, generator: Generator | None = None,
    **params: object,
) -> Answer:  # fmt: skip
    store = open_store(tmp_path / "index", embedder)
    ingest(store, articles)
    pipeline = Pipeline(
        Retriever(store, embedder),
        generator or ExtractiveGenerator(),
        Verifier(OverlapJudge()),
        lambda article_id: store.get_article(article_id).body,
        AskParams(**params),  # type: ignore[arg-type]
    )
    return pipeline.ask(question, Filters(as_of=AS_OF))


def well_formed(answer: Answer) -> None:
    """Every value of every conflict is in the sentence of each source it names, and that source's quote
    (at its offsets) holds the sentence; outlets and dates are the articles' own."""
    by_n = {s.n: s for s in answer.sources}
    assert answer.answerable and answer.abstain_reason is None
    said = [s for s in answer.sentences if s.verdict == "disagreement"]
    assert len(said) == len(answer.conflicts) == 1
    for c in answer.conflicts:
        for v in c.values:
            assert v.sources
            for src in v.sources:
                source = by_n[src.n]
                assert src.article_id == source.article_id
                assert (src.outlet, src.published_at) == (source.outlet, source.published_at)
                assert src.sentence in source.quote
                assert f"[{src.n}]" in said[0].text
    assert said[0].text in answer.answer


# ---------------------------------------------------------------- disagreement


FIGURES = [
    article("The strike closed 40 schools across the region on Monday, the union said.", id="reuters",
            title="Teachers strike", outlet="Reuters", published_at="2024-03-04"),
    article("The strike closed 25 schools across the region on Monday, the ministry said.", id="bbc",
            title="Teachers strike", outlet="BBC", published_at="2024-03-04"),
]  # fmt: skip


def test_undated_accounts_of_a_period_asked_about_still_disagree(tmp_path: Path, embedder, ingest) -> None:
    """Nothing says an undated article lies outside the period a question names ("in 2024"): its account
    is compared, not hidden (RGB's documents are all undated)."""
    undated = [article(a.body, id=a.id, title=a.title, outlet=a.outlet) for a in FIGURES]
    answer = ask(tmp_path, embedder, ingest, undated, "How many schools did the strike close in 2024?")
    well_formed(answer)
    assert {v.value for v in answer.conflicts[0].values} == {"40 schools", "25 schools"}


def test_two_outlets_disagreeing_on_a_figure_are_both_attributed(tmp_path: Path, embedder, ingest) -> None:
    answer = ask(tmp_path, embedder, ingest, FIGURES, "How many schools did the strike close?")
    well_formed(answer)
    (c,) = answer.conflicts
    assert (c.kind, c.status) == ("number", "disagreement")
    assert {v.value for v in c.values} == {"40 schools", "25 schools"}
    assert {v.sources[0].outlet for v in c.values} == {"Reuters", "BBC"}
    assert answer.answer.startswith("The sources disagree: one source (")
    assert "Reuters, 4 March 2024" in answer.answer and "BBC, 4 March 2024" in answer.answer
    # The drafted quote gave one side as if settled: it goes, with the reason.
    assert [s.text for s in answer.sentences] == [answer.answer]
    assert "as if settled" in answer.dropped[-1].reasons[0]


def test_with_the_stage_off_nothing_changes(tmp_path: Path, embedder, ingest) -> None:
    answer = ask(tmp_path, embedder, ingest, FIGURES, "How many schools did the strike close?", conflicts=False)
    assert answer.answerable and not answer.conflicts and "disagree" not in answer.answer


def test_a_generator_that_declines_before_sources_that_disagree_answers_with_the_disagreement(
    tmp_path: Path, embedder, ingest
) -> None:
    answer = ask(tmp_path, embedder, ingest, FIGURES, "How many schools did the strike close?",
                 ScriptedGenerator("NOT STATED"))  # fmt: skip
    well_formed(answer)
    assert "disagree on what was asked" in answer.usage["notes"][-1]


# ---------------------------------------------------------------- an update


FIRE = [
    article("A fire swept through an apartment block in Valencia on Monday. At least 12 people died in the fire, "
            "officials said.", id="ap", title="Fire in Valencia", outlet="AP", published_at="2024-03-02"),
    article("The toll from the Valencia apartment fire has risen: 31 people died in the fire, the mayor said on "
            "Wednesday.", id="guardian", title="Valencia fire toll rises", outlet="The Guardian",
            published_at="2024-03-04"),
]  # fmt: skip


STATEMENT = (
    "The Guardian reported 31 people on 4 March 2024 [1]; an earlier AP report, of 2 March 2024, gave 12 people [2]."
)


@pytest.mark.parametrize("draft", ["At least 12 people died in the fire [1].", "12 people died [1]."])
def test_an_update_gives_the_latest_first_and_the_earlier_figure_after(
    tmp_path: Path, embedder, ingest, draft: str
) -> None:
    question = "How many people died in the Valencia fire?"
    passages = Retriever(*_store(tmp_path, embedder, ingest, FIRE)).search(question, 5)
    n = next(i for i, p in enumerate(passages, 1) if "12 people" in p.text)  # cite the old figure's passage
    answer = ask(tmp_path / "a", embedder, ingest, FIRE, question, ScriptedGenerator(draft.replace("[1]", f"[{n}]")))
    well_formed(answer)
    (c,) = answer.conflicts
    assert (c.kind, c.status) == ("number", "update")
    assert [v.value for v in c.values] == ["31 people", "12 people"]
    assert [v.sources[0].published_at for v in c.values] == ["2024-03-04", "2024-03-02"]
    assert answer.answer == STATEMENT  # the old figure, given alone, went:
    assert any("since updated: a later report gives 31 people" in r for s in answer.dropped for r in s.reasons)


def _store(tmp_path: Path, embedder, ingest, articles: list[Article]):
    store = open_store(tmp_path / "probe", embedder)
    ingest(store, articles)
    return store, embedder


def test_an_answer_that_gives_the_latest_figure_keeps_it_and_mentions_the_earlier(
    tmp_path: Path, embedder, ingest
) -> None:
    question = "How many people died in the Valencia fire?"
    passages = Retriever(*_store(tmp_path, embedder, ingest, FIRE)).search(question, 5)
    n = next(i for i, p in enumerate(passages, 1) if "31 people" in p.text)
    answer = ask(
        tmp_path / "a", embedder, ingest, FIRE, question, ScriptedGenerator(f"31 people died in the fire [{n}].")
    )
    well_formed(answer)
    assert answer.answer == f"31 people died in the fire [1]. {STATEMENT}"
    assert answer.conflicts[0].status == "update"
    quoted = ask(tmp_path / "b", embedder, ingest, FIRE, question)  # the extractive quote of the latest report
    assert quoted.answer.startswith('"The toll from the Valencia') and quoted.answer.endswith(STATEMENT)


# ---------------------------------------------------------------- one against several


SUPER_BOWL = [
    article("Super Bowl LV was played at Raymond James Stadium in Tampa, Florida, on February 7, the league said.",
            id="ap", title="Super Bowl LV", outlet="AP", published_at="2021-02-08"),
    article("The Buccaneers won Super Bowl LV, played at Raymond James Stadium in Tampa, Florida, on February 7.",
            id="reuters", title="Buccaneers win", outlet="Reuters", published_at="2021-02-08"),
    article("Tom Brady won a seventh title as Super Bowl LV was played at Raymond James Stadium in Tampa, Florida.",
            id="espn", title="Brady's seventh", outlet="ESPN", published_at="2021-02-08"),
    article("Super Bowl LV was played at Raymond James Stadium in Glendale, Arizona, on February 7, the league said.",
            id="blog", title="Super Bowl LV recap", outlet="Sports Blog", published_at="2021-02-08"),
]  # fmt: skip


def test_one_false_source_against_three_true_ones_is_named_as_alone(tmp_path: Path, embedder, ingest) -> None:
    question = "Where was Super Bowl LV played?"
    passages = Retriever(*_store(tmp_path, embedder, ingest, SUPER_BOWL)).search(question, 5)
    n = next(i for i, p in enumerate(passages, 1) if "Glendale" in p.text)
    draft = f"Super Bowl LV was played in Glendale, Arizona [{n}]."  # the generator believed the lone source
    answer = ask(tmp_path / "a", embedder, ingest, SUPER_BOWL, question, ScriptedGenerator(draft))
    well_formed(answer)
    (c,) = answer.conflicts
    assert (c.kind, c.status) == ("name", "minority")
    assert [v.value for v in c.values] == ["Tampa, Florida", "Glendale, Arizona"]
    assert len(c.values[0].sources) == 3 and len(c.values[1].sources) == 1
    assert answer.answer == (
        "Three sources (AP, Reuters and ESPN, 8 February 2021) give Tampa, Florida [1][2][3]; "
        "only one (Sports Blog, 8 February 2021) gives Glendale, Arizona [4]."
    )
    assert "Glendale" not in answer.answer.split(";")[0]  # the minority value is never the answer
    assert [s.text for s in answer.dropped][-1] == "Super Bowl LV was played in Glendale, Arizona."


def test_a_lone_later_figure_against_several_earlier_ones_is_an_update(tmp_path: Path, embedder, ingest) -> None:
    early = [
        article(
            f"At least 12 people died in the Valencia fire on Monday, {who} said.",
            id=who.lower(),
            title="Fire",
            outlet=who,
            published_at="2024-03-02",
        )
        for who in ("AP", "AFP", "Reuters")
    ]
    later = article("31 people died in the Valencia fire, the mayor said on Wednesday.", id="guardian",
                    title="Toll rises", outlet="The Guardian", published_at="2024-03-04")  # fmt: skip
    answer = ask(tmp_path, embedder, ingest, [*early, later], "How many people died in the Valencia fire?")
    well_formed(answer)
    assert answer.conflicts[0].status == "update"
    assert [v.value for v in answer.conflicts[0].values] == ["31 people", "12 people"]
    assert "The Guardian reported 31 people on 4 March 2024" in answer.answer


# ---------------------------------------------------------------- variants that agree


def test_name_variants_are_no_conflict(tmp_path: Path, embedder, ingest) -> None:
    variants = [
        article("Defense Minister Guido Crosetto confirmed the refusal on Tuesday.", id="ansa", title="Refusal",
                outlet="ANSA", published_at="2024-03-02"),
        article("Crosetto confirmed the refusal on Tuesday, officials said.", id="reuters", title="Refusal",
                outlet="Reuters", published_at="2024-03-03"),
        article("Guido Crosetto confirmed the refusal on Tuesday in Rome.", id="ap", title="Refusal", outlet="AP",
                published_at="2024-03-03"),
    ]  # fmt: skip
    answer = ask(tmp_path, embedder, ingest, variants, "Who confirmed the refusal?")
    assert answer.answerable and "Crosetto" in answer.answer and not answer.conflicts


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        ("How much forest has the wildfire burned?",
         "The wildfire has burned 40,000 hectares of forest so far, officials said.",
         "The wildfire has burned about 99,000 acres of forest so far, officials said."),
        ("How much did Google pay for YouTube?",
         "Google bought YouTube for $1.65 billion in stock, the company said.",
         "Google bought YouTube for $1,650 million in stock, the company said."),
        ("How many people died in the fire?",
         "Twelve people died in the fire on Monday, officials said.",
         "12 people died in the fire on Monday, officials said."),
    ],
)  # fmt: skip
def test_the_same_figure_in_other_units_or_words_is_no_conflict(
    tmp_path: Path, embedder, ingest, question: str, first: str, second: str
) -> None:
    same = [article(first, id="a", title="Report", outlet="AFP", published_at="2024-03-02"),
            article(second, id="b", title="Report", outlet="AP", published_at="2024-03-02")]  # fmt: skip
    answer = ask(tmp_path, embedder, ingest, same, question)
    assert answer.answerable and not answer.conflicts


def test_different_counted_things_or_currencies_are_no_conflict(tmp_path: Path, embedder, ingest) -> None:
    apart = [
        article("The storm damaged 40 homes in the valley on Monday, officials said.", id="a", title="Storm",
                outlet="AFP", published_at="2024-03-02"),
        article("The storm damaged 25 vehicles in the valley on Monday, officials said.", id="b", title="Storm",
                outlet="AP", published_at="2024-03-02"),
    ]  # fmt: skip
    answer = ask(tmp_path, embedder, ingest, apart, "How many homes did the storm damage?")
    assert answer.answerable and not answer.conflicts


def test_sentences_about_another_year_the_question_names_are_no_conflict(tmp_path: Path, embedder, ingest) -> None:
    years = [
        article("Egan Bernal won the 2019 Tour de France on Sunday in Paris.", id="a", title="Tour", outlet="AFP",
                published_at="2024-03-02"),
        article("Geraint Thomas won the 2018 Tour de France on Sunday in Paris.", id="b", title="Tour", outlet="AP",
                published_at="2024-03-02"),
    ]  # fmt: skip
    answer = ask(tmp_path, embedder, ingest, years, "Who won the 2019 Tour de France?")
    assert answer.answerable and "Bernal" in answer.answer and not answer.conflicts


# ---------------------------------------------------------------- the statement is checked


def _passage(text: str, article_id: str, outlet: str, day: str) -> Passage:
    return Passage(f"{article_id}:0", article_id, text, 0, len(text), 1.0, outlet=outlet, published_at=day)


def test_the_statement_holds_only_values_found_in_the_sentences_it_cites() -> None:
    passages = [
        _passage("The strike closed 40 schools across the region on Monday.", "a", "Reuters", "2024-03-04"),
        _passage("The strike closed 25 schools across the region on Monday.", "b", "BBC", "2024-03-04"),
    ]
    found = conflicts.find("How many schools did the strike close?", passages)
    assert found is not None and not disagreement.check(found)
    said = disagreement.statement(found)
    assert said.verdict == "disagreement" and set(said.citations) == {0, 1}
    assert all(said.spans[i] == split_sentences(p.text)[0] for i, p in enumerate(passages))
    # A statement whose value is not where it says it is fails the check.
    side = found.sides[0]
    claim = side.claims[0]
    moved = conflicts.Claim(1 - claim.passage, claim.sentence, claim.value)
    sides = (conflicts.Side(side.value, (moved,)), *found.sides[1:])
    tampered = conflicts.Disagreement(found.slot, found.kind, found.status, sides, found.passages)
    assert disagreement.check(tampered)


def test_sources_that_agree_give_nothing_to_find() -> None:
    passages = [
        _passage("The strike closed 40 schools across the region on Monday.", "a", "Reuters", "2024-03-04"),
        _passage("The strike closed forty schools across the region on Monday.", "b", "BBC", "2024-03-04"),
        _passage("Forty schools stayed shut across the region as the strike closed them.", "c", "AP", "2024-03-04"),
    ]
    assert conflicts.find("How many schools did the strike close?", passages) is None
