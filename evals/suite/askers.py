"""Who answers the suite's questions: the pipeline in this process (`LocalAsker`) or a running service (`HttpAsker`).

In process, each set's corpus is indexed once into a cache folder (`<cache_dir>/<set>-<hash>/`, reused
across runs; `--index` names an existing index instead) and asked through `rag.factory.pipeline`. With
a URL, questions go to a running service (`POST {url}/v1/ask` with `"stream": true`, whose events carry
the passages the generator read, then the same JSON as `rag ask --json`; `POST {url}/v1/search` for the
top 10 used by the retrieval metrics); that service must already hold the set's corpus.

Both return the answer as `rag ask --json` writes it and passages as plain dicts (`chunk_id`,
`article_id`, `text`, `duplicates`), so scoring does not know which one asked.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from evals.suite.config import Echo, EvalError, RunConfig
from evals.suite.progress import progress
from evals.suite.sets import EvalSet, Item


class Asker(Protocol):
    """What the runner needs of whoever answers: a key of the index asked, answers, and the top k passages."""

    def index_key(self, evalset: EvalSet) -> str: ...

    def ask(self, item: Item, as_of: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]: ...

    def search(self, item: Item, k: int, as_of: str = "") -> list[dict[str, Any]]: ...


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
            if self.config.replay is not None:
                from evals.suite.replay import ReplayGenerator

                self.pipeline.generator = ReplayGenerator.from_results(self.config.replay)
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
        with progress(f"index {evalset.name}", len(articles)) as advance, store.writing():
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

    def ask(self, item: Item, as_of: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]:
        from rag.types import Filters

        seen: list[Any] = []

        def on_event(kind: str, payload: Any) -> None:
            if kind == "passages":
                seen.extend(payload)

        if self.config.replay is not None:
            self.pipeline.generator.current = item.id
        answer = self.pipeline.ask(item.question, Filters(article_ids=item.article_ids, as_of=as_of), on_event)
        return answer.to_dict(), [passage_dict(p) for p in seen]

    def search(self, item: Item, k: int, as_of: str = "") -> list[dict[str, Any]]:
        from rag.types import Filters

        question = self.pipeline.check_question(item.question)
        filters = Filters(article_ids=item.article_ids, as_of=as_of)
        return [passage_dict(p) for p in self.pipeline.retriever.search(question, k, filters)]

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def passage_dict(p: Any) -> dict[str, Any]:
    """A `rag.types.Passage` as the plain dict scoring reads."""
    return {
        "chunk_id": p.chunk_id,
        "article_id": p.article_id,
        "published_at": getattr(p, "published_at", ""),
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

    def ask(self, item: Item, as_of: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]:
        body: dict[str, Any] = {"question": item.question, "stream": True, "filters": self._filters(item)}
        if as_of:
            body["as_of"] = as_of
        passages: list[dict[str, Any]] = []
        answer: dict[str, Any] | None = None
        with self.client.stream("POST", f"{self.url}/v1/ask", json=body) as r:
            if r.status_code != 200:
                r.read()
                raise EvalError(f"POST /v1/ask answered {r.status_code}: {r.text[:300]}")
            for event, data in sse_events(r.iter_lines()):
                if event == "passages":
                    passages = [passage_from_json(p) for p in data.get("passages", [])]
                elif event == "answer":
                    answer = data
                elif event == "error":
                    raise EvalError(f"the service reported an error: {data}")
        if answer is None:
            raise EvalError("the answer stream ended without an answer")
        return answer, passages

    def search(self, item: Item, k: int, as_of: str = "") -> list[dict[str, Any]]:
        body: dict[str, Any] = {"query": item.question, "k": k, "filters": self._filters(item)}
        if as_of:
            body["as_of"] = as_of
        r = self.client.post(f"{self.url}/v1/search", json=body)
        if r.status_code != 200:
            raise EvalError(f"POST /v1/search answered {r.status_code}: {r.text[:300]}")
        return [passage_from_json(p) for p in r.json().get("passages", [])]

    def close(self) -> None:
        self.client.close()


def passage_from_json(p: dict[str, Any]) -> dict[str, Any]:
    """A passage of the service's JSON as the same plain dict (missing fields empty)."""
    return {
        "chunk_id": p.get("chunk_id", ""),
        "article_id": p.get("article_id", ""),
        "published_at": p.get("published_at", ""),
        "text": p.get("text", ""),
        "duplicates": list(p.get("duplicates", [])),
    }


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """(event, parsed data) for each server-sent event."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", list[str]()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        yield event, json.loads("\n".join(data))
