"""The support judge against each way a cited passage can fail a claim, on hand-made pairs.

Each failure mode (swapped name, changed number, changed date, added negation, claim broader than the
passage, unrelated passage) must be caught, and a supported paraphrase must pass: by the deterministic
checks where the mode is theirs, by the overlap judge everywhere (it is fast and needs no model), and by
the real LLM judge in a slow test. `rag judge` is tested through click's runner with the overlap judge.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.judges.base import Judgement
from rag.judges.calibration import Calibration, default_calibration
from rag.judges.checks import deterministic_issues, support_features
from rag.judges.llm import PROMPTS, LLMJudge
from rag.judges.overlap import OverlapJudge
from rag.types import Reason, ReasonKind
from tests.fakes import ScriptedLLM, claim_of

PASSAGE = (
    "The city council of Leeds approved a budget of 12 million pounds for the new library on Monday, "
    "March 3. Council leader Maria Okafor said construction would begin in the autumn. The opposition "
    "Green Party voted against the plan, arguing that the money should go to bus services."
)

# (failure mode, claim, the start of the reason the deterministic checks must give, or None when the
# mode is beyond them and only a judge catches it)
FAILURES = [
    ("swapped name", "Council leader John Smith said construction would begin in the autumn.", "name 'John Smith'"),
    ("swapped name (same first name)", "Council leader Maria Lopez said construction would begin.", "name"),
    ("changed number", "The council approved a budget of 15 million pounds for the library.", "number 15 million"),
    ("changed number, spelled out", "The council approved a budget of 12 billion pounds.", "number 12 billion"),
    ("changed date (month)", "The council approved the library budget on Monday, April 3.", "month April"),
    ("changed date (weekday)", "The council approved the library budget on Friday, March 3.", "day Friday"),
    ("changed date (day of month)", "The council approved the library budget on March 13.", "number 13"),
    ("added negation", "Council leader Maria Okafor said construction would not begin in the autumn.", "claim says"),
    ("claim broader than passage", "The council approved funding for the library, three schools and a hospital.", None),
    ("unrelated passage", "The central bank raised interest rates to fight inflation.", None),
]

PARAPHRASES = [
    "Leeds city council approved a 12 million pound budget for the new library [1].",
    "On Monday, March 3, the council approved the budget for the library.",
    "Maria Okafor, the council leader, said construction would begin in the autumn.",
    "The Green Party opposed the plan and argued the money should go to bus services.",
    "The budget for the new library was approved on 3 March.",
    "The council approved a budget of £12 million for the library.",
]


@pytest.mark.parametrize(("mode", "claim", "reason"), [f for f in FAILURES if f[2]], ids=lambda x: str(x)[:30])
def test_deterministic_checks_flag_their_failure_modes(mode: str, claim: str, reason: str) -> None:
    issues = deterministic_issues(claim, PASSAGE)
    assert any(i.message.startswith(reason) for i in issues), (mode, issues)


@pytest.mark.parametrize("claim", PARAPHRASES)
def test_deterministic_checks_flag_nothing_on_exact_paraphrases(claim: str) -> None:
    assert deterministic_issues(claim, PASSAGE) == []


@pytest.mark.parametrize(("mode", "claim", "reason"), FAILURES, ids=lambda x: str(x)[:30])
def test_overlap_judge_rejects_every_failure_mode_with_a_reason(mode: str, claim: str, reason: str | None) -> None:
    verdict = OverlapJudge().judge(claim, PASSAGE)
    assert verdict.supported is False, (mode, verdict)
    assert verdict.reasons and 0.0 <= verdict.score < 1.0


@pytest.mark.parametrize("claim", PARAPHRASES)
def test_overlap_judge_accepts_supported_paraphrases(claim: str) -> None:
    verdict = OverlapJudge().judge(claim, PASSAGE)
    assert verdict.supported, verdict
    assert verdict.reasons == ()


def test_removed_negation_is_caught_through_the_passage_sentence() -> None:
    # "voted against" is not a grammatical negation; a plain "not" in the passage is.
    passage = "The Green Party did not vote for the plan."
    assert deterministic_issues("The Green Party voted for the plan.", passage) == [
        Reason(ReasonKind.NEGATION, "passage says 'not' 'vote' but the claim has no negation", ("not", "vote"))
    ]


# ---------------------------------------------------------------- rag judge


def run_judge(lines: list[str], *args: str) -> tuple[int, list[dict], str]:
    from rag.cli import main

    result = CliRunner().invoke(main, ["judge", "--judge", "overlap", *args], input="\n".join(lines) + "\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    out = [json.loads(line) for line in result.stdout.splitlines()]
    return result.exit_code, out, result.stderr


def test_cli_judge_writes_one_line_per_input_with_support_and_verdict() -> None:
    lines = [json.dumps({"passage": PASSAGE, "claim": c}) for c in PARAPHRASES[:2]]
    lines += [json.dumps({"passage": PASSAGE, "claim": FAILURES[2][1], "id": "x1"})]
    code, out, _ = run_judge(lines)
    assert code == 0
    assert [o["verdict"] for o in out] == ["supported", "supported", "unsupported"]
    assert [o["line"] for o in out] == [1, 2, 3]
    assert out[2]["id"] == "x1" and out[2]["support"] == 0.0
    assert out[2]["reasons"] == ["number 15 million not in passage"]
    assert all(0.0 <= o["support"] <= 1.0 for o in out)


def test_cli_judge_reports_malformed_lines_by_number_and_goes_on() -> None:
    lines = [
        "{not json",
        json.dumps({"passage": PASSAGE}),
        json.dumps(["a list"]),
        "",
        json.dumps({"passage": [PASSAGE, "Another passage."], "claim": PARAPHRASES[0]}),
        json.dumps({"passage": PASSAGE, "claim": "x", "question": 3}),
    ]
    code, out, err = run_judge(lines)
    assert code == 1
    assert [o["line"] for o in out] == [1, 2, 3, 5, 6]
    assert out[0]["error"].startswith("line 1: not JSON")
    assert out[1]["error"] == "line 2: 'claim' must be a non-empty string"
    assert out[2]["error"] == "line 3: expected a JSON object"
    assert out[3]["verdict"] == "supported"
    assert "question" in out[4]["error"]
    assert "4 lines could not be read" in err and "Traceback" not in err


def test_cli_judge_threshold_and_file_argument(tmp_path: Path) -> None:
    from rag.cli import main

    # coverage of this claim is 4 of 6 content words: supported at 0.6, not at 0.9
    claim = "Council leader Maria Okafor praised the library design."
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"passage": PASSAGE, "claim": claim}) + "\n")
    low = CliRunner().invoke(main, ["judge", str(path), "--judge", "overlap", "--threshold", "0.5"])
    high = CliRunner().invoke(main, ["judge", str(path), "--judge", "overlap", "--threshold", "0.9"])
    assert json.loads(low.stdout)["verdict"] == "supported"
    assert json.loads(high.stdout)["verdict"] == "unsupported"
    missing = CliRunner().invoke(main, ["judge", str(tmp_path / "absent.jsonl")])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr and missing.stdout == ""


def test_cli_judge_reports_progress_on_long_input() -> None:
    lines = [json.dumps({"passage": PASSAGE, "claim": PARAPHRASES[i % 6]}) for i in range(30)]
    code, out, err = run_judge(lines)
    assert code == 0 and len(out) == 30
    assert "judged 25 claims" in err and "judged 30 claims" in err


# ---------------------------------------------------------------- the real model

# Written for this test (not taken from the evaluation sets): (passage, claim, supported).
NEWS = (
    "Shares of Norvik Energy fell 8 percent on Thursday after the company cut its annual profit forecast. "
    "Chief executive Lars Hemming blamed lower gas prices and said the firm would not pay a dividend this year."
)
REPORT = (
    "Flooding in the Po valley forced about 2,000 people from their homes in October 2024, the regional "
    "government said. No deaths were reported, but two bridges collapsed near Ferrara."
)
LABELLED = [
    (NEWS, "Norvik Energy shares dropped 8 percent after the company lowered its profit forecast.", True),
    (NEWS, "Lars Hemming blamed lower gas prices.", True),
    (NEWS, "Norvik Energy will not pay a dividend this year.", True),
    (NEWS, "Shares of Norvik Energy rose 8 percent on Thursday.", False),
    (NEWS, "Norvik Energy shares fell 18 percent.", False),
    (NEWS, "Chief executive Anna Berg blamed lower gas prices.", False),
    (NEWS, "Norvik Energy announced 500 job cuts and the closure of two plants.", False),
    (REPORT, "About 2,000 people left their homes because of floods in the Po valley.", True),
    (REPORT, "Two bridges collapsed near Ferrara during the flooding.", True),
    (REPORT, "Several people died in the Po valley floods.", False),
    (REPORT, "The flooding in the Po valley happened in March 2024.", False),
    (REPORT, "The European Central Bank raised interest rates in October 2024.", False),
]


@pytest.fixture(scope="module")
def local_llm() -> Iterator[object]:
    """One real model for both judges, loaded once; skipped where it is not installed."""
    from rag.errors import ModelError
    from rag.llm import LocalLLM

    llm = LocalLLM()
    try:
        llm.warm_up()
    except ModelError as exc:
        pytest.skip(str(exc))
    yield llm
    llm._llama = None  # free it here rather than during interpreter shutdown


@pytest.mark.slow
@pytest.mark.parametrize("calibrated", [False, True], ids=["plain", "calibrated"])
def test_llm_judge_gets_most_hand_labelled_pairs_right(local_llm: object, calibrated: bool) -> None:
    judge = LLMJudge(local_llm, calibration=default_calibration() if calibrated else None)  # type: ignore[arg-type]
    verdicts: list[Judgement] = judge.judge_many([(c, p) for p, c, _ in LABELLED])
    right = [v.supported is label for v, (_, _, label) in zip(verdicts, LABELLED, strict=True)]
    wrong = [(c, v) for ok, v, (_, c, _) in zip(right, verdicts, LABELLED, strict=True) if not ok]
    assert sum(right) >= 10, wrong
    # every unsupported verdict says why
    assert all(v.reasons for v in verdicts if not v.supported)


# ---------------------------------------------------------------- the calibrated judge


def scripted() -> ScriptedLLM:
    """A stand-in for the LLM: P(Yes) 0.9 when the claim holds "autumn", else 0.2; records its prompts."""
    return ScriptedLLM(lambda user: 0.9 if "autumn" in claim_of(user) else 0.2)


def toy_calibration(**kw: object) -> Calibration:
    return Calibration.from_dict(
        {
            "features": ["coverage", "logit_p_v1w"],
            "mean": [0.5, 0.0],
            "scale": [0.5, 1.0],
            "coef": [1.0, 2.0],
            "intercept": 0.0,
            "threshold": 0.7,
            "prompts": {"logit_p_v1w": "support-v1"},
        }
        | kw
    )


def test_calibrated_judge_combines_the_model_and_features_with_its_own_threshold() -> None:
    llm = scripted()
    judge = LLMJudge(llm, calibration=toy_calibration())  # type: ignore[arg-type]
    assert judge.threshold == 0.7
    ok = judge.judge("Maria Okafor said construction would begin in the autumn.", PASSAGE)
    # coverage 1 -> z 1; logit(0.9) = 2.197 -> 4.39; sigmoid(5.39) = 0.9955
    assert ok.supported and ok.score == pytest.approx(1 / (1 + math.exp(-(1 + 2 * math.log(9)))), abs=1e-6)
    no = judge.judge("Maria Okafor praised the library design.", PASSAGE)
    assert not no.supported and no.score < 0.7
    assert no.reasons[0].message.startswith("support 0.") and "p(yes)=0.20" in no.reasons[0].message
    assert no.reasons[1].message == "not in passage: praised, design"
    assert no.reasons[1].values == ("praised", "design")
    # the deterministic checks still veto before the model is asked
    n = len(llm.prompts)
    assert judge.judge("Council leader John Smith said so.", PASSAGE).score == 0.0 and len(llm.prompts) == n
    assert LLMJudge(llm, 0.99, calibration=toy_calibration()).threshold == 0.99  # type: ignore[arg-type]


def test_calibrated_judge_reads_the_best_window_and_judges_each_sentence_when_split() -> None:
    long_passage = (
        " ".join(f"Filler sentence number {i} about nothing in particular." for i in range(30)) + " " + PASSAGE
    )
    llm = scripted()
    judge = LLMJudge(llm, calibration=toy_calibration(split=True))  # type: ignore[arg-type]
    verdict = judge.judge(
        "The Green Party voted against the plan. Construction would begin in the autumn.", long_passage
    )
    assert len(llm.prompts) == 2  # one call per sentence of the claim
    assert all("Filler sentence number 3 " not in p for p in llm.prompts)  # a window, not the whole text
    assert not verdict.supported  # the first sentence got P(Yes) 0.2: the lowest counts


def test_shipped_calibration_is_consistent() -> None:
    cal = default_calibration()
    names = set(support_features("a claim", "a passage")) | set(cal.prompts)
    assert set(cal.features) <= names
    assert all(p in PROMPTS for p in cal.prompts.values())
    assert 0 < cal.threshold < 1 and all(s > 0 for s in cal.scale)
