"""The verifier on hand-made passages: citations, quotes, support, re-citing, strict and lenient modes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag.judges.base import Judgement
from rag.judges.llm import framed
from rag.judges.overlap import OverlapJudge
from rag.text import GAP, claim_coverage, evidence_window, figures, supporting_span
from rag.types import Passage, ReasonKind
from rag.verify import SUPPORTED, SUPPORTED_ELSEWHERE, UNSUPPORTED, Verifier, parse_draft, premise_words, quotes_in
from tests.fakes import FixedJudge

TEXTS = [
    "Italy denied the United States access to the Sigonella airbase. "
    "Defense Minister Guido Crosetto confirmed the refusal on Tuesday.",
    "An estimated 300,000 people marched in Rome on March 28. Organisers called it the largest protest in a decade.",
    "Foreign Minister Antonio Tajani joined European counterparts in Kyiv.",
]
PASSAGES = [
    Passage(chunk_id=f"a{i}:0", article_id=f"a{i}", text=t, start=10, end=10 + len(t), score=1.0, title=f"T{i}")
    for i, t in enumerate(TEXTS)
]


def verify(draft: str, *, strict: bool = True, judge: object = None, question: str = "What happened?") -> object:
    return Verifier(judge or OverlapJudge(), strict=strict).verify(question, PASSAGES, draft)


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("Crosetto confirmed the refusal [1].", [("Crosetto confirmed the refusal.", (1,))]),
        ("Crosetto confirmed the refusal. [1]", [("Crosetto confirmed the refusal.", (1,))]),
        ("A did it [1][2]. B did it [2, 3].", [("A did it.", (1, 2)), ("B did it.", (2, 3))]),
        ("Range [1-3].", [("Range.", (1, 2, 3))]),
        ("Answer: Crosetto [Passage 2].", [("Crosetto.", (2,))]),
        ("No citation here.", [("No citation here.", ())]),
        ("- First point [1].\n- Second point [2].", [("First point.", (1,)), ("Second point.", (2,))]),
    ],
)
def test_parse_draft(draft: str, expected: list[tuple[str, tuple[int, ...]]]) -> None:
    assert [(s.text, s.citations) for s in parse_draft(draft)] == expected


def test_supported_sentence_keeps_its_citation_and_quote_span() -> None:
    v = verify("Guido Crosetto confirmed the refusal on Tuesday [1].")
    [s] = v.sentences
    assert (s.verdict, s.citations) == (SUPPORTED, (0,))
    start, end = s.spans[0]
    assert TEXTS[0][start:end] == "Defense Minister Guido Crosetto confirmed the refusal on Tuesday."
    assert not v.dropped and not v.declined


def test_verbatim_sentence_needs_no_judge() -> None:
    judge = FixedJudge(False)
    v = verify('"An estimated 300,000 people marched in Rome on March 28." [2]', judge=judge)
    assert judge.calls == [], "a verbatim sentence must not reach the judge"
    assert [s.verdict for s in v.sentences] == [SUPPORTED] and v.judge_calls == 0


def test_what_an_article_only_asks_backs_no_answer() -> None:
    text = "Will Aaron Rodgers go from Jets QB to Kennedy's VP?\n\nVice President Aaron Rodgers?\n\nKennedy said no."
    judge = FixedJudge(True, 0.9)
    question = "Who did Kennedy name as his running mate?"
    v = Verifier(judge).verify(question, one_passage(text), "Vice President Aaron Rodgers [1].")
    assert not v.sentences and not judge.calls
    assert v.dropped[0].reasons[0].walk()[-1].kind is ReasonKind.ONLY_ASKED
    said = Verifier(judge).verify("What did Kennedy say?", one_passage(text), '"Kennedy said no." [1]')
    assert [s.verdict for s in said.sentences] == [SUPPORTED]
    # A statement holding the same words backs it whatever the article also asks.
    stated = f"{text}\n\nKennedy named Aaron Rodgers, not a vice president before, as running mate."
    assert Verifier(judge).verify(question, one_passage(stated), "Vice President Aaron Rodgers [1].").sentences


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        ("An estimated 30,000 people marched in Rome on March 28 [2].", "number 30,000"),  # wrong number
        ("Defense Minister Antonio Tajani confirmed the refusal [1].", "Antonio"),  # wrong name, cited passage
        ("Crosetto confirmed the refusal on Friday [1].", "Friday"),  # wrong day
        ("Crosetto did not confirm the refusal [1].", "negation"),  # contradicted
        ("The weather in Milan was sunny all week [1].", "not support"),  # unrelated
    ],
)
def test_unsupported_sentences_are_dropped_in_strict_mode(draft: str, reason: str) -> None:
    v = verify(draft)
    assert not v.sentences
    [s] = v.dropped
    assert s.verdict == UNSUPPORTED
    said = " ".join(map(str, s.reasons))
    assert reason.lower() in said.lower() or "do not support" in said


def test_lenient_mode_keeps_and_marks_unsupported_sentences() -> None:
    v = verify("An estimated 30,000 people marched in Rome on March 28 [2].", strict=False)
    [s] = v.sentences
    assert s.verdict == UNSUPPORTED and not s.ok and not v.dropped


def test_fabricated_quote_fails_even_when_the_rest_is_supported() -> None:
    v = verify('Crosetto confirmed the refusal, calling it "a necessary act of sovereignty" [1].')
    assert not v.sentences
    assert "occurs in no passage" in v.dropped[0].reasons[0].message
    assert v.dropped[0].reasons[0].kind is ReasonKind.FABRICATED_QUOTE


def test_quote_in_another_passage_is_recited_there() -> None:
    v = verify('Tajani "joined European counterparts in Kyiv" [1].')
    [s] = v.sentences
    assert (s.verdict, s.citations) == (SUPPORTED_ELSEWHERE, (2,))


def test_out_of_range_citation_is_discarded_and_the_sentence_recited() -> None:
    v = verify("An estimated 300,000 people marched in Rome on March 28 [7].")
    [s] = v.sentences
    assert s.citations == (1,) and s.verdict == SUPPORTED_ELSEWHERE
    assert any("[7] refers to no passage" in r.message and r.kind is ReasonKind.BAD_CITATION for r in s.reasons)


def test_wrong_citation_is_recited_to_the_supporting_passage() -> None:
    v = verify("Antonio Tajani joined European counterparts in Kyiv [1].")
    [s] = v.sentences
    assert (s.verdict, s.citations) == (SUPPORTED_ELSEWHERE, (2,))


def test_a_bare_figure_is_recited_to_the_passage_that_holds_it() -> None:
    judge = FixedJudgeBy(lambda evidence: float("300,000" in evidence))
    v = verify("300,000 [1]", question="How many people marched in Rome?", judge=judge)
    [s] = v.sentences
    assert (s.verdict, s.citations) == (SUPPORTED_ELSEWHERE, (1,))


def test_a_bare_figure_many_passages_hold_is_tried_first_where_they_talk_of_what_was_asked() -> None:
    texts = [
        "Alaska Airlines canceled flights on Sunday.",
        "The order affects about 171 planes worldwide.",  # 171, and nothing of what was asked
        "Some 171 fans waited outside.",
        "The Federal Aviation Administration has grounded 171 of the Boeing 737 Max 9 planes worldwide.",
    ]
    passages = [Passage(f"{n}:0", str(n), t, 0, len(t), 1.0, title="t") for n, t in enumerate(texts)]
    question = "How many Boeing 737 Max 9 jets were grounded this month?"
    judge = FixedJudgeBy(lambda evidence: float("171" in evidence))
    [s] = Verifier(judge, recite_candidates=1).verify(question, passages, "171 [1]").sentences
    assert (s.verdict, s.citations) == (SUPPORTED_ELSEWHERE, (3,))
    # A sentence is ranked by its own words only: the question's do not reorder its candidates.
    v = Verifier(FixedJudge(False, 0.1), recite_candidates=1).verify(question, passages, "About 171 fans waited [1].")
    assert "re-citing to [3]" in v.dropped[0].reasons[-1].message


def test_a_figure_alone_needs_a_firm_yes() -> None:
    text = "The Federal Aviation Administration has grounded 171 of the Boeing 737 Max 9 planes worldwide."
    question = "How many Boeing 737 Max 9 jets were grounded this month?"
    unsure = Verifier(FixedJudge(True, 0.58)).verify(question, one_passage(text), "171 [1]")
    assert not unsure.sentences
    assert unsure.dropped[0].reasons[0].walk()[-1].kind is ReasonKind.BELOW_THRESHOLD
    assert Verifier(FixedJudge(True, 0.7)).verify(question, one_passage(text), "171 [1]").sentences
    # A name alone, or a figure with what it counts, is held to the usual threshold.
    assert Verifier(FixedJudge(True, 0.58)).verify(question, one_passage(text), "171 planes [1]").sentences


def test_uncited_sentence_gets_a_citation_or_is_dropped() -> None:
    v = verify("Crosetto confirmed the refusal. The pope visited Milan.")
    assert [(s.text, s.citations) for s in v.sentences] == [("Crosetto confirmed the refusal.", (0,))]
    assert [s.text for s in v.dropped] == ["The pope visited Milan."]


def test_one_good_citation_of_two_is_kept_alone() -> None:
    v = verify("Crosetto confirmed the refusal [1][3].")
    assert v.sentences[0].citations == (0,)


def test_combined_passages_may_support_a_sentence_none_supports_alone() -> None:
    class NeedsBoth:
        def judge(self, claim: str, evidence: str, question: str = "") -> Judgement:
            ok = "Crosetto" in evidence and "Kyiv" in evidence
            return Judgement(ok, float(ok))

    v = verify("Crosetto confirmed it and Tajani went to Kyiv [1][3].", judge=NeedsBoth())
    assert v.sentences[0].citations == (0, 2) and v.sentences[0].verdict == SUPPORTED


def test_recite_tries_at_most_the_configured_number_of_passages() -> None:
    never = FixedJudge(False, 0.1)
    Verifier(never, recite_candidates=1).verify("Q?", PASSAGES, "Crosetto marched in Rome and Kyiv [1].")
    assert len(never.calls) == 2  # its own citation, then one other passage


def test_declining_draft_is_not_a_claim() -> None:
    for draft in ["NOT STATED", "The passages do not say who confirmed it.", ""]:
        v = verify(draft)
        assert v.declined and not v.sentences and not v.dropped


def test_short_fragments_are_judged_with_the_question() -> None:
    recorder = FixedJudge(True, 0.9)
    verify("Guido Crosetto [1].", judge=recorder, question="Who confirmed the refusal?")
    verify("Guido Crosetto confirmed the refusal of the base [1].", judge=recorder, question="Who?")
    assert [(claim, question) for claim, _, question in recorder.calls] == [
        ("Guido Crosetto.", "Who confirmed the refusal?"),
        ("Guido Crosetto confirmed the refusal of the base.", ""),
    ]
    assert (
        framed("Guido Crosetto.", "Who  confirmed it?") == 'Asked "Who confirmed it?", the answer is: Guido Crosetto.'
    )


def test_sentences_echoing_the_question_premise_need_a_confident_judge() -> None:
    q = "When did Crosetto resign over the affair?"
    v = verify("Crosetto resigned over the affair on Tuesday [1].", judge=FixedJudge(True, 0.6), question=q)
    assert not v.sentences and "resign" in " ".join(map(str, v.dropped[0].reasons))
    echo = [r for top in v.dropped[0].reasons for r in top.walk() if r.kind is ReasonKind.PREMISE_ECHO]
    assert echo and "resigned" in echo[0].values
    assert premise_words(q, "Crosetto resigned on Tuesday.", TEXTS[0]) == ["resigned"]


def test_judge_reads_a_window_around_the_supporting_sentences() -> None:
    text = " ".join(f"Filler sentence number {i} about nothing." for i in range(40))
    text += " Crosetto confirmed the refusal. " + " ".join(f"More filler {i} here." for i in range(40))
    window = evidence_window("Crosetto confirmed the refusal.", text)
    assert "Crosetto confirmed the refusal." in window and len(window) < 200
    assert evidence_window("x", "Short passage.") == "Short passage."
    # A bare figure has no content words: the window is around the sentence holding it, not the first ones.
    figure = text.replace("Crosetto confirmed the refusal.", "The FAA grounded 171 jets.")
    assert "grounded 171 jets" in evidence_window("171 [1]", figure)
    assert "grounded 87.29% jets" in evidence_window("87.29% [1]", figure.replace("171", "87.29%"))
    # A figure in a tally is the figure: "352" is read in the sentence with "352-65".
    tally = text.replace("Crosetto confirmed the refusal.", "The House passed the bill 352-65.")
    assert "352-65" in evidence_window("352", tally)


def test_the_judge_reads_the_sentence_giving_a_claimed_figure_as_well_as_the_one_about_it() -> None:
    fillers = [f"Filler sentence number {i} about nothing." for i in range(30)]
    vote, tally = "The House voted in favor of a ban.", "The House passed the bill 352-65."
    text = " ".join([*fillers[:10], tally, *fillers[10:20], vote, *fillers[20:]])
    window = evidence_window("352 votes in favor of the ban", text)
    # the sentence about the vote, its neighbours, and the distant one that gives the figure, with a gap between
    assert "voted in favor of a ban" in window and "352-65" in window
    assert window.count(GAP.strip()) == 3 and len(window) < 400
    assert "Filler sentence number 15" not in window
    # a figure the window already holds adds nothing, and the window stays the passage's own text
    assert GAP.strip() not in evidence_window("The ban passed 352-65 in the House.", text)
    # a figure the passage never gives adds nothing either (the judge's check names it missing)
    assert evidence_window("353 votes in favor of the ban", text) == evidence_window("votes in favor of the ban", text)
    # and that is what the verifier's judge reads
    judge = FixedJudge(True, 0.9)
    Verifier(judge).verify("By how much did the ban pass?", one_passage(text), "352 votes in favor of the ban [1].")
    assert "352-65" in judge.calls[0][1] and "voted in favor of a ban" in judge.calls[0][1]
    # a name is not fetched from afar: the window about the grant leaves out the sentence naming Intel
    named = text.replace(tally, "Intel is the company in question.").replace("voted in favor of a ban", "gave a grant")
    assert "Intel is the company" not in evidence_window("Intel received the grant from the House.", named)


def test_a_window_adds_at_most_three_sentences_each_giving_most_of_what_is_missing() -> None:
    fillers = [f"Filler sentence number {i} about nothing." for i in range(40)]
    spread = [f"It cost {n} dollars." for n in (11, 22, 33, 44, 55)]
    text = " ".join([*fillers[:8], spread[0], *fillers[8:16], spread[1], *fillers[16:24], "Then 33 and 44 came."])
    text += " " + " ".join([*fillers[24:32], spread[4], *fillers[32:], "They signed the historic accord today."])
    window = evidence_window("Sums of 11, 22, 33, 44 and 55 signed the historic accord today.", text)
    assert "signed the historic accord" in window
    assert "Then 33 and 44 came." in window  # first the sentence giving two of the figures
    assert "It cost 11 dollars." in window and "It cost 22 dollars." in window  # then the earliest, one each
    assert "It cost 55 dollars." not in window  # and no fourth


def test_figures_are_the_digits_a_text_writes() -> None:
    assert figures("$1,200 and 87.29% in 2024, a 352-65 vote.") == {"1200", "87.29", "2024", "352", "65"}
    assert figures("no figures here") == set()
    assert claim_coverage("352", "The bill passed 352-65.") == 1.0
    assert claim_coverage("352", "The bill passed 353-65.") == 0.0


def test_quotes_and_spans() -> None:
    assert quotes_in('He said “a few nights ago,” and left "x".') == ["a few nights ago"]
    text = "First sentence here. Crosetto confirmed it on Tuesday. Third one."
    s, e = supporting_span("Crosetto confirmed it [1].", text)
    assert text[s:e] == "Crosetto confirmed it on Tuesday."
    marched = "Crowds marched. An estimated 300,000 in Rome alone. Police watched."
    s, e = supporting_span("300,000 [1]", marched)  # a figure alone is quoted where it stands
    assert marched[s:e] == "An estimated 300,000 in Rome alone."
    # The quote holds the figure a sentence answers with, even where other sentences share more of its words.
    vote = "The House passed the bill 352-65. " + " ".join(f"Filler {i} here." for i in range(5))
    vote += " The House voted in favor of a national ban on the app."
    s, e = supporting_span("352 voted in favor of a national ban [1]", vote)
    assert vote[s:e] == "The House passed the bill 352-65."
    s, e = supporting_span("352 voted in favor of a national ban [1]", vote, figures_first=False)
    assert vote[s:e] == "The House voted in favor of a national ban on the app."


# ---------------------------------------------------------------- modality, alignment, the re-citation bar


def one_passage(text: str, published_at: str = "") -> list[Passage]:
    return [Passage("a:0", "a", text, 0, len(text), 1.0, title="t", published_at=published_at)]


def test_a_rank_the_question_asks_about_must_be_the_passages_own_word() -> None:
    question = "What is the location of the first Bubbakoo's Burritos restaurant?"
    draft = "The first Bubbakoo's Burritos restaurant is located at Hazlet Town Center [1]."
    judge = FixedJudge(True, 0.9)
    new = one_passage("Bubbakoo's Burritos opens a new restaurant located at Hazlet Town Center on Friday.")
    v = Verifier(judge).verify(question, new, draft)
    assert not v.sentences and not judge.calls
    assert "repeats the question's first" in v.dropped[0].reasons[0].walk()[-1].message
    first = one_passage("Bubbakoo's Burritos opened its first restaurant, located at Hazlet Town Center, in 2008.")
    assert Verifier(judge).verify(question, first, draft).sentences
    oil = one_passage("The price of oil had risen to nearly $12 a barrel; US prices were significantly higher.")
    highest = Verifier(judge).verify("What was the highest price of oil?", oil, "The highest price of oil was $12 [1].")
    assert not highest.sentences, "higher is not highest"


def test_a_plan_is_not_a_deed_when_modality_is_checked() -> None:
    text = "The governor of Ohio will sign the budget bill on Friday, his aides said."
    draft = "The governor of Ohio signed the budget bill [1]."
    plain = Verifier(OverlapJudge(), modality=False).verify("Did the governor sign the bill?", one_passage(text), draft)
    checked = Verifier(OverlapJudge(), modality=True).verify(
        "Did the governor sign the bill?", one_passage(text), draft
    )
    assert plain.sentences and not checked.sentences
    assert {r.kind for top in checked.dropped[0].reasons for r in top.walk()} >= {ReasonKind.MODALITY}
    asserted = Verifier(OverlapJudge(), modality=True).verify(
        "Will the governor sign?", one_passage(text), "The governor of Ohio will sign the budget bill [1]."
    )
    assert asserted.sentences


def test_a_possibility_may_be_restated_as_a_possibility() -> None:
    """A claim saying "can" is as modal as a passage saying "may" (a case the labelled judge sets showed)."""
    from rag.judges.checks import modality_issue

    evidence = "Environmental agents may cause epigenetic changes that alter how genes are expressed."
    assert modality_issue("Epigenetic changes can be caused by environmental agents.", evidence) is None
    assert modality_issue("Environmental agents caused epigenetic changes.", evidence) is not None


def test_an_irregular_past_is_read_as_its_verb_by_every_check() -> None:
    """One table of irregular pasts (`rag.text.IRREGULAR_PAST`) serves the modality check and the question's
    relation: "wore" is the "wear" a plan speaks of, "caught" the "catch" of "Who caught ...?"."""
    from rag.judges.checks import modality_issue
    from rag.question import asked_relation, holds_relation

    reason = modality_issue("The queen wore the crown.", "The queen will wear the crown at the ceremony.")
    assert reason is not None and reason.kind is ReasonKind.MODALITY
    assert modality_issue("The queen wore the crown.", "The queen wore the crown at the ceremony.") is None
    relation = asked_relation("Who caught the winning pass?")
    assert relation is not None and relation.act and holds_relation("Kelce catches the pass.", relation.word)
    assert not holds_relation("Kelce dropped the pass.", relation.word)


def test_an_answer_taken_from_a_sentence_about_something_else_is_rejected() -> None:
    text = (
        "Nicolas Maduro was captured in Caracas on Saturday by special forces. "
        "He landed in New York on Sunday to face charges in a federal court."
    )
    q = "Where was Maduro captured?"
    wrong = Verifier(OverlapJudge(min_overlap=0.5), alignment=True).verify(
        q, one_passage(text), "Maduro was captured and landed in New York [1]."
    )
    assert not wrong.sentences
    assert {r.kind for top in wrong.dropped[0].reasons for r in top.walk()} >= {ReasonKind.NOT_ALIGNED}
    right = Verifier(OverlapJudge(min_overlap=0.5), alignment=True).verify(
        q, one_passage(text), "Maduro was captured in Caracas [1]."
    )
    assert right.sentences


def test_a_name_alone_must_sit_where_the_passage_talks_of_what_was_asked() -> None:
    text = (
        "Giuseppe Conte, leader of the Five Star Movement, has postured as a critic. Yet his record as former "
        "prime minister (which in his second term included the Democratic Party) demonstrates full support for NATO."
    )
    q = "Which party was part of Conte's second government?"
    judge = FixedJudge(True, 0.9)
    wrong = Verifier(judge).verify(q, one_passage(text), "Five Star Movement [1]")  # verbatim, and beside the point
    assert not wrong.sentences and wrong.dropped[0].reasons[0].walk()[-1].kind is ReasonKind.NOT_ALIGNED
    assert Verifier(judge).verify(q, one_passage(text), "Democratic Party [1]").sentences


def test_an_answer_said_of_the_other_relative_is_rejected_even_verbatim() -> None:
    text = (
        "Travis isn't the only member of his family to have a successful NFL career. His older brother, Jason "
        "Kelce, is the starting center for the Philadelphia Eagles."
    )
    q = "What is the name of the NFL team that Jason Kelce's brother Travis plays for?"
    judge = FixedJudge(True, 0.9)
    quote = '"His older brother, Jason Kelce, is the starting center for the Philadelphia Eagles." [1]'
    for draft in ("Travis plays for the Philadelphia Eagles [1].", "Philadelphia Eagles [1]", quote):
        wrong = Verifier(judge).verify(q, one_passage(text), draft)
        assert not wrong.sentences, draft
        reason = wrong.dropped[0].reasons[0].walk()[-1]
        assert reason.kind is ReasonKind.NOT_ALIGNED and "of Jason Kelce, not of Travis" in reason.message
    # Where the passage says it of the one asked about, or of neither by name, the judge decides.
    right = "Travis Kelce, a tight end, has played for the Kansas City Chiefs since 2013."
    assert Verifier(judge).verify(q, one_passage(right), "Travis plays for the Kansas City Chiefs [1].").sentences
    assert Verifier(judge).verify(q, one_passage("He plays for the Chiefs."), "The Chiefs [1]").sentences
    assert Verifier(judge, alignment=False).verify(q, one_passage(text), "Philadelphia Eagles [1]").sentences


def test_a_re_cited_sentence_must_clear_its_own_bar() -> None:
    passages = [PASSAGES[1], PASSAGES[0]]  # the sentence cites the wrong one first
    draft = "Crosetto, the defense minister, confirmed the refusal [1]."  # not verbatim: the judge decides
    lenient = Verifier(FixedJudgeBy(lambda e: 0.7 if "Crosetto" in e else 0.0)).verify("Who?", passages, draft)
    strict = Verifier(FixedJudgeBy(lambda e: 0.7 if "Crosetto" in e else 0.0), recite_min_score=0.8).verify(
        "Who?", passages, draft
    )
    assert lenient.sentences and lenient.sentences[0].verdict == SUPPORTED_ELSEWHERE
    assert not strict.sentences


class FixedJudgeBy:
    """A judge whose score depends on the evidence only; supported at 0.5."""

    def __init__(self, score: Callable[[str], float]) -> None:
        self.score = score

    def judge(self, claim: str, evidence: str, question: str = "") -> Judgement:
        s = self.score(evidence)
        return Judgement(s >= 0.5, s)


@pytest.mark.parametrize(
    ("draft", "shown"),
    [
        ("According to passage, Crosetto confirmed the refusal [1].", "Crosetto confirmed the refusal."),
        ("Crosetto confirmed the refusal, according to the passage [1].", "Crosetto confirmed the refusal."),
        ("Crosetto confirmed the refusal, as stated in passage 1 [1].", "Crosetto confirmed the refusal."),
        ("The bill awaits passage in the Senate [1].", "The bill awaits passage in the Senate."),
    ],
)
def test_the_prompts_word_for_the_articles_leaves_the_sentence_after_it_is_checked(draft: str, shown: str) -> None:
    assert parse_draft(draft)[0].text != shown or "passage in" in shown  # checked as drafted
    result = verify(draft, strict=False)
    assert [c.text for c in result.sentences] == [shown]
