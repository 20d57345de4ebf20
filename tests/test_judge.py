"""The support judge: deterministic checks on hand-made cases, the fake judge, a contract test that the
fake and the LLM judge both pass, and the dataset loaders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag.errors import ModelError
from rag.judges.base import Judgement, SupportJudge
from rag.judges.checks import deterministic_issues, entity_issues, unnamed
from rag.judges.llm import LLMJudge, user_prompt
from rag.judges.overlap import OverlapJudge
from rag.types import Reason, ReasonKind
from tests.fakes import ScriptedLLM

PASSAGE = (
    "Defense Minister Guido Crosetto confirmed the refusal on Tuesday. An estimated 300,000 people marched "
    "in Rome on March 28, 2026. The government said the authorization had not been granted in time for a "
    "parliamentary vote."
)


@pytest.mark.parametrize(
    "claim",
    [
        "Crosetto confirmed the refusal on Tuesday [1].",
        "About 300000 people marched in Rome on 2026-03-28.",
        "An estimated 300,000 people marched in Rome in March [2].",
        "The authorization was not granted in time for a vote in parliament.",
        "Defence Minister Crosetto confirmed the refusal.",  # British spelling
    ],
)
def test_supported_paraphrases_raise_no_issue(claim: str) -> None:
    assert deterministic_issues(claim, PASSAGE) == []


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("An estimated 30,000 people marched in Rome.", "number 30,000 not in passage"),
        ("An estimated 3.5 million people marched in Rome.", "number 3.5 million not in passage"),
        (
            "Foreign Minister Antonio Tajani confirmed the refusal.",
            "name 'Foreign Minister Antonio Tajani' not in passage",
        ),
        ("People marched in Rome on April 28.", "month April not in passage"),
        ("Crosetto confirmed the refusal on Wednesday.", "day Wednesday not in passage"),
        ("People marched in Rome in 2025.", "number 2025 not in passage"),
        ("The authorization had been granted in time for the vote.", "passage says 'not' 'granted'"),
    ],
)
def test_contradicted_details_are_flagged(claim: str, expected: str) -> None:
    issues = deterministic_issues(claim, PASSAGE)
    assert any(i.message.startswith(expected) for i in issues), issues


def test_negation_flip_in_the_claim_is_flagged() -> None:
    passage = "The minister confirmed the plan on Monday. Critics said it would fail."
    assert deterministic_issues("The minister did not confirm the plan.", passage) == [
        Reason(
            ReasonKind.NEGATION,
            "claim says 'not' 'confirm' but the passage states 'confirm' without negation",
            ("not", "confirm"),
        )
    ]
    assert deterministic_issues("The minister never confirmed the plan.", passage)
    assert deterministic_issues("The minister confirmed the plan.", passage) == []


def test_checks_are_conservative() -> None:
    # A lone capitalised first word is an ordinary word, not a name; "Obama" backs "Barack Obama";
    # "CNN" is backed by "convolutional neural networks"; "not only" negates nothing.
    assert deterministic_issues("Officials said the vote was delayed.", "The vote was delayed.") == []
    assert deterministic_issues("Barack Obama won the election.", "Obama won the election.") == []
    assert deterministic_issues("We improve CNN training.", "We improve convolutional neural network training.") == []
    assert deterministic_issues("The plan cut costs.", "The plan not only cut costs but also saved time.") == []
    assert deterministic_issues("The 2018–19 season ended.", "The 2018-2019 season ended.") == []


def test_unrelated_passage_has_no_deterministic_issue_but_is_unsupported() -> None:
    claim = "The central bank raised interest rates."
    assert deterministic_issues(claim, PASSAGE) == []
    assert not OverlapJudge().judge(claim, PASSAGE).supported


def test_fake_judge_scores_word_overlap() -> None:
    judge = OverlapJudge(min_overlap=0.6)
    ok = judge.judge("Crosetto confirmed the refusal.", PASSAGE)
    assert ok == Judgement(True, 1.0, ())
    wrong = judge.judge("An estimated 30,000 people marched in Rome.", PASSAGE)
    assert wrong.supported is False and wrong.score == 0.0 and wrong.reasons
    with pytest.raises(ValueError, match="min_overlap must be between 0 and 1, got 2"):
        OverlapJudge(min_overlap=2)


def test_llm_judge_checks_its_threshold_and_skips_the_model_on_deterministic_issues() -> None:
    with pytest.raises(ValueError, match=r"threshold must be between 0 and 1, got 1\.5"):
        LLMJudge(threshold=1.5)

    model = ScriptedLLM(lambda user: 1.0)
    judge = LLMJudge(model, threshold=0.8)  # type: ignore[arg-type]
    verdict = judge.judge("An estimated 30,000 people marched in Rome.", PASSAGE)
    assert verdict == Judgement(
        False, 0.0, (Reason(ReasonKind.MISSING_NUMBER, "number 30,000 not in passage", ("30,000",)),)
    )
    assert model.prompts == [], "the model was asked although a check had already failed"


def test_llm_judge_applies_the_threshold_and_keeps_input_order() -> None:
    judge = LLMJudge(ScriptedLLM(lambda user: 0.9 if "Tuesday" in user else 0.5), threshold=0.8)  # type: ignore[arg-type]
    out = judge.judge_many([("Crosetto spoke on Tuesday.", "B Tuesday"), ("Crosetto spoke.", "A")])
    assert [j.supported for j in out] == [True, False]
    # the model's score, then the claim's content words that the passage lacks
    assert tuple(map(str, out[1].reasons)) == ("llm p(yes)=0.50 < 0.8", "not in passage: crosetto, spoke")
    assert [r.kind for r in out[1].reasons] == [ReasonKind.BELOW_THRESHOLD, ReasonKind.MISSING_WORDS]


def test_user_prompt_drops_citation_markers_and_puts_the_passage_first() -> None:
    prompt = user_prompt("Crosetto confirmed it [1][2].", "Passage text.")
    assert prompt.startswith("Passage:\nPassage text.")
    assert "Claim: Crosetto confirmed it ." in prompt and "[1]" not in prompt


# ---------------------------------------------------------------- contract: every judge passes these

CLEAR_CASES = [
    ("Guido Crosetto confirmed the refusal.", PASSAGE, True),
    ("An estimated 300,000 people marched in Rome.", PASSAGE, True),
    ("An estimated 30,000 people marched in Rome.", PASSAGE, False),
    ("The central bank raised interest rates sharply.", PASSAGE, False),
]


@pytest.fixture(scope="module", params=["fake", pytest.param("llm", marks=pytest.mark.slow)])
def judge(request: pytest.FixtureRequest) -> Iterator[SupportJudge]:
    if request.param == "fake":
        yield OverlapJudge()
        return
    llm_judge = LLMJudge()
    try:
        llm_judge.warm_up()
    except ModelError as exc:
        pytest.skip(str(exc))
    yield llm_judge


def test_contract_is_a_support_judge(judge: SupportJudge) -> None:
    assert isinstance(judge, SupportJudge)


@pytest.mark.parametrize(("claim", "evidence", "supported"), CLEAR_CASES)
def test_contract_clear_cases(judge: SupportJudge, claim: str, evidence: str, supported: bool) -> None:
    verdict = judge.judge(claim, evidence)
    assert verdict.supported is supported, verdict
    assert 0.0 <= verdict.score <= 1.0
    assert bool(verdict.reasons) is not supported


def test_contract_judge_many_matches_judge(judge: SupportJudge) -> None:
    pairs = [(c, e) for c, e, _ in CLEAR_CASES]
    assert [j.supported for j in judge.judge_many(pairs)] == [s for _, _, s in CLEAR_CASES]


@pytest.mark.parametrize(
    ("question", "article", "years", "missing"),
    [
        # every word of a name, not only its last: the lenient premise check passes these
        ("What two neighborhoods border the Rodney Reservoir?", "Wyncliff borders the Newark Reservoir.", (), "Rodney"),
        ("What washed up on Bethany Beach?", "A whale washed up on Virginia Beach.", (), "Bethany"),
        ("Who coaches the Smyrna School District team?", "The Brandywine School District team.", (), "Smyrna"),
        ("Who honored Park-Lane as Player of the Year 2023?", "Park-Lane was Player of the Year.", ("2022",), "2023"),
        ("What did the Normans do in the 10th century?", "The Normans sailed in the 11th century.", (), "10th"),
        ("Who spoke on Tuesday?", "Smith spoke on Monday.", (), "Tuesday"),
    ],
)
def test_what_a_question_names_must_be_in_the_cited_article(question, article, years, missing) -> None:
    issues = unnamed(question, article, years)
    assert issues and missing in " ".join(r.message for r in issues)


@pytest.mark.parametrize(
    ("question", "article", "years"),
    [
        ("What two neighborhoods border the Rodney Reservoir?", "Homes near the Rodney Reservoir sold.", ()),
        # a title opening a name, a two-letter word, a hyphenated name, a demonym, the article's own year
        ("Which law did Governor John Carney sign?", "Gov. John Carney signed the bill.", ()),
        ("Which actor sued over the TV series The Mandalorian?", "Gina Carano sued over The Mandalorian.", ()),
        ("Which conference honored Lauren Park-Lane?", "Seton Hall's Lauren Park-Lane won.", ()),
        ("Which European nation voted on abortion?", "France voted on abortion.", ()),
        ("Besides France, which country objected?", "France and Spain objected.", ()),
        ("How many Delaware high schools were there in 2024?", "Delaware has 61 high schools.", ("2024",)),
    ],
)
def test_what_the_cited_article_names_passes(question, article, years) -> None:
    assert unnamed(question, article, years) == []


def test_the_premise_check_over_all_passages_is_lenient_where_the_cited_article_check_is_not() -> None:
    question, article = "What two neighborhoods border the Rodney Reservoir?", "Wyncliff borders the Newark Reservoir."
    assert entity_issues(question, article) == [] and unnamed(question, article)
