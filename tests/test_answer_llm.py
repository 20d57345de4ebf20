"""The whole answer path with the real models (MiniLM, the local LLM) on seed-article questions. Slow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag import factory
from rag.config import Settings
from rag.errors import ModelError
from rag.pipeline import Pipeline
from tests.conftest import SEED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    from rag.ingest import read_sources

    settings = Settings(index_dir=tmp_path_factory.mktemp("seed") / "index")
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder, create=True)
    with store.writing():
        embedder.warm_up()
        factory.indexer(settings, store, embedder).ingest(read_sources([str(SEED)]))
    p = factory.pipeline(settings, store, embedder)
    try:
        factory.warm_up(p)
    except ModelError as exc:
        pytest.skip(f"local LLM unavailable: {exc}")
    yield p
    store.close()


def exact(pipeline: Pipeline, answer) -> bool:
    return all(
        s.quote == pipeline.body_of(s.article_id)[s.start : s.end] and s.quote in SEED.read_text(encoding="utf-8")
        for s in answer.sources
    )


def test_the_seed_question_is_answered_with_a_verified_citation(pipeline: Pipeline) -> None:
    answer = pipeline.ask("Who confirmed the refusal?")
    assert answer.answerable, answer
    assert "Crosetto" in answer.answer
    assert answer.sentences and all(s.citations for s in answer.sentences)
    assert answer.sources[0].n == 1 and "Crosetto" in answer.sources[0].quote
    assert exact(pipeline, answer)
    assert answer.timings["generate"] > 0 and answer.usage["prompt_tokens"] > 100


@pytest.mark.parametrize(
    "question",
    [
        "Which airbase did Italy deny the United States access to?",
        "How many people demonstrated in Rome?",
    ],
)
def test_answerable_questions(pipeline: Pipeline, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.answerable, answer
    assert all(s.citations and s.verdict != "unsupported" for s in answer.sentences)
    assert exact(pipeline, answer)


@pytest.mark.parametrize(
    "question",
    [
        "By how much does Italy plan to raise its military spending?",  # on topic, not in the article
        "When did Crosetto resign over the Sigonella affair?",  # false premise the LLM tends to repeat
        "Why did Germany deny the United States access to Sigonella?",  # false premise, caught before the LLM
        "Which team won the 2022 FIFA World Cup final?",  # off topic
    ],
)
def test_questions_the_article_does_not_answer_are_declined(pipeline: Pipeline, question: str) -> None:
    answer = pipeline.ask(question)
    assert not answer.answerable, answer
    assert answer.abstain_reason in ("no_relevant_passages", "insufficient_support")
    assert not answer.sources
