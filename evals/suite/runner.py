"""Runs evaluation sets through the answer path and scores every answer; `rag eval` calls `run`.

In process, each set's corpus is indexed once into a cache folder (`<cache_dir>/<set>-<hash>/`, reused
across runs; `--index` names an existing index instead) and asked through `rag.factory.pipeline`. With
a URL, questions go to a running service (`POST {url}/v1/ask` with `"stream": true`, whose events carry
the passages the generator read, then the same JSON as `rag ask --json`; `POST {url}/v1/search` for the
top 10 used by the retrieval metrics); that service must already hold the set's corpus.

Every scored question is appended at once to `<out>/cache/<set>.jsonl`, keyed by set, item id and a
fingerprint of the configuration (settings, generator, scorer, corpus, URL): an interrupted run, started
again with the same options, asks only the questions that are missing. Questions that failed with an
error are not cached, so they are retried.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.realtimeqa import contains_evidence
from evals.suite import metrics as m
from evals.suite.faithfulness import Scorer, make_scorer, support
from evals.suite.sets import SETS, EvalSet, Item, load, missing_reason

SUITE_VERSION = "eval-suite-v1"
RETRIEVAL_K = 10
DEFAULT_CACHE_DIR = Path(os.environ.get("RAG_EVAL_CACHE", Path.home() / ".cache" / "rag" / "eval"))
CONFLICT_CUES = re.compile(
    r"\b(conflict\w*|contradict\w*|disagree\w*|inconsisten\w*|discrepan\w*|dispute\w*|however|whereas|"
    r"other (?:sources|reports|documents|articles|passages)|(?:one|another) (?:source|report|document|passage))\b",
    re.IGNORECASE,
)
Echo = Callable[[str], None]


class EvalError(Exception):
    """A problem that stops the evaluation (bad options, an unreachable service)."""


@dataclass
class RunConfig:
    sets: list[str]
    data: Path
    out: Path
    limit: int | None = None
    seed: int = 0
    url: str | None = None
    generator: str | None = None
    scorer: str = "overlap"  # overlap | llm (slower, and no better on the judge sets: see the README)
    scorer_threshold: float | None = None
    cache_dir: Path = DEFAULT_CACHE_DIR
    index: Path | None = None
    fresh: bool = False
    judge_limit: int | None = None  # pairs per judge set; default: 40 with the LLM scorer, all without
    timeout: float = 300.0
    api_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- the result cache


class ResultCache:
    """Append-only JSONL of scored questions; a line is written and flushed as soon as one is scored."""

    def __init__(self, path: Path, fresh: bool = False) -> None:
        self.path = path
        self.rows: dict[str, dict[str, Any]] = {}
        if path.exists() and not fresh:
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.rows[entry["key"]] = entry["row"]
                except (ValueError, KeyError, TypeError):  # a line cut short by an interruption
                    continue
        elif fresh and path.exists():
            path.unlink()

    @staticmethod
    def key(set_name: str, item_id: str, fingerprint: str) -> str:
        return hashlib.sha256(f"{set_name}\0{item_id}\0{fingerprint}".encode()).hexdigest()[:32]

    def get(self, key: str) -> dict[str, Any] | None:
        return self.rows.get(key)

    def put(self, key: str, row: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "row": row}, ensure_ascii=False) + "\n")
            f.flush()
        self.rows[key] = row


def item_hash(item: Item) -> str:
    """A hash of what the item asks and counts as right: a changed loader does not reuse old scores."""
    parts = [
        item.question,
        item.kind,
        item.answers,
        item.evidence,
        item.gold_articles,
        item.article_ids,
        item.false_answers,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


def fingerprint(settings: Any, config: RunConfig, scorer_id: str, corpus: str) -> str:
    """A hash of everything that changes an answer or its score (not where the index lives)."""
    dump = settings.model_dump(mode="json", exclude={"index_dir": True, "api": True, "llm": {"api_key"}})
    parts = {
        "suite": SUITE_VERSION,
        "settings": dump,
        "generator": config.generator or settings.answer.generator,
        "scorer": scorer_id,
        "corpus": corpus,
        "url": config.url or "",
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- askers: in process or over HTTP


class LocalAsker:
    """Asks through `rag.factory.pipeline`, building (or reusing) one index per set's corpus."""

    def __init__(self, settings: Any, config: RunConfig, echo: Echo) -> None:
        from rag import factory

        self.settings = settings
        self.config = config
        self.echo = echo
        self.embedder = factory.embedder(settings)
        self.pipeline: Any = None
        self.store: Any = None

    def index_key(self, evalset: EvalSet) -> str:
        if self.config.index is not None:
            manifest = self.config.index / "manifest.json"
            stamp = json.loads(manifest.read_text()).get("updated_at", "") if manifest.exists() else ""
            return f"index:{self.config.index.resolve()}:{stamp}"
        c = self.settings.chunk
        h = hashlib.sha256(
            json.dumps([evalset.corpus_key(), self.embedder.name, c.model_dump(mode="json")], sort_keys=True).encode()
        )
        return h.hexdigest()[:16]

    def use(self, evalset: EvalSet) -> None:
        """Open (building it first if needed) the index of `evalset`'s corpus and point the pipeline at it."""
        from rag import factory

        folder = self.config.index or self.build_index(evalset)
        settings = self.settings.model_copy(deep=True)
        settings.index_dir = folder
        if self.store is not None:
            self.store.close()
        self.store = factory.store(settings, self.embedder)
        if self.pipeline is None:
            self.pipeline = factory.pipeline(settings, self.store, self.embedder, generator_name=self.config.generator)
            factory.warm_up(self.pipeline)
        else:  # the same generator and judge (and their loaded model) serve every set
            self.pipeline.retriever = factory.retriever(settings, self.store, self.embedder)
        store = self.store
        self.pipeline.body_of = lambda article_id: store.get_article(article_id).body

    def build_index(self, evalset: EvalSet) -> Path:
        from rag import factory

        folder = self.config.cache_dir / f"{evalset.name}-{self.index_key(evalset)}"
        done = folder / "complete.json"
        if done.exists():
            return folder
        settings = self.settings.model_copy(deep=True)
        settings.index_dir = folder
        store = factory.store(settings, self.embedder, create=True)
        articles = list(evalset.corpus.values())
        self.echo(f"{evalset.name}: indexing {len(articles)} documents into {folder} (reused by later runs)")
        started = time.perf_counter()
        with _progress(f"index {evalset.name}", len(articles)) as advance, store.writing():
            self.embedder.warm_up()
            report = factory.indexer(settings, store, self.embedder).ingest(articles, lambda r, s: advance(1))
        store.close()
        if report.interrupted:
            raise KeyboardInterrupt
        done.write_text(json.dumps({"articles": len(articles), "seconds": round(time.perf_counter() - started, 1)}))
        return folder

    def scorer_llm(self) -> Any:
        from rag import factory

        p = self.pipeline
        for owner in (getattr(p, "verifier", None) and p.verifier.judge, getattr(p, "generator", None)):
            llm = getattr(owner, "llm", None)
            if llm is not None and hasattr(llm, "yes_probability"):
                return llm
        return factory.local_llm(self.settings)

    def ask(self, item: Item) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        from rag.types import Filters

        seen: list[Any] = []

        def on_event(kind: str, payload: Any) -> None:
            if kind == "passages":
                seen.extend(payload)

        answer = self.pipeline.ask(item.question, Filters(article_ids=item.article_ids), on_event)
        return answer.to_dict(), [_passage_dict(p) for p in seen]

    def search(self, item: Item, k: int) -> list[dict[str, Any]]:
        from rag.types import Filters

        question = self.pipeline.check_question(item.question)
        return [
            _passage_dict(p) for p in self.pipeline.retriever.search(question, k, Filters(article_ids=item.article_ids))
        ]

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def _passage_dict(p: Any) -> dict[str, Any]:
    return {
        "chunk_id": p.chunk_id,
        "article_id": p.article_id,
        "text": p.text,
        "duplicates": list(getattr(p, "duplicates", ())),
    }


class HttpAsker:
    """Asks a running service; its index must already hold the set's corpus."""

    def __init__(self, config: RunConfig) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self.url = (config.url or "").rstrip("/")
        self.client = httpx.Client(timeout=config.timeout, headers=headers)
        try:
            self.client.get(f"{self.url}/healthz").raise_for_status()
        except httpx.HTTPError as e:
            raise EvalError(f"the service at {self.url} does not answer /healthz: {e}") from None

    def use(self, evalset: EvalSet) -> None:
        pass

    def index_key(self, evalset: EvalSet) -> str:
        return f"url:{self.url}:{evalset.corpus_key()}"

    def _filters(self, item: Item) -> dict[str, Any]:
        return {"article_ids": list(item.article_ids)} if item.article_ids else {}

    def ask(self, item: Item) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        body = {"question": item.question, "stream": True, "filters": self._filters(item)}
        passages: list[dict[str, Any]] = []
        answer: dict[str, Any] | None = None
        with self.client.stream("POST", f"{self.url}/v1/ask", json=body) as r:
            if r.status_code != 200:
                r.read()
                raise EvalError(f"POST /v1/ask answered {r.status_code}: {r.text[:300]}")
            for event, data in _sse(r.iter_lines()):
                if event == "passages":
                    passages = [_passage_dict_json(p) for p in data.get("passages", [])]
                elif event == "answer":
                    answer = data
                elif event == "error":
                    raise EvalError(f"the service reported an error: {data}")
        if answer is None:
            raise EvalError("the answer stream ended without an answer")
        return answer, passages

    def search(self, item: Item, k: int) -> list[dict[str, Any]]:
        r = self.client.post(
            f"{self.url}/v1/search", json={"query": item.question, "k": k, "filters": self._filters(item)}
        )
        if r.status_code != 200:
            raise EvalError(f"POST /v1/search answered {r.status_code}: {r.text[:300]}")
        return [_passage_dict_json(p) for p in r.json().get("passages", [])]

    def close(self) -> None:
        self.client.close()


def _passage_dict_json(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "chunk_id": p.get("chunk_id", ""),
        "article_id": p.get("article_id", ""),
        "text": p.get("text", ""),
        "duplicates": list(p.get("duplicates", [])),
    }


def _sse(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """(event, parsed data) for each server-sent event."""
    event, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        yield event, json.loads("\n".join(data))


# ---------------------------------------------------------------- scoring one question


def is_gold(item: Item, passage: dict[str, Any]) -> bool:
    """A retrieved passage is gold evidence for `item` (see `evals.suite.sets`)."""
    if item.gold_articles:
        articles = {passage["article_id"], *(d.rsplit(":", 1)[0] for d in passage.get("duplicates", []))}
        if articles & set(item.gold_articles):
            return True
    return bool(item.evidence) and contains_evidence(passage["text"], item.evidence)


def score_item(
    item: Item,
    answer: dict[str, Any],
    passages: list[dict[str, Any]],
    ranked: list[dict[str, Any]] | None,
    bodies: dict[str, str],
    scorer: Scorer,
) -> dict[str, Any]:
    """Everything measured about one answer (a JSON-able row of the results file)."""
    text = answer.get("answer", "")
    answered = bool(answer.get("answerable"))
    row: dict[str, Any] = {
        **_item_fields(item),
        "false_answers": list(item.false_answers),
        "meta": item.meta,
        "answer": text,
        "answerable": answered,
        "abstain_reason": answer.get("abstain_reason"),
        "sentences": answer.get("sentences", []),
        "sources": answer.get("sources", []),
        "dropped": [{"text": s.get("text", ""), "reasons": s.get("reasons", [])} for s in answer.get("dropped", [])],
        "notes": (answer.get("usage") or {}).get("notes", []),
        "timings": answer.get("timings", {}),
        "tokens": {
            k: (answer.get("usage") or {}).get(k, 0) for k in ("prompt_tokens", "completion_tokens", "judge_calls")
        },
    }
    # answers
    shown = text if answered else ""
    row["contains_gold"] = answered and m.contains_gold(text, item.answers) if item.answers else None
    if item.set == "squad":
        row["em"] = m.squad_em(shown, item.answers if item.kind == "answerable" else [])
        row["f1"] = m.squad_f1(shown, item.answers if item.kind == "answerable" else [])
    if item.kind == "counterfactual":
        repeats = answered and m.contains_gold(text, item.false_answers)
        true = answered and m.contains_gold(text, item.answers)
        row["repeats_false"] = repeats
        row["flags_conflict"] = answered and ((repeats and true) or bool(CONFLICT_CUES.search(m.strip_markers(text))))
    # retrieval
    if ranked is not None and item.has_gold_evidence:
        gold = [is_gold(item, p) for p in ranked[:RETRIEVAL_K]]
        row["gold_rank"] = m.first_gold_rank(gold)
        row["retrieved"] = [p["chunk_id"] for p in ranked[:RETRIEVAL_K]]
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
        ]  # fmt: skip
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


def _r(x: float | None, digits: int = 3) -> float | None:
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
            **{f"hits@{k}": _r(m.mean(m.hits_at(r["gold_rank"], k) for r in with_gold)) for k in (1, 5, 10)},
            "mrr@10": _r(m.mean(m.reciprocal_rank(r["gold_rank"], 10) for r in with_gold)),
        }
    ans = by_kind["answerable"]
    if ans:
        s["answers"] = {"n": len(ans), "containment": _r(m.mean(float(bool(r.get("contains_gold"))) for r in ans))}
    squad = [r for r in ok if "em" in r]
    if squad:
        has = [r for r in squad if r["kind"] == "answerable"]
        no = [r for r in squad if r["kind"] == "unanswerable"]
        s["squad"] = {
            "em": _r(100 * m.mean(r["em"] for r in squad), 1),
            "f1": _r(100 * m.mean(r["f1"] for r in squad), 1),
            "has_ans_em": _r(100 * m.mean(r["em"] for r in has), 1) if has else None,
            "has_ans_f1": _r(100 * m.mean(r["f1"] for r in has), 1) if has else None,
            "no_ans_em": _r(100 * m.mean(r["em"] for r in no), 1) if no else None,
            "no_ans_f1": _r(100 * m.mean(r["f1"] for r in no), 1) if no else None,
            "n_has_ans": len(has),
            "n_no_ans": len(no),
        }
    faithful = [r for r in answered if r.get("faithfulness")]
    if faithful:
        quotes = [q for r in answered for q in r.get("quotes_exact", [])]
        s["faithfulness"] = {
            "n": len(faithful),
            "citation_recall": _r(m.mean(r["faithfulness"]["recall"] for r in faithful)),
            "citation_precision": _r(m.mean(r["faithfulness"]["precision"] for r in faithful)),
            "fully_supported": _r(m.mean(r["faithfulness"]["fully_supported"] for r in faithful)),
            "quote_exactness": _r(sum(quotes) / len(quotes)) if quotes else None,
            "sources": len(quotes),
        }
    qa = by_kind["answerable"] + by_kind["unanswerable"]
    if by_kind["unanswerable"] or qa:
        a = m.abstention_scores([not r["answerable"] for r in qa], [r["kind"] == "unanswerable" for r in qa])
        s["abstention"] = {k: _r(v) for k, v in a.items()}
    cf = by_kind["counterfactual"]
    if cf:
        s["counterfactual"] = {
            "n": len(cf),
            "repeats_false_fact": _r(m.mean(float(r["repeats_false"]) for r in cf)),
            "true_answer": _r(m.mean(float(bool(r.get("contains_gold"))) for r in cf)),
            "flags_conflict": _r(m.mean(float(r["flags_conflict"]) for r in cf)),
            "abstained": _r(m.mean(float(not r["answerable"]) for r in cf)),
        }
    stages = sorted({k for r in ok for k in r["timings"]} | {"wall"})
    latency = {}
    for stage in stages:
        values = [
            r["timings"][stage] if stage != "wall" else r.get("wall", 0.0)
            for r in ok
            if stage in r["timings"] or stage == "wall"
        ]
        latency[stage] = {"p50": _r(m.percentile(values, 50)), "p95": _r(m.percentile(values, 95))}
    tokens = {
        k: sum(int(r["tokens"].get(k) or 0) for r in ok) for k in ("prompt_tokens", "completion_tokens", "judge_calls")
    }
    tokens["scorer_calls"] = sum((r.get("faithfulness") or {}).get("judge_calls", 0) for r in ok)
    tokens["scorer_tokens"] = sum(int(r.get("scorer_tokens", 0)) for r in ok)
    s["cost"] = {"latency_s": latency, "tokens": tokens}
    return s


# ---------------------------------------------------------------- the judge sets


def run_judge_sets(config: RunConfig, scorer: Scorer, cache: ResultCache, echo: Echo) -> dict[str, Any]:
    """The faithfulness scorer on the human-labelled sets: scores cached per pair; the threshold that
    maximises balanced accuracy on the first set (WiCE), reported on every set with 0.5."""
    from evals.judge_sets import FILES, balanced_choice, load_set

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
        with _progress(f"judge {name}", len(chosen)) as advance:
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
            "at_default": {k: _r(v) for k, v in m.at_threshold(scores, labels, scorer.threshold).items()},
            "at_tuned": {k: _r(v) for k, v in m.at_threshold(scores, labels, tuned).items()},
        }
    return {
        "scorer": getattr(scorer, "id", scorer.name),
        "tuned_on": tune_on,
        "threshold": _r(tuned, 4),
        "sets": results,
    }


# ---------------------------------------------------------------- progress


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; `advance(n)` moves it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(file=sys.stderr)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False, disable=not console.is_terminal) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


# ---------------------------------------------------------------- the run


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
    evalset: EvalSet, asker: LocalAsker | HttpAsker, scorer: Scorer, settings: Any, config: RunConfig, echo: Echo
) -> dict[str, Any]:
    fp = fingerprint(settings, config, getattr(scorer, "id", scorer.name), asker.index_key(evalset))
    cache = ResultCache(config.out / "cache" / f"{evalset.name}.jsonl", fresh=False)
    bodies = {aid: a.body for aid, a in evalset.corpus.items()}
    rows = []
    asked = reused = 0
    started = time.perf_counter()
    with _progress(evalset.name, len(evalset.items)) as advance:
        for item in evalset.items:
            key = ResultCache.key(evalset.name, f"{item.id}:{item_hash(item)}", fp)
            row = None if config.fresh else cache.get(key)
            if row is not None:
                reused += 1
            else:
                row = ask_and_score(item, asker, scorer, bodies)
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


def ask_and_score(item: Item, asker: Any, scorer: Scorer, bodies: dict[str, str]) -> dict[str, Any]:
    from rag.errors import RagError

    t = time.perf_counter()
    tokens_before = getattr(scorer, "tokens", 0)
    try:
        answer, passages = asker.ask(item)
        wall = time.perf_counter() - t
        ranked = asker.search(item, RETRIEVAL_K) if item.has_gold_evidence else None
        row = score_item(item, answer, passages, ranked, bodies, scorer)
    except (RagError, EvalError, OSError) as e:
        return error_row(item, e)
    except Exception as e:
        if type(e).__module__.startswith("httpx"):  # a timeout or a dropped connection: this question fails
            return error_row(item, e)
        raise
    row["wall"] = round(wall, 4)
    row["scorer_tokens"] = getattr(scorer, "tokens", 0) - tokens_before
    return row


def _item_fields(item: Item) -> dict[str, Any]:
    """What every row says about its question, first."""
    return {"set": item.set, "id": item.id, "kind": item.kind, "question": item.question, "gold": list(item.answers)}


def error_row(item: Item, error: BaseException) -> dict[str, Any]:
    """The row of a question that could not be asked (not cached: it is retried next run)."""
    row: dict[str, Any] = {
        **_item_fields(item),
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
