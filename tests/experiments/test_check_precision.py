"""experiments.check_precision: which checks fire, on the whole evidence or on the judge's window."""

from __future__ import annotations

from experiments.check_precision import fired


def test_the_judges_checks_read_the_window_and_the_verifiers_the_whole_evidence() -> None:
    filler = " ".join(f"Filler sentence number {i} about nothing." for i in range(30))
    evidence = f"The grant came to $8 million. {filler} The House voted for the grant."
    # the window around the vote holds no "8" by its words, but takes the sentence that gives it
    assert fired("The House voted for the grant of $8 million.", evidence, window=True) == set()
    assert fired("The House voted for the grant of $9 million.", evidence, window=True) == {"missing_number"}
    assert fired("The House voted for the grant of $9 million.", evidence) == {"missing_number"}
    # a name is read on the window only: the one sentence naming Intel is far from the vote
    named = f"The company is Intel. {filler} The House voted for the grant."
    assert fired("The grant the House voted for went to Intel.", named, window=True) == {"missing_name"}
    assert fired("The grant the House voted for went to Intel.", named) == set()
    # the modality check reads the whole evidence either way
    planned = f"The House will vote on the grant. {filler}"
    assert "modality" in fired("The House voted on the grant.", planned, window=True)
