"""The default answer path (MiniLM, the local LLM drafting and judging) on a real multi-outlet archive: the
search results of a few RealTimeQA questions, each asked as of its own date. Slow; skipped with the reason
when the data set is absent.

What every answer must hold, right or wrong: each returned sentence cites a passage and passed the checks;
each quote is the article's text at its offsets; nothing cited is newer than the as-of date; an answer to a
question about time says when; an abstention gives a reason the API documents. The suite's `realtimeqa`
run measures how often the answers are right; this checks that none breaks the rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from rag import factory
from rag.config import Settings
from rag.errors import ModelError
from rag.pipeline import Pipeline
from rag.timeframe import find_time
from rag.types import Filters
from tests.conftest import DATASETS

pytestmark = pytest.mark.slow
FOLDER = DATASETS / "realtimeqa"
if not any(FOLDER.glob("*_qa.jsonl.gz")):
    pytest.skip(f"RealTimeQA is not at {FOLDER}", allow_module_level=True)

VERDICTS = {"supported", "supported_elsewhere", "metadata", "disagreement"}
REASONS = {"no_relevant_passages", "insufficient_support", "no_articles_in_period"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pipeline, list]]:
    from evals.suite.sets import load_realtimeqa

    evalset = load_realtimeqa(FOLDER, limit=4, seed=7)
    settings = Settings(index_dir=tmp_path_factory.mktemp("archive") / "index")
    embedder = factory.embedder(settings)
    store = factory.store(settings, embedder, create=True)
    with store.writing():
        factory.indexer(settings, store, embedder).ingest(list(evalset.corpus.values()))
    pipeline = factory.pipeline(settings, store, embedder)
    try:
        factory.warm_up(pipeline)
    except ModelError as exc:
        pytest.skip(f"local LLM unavailable: {exc}")
    yield pipeline, evalset.items
    store.close()


def test_every_answer_on_the_archive_keeps_the_rules(archive: tuple[Pipeline, list]) -> None:
    pipeline, items = archive
    assert len(items) == 4
    for item in items:
        as_of = item.meta["date"].replace("/", "-")
        answer = pipeline.ask(item.question, Filters(as_of=as_of))
        assert answer.as_of == as_of
        if not answer.answerable:
            assert answer.abstain_reason in REASONS, answer
            continue
        assert answer.sentences, answer
        for sentence in answer.sentences:
            assert sentence.citations and sentence.verdict in VERDICTS, sentence
        for source in answer.sources:
            assert pipeline.body_of(source.article_id)[source.start : source.end] == source.quote
            assert not source.published_at or source.published_at[:10] <= as_of, source
        if find_time(item.question, date.fromisoformat(as_of)) is not None:
            assert answer.answer.startswith(f"As of {date.fromisoformat(as_of).day} "), answer.answer
