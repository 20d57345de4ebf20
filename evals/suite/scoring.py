"""Scoring: everything measured about one answer (`score_item`, a JSON-able row) and a set's metrics from its
rows (`summarise`). The metrics themselves are defined in `evals.suite.metrics`."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from evals.suite import metrics as m
from evals.suite.config import RETRIEVAL_K
from evals.suite.datasets.realtimeqa import contains_evidence
from evals.suite.faithfulness import Scorer, support
from evals.suite.sets import Item
from rag.pipeline import undated

CONFLICT_CUES = re.compile(
    r"\b(conflict\w*|contradict\w*|disagree\w*|inconsisten\w*|discrepan\w*|dispute\w*|however|whereas|"
    r"other (?:sources|reports|documents|articles|passages)|(?:one|another) (?:source|report|document|passage))\b",
    re.IGNORECASE,
)


def percent(share: float | None) -> float | None:
    """A share in [0, 1] as a percentage; None stays None."""
    return None if share is None else 100 * share


def is_gold(item: Item, passage: dict[str, Any]) -> bool:
    """A retrieved passage is gold evidence for `item` (see `evals.suite.sets`)."""
    if item.gold_articles:
        articles = {passage["article_id"], *(d.rsplit(":", 1)[0] for d in passage.get("duplicates", []))}
        if articles & set(item.gold_articles):
            return True
    return bool(item.evidence) and contains_evidence(passage["text"], item.evidence)


STALE_DAYS = 21  # a cited article this much older than the question is reported as stale


def wrong_choices(item: Item) -> list[str]:
    """What a confidently wrong answer would name: RealTimeQA's other choices, SQuAD's plausible answers, the
    timeline set's answers to the same question at its other as-of dates."""
    gold = set(item.answers)
    others = list(item.meta.get("plausible", [])) + list(item.meta.get("other_dates", []))
    return [c for c in item.meta.get("choices", []) if c not in gold] + others


def flags_conflict(answer: dict[str, Any], text: str, false_answers: Sequence[str], names_both: bool) -> bool:
    """The answer flags the planted false fact as disputed: with a `conflicts` structure (this service), a
    conflict one of whose values is the false fact; without one (another system), the answer names both
    the true and the false fact, or uses a conflict cue ("contradict", "however", "other reports")."""
    if "conflicts" in answer:
        values = [v.get("value", "") for c in answer.get("conflicts") or [] for v in c.get("values", [])]
        return any(
            m.contains_answer(v, false_answers) or any(m.contains_answer(f, [v]) for f in false_answers)
            for v in values
            if len(v) >= 3
        )
    return names_both or bool(CONFLICT_CUES.search(m.strip_markers(text)))


def update_scores(
    answer: dict[str, Any], text: str, answered: bool, latest: Sequence[str], earlier: Sequence[str]
) -> dict[str, bool]:
    """How an answer treats a running story (the updates set): `update_flagged`, a conflict gives the latest
    value and an earlier one; `latest_first`, the answer's first value is the latest (a flagged conflict's
    first value, else the answer itself holds the latest and no earlier value); `stale_unflagged`, it gives an
    earlier value and no conflict names the latest beside it."""
    flagged = first_latest = False
    for c in answer.get("conflicts") or []:
        values = [v.get("value", "") for v in c.get("values", [])]
        gives = [m.contains_answer(v, latest) or any(m.contains_answer(x, [v]) for x in latest) for v in values]
        old = [m.contains_answer(v, earlier) for v in values]
        if any(gives) and any(old):
            flagged, first_latest = True, bool(gives[0])
            break
    names_latest = answered and m.contains_answer(text, latest)
    names_earlier = answered and m.contains_answer(text, earlier)
    return {
        "update_flagged": answered and flagged,
        "latest_first": answered and (first_latest if flagged else names_latest and not names_earlier),
        "stale_unflagged": bool(names_earlier and not flagged),
    }


def time_phrased(item: Item, as_of: str) -> bool:
    """The question holds an expression of time (`rag.timeframe`) at its as-of date."""
    from datetime import date

    from rag.timeframe import find_time

    try:
        return find_time(item.question, date.fromisoformat(as_of[:10])) is not None if as_of else False
    except ValueError:
        return False


def _age_days(published_at: str, as_of: str) -> int | None:
    from datetime import date

    try:
        return (date.fromisoformat(as_of[:10]) - date.fromisoformat(published_at[:10])).days
    except ValueError:
        return None


def score_item(
    item: Item,
    answer: dict[str, Any],
    passages: list[dict[str, Any]],
    ranked: list[dict[str, Any]] | None,
    bodies: dict[str, str],
    scorer: Scorer,
    as_of: str = "",
) -> dict[str, Any]:
    """Everything measured about one answer (a JSON-able row of the results file); `as_of` is the date the
    question was asked at ("" when none was given)."""
    said = answer.get("answer", "")
    text = undated(said)  # scored without the dates the service puts before an answer ("As of ...: ")
    answered = bool(answer.get("answerable"))
    row: dict[str, Any] = {
        **item_fields(item),
        "false_answers": list(item.false_answers),
        "meta": item.meta,
        "answer": said,
        "answerable": answered,
        "abstain_reason": answer.get("abstain_reason"),
        "sentences": answer.get("sentences", []),
        "sources": answer.get("sources", []),
        "dropped": [{"text": s.get("text", ""), "reasons": s.get("reasons", [])} for s in answer.get("dropped", [])],
        "notes": (answer.get("usage") or {}).get("notes", []),
        # every stage's draft (the generator's, the fallback quote, the short answer, a revision): a verification
        # change can be replayed on the same drafts (--replay)
        "drafts": {
            k: v
            for k, v in (answer.get("usage") or {}).items()
            if k in ("draft", "fallback_draft", "span_draft", "revise_draft")
        },
        "timings": answer.get("timings", {}),
        "tokens": {
            k: (answer.get("usage") or {}).get(k, 0) for k in ("prompt_tokens", "completion_tokens", "judge_calls")
        },
    }
    # answers
    shown = text if answered else ""
    row["as_of"] = as_of
    # Ages and time phrases are read at the question's own date even when it was asked without one.
    dated = as_of or str(item.meta.get("date", "")).replace("/", "-")[:10]
    row["time_phrased"] = time_phrased(item, dated)
    row["contains_gold"] = answered and m.contains_answer(text, item.answers) if item.answers else None
    row["contains_gold_strict"] = answered and m.contains_gold(text, item.answers) if item.answers else None
    wrong = wrong_choices(item)
    if item.answers and wrong:
        row["confidently_wrong"] = answered and m.names_wrong_choice(text, item.answers, wrong)
    row["shown"] = [
        {
            "chunk_id": p["chunk_id"],
            "article_id": p["article_id"],
            "published_at": p.get("published_at", ""),
            "holds_answer": bool(item.answers) and m.contains_answer(p["text"], item.answers),
        }
        for p in passages
    ]
    if item.answers:
        row["gold_in_shown"] = any(p["holds_answer"] for p in row["shown"])
    if answered and dated:
        row["cited_age_days"] = [_age_days(s.get("published_at", ""), dated) for s in row["sources"]]
    if item.set == "squad":
        row["em"] = m.squad_em(shown, item.answers if item.kind == "answerable" else [])
        row["f1"] = m.squad_f1(shown, item.answers if item.kind == "answerable" else [])
    if "conflicts" in answer:
        row["conflicts"] = answer.get("conflicts") or []
    if "earlier" in item.meta and item.answers:
        row.update(update_scores(answer, text, answered, item.answers, item.meta["earlier"]))
    if item.kind == "counterfactual":
        repeats = answered and m.contains_gold(text, item.false_answers)
        true = answered and m.contains_gold(text, item.answers)
        row["repeats_false"] = repeats
        row["flags_conflict"] = answered and flags_conflict(answer, text, item.false_answers, repeats and true)
        row["repeats_false_unflagged"] = repeats and not row["flags_conflict"]
    # retrieval
    if ranked is not None and item.has_gold_evidence:
        gold = [is_gold(item, p) for p in ranked[:RETRIEVAL_K]]
        row["gold_rank"] = m.first_gold_rank(gold)
        row["retrieved"] = [p["chunk_id"] for p in ranked[:RETRIEVAL_K]]
    if ranked is not None and item.answers:
        row["answer_rank"] = m.first_gold_rank([m.contains_answer(p["text"], item.answers) for p in ranked])
    # faithfulness
    if answered and row["sentences"]:
        by_chunk = {p["chunk_id"]: p["text"] for p in passages}
        source_text = {}
        for s in row["sources"]:
            # The whole passage the generator read; the quote when the passage is unknown.
            source_text[s["n"]] = by_chunk.get(s.get("chunk_id", ""), s.get("quote", ""))
        sentences = [
            m.SentenceCitations(
                m.strip_markers(s["text"]), tuple(source_text[n] for n in s.get("citations", []) if n in source_text)
            )
            for s in row["sentences"]
            if s.get("verdict") != "disagreement"
        ]  # fmt: skip
        # A statement of disagreement claims, for each value, that each of its sources gives it (its wording,
        # outlets and dates come from the articles' stored fields): each value is scored against each source.
        sentences += [
            m.SentenceCitations(src.get("value") or v.get("value", ""), (source_text[src["n"]],))
            for c in row.get("conflicts", [])
            for v in c.get("values", [])
            for src in v.get("sources", [])
            if src.get("n") in source_text
        ]
        t = time.perf_counter()
        faith = m.citation_scores(sentences, lambda c, e: support(scorer, c, e))
        faith["seconds"] = round(time.perf_counter() - t, 3)
        row["faithfulness"] = faith
        exact = [
            m.quote_exact(s.get("quote", ""), s.get("start", -1), s.get("end", -1), bodies.get(s.get("article_id", "")))
            for s in row["sources"]
        ]
        row["quotes_exact"] = [e for e in exact if e is not None]
    row["failures"] = failures(row)
    return row


def failures(row: dict[str, Any]) -> list[str]:
    """Why a row counts as a failure in the report (empty when it does not)."""
    out = []
    if row.get("error"):
        return [f"error: {row['error']}"]
    kind, answered = row["kind"], row["answerable"]
    if kind == "answerable" and not answered:
        out.append("abstained on an answerable question")
    elif kind == "answerable" and row.get("contains_gold") is False:
        out.append("no gold answer in the answer")
    if kind == "unanswerable" and answered:
        out.append("answered an unanswerable question")
    if row.get("repeats_false"):
        out.append("repeats the planted false fact")
    faith = row.get("faithfulness")
    if faith and faith.get("fully_supported") == 0.0:
        out.append("a sentence is not supported by its citations")
    if row.get("quotes_exact") and not all(row["quotes_exact"]):
        out.append("a quote is not verbatim at its offsets")
    if row.get("gold_rank", 0) is None:
        out.append(f"no gold passage in the top {RETRIEVAL_K}")
    return out


# ---------------------------------------------------------------- summaries


def rounded(x: float | None, digits: int = 3) -> float | None:
    """`x` rounded to `digits` places; None stays None."""
    return None if x is None else round(x, digits)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The set's metrics from its rows (see `evals.suite.metrics` for the definitions)."""
    ok = [r for r in rows if not r.get("error")]
    by_kind = {k: [r for r in ok if r["kind"] == k] for k in ("answerable", "unanswerable", "counterfactual")}
    answered = [r for r in ok if r["answerable"]]
    s: dict[str, Any] = {
        "n": len(rows),
        "errors": len(rows) - len(ok),
        **{f"n_{k}": len(v) for k, v in by_kind.items()},
        "answered": len(answered),
    }
    with_gold = [r for r in ok if "gold_rank" in r]
    if with_gold:
        s["retrieval"] = {
            "n": len(with_gold),
            **{f"hits@{k}": rounded(m.mean(m.hits_at(r["gold_rank"], k) for r in with_gold)) for k in (1, 5, 10)},
            "mrr@10": rounded(m.mean(m.reciprocal_rank(r["gold_rank"], 10) for r in with_gold)),
        }
    ans = by_kind["answerable"]
    if ans:
        s["answers"] = answer_summary(ans)
        phrased = [r for r in ans if r.get("time_phrased")]
        if phrased:
            s["answers_time_phrased"] = answer_summary(phrased)
    ranked = [r for r in ans if "answer_rank" in r]
    if ranked:
        s["answer_retrieval"] = answer_retrieval(ranked)
        phrased = [r for r in ranked if r.get("time_phrased")]
        if phrased:
            s["answer_retrieval_time_phrased"] = answer_retrieval(phrased)
    squad = [r for r in ok if "em" in r]
    if squad:
        has = [r for r in squad if r["kind"] == "answerable"]
        no = [r for r in squad if r["kind"] == "unanswerable"]
        s["squad"] = {
            "em": rounded(percent(m.mean(r["em"] for r in squad)), 1),
            "f1": rounded(percent(m.mean(r["f1"] for r in squad)), 1),
            "has_ans_em": rounded(percent(m.mean(r["em"] for r in has)), 1) if has else None,
            "has_ans_f1": rounded(percent(m.mean(r["f1"] for r in has)), 1) if has else None,
            "no_ans_em": rounded(percent(m.mean(r["em"] for r in no)), 1) if no else None,
            "no_ans_f1": rounded(percent(m.mean(r["f1"] for r in no)), 1) if no else None,
            "n_has_ans": len(has),
            "n_no_ans": len(no),
        }
    faithful = [r for r in answered if r.get("faithfulness")]
    if faithful:
        quotes = [q for r in answered for q in r.get("quotes_exact", [])]
        s["faithfulness"] = {
            "n": len(faithful),
            "citation_recall": rounded(m.mean(r["faithfulness"]["recall"] for r in faithful)),
            "citation_precision": rounded(m.mean(r["faithfulness"]["precision"] for r in faithful)),
            "fully_supported": rounded(m.mean(r["faithfulness"]["fully_supported"] for r in faithful)),
            "quote_exactness": rounded(sum(quotes) / len(quotes)) if quotes else None,
            "sources": len(quotes),
        }
    qa = by_kind["answerable"] + by_kind["unanswerable"]
    if by_kind["unanswerable"] or qa:
        a = m.abstention_scores([not r["answerable"] for r in qa], [r["kind"] == "unanswerable" for r in qa])
        s["abstention"] = {k: rounded(v) for k, v in a.items()}
    cf = by_kind["counterfactual"]
    if cf:
        s["counterfactual"] = {
            "n": len(cf),
            "repeats_false_fact": rounded(m.mean(float(r["repeats_false"]) for r in cf)),
            "true_answer": rounded(m.mean(float(bool(r.get("contains_gold"))) for r in cf)),
            "flags_conflict": rounded(m.mean(float(r["flags_conflict"]) for r in cf)),
            "repeats_false_unflagged": rounded(m.mean(float(r.get("repeats_false_unflagged", False)) for r in cf)),
            "abstained": rounded(m.mean(float(not r["answerable"]) for r in cf)),
        }
    updated = [r for r in ok if "update_flagged" in r]
    if updated:
        s["updates"] = {
            "n": len(updated),
            **{k: rounded(m.mean(float(r[k]) for r in updated)) for k in ("update_flagged", "latest_first",
                                                                            "stale_unflagged")},
        }  # fmt: skip
    with_structure = [r for r in answered if "conflicts" in r]
    if with_structure:
        flagged = [r for r in with_structure if r["conflicts"]]
        s["conflicts"] = {
            "answered": len(with_structure),
            "with_conflicts": len(flagged),
            "rate": rounded(len(flagged) / len(with_structure)),
            "by_status": {
                k: sum(1 for r in flagged for c in r["conflicts"] if c.get("status") == k)
                for k in ("update", "minority", "disagreement")
            },
        }
    stages = sorted({k for r in ok for k in r["timings"]} | {"wall"})
    latency = {}
    for stage in stages:
        values = [
            r["timings"][stage] if stage != "wall" else r.get("wall", 0.0)
            for r in ok
            if stage in r["timings"] or stage == "wall"
        ]
        latency[stage] = {"p50": rounded(m.percentile(values, 50)), "p95": rounded(m.percentile(values, 95))}
    tokens = {
        k: sum(int(r["tokens"].get(k) or 0) for r in ok) for k in ("prompt_tokens", "completion_tokens", "judge_calls")
    }
    tokens["scorer_calls"] = sum((r.get("faithfulness") or {}).get("judge_calls", 0) for r in ok)
    tokens["scorer_tokens"] = sum(int(r.get("scorer_tokens", 0)) for r in ok)
    s["cost"] = {"latency_s": latency, "tokens": tokens}
    return s


def answer_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Containment, and the failure modes of answerable questions (see docs/evaluation.md)."""
    answered = [r for r in rows if r["answerable"]]
    wrong = [r for r in answered if not r.get("contains_gold")]
    verified = [r for r in wrong if r["sentences"] and all(s.get("verdict") != "unsupported" for s in r["sentences"])]
    stale = [r for r in verified if any(a is not None and a > STALE_DAYS for a in r.get("cited_age_days", []))]
    declined = [r for r in rows if not r["answerable"]]
    causes: dict[str, dict[str, int]] = {}
    for r in declined:
        cause = "gate" if r.get("gold_in_shown") else "retrieval"
        by_reason = causes.setdefault(r.get("abstain_reason") or "unknown", {"retrieval": 0, "gate": 0})
        by_reason[cause] += 1
    out: dict[str, Any] = {
        "n": len(rows),
        "containment": rounded(m.mean(float(bool(r.get("contains_gold"))) for r in rows)),
        "containment_strict": rounded(m.mean(float(bool(r.get("contains_gold_strict"))) for r in rows)),
        "answered": len(answered),
        "wrong_answered": len(wrong),
        "wrong_but_verified": len(verified),
        "wrong_but_verified_of_answered": rounded(len(verified) / len(answered)) if answered else None,
        "wrong_but_verified_stale": len(stale),
        "declined": len(declined),
        "declined_by_cause": {
            "retrieval": sum(c["retrieval"] for c in causes.values()),
            "gate": sum(c["gate"] for c in causes.values()),
        },
        "declined_by_reason": causes,
    }
    if any("confidently_wrong" in r for r in rows):
        cw = [r for r in answered if r.get("confidently_wrong")]
        out["confidently_wrong"] = len(cw)
        out["confidently_wrong_of_answered"] = rounded(len(cw) / len(answered)) if answered else None
    return out


def answer_retrieval(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """answer@k: the share of questions with a gold answer in the top k passages of the service's search;
    answer@shown: in the passages the generator was shown."""
    return {
        "n": len(rows),
        **{f"answer@{k}": rounded(m.mean(m.hits_at(r["answer_rank"], k) for r in rows)) for k in (1, 5, 10)},
        "answer@shown": rounded(m.mean(float(bool(r.get("gold_in_shown"))) for r in rows)),
    }


def item_fields(item: Item) -> dict[str, Any]:
    """What every row says about its question, first."""
    return {"set": item.set, "id": item.id, "kind": item.kind, "question": item.question, "gold": list(item.answers)}


def error_row(item: Item, error: BaseException) -> dict[str, Any]:
    """The row of a question that could not be asked (not cached: it is retried next run)."""
    row: dict[str, Any] = {
        **item_fields(item),
        "answer": "",
        "answerable": False,
        "sentences": [],
        "sources": [],
        "timings": {},
        "tokens": {},
        "error": f"{type(error).__name__}: {error}",
    }
    row["failures"] = failures(row)
    return row
