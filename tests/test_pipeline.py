"""The answer path end to end with fakes: gates, abstentions, source numbering, exact quotes, bad input."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.citations import assemble, with_markers
from rag.errors import InputError, NotFoundError
from rag.generators.base import Draft, Revision
from rag.generators.extractive import ExtractiveGenerator
from rag.judges.overlap import OverlapJudge
from rag.pipeline import (
    INSUFFICIENT_SUPPORT,
    NO_RELEVANT_PASSAGES,
    AskParams,
    Pipeline,
    _span_draft,
    revision_feedback,
    undated,
)
from rag.readers.plain import article_from_text
from rag.retrieve import Retriever
from rag.store.local import LocalStore
from rag.text import GAP, split_sentences
from rag.types import Article, Filters, Passage, Reason, ReasonKind
from rag.verify import CheckedSentence, Verifier
from tests.conftest import SEED, article, open_store
from tests.fakes import ScriptedGenerator


@pytest.fixture
def indexed(tmp_path: Path, embedder, ingest, news: list[Article]) -> LocalStore:
    s = open_store(tmp_path / "index", embedder)
    ingest(s, news)
    return s


def make(store: LocalStore, embedder, generator, **params) -> Pipeline:
    return Pipeline(
        Retriever(store, embedder),
        generator,
        Verifier(OverlapJudge()),
        lambda article_id: store.get_article(article_id).body,
        AskParams(**params),
    )


def cite(question: str, store: LocalStore, embedder, wanted: str) -> int:
    """The number under which `question`'s retrieval shows the passage containing `wanted`."""
    passages = Retriever(store, embedder).search(question, 5)
    return next(n for n, p in enumerate(passages, 1) if wanted in p.text)


def test_answer_cites_sources_in_first_cited_order_with_exact_quotes(indexed: LocalStore, embedder) -> None:
    q = "Who confirmed the refusal and how many people marched in Rome?"
    crowd = cite(q, indexed, embedder, "300,000")
    refusal = cite(q, indexed, embedder, "Crosetto")
    draft = f"An estimated 300,000 people marched in Rome [{crowd}]. Guido Crosetto confirmed the refusal [{refusal}]."
    answer = make(indexed, embedder, ScriptedGenerator(draft)).ask(q)
    assert answer.answerable and answer.abstain_reason is None
    assert undated(answer.answer) == (
        "An estimated 300,000 people marched in Rome [1]. Guido Crosetto confirmed the refusal [2]."
    )
    assert [s.n for s in answer.sources] == [1, 2]
    assert [s.article_id for s in answer.sources] == ["protest", "rome"]
    for source in answer.sources:
        body = indexed.get_article(source.article_id).body
        assert body[source.start : source.end] == source.quote
    assert "300,000" in answer.sources[0].quote and "Crosetto" in answer.sources[1].quote
    assert set(answer.timings) == {"retrieve", "generate", "verify", "conflicts", "total"}
    assert answer.usage["prompt_tokens"] == 100


def test_irrelevant_question_abstains_without_calling_the_generator(indexed: LocalStore, embedder) -> None:
    generator = ScriptedGenerator("Canberra [1].")
    answer = make(indexed, embedder, generator, min_similarity=0.99).ask("What is the capital of Australia?")
    assert (answer.answerable, answer.abstain_reason) == (False, NO_RELEVANT_PASSAGES)
    assert not generator.calls and not answer.sources and answer.answer


def test_false_premise_naming_an_absent_entity_abstains_before_generation(indexed: LocalStore, embedder) -> None:
    generator = ScriptedGenerator("Because of the vote [1].")
    answer = make(indexed, embedder, generator).ask("Why did Germany refuse the base access?")
    assert (answer.answerable, answer.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    assert not generator.calls and "Germany" in answer.usage["notes"][0]


def test_declined_and_unsupported_drafts_abstain(indexed: LocalStore, embedder) -> None:
    declined = make(indexed, embedder, ScriptedGenerator("NOT STATED")).ask("Who confirmed the refusal?")
    assert declined.abstain_reason == INSUFFICIENT_SUPPORT and not declined.dropped
    wrong = make(indexed, embedder, ScriptedGenerator("Antonio Tajani confirmed the refusal [1].")).ask(
        "Who confirmed the refusal?"
    )
    assert (wrong.answerable, wrong.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    # The draft failed, and so did the name it gave, tried alone: both are shown as dropped, and why.
    assert [s.text for s in wrong.dropped] == ["Antonio Tajani confirmed the refusal.", "Antonio Tajani"]
    assert any(note.startswith("the name or figure it gave, alone: ") for note in wrong.usage["notes"])
    assert not wrong.sentences and not wrong.sources


def test_bad_questions_are_refused(indexed: LocalStore, embedder) -> None:
    pipeline = make(indexed, embedder, ScriptedGenerator("x"), max_question_chars=50)
    for bad in ["", "   \n\t "]:
        with pytest.raises(InputError, match="empty"):
            pipeline.ask(bad)
    with pytest.raises(InputError, match="limit is 50"):
        pipeline.ask("why " * 20)


def test_a_question_in_another_language_is_answered_or_abstained(indexed: LocalStore, embedder) -> None:
    for question in ["Chi ha confermato il rifiuto?", "誰が拒否を確認したのか？", "¿Quién confirmó la negativa?"]:
        answer = make(indexed, embedder, ExtractiveGenerator()).ask(question)
        assert answer.answerable in (True, False) and answer.answer


def test_empty_index_is_a_clear_error(tmp_path: Path, embedder) -> None:
    empty = open_store(tmp_path / "empty", embedder)
    with pytest.raises(NotFoundError, match="rag ingest"):
        make(empty, embedder, ScriptedGenerator("x")).ask("Who confirmed the refusal?")


def test_quote_that_is_not_in_the_article_is_never_returned() -> None:
    text = "Crosetto confirmed the refusal on Tuesday."
    p = Passage(chunk_id="a:0", article_id="a", text=text, start=5, end=5 + len(text), score=1.0)
    checked = [CheckedSentence("Crosetto confirmed the refusal.", (0,), "supported", 0.9, (), {0: (0, len(text))})]
    good_body = "xxxx " + text
    sentences, sources, lost = assemble(checked, [p], lambda _: good_body)
    assert sources[0].quote == text and (sources[0].start, sources[0].end) == (5, 5 + len(text)) and not lost
    # The article changed under the index: the offsets no longer hold, so the sentence goes.
    sentences, sources, lost = assemble(checked, [p], lambda _: "yyyy " + text.upper())
    assert not sentences and not sources and "no quote could be located" in lost[0].reasons[-1]


def test_markers_sit_before_the_final_stop() -> None:
    assert with_markers("Crosetto confirmed it.", [1, 2]) == "Crosetto confirmed it [1][2]."
    assert with_markers('He said "no."', [1]) == 'He said "no." [1]'
    assert with_markers("No stop", [3]) == "No stop [3]"


# ---------------------------------------------------------------- the extractive generator

SEED_BODY = SEED.read_text(encoding="utf-8")
_WORDS = sorted({w.strip(".,'\"()").lower() for w in SEED_BODY.split() if len(w) > 3})


@pytest.fixture(scope="module")
def seed_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Pipeline]:
    from rag.embedders.hashing import HashEmbedder
    from rag.readers.plain import article_from_text
    from tests.conftest import make_chunker

    embedder = HashEmbedder(dim=64, max_tokens=128)
    store = open_store(tmp_path_factory.mktemp("seed") / "index", embedder)
    from rag.indexer import Indexer

    with store.writing():
        Indexer(store, embedder, make_chunker(embedder, store.config)).ingest(
            [article_from_text(SEED_BODY, id="seed", title="Sigonella")]
        )
    return lambda: make(store, embedder, ExtractiveGenerator(min_coverage=0.3))


@settings(max_examples=60, deadline=None)
@given(sentence_index=st.integers(0, 10_000), keep=st.lists(st.integers(0, 30), min_size=2, max_size=6))
def test_extractive_answers_always_pass_verification(seed_pipeline, sentence_index: int, keep: list[int]) -> None:
    """Questions made of words from a seed sentence: whatever the extractive generator says survives
    verification intact (nothing dropped, every sentence cited) with exact quotes."""
    spans = split_sentences(SEED_BODY)
    s, e = spans[sentence_index % len(spans)]
    words = SEED_BODY[s:e].split()
    question = "What about " + " ".join(words[i % len(words)] for i in keep) + "?"
    pipeline = seed_pipeline()
    answer = pipeline.ask(question, Filters(as_of="2026-04-01"))  # the article's day: "recently" holds for it
    assert not answer.dropped, answer.dropped
    if answer.answerable:
        assert all(s.citations and s.verdict == "supported" for s in answer.sentences)
        for source in answer.sources:
            body = pipeline.body_of(source.article_id)
            assert body[source.start : source.end] == source.quote and source.quote in SEED_BODY


def test_an_answer_whose_answering_sentence_was_dropped_abstains(indexed: LocalStore, embedder) -> None:
    q = "What did the ambassador say about the refusal?"
    n = cite(q, indexed, embedder, "Crosetto")
    draft = f"The ambassador said the refusal was wrong [{n}]. The government spoke of a parliamentary vote [{n}]."
    answer = make(indexed, embedder, ScriptedGenerator(draft)).ask(q)
    assert (answer.answerable, answer.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    assert "ambassador" in answer.dropped[-1].text or "ambassador" in answer.dropped[0].text


class Recording:
    """The extractive fallback, recording each call's hint."""

    def __init__(self) -> None:
        self.hints: list[str] = []

    def __call__(self, question: str, passages: Sequence[Passage], hint: str) -> Draft:
        self.hints.append(hint)
        return ExtractiveGenerator().generate(question, passages, hint=hint)


def with_fallback(store: LocalStore, embedder, generator, fallback, **params) -> Pipeline:
    pipeline = make(store, embedder, generator, **params)
    pipeline.fallback = fallback
    return pipeline


def test_a_draft_that_fails_verification_falls_back_to_the_quote_that_answers(indexed: LocalStore, embedder) -> None:
    q = "In which city did Tajani meet European counterparts?"
    n = cite(q, indexed, embedder, "Kyiv")
    fallback = Recording()
    draft = f"Tajani met them in Brussels [{n}]."
    # Any quote that answers (`fallback=extractive`); the default also wants it to say what the draft said.
    answer = with_fallback(indexed, embedder, ScriptedGenerator(draft), fallback, fallback_agreement=False).ask(q)
    assert fallback.hints == [draft]
    assert answer.answerable and answer.abstain_reason is None
    assert undated(answer.answer) == '"Foreign Minister Antonio Tajani joined European counterparts in Kyiv." [1]'
    assert [s.verdict for s in answer.sentences] == ["supported"] and answer.sentences[0].citations == (1,)
    source = answer.sources[0]
    assert indexed.get_article(source.article_id).body[source.start : source.end] == source.quote
    assert "Kyiv" in source.quote
    assert [s.text for s in answer.dropped] == ["Tajani met them in Brussels."]  # shown with -v, never as the answer
    assert "passage sentence that best answers" in answer.usage["notes"][0]
    assert "fallback" in answer.timings


def test_a_right_name_wrapped_in_the_questions_words_is_answered_alone(indexed: LocalStore, embedder) -> None:
    q = "Which defense minister publicly confirmed the controversial and widely criticised refusal?"
    n = cite(q, indexed, embedder, "Crosetto")
    draft = f"Guido Crosetto publicly confirmed the controversial and widely criticised refusal [{n}]."
    answer = make(indexed, embedder, ScriptedGenerator(draft)).ask(q)
    assert answer.answerable and undated(answer.answer) == "Guido Crosetto [1]"
    assert [s.text for s in answer.dropped] == [draft.replace(f" [{n}]", "")]
    assert "the name or figure it gave, alone" in answer.usage["notes"][0] and "span" in answer.timings
    assert not make(indexed, embedder, ScriptedGenerator(draft), span=False).ask(q).answerable  # off
    # A question asking why or when is answered by no name alone.
    why = "Why did the defense minister publicly confirm the controversial and widely criticised refusal?"
    because = f"Guido Crosetto publicly confirmed the controversial and widely criticised refusal to save time [{n}]."
    reason = make(indexed, embedder, ScriptedGenerator(because)).ask(why)
    assert not reason.answerable and "span_draft" not in reason.usage


def test_a_name_is_not_answered_alone_when_a_sentence_holding_it_failed_on_the_questions_terms() -> None:
    q = "Which state held a Republican primary this week?"
    drafted = CheckedSentence("Nevada held a Republican primary this week.", (1,), "unsupported", 0.3,
                              (Reason(ReasonKind.BELOW_THRESHOLD, "llm p(yes)=0.30 < 0.5"),))  # fmt: skip
    quoted = CheckedSentence('"There was a Nevada primary on Feb. 6."', (1,), "unsupported", 0.0,
                             (Reason(ReasonKind.OTHER_PERIOD, "it names 2024-02-06"),))  # fmt: skip
    span = _span_draft(q, [drafted])
    assert span is not None and span.text == "Nevada [2]"
    assert _span_draft(q, [drafted, quoted]) is None, "the quote tried before dated it outside the week"
    assert _span_draft("Why did Nevada hold a Republican primary this week?", [drafted]) is None
    assert _span_draft("When did Nevada hold a Republican primary?", [drafted]) is None
    which = _span_draft("Which part of the country held a Republican primary this week?", [drafted])
    assert which is not None and which.text == "Nevada [2]"


def test_no_fallback_when_the_generator_declines_or_the_quote_does_not_answer(indexed: LocalStore, embedder) -> None:
    fallback = Recording()
    declined = with_fallback(indexed, embedder, ScriptedGenerator("NOT STATED"), fallback).ask(
        "Who confirmed the refusal?"
    )
    assert declined.abstain_reason == INSUFFICIENT_SUPPORT and fallback.hints == []  # a decline is not overruled
    # A false premise: the draft fails, and no sentence holds enough of the question to be quoted instead.
    q = "Why did Tajani resign from the government?"
    n = cite(q, indexed, embedder, "Tajani")
    answer = with_fallback(indexed, embedder, ScriptedGenerator(f"Tajani resigned over the vote [{n}]."), fallback).ask(
        q
    )
    assert fallback.hints == [f"Tajani resigned over the vote [{n}]."]
    assert (answer.answerable, answer.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    assert not answer.sources and answer.dropped


def test_a_hint_favours_the_sentence_holding_the_drafted_answer() -> None:
    def passage(i: int, text: str) -> Passage:
        return Passage(chunk_id=f"p{i}:0", article_id=f"p{i}", text=text, start=0, end=len(text), score=1.0)

    passages = [
        passage(1, "The minister met his counterparts to discuss the budget."),
        passage(2, "The minister met his counterparts in Kyiv on Monday."),
    ]
    q = "Where did the minister meet his counterparts?"
    assert ExtractiveGenerator().generate(q, passages).text.endswith("[1]")
    hinted = ExtractiveGenerator().generate(q, passages, hint="Kyiv [2]").text
    assert hinted == '"The minister met his counterparts in Kyiv on Monday." [2]'
    # The hint only ranks: a sentence that misses the question's words is never chosen for it.
    assert ExtractiveGenerator().generate("Who won the cup final?", passages, hint="budget").text == "NOT STATED"


def test_the_fallback_is_configured_for_drafting_generators_only(indexed: LocalStore, embedder) -> None:
    from rag import factory
    from rag.config import Settings

    def built(generator: str, fallback: str) -> Pipeline:
        s = Settings(
            answer={"generator": generator, "fallback": fallback},
            verify={"judge": "overlap"},
            llm={"base_url": "http://127.0.0.1:9/v1", "model": "m"},  # never called: nothing is asked here
        )
        return factory.pipeline(s, indexed, embedder)

    assert built("openai", "extractive").fallback is not None
    assert built("openai", "none").fallback is None
    assert built("extractive", "extractive").fallback is None  # it would only repeat itself


def test_a_true_sentence_is_not_the_answer_when_the_one_taking_up_the_question_was_dropped(
    indexed: LocalStore, embedder
) -> None:
    q = "What did the ambassador say about the refusal?"
    n = cite(q, indexed, embedder, "Crosetto")
    # The second sentence is true and shares "refusal" with the question, but the first one, which took
    # up what was asked (the ambassador), failed: what is left must not pass for the answer.
    draft = f"The ambassador said the refusal was illegal [{n}]. Guido Crosetto confirmed the refusal [{n}]."
    answer = make(indexed, embedder, ScriptedGenerator(draft)).ask(q)
    assert (answer.answerable, answer.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    assert answer.usage["notes"] == ["the sentences that answered the question failed verification"]
    # With the ambassador sentence gone from the draft, the same true sentence is an answer.
    kept = make(indexed, embedder, ScriptedGenerator(f"Guido Crosetto confirmed the refusal [{n}].")).ask(q)
    assert kept.answerable and undated(kept.answer) == "Guido Crosetto confirmed the refusal [1]."


class Revising(ScriptedGenerator):
    """A generator that can revise: returns `second` when asked again, and records what it was told."""

    def __init__(self, text: str, second: str) -> None:
        super().__init__(text)
        self.second = second
        self.revisions: list[Revision] = []

    def revise(self, question: str, passages: Sequence[Passage], revision: Revision, as_of: str = "") -> Draft:
        self.revisions.append(revision)
        return Draft(self.second)


def test_a_failed_draft_is_revised_once_with_the_reasons_and_the_second_draft_verified(
    indexed: LocalStore, embedder
) -> None:
    q = "Who confirmed the refusal?"
    n = cite(q, indexed, embedder, "Crosetto")
    draft = f"Guido Crosetto confirmed the refusal, Antonio Tajani said [{n}]."  # a name the passage lacks
    generator = Revising(draft, f"Guido Crosetto confirmed the refusal [{n}].")
    answer = make(indexed, embedder, generator, revise=True).ask(q)
    [revision] = generator.revisions
    assert revision.draft == draft
    assert '"Guido Crosetto confirmed the refusal, Antonio Tajani said."' in revision.feedback
    assert "the passages do not give Antonio Tajani" in revision.feedback
    assert answer.answerable and undated(answer.answer) == "Guido Crosetto confirmed the refusal [1]."
    assert answer.usage["revise_draft"] == f"Guido Crosetto confirmed the refusal [{n}]."
    assert "second draft" in answer.usage["notes"][0] and "revise" in answer.timings
    assert [s.text for s in answer.dropped] == ["Guido Crosetto confirmed the refusal, Antonio Tajani said."]
    # A second draft is verified like the first (a wrong date fails); a decline, or one
    # that answers with something else than the first draft did (Meloni), is not even verified.
    for second in (
        f"Guido Crosetto confirmed the refusal on May 5 [{n}].",
        "NOT STATED",
        f"Giorgia Meloni confirmed the refusal [{n}].",
    ):
        pipeline = make(indexed, embedder, Revising(draft, second), revise=True)
        pipeline.verifier = Recorded(OverlapJudge())
        wrong = pipeline.ask(q)
        assert (wrong.answerable, wrong.abstain_reason) == (False, INSUFFICIENT_SUPPORT), second
        assert not wrong.sources and wrong.usage["revise_draft"] == second
        assert pipeline.verifier.drafts == ([draft, second] if "May 5" in second else [draft])


class Recorded(Verifier):
    """The verifier, recording each draft it is given."""

    def __init__(self, judge: OverlapJudge) -> None:
        super().__init__(judge)
        self.drafts: list[str] = []

    def verify(self, question: str, passages: Sequence[Passage], draft: Draft | str, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.drafts.append(draft.text if isinstance(draft, Draft) else draft)
        return super().verify(question, passages, draft, *args, **kwargs)


def test_no_revision_after_a_decline_a_verified_draft_a_fallback_quote_or_when_off(
    indexed: LocalStore, embedder
) -> None:
    q = "Who confirmed the refusal?"
    n = cite(q, indexed, embedder, "Crosetto")
    good = f"Guido Crosetto confirmed the refusal [{n}]."
    on = {"revise": True}
    for first, params in (("NOT STATED", on), (good, on), (f"Antonio Tajani confirmed it [{n}].", {})):
        generator = Revising(first, good)
        make(indexed, embedder, generator, **params).ask(q)
        assert generator.revisions == [], first
    # The fallback quote comes first (it costs milliseconds); the generator is asked again only without it.
    q = "In which city did Tajani meet European counterparts?"
    n = cite(q, indexed, embedder, "Kyiv")
    generator = Revising(f"Tajani met them in Brussels [{n}].", "NOT STATED")
    pipeline = with_fallback(indexed, embedder, generator, Recording())
    pipeline.params = AskParams(revise=True, fallback_agreement=False)
    quoted = pipeline.ask(q)
    assert quoted.answerable and "Kyiv" in quoted.answer and generator.revisions == []


def test_revision_feedback_names_the_plainest_reason() -> None:
    def failed(text: str, *reasons: Reason) -> CheckedSentence:
        return CheckedSentence(text, (0,), "unsupported", 0.1, reasons)

    def not_supported(cause: Reason) -> Reason:
        return Reason(ReasonKind.NOT_SUPPORTED, f"[1] does not support it: {cause}", ("1",), (cause,))

    echo = Reason(ReasonKind.PREMISE_ECHO, "repeats the question's forces, barred", ("forces", "barred"))
    number = Reason(ReasonKind.MISSING_NUMBER, "number 10 not in passage", ("10",))
    low = Reason(ReasonKind.BELOW_THRESHOLD, "llm p(yes)=0.11 < 0.5")
    no_citation = Reason(ReasonKind.NO_CITATION, "no citation")
    feedback = revision_feedback(
        [
            failed("Sigonella airbase was US forces barred from using.", not_supported(echo)),
            failed("Italy will spend 10% more.", not_supported(number)),
            failed("Tajani spoke.", no_citation),
            failed(
                "Rome is calm.", Reason(ReasonKind.RECITE_FAILED, f"re-citing to [2] failed: {low}", ("2",), (low,))
            ),
            failed("Not shown.", no_citation),
        ],
        limit=4,
    )
    lines = feedback.splitlines()
    assert (
        lines[1] == '- "Sigonella airbase was US forces barred from using.": it uses the question\'s words '
        "(forces, barred), which the passages do not use"
    )
    assert lines[2] == '- "Italy will spend 10% more.": the passages do not give 10'
    assert lines[3] == '- "Tajani spoke.": it has no passage number'
    assert lines[4] == '- "Rome is calm.": the passages do not support it'
    assert "Not shown." not in feedback  # at most `limit` sentences
    assert lines[-1].endswith("reply exactly: NOT STATED")


def test_revision_is_off_by_default_and_configurable(indexed: LocalStore, embedder) -> None:
    from rag import factory
    from rag.config import Settings

    def built(**answer: object) -> Pipeline:
        s = Settings(
            answer={"generator": "openai", **answer},
            verify={"judge": "overlap"},
            llm={"base_url": "http://127.0.0.1:9/v1", "model": "m"},
        )
        return factory.pipeline(s, indexed, embedder)

    assert built().params.revise is False
    assert built(revise=True).params.revise is True


def test_neighbouring_passages_reach_the_generator_joined(tmp_path: Path, embedder, ingest) -> None:
    store = open_store(tmp_path / "index", embedder)
    long = " ".join(f"The harbour of Genoa saw strike number {i} by dockworkers today." for i in range(40))
    ingest(store, [article(long, id="genoa", title="Genoa")])
    q = "Genoa dockworkers strike"
    retrieved = Retriever(store, embedder).search(q, 5)
    apart = ScriptedGenerator("NOT STATED")
    make(store, embedder, apart, excerpt_words=0).ask(q)  # passages as retrieved, whole
    assert [p.chunk_id for p in apart.calls[0][1]] == [p.chunk_id for p in retrieved]

    shown = apart.calls[0][1]
    sentence = next(s for s in ("strike number 1 ", "strike number 2 ") if any(s in p.text for p in shown))
    together = ScriptedGenerator("")
    pipeline = make(store, embedder, together, join_neighbours=True, excerpt_words=0)
    pipeline.ask(q)
    joined = together.calls[0][1]
    assert len(joined) < len(retrieved)
    for p in joined:
        assert long[p.start : p.end] == p.text
    spans = sorted((p.start, p.end) for p in joined)
    assert all(long[a_end:b_start].strip() for (_, a_end), (b_start, _) in pairwise(spans))
    covered = {i for p in retrieved for i in range(p.start, p.end)}
    extra = {i for p in joined for i in range(p.start, p.end)} - covered
    assert covered <= {i for p in joined for i in range(p.start, p.end)}  # nothing retrieved is lost
    assert all(long[i].isspace() for i in extra)  # and only the spaces between touching parts are added

    n = next(i for i, p in enumerate(joined, 1) if sentence in p.text)
    number = sentence.split()[-1]
    together.text = f"The harbour of Genoa saw strike number {number} by dockworkers today [{n}]."
    answer = pipeline.ask(q)
    assert answer.answerable and answer.sources[0].chunk_id == joined[n - 1].chunk_id
    assert long[answer.sources[0].start : answer.sources[0].end] == answer.sources[0].quote


def test_relevant_only_shows_the_generator_just_the_passages_that_pass_the_gate(indexed: LocalStore, embedder) -> None:
    from rag.text import coverage

    q = "Who confirmed the refusal?"
    retrieved = Retriever(indexed, embedder).search(q, 5)
    passing = [p.chunk_id for p in retrieved if coverage(q, f"{p.title}\n{p.text}") >= 0.5]
    assert 0 < len(passing) < len(retrieved)  # the fixture has both kinds
    every, some = ScriptedGenerator("NOT STATED"), ScriptedGenerator("NOT STATED")
    make(indexed, embedder, every, min_similarity=1.0).ask(q)
    events: list[tuple[str, object]] = []
    pipeline = make(indexed, embedder, some, min_similarity=1.0, relevant_only=True)
    pipeline.ask(q, on_event=lambda kind, payload: events.append((kind, payload)))
    assert [p.chunk_id for p in every.calls[0][1]] == [p.chunk_id for p in retrieved]
    assert [p.chunk_id for p in some.calls[0][1]] == passing
    assert [p.chunk_id for p in events[0][1]] == passing  # streamed citations number what the generator saw

    n = next(i for i, p in enumerate(some.calls[0][1], 1) if "Crosetto" in p.text)
    some.text = f"Guido Crosetto confirmed the refusal [{n}]."
    answer = pipeline.ask(q)
    assert answer.answerable and answer.sources[0].chunk_id == passing[n - 1]


def test_an_answer_that_does_not_give_the_kind_asked_is_no_answer(indexed: LocalStore, embedder) -> None:
    q = "How many officials confirmed the refusal?"
    n = cite(q, indexed, embedder, "Crosetto")
    draft = ScriptedGenerator(f"Defense Minister Guido Crosetto confirmed the refusal [{n}].")
    assert make(indexed, embedder, draft, answer_kind=False).ask(q).answerable  # supported, but it gives no number
    answer = make(indexed, embedder, draft, answer_kind=True).ask(q)
    assert (answer.answerable, answer.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    assert any("number" in note for note in answer.usage["notes"])
    who = make(indexed, embedder, ScriptedGenerator(f"Guido Crosetto confirmed it [{n}]."), answer_kind=True)
    assert who.ask("Who confirmed the refusal?").answerable


def test_an_answer_that_names_someone_but_not_what_they_did_is_no_answer(indexed: LocalStore, embedder) -> None:
    q = "Who announced the refusal?"  # the passage says Crosetto confirmed it: a person, not the act asked about
    n = cite(q, indexed, embedder, "Crosetto")
    draft = ScriptedGenerator(f"Defense Minister Guido Crosetto confirmed the refusal [{n}].")
    assert make(indexed, embedder, draft, answer_kind=False).ask(q).answerable
    answer = make(indexed, embedder, draft, answer_kind=True).ask(q)
    assert (answer.answerable, answer.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    assert any("'announced'" in note for note in answer.usage["notes"])
    # A name alone is read with its question: it says the act when the quote it cites does.
    alone = ScriptedGenerator(f"Guido Crosetto [{n}].")
    assert not make(indexed, embedder, alone, answer_kind=True).ask(q).answerable
    confirmed = make(indexed, embedder, alone, answer_kind=True).ask("Who confirmed the refusal?")
    assert confirmed.answerable and "confirmed" in confirmed.sources[0].quote


def test_questions_about_the_article_itself_are_answered_from_its_fields(indexed: LocalStore, embedder) -> None:
    generator = ScriptedGenerator("NOT STATED")
    who = make(indexed, embedder, generator).ask("Which outlet published the story about the base refusal?")
    assert who.answerable and who.answer == "“Rome denies base access” was published by wsws.org [1]."
    assert who.sentences[0].verdict == "metadata" and generator.calls == []
    [source] = who.sources
    assert source.article_id == "rome" and indexed.get_article("rome").body[source.start : source.end] == source.quote
    when = make(indexed, embedder, generator).ask("When was the article about the Kyiv meeting published?")
    assert "published on 2026-03-30 [1]" in when.answer
    nobody = make(indexed, embedder, generator).ask("Who wrote the article about the base refusal?")
    assert not nobody.answerable and "no stored byline" in " ".join(nobody.usage["notes"])


def test_an_agreeing_fallback_quotes_only_a_sentence_that_says_what_the_draft_said(
    indexed: LocalStore, embedder
) -> None:
    q = "Who confirmed the refusal in time for the parliamentary vote?"
    n = cite(q, indexed, embedder, "Crosetto")
    # The draft names the wrong minister and fails; the quote that covers the question best names nobody
    # (which the default answer-kind check would refuse too: this is about agreement alone).
    draft = ScriptedGenerator(f"Foreign Minister Antonio Tajani confirmed the refusal in time for the vote [{n}].")
    quoted = with_fallback(indexed, embedder, draft, Recording(), fallback_agreement=False, answer_kind=False).ask(q)
    assert quoted.answerable and undated(quoted.answer).startswith('"') and "Tajani" not in quoted.answer
    agreeing = with_fallback(indexed, embedder, draft, Recording())
    agreeing.params = AskParams(fallback_agreement=True)
    answer = agreeing.ask(q)
    assert (answer.answerable, answer.abstain_reason) == (False, INSUFFICIENT_SUPPORT)


def test_the_generator_reads_excerpts_while_verification_reads_whole_passages(indexed: LocalStore, embedder) -> None:
    q = "Who confirmed the refusal?"
    refusal = cite(q, indexed, embedder, "Crosetto")
    whole = make(indexed, embedder, ScriptedGenerator("x")).retriever.retrieve(q, 5).passages
    generator = ScriptedGenerator(f"Guido Crosetto confirmed the refusal [{refusal}].")
    answer = make(indexed, embedder, generator, excerpt_words=12).ask(q)
    [(_, shown)] = generator.calls
    assert [p.chunk_id for p in shown] == [p.chunk_id for p in whole]
    assert any(len(s.text) < len(w.text) for s, w in zip(shown, whole, strict=True))
    assert all(len(s.text.split()) <= 12 + 2 or s.text == w.text for s, w in zip(shown, whole, strict=True))
    assert answer.answerable and "Crosetto" in answer.sources[0].quote
    body = indexed.get_article(answer.sources[0].article_id).body
    assert body[answer.sources[0].start : answer.sources[0].end] == answer.sources[0].quote


def test_a_total_limits_the_words_the_generator_reads_over_all_passages(indexed: LocalStore, embedder) -> None:
    q = "Who confirmed the refusal?"
    each = ScriptedGenerator("NOT STATED")
    make(indexed, embedder, each, excerpt_words=40).ask(q)
    limited = ScriptedGenerator("NOT STATED")
    make(indexed, embedder, limited, excerpt_words=40, excerpt_total_words=60).ask(q)
    [(_, wide)], [(_, narrow)] = each.calls, limited.calls
    assert [p.chunk_id for p in narrow] == [p.chunk_id for p in wide]
    words = [sum(len(p.text.replace(GAP.strip(), " ").split()) for p in shown) for shown in (wide, narrow)]
    assert words[1] < words[0]


def test_excerpt_words_must_not_be_negative() -> None:
    with pytest.raises(InputError, match="excerpt_words"):
        AskParams(excerpt_words=-1)
    with pytest.raises(InputError, match="excerpt_total_words"):
        AskParams(excerpt_total_words=-1)


def test_a_generator_that_reads_no_prompt_gets_whole_passages(indexed: LocalStore, embedder) -> None:
    q = "Who confirmed the refusal?"
    whole = Retriever(indexed, embedder).retrieve(q, 5).passages
    quoting = ScriptedGenerator("NOT STATED")
    quoting.reads_prompt = False  # as the extractive generator declares
    make(indexed, embedder, quoting, excerpt_words=5).ask(q)
    assert [p.text for p in quoting.calls[0][1]] == [p.text for p in whole]
    assert ExtractiveGenerator.reads_prompt is False


def test_an_answer_whose_cited_articles_never_name_what_was_asked_is_declined(tmp_path: Path, embedder, ingest) -> None:
    store = open_store(tmp_path / "index", embedder)
    newark = "The Wyncliff and Arundel neighborhoods border the Newark Reservoir, which holds drinking water."
    rodney = "The Rodney Reservoir was drained last spring, and the city plans a park on the site."
    ingest(store, [article(newark, id="newark", title="Newark water"), article(rodney, id="rodney", title="A park")])
    draft = "The Wyncliff and Arundel neighborhoods border the reservoir [{n}]."

    def ask(question: str, **params) -> object:
        n = cite(question, store, embedder, "Wyncliff")
        return make(store, embedder, ScriptedGenerator(draft.format(n=n)), **params).ask(question)

    # "Rodney" is in a retrieved passage, so the question's premise holds; the answer cites an article without it
    off = ask("What two neighborhoods border the Rodney Reservoir?")
    assert (off.answerable, off.abstain_reason) == (False, INSUFFICIENT_SUPPORT)
    assert "Rodney" in off.usage["notes"][0] and "cited articles do not mention" in off.usage["notes"][0]
    assert [s.text for s in off.dropped] == ["The Wyncliff and Arundel neighborhoods border the reservoir [1]."]

    on = ask("What two neighborhoods border the Newark Reservoir?")
    assert on.answerable and [s.article_id for s in on.sources] == ["newark"]
    unchecked = ask("What two neighborhoods border the Rodney Reservoir?", premise_check=False)
    assert unchecked.answerable


def test_the_cited_article_names_what_was_asked_in_its_byline_too(tmp_path: Path, embedder, ingest) -> None:
    store = open_store(tmp_path / "index", embedder)
    text = "The Wyncliff and Arundel neighborhoods border the Newark Reservoir, which holds drinking water."
    ingest(store, [article_from_text(text, id="newark", title="Newark water", byline="By Maria Rossi")])
    q = "Which neighborhoods did Maria Rossi say border the Newark Reservoir?"
    generator = ScriptedGenerator("The Wyncliff and Arundel neighborhoods border the Newark Reservoir [1].")
    answer = make(store, embedder, generator).ask(q)
    assert answer.answerable and "Maria Rossi" in answer.sources[0].author

    # a byline backs a reporter's whole name, not one word of it: "The Week UK" is no mention of the UK
    text = "The regulator warned water companies about leaks from the reservoir."
    ingest(store, [article_from_text(text, id="week", title="Leaks", byline="Harriet Marsden, The Week UK")])
    refused = make(store, embedder, generator).ask("What did the UK regulator warn water companies about?")
    assert refused.abstain_reason == INSUFFICIENT_SUPPORT and "UK" in refused.usage["notes"][0]
