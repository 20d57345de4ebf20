"""Runs evaluation sets through the answer path and scores every answer; `rag eval` calls `run`.

`run` checks the sets, picks who answers (`evals.suite.askers`: in process or a running service), then
for each set asks every question not already in the result cache (`evals.suite.cache`), scores it
(`evals.suite.scoring`) and summarises the set; the `judge` set runs the faithfulness scorer on the
human-labelled pairs instead (`run_judge_sets`).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from evals.suite import metrics as m
from evals.suite.askers import Asker, HttpAsker, LocalAsker
from evals.suite.cache import ResultCache, fingerprint, item_hash
from evals.suite.config import RETRIEVAL_K, Echo, EvalError, RunConfig
from evals.suite.datasets.judge_sets import FILES, balanced_choice, load_set
from evals.suite.faithfulness import Scorer, make_scorer
from evals.suite.progress import progress
from evals.suite.scoring import error_row, rounded, score_item, summarise
from evals.suite.sets import SETS, EvalSet, Item, load, missing_reason


def run(config: RunConfig, settings: Any, echo: Echo = print) -> dict[str, Any]:
    """Run every set of `config`; returns {"config", "sets": {name: {"summary", "rows"}}, "judge"}."""
    unknown = [s for s in config.sets if s not in SETS]
    if unknown:
        raise EvalError(f"unknown set(s): {', '.join(unknown)}; known: {', '.join(SETS)}")
    if config.index is not None and len([s for s in config.sets if s != "judge"]) > 1:
        raise EvalError("--index names one index: give exactly one question set with it")
    if config.generator:
        settings.answer.generator = config.generator
    started = time.perf_counter()
    results: dict[str, Any] = {"sets": {}, "skipped": {}}
    runnable = []
    for name in config.sets:
        reason = missing_reason(name, config.data)
        if reason:
            echo(f"{name}: skipped: {reason}")
            results["skipped"][name] = reason
        else:
            runnable.append(name)
    qa_sets = [n for n in runnable if SETS[n].kind == "qa"]
    asker: LocalAsker | HttpAsker | None = None
    scorer: Scorer | None = None
    try:
        if qa_sets:
            asker = HttpAsker(config) if config.url else LocalAsker(settings, config, echo)
        for name in qa_sets:
            evalset = load(name, config.data, config.limit, config.seed)
            echo(f"{name}: {len(evalset.items)} questions, {len(evalset.corpus)} documents ({evalset.source})")
            asker.use(evalset)  # type: ignore[union-attr]
            if scorer is None:
                llm = asker.scorer_llm() if isinstance(asker, LocalAsker) and config.scorer == "llm" else None
                scorer = make_scorer(config.scorer, llm, config.scorer_threshold)
            results["sets"][name] = run_set(evalset, asker, scorer, settings, config, echo)  # type: ignore[arg-type]
        if "judge" in runnable:
            if scorer is None:
                llm = None
                if config.scorer == "llm":
                    from rag import factory

                    llm = factory.local_llm(settings)
                scorer = make_scorer(config.scorer, llm, config.scorer_threshold)
            cache = ResultCache(config.out / "cache" / "judge.jsonl", fresh=config.fresh)
            results["judge"] = run_judge_sets(config, scorer, cache, echo)
    finally:
        if asker is not None:
            asker.close()
    results["config"] = {
        "sets": config.sets,
        "limit": config.limit,
        "seed": config.seed,
        "url": config.url,
        "generator": config.generator or settings.answer.generator,
        "verify_judge": settings.verify.judge,
        "scorer": getattr(scorer, "id", config.scorer) if scorer else config.scorer,
        "embed_model": settings.embed.model,
        "data": str(config.data),
        "wall_seconds": round(time.perf_counter() - started, 1),
        **config.extra,
    }
    return results


def run_set(
    evalset: EvalSet, asker: Asker, scorer: Scorer, settings: Any, config: RunConfig, echo: Echo
) -> dict[str, Any]:
    """Ask and score every item of `evalset` (cached rows reused); returns its summary and rows."""
    fp = fingerprint(settings, config, getattr(scorer, "id", scorer.name), asker.index_key(evalset))
    cache = ResultCache(config.out / "cache" / f"{evalset.name}.jsonl", fresh=False)
    bodies = {aid: a.body for aid, a in evalset.corpus.items()}
    rows = []
    asked = reused = 0
    started = time.perf_counter()
    with progress(evalset.name, len(evalset.items)) as advance:
        for item in evalset.items:
            key = ResultCache.key(evalset.name, f"{item.id}:{item_hash(item)}", fp)
            row = None if config.fresh else cache.get(key)
            if row is not None:
                reused += 1
            else:
                row = ask_and_score(item, asker, scorer, bodies, config.as_of_for(item.meta.get("date", "")))
                asked += 1
                if not row.get("error"):
                    cache.put(key, row)
            rows.append(row)
            advance(1)
    wall = time.perf_counter() - started
    echo(f"{evalset.name}: {asked} asked, {reused} from the cache, {wall:.1f} s")
    summary = summarise(rows)
    summary["wall_seconds"] = round(wall, 1)
    summary["asked"] = asked
    summary["from_cache"] = reused
    summary["fingerprint"] = fp
    return {"summary": summary, "rows": rows, "source": evalset.source, "description": evalset.description}


def ask_and_score(item: Item, asker: Asker, scorer: Scorer, bodies: dict[str, str], as_of: str = "") -> dict[str, Any]:
    """Ask one question and score the answer; a failed question gives an error row instead of stopping the run."""
    from rag.errors import RagError

    t = time.perf_counter()
    tokens_before = getattr(scorer, "tokens", 0)
    try:
        answer, passages = asker.ask(item, as_of)
        wall = time.perf_counter() - t
        ranked = asker.search(item, RETRIEVAL_K, as_of) if item.has_gold_evidence or item.answers else None
        row = score_item(item, answer, passages, ranked, bodies, scorer, as_of)
    except (RagError, EvalError, OSError) as e:
        return error_row(item, e)
    except Exception as e:
        if type(e).__module__.startswith("httpx"):  # a timeout or a dropped connection: this question fails
            return error_row(item, e)
        raise
    row["wall"] = round(wall, 4)
    row["scorer_tokens"] = getattr(scorer, "tokens", 0) - tokens_before
    return row


def run_judge_sets(config: RunConfig, scorer: Scorer, cache: ResultCache, echo: Echo) -> dict[str, Any]:
    """The faithfulness scorer on the human-labelled sets: scores cached per pair; the threshold that
    maximises balanced accuracy on the first set (WiCE), reported on every set with 0.5."""
    folder = config.data / "judge"
    limit = config.judge_limit if config.judge_limit is not None else (40 if scorer.name == "llm" else None)
    results: dict[str, Any] = {}
    scored: dict[str, tuple[list[float], list[bool]]] = {}
    for name in FILES:
        if not (folder / FILES[name]).exists():
            echo(f"judge: skipping {name}: no file {folder / FILES[name]}")
            continue
        pairs = load_set(name, folder, max_evidence_words=450)
        chosen = balanced_choice(pairs, limit or None, config.seed)
        scores = []
        with progress(f"judge {name}", len(chosen)) as advance:
            for p in chosen:
                key = ResultCache.key(
                    "judge",
                    hashlib.sha256(f"{p.claim}\0{p.evidence}".encode()).hexdigest(),
                    getattr(scorer, "id", scorer.name),
                )
                row = cache.get(key)
                if row is None:
                    t = time.perf_counter()
                    row = {"score": scorer.score(p.claim, p.evidence)[0], "seconds": round(time.perf_counter() - t, 3)}
                    cache.put(key, row)
                scores.append(row["score"])
                advance(1)
        scored[name] = (scores, [p.supported for p in chosen])
    if not scored:
        return {}
    tune_on = next(iter(scored))
    tuned = m.tune_threshold(*scored[tune_on])
    for name, (scores, labels) in scored.items():
        results[name] = {
            "n": len(scores),
            "n_supported": sum(labels),
            "at_default": {k: rounded(v) for k, v in m.at_threshold(scores, labels, scorer.threshold).items()},
            "at_tuned": {k: rounded(v) for k, v in m.at_threshold(scores, labels, tuned).items()},
        }
    return {
        "scorer": getattr(scorer, "id", scorer.name),
        "tuned_on": tune_on,
        "threshold": rounded(tuned, 4),
        "sets": results,
    }
