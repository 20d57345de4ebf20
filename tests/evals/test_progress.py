"""The suite's progress, off a terminal: a plain line every tenth of the way, and the last step always."""

from __future__ import annotations

import pytest

from evals.suite.progress import progress


def test_a_log_gets_a_line_every_tenth_and_at_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    with progress("realtimeqa", 25) as advance:
        for _ in range(25):
            advance(1)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(",")[0] for line in lines] == [f"realtimeqa: {n}/25" for n in (3, 6, 9, 12, 15, 18, 21, 24, 25)]
    assert "s left" in lines[-1]


def test_big_steps_print_once(capsys: pytest.CaptureFixture[str]) -> None:
    with progress("index", 100) as advance:
        advance(55)
        advance(45)
    assert [line.split(",")[0] for line in capsys.readouterr().err.splitlines()] == ["index: 55/100", "index: 100/100"]
