"""MilvusStore: the `Store` contract on Milvus, through `pymilvus.MilvusClient` and a URI alone.

The URI is a Milvus Lite data file (`./index/milvus.db`: embedded, in this process, for one machine and the
tests) or a server (`http://host:19530`: standalone or cluster; the token from the environment). The
collections are described in `rag.store.milvus_schema`; article bodies live in Milvus too, so quotes are
verified at their offsets with no local SQLite file.

Search: dense (`dense_search`: inner product on normalised vectors, i.e. cosine), lexical (`lexical_search`:
Milvus's own BM25, a sparse field filled by a BM25 Function over title and chunk text) and both in one
request (`hybrid_search`: Milvus's `hybrid_search` fused by its `RRFRanker`), each with the filters as one
Milvus expression. The query is reduced to its content words (`rag.text.query_words`) before BM25, as the
local store does, so stopwords and query syntax never count. Milvus Lite 3.2.2 runs all three (checked by
tests/store/test_milvus.py); it reports a BM25 score as a negative distance where a server reports it
positive, so scores are taken as their absolute value.

Milvus has no transactions, so atomicity is built here, per article:
- Each write has a version (the generation it will commit). Bodies and chunks are inserted with that version
  first; then the article row is upserted with it: that upsert is the article's commit point. Only then are
  the article's rows of other versions deleted. Readers count a chunk or body part only when its version is
  the article row's, so a crash at any point leaves each article either as it was or as written, and
  searchable either way. A `delete` removes the article row (its commit point) before its chunks and bodies.
- Before it writes, a writer records the article ids it is about to touch (`pending` in the meta collection)
  and reserves its row ids (`next_row`); the next `writing()` cleans the leftovers of a writer that died. Row
  ids are therefore never reused, even after a crash.
- Unlike the local store, a `write` of several articles is atomic per article, not as a whole: a crash in
  the middle of a batch leaves the articles before it written and the rest as they were. An invalid item
  (chunk and vector counts that differ) is refused before anything is written.
- The write lock is a file lock next to the index folder (`path`): it serialises writers that share that
  folder (one machine). Writers on several machines against one server must be serialised by the deployment
  (one ingestion job at a time); Milvus itself offers no lock.
`list_articles`, `counts` and `stats` scan the articles collection (metadata only, no bodies): fine for
millions of articles, linear beyond. (Over 400 lines: the contract's methods, each reading through the
version check that stands in for transactions; schemas, row shapes and filters are in `milvus_schema`.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from rag.errors import IndexLockedError, IndexMismatchError, NotFoundError, StoreError
from rag.store.base import IndexConfig, StoredChunk
from rag.store.milvus_schema import (
    MAX_TOPK,
    Hit,
    article_row,
    body_rows,
    chunk_row,
    collection_names,
    create_collections,
    filter_expression,
    hits,
    int_list,
    is_lite,
    literal,
    literal_list,
    load_pymilvus,
    meta_row,
    summarise,
)
from rag.text import query_words
from rag.types import Article, Chunk, Filters

LOCK = ".milvus.lock"
SCHEMA_VERSION = 1
ARTICLE_FIELDS = ["id", "title", "byline", "outlet", "url", "published_at", "source", "ingested_at", "n_chunks"]


class MilvusStore:
    """An index in Milvus (a `rag.store.base.Store`). Open with `MilvusStore.open`; write inside
    `with store.writing():`. Beyond the contract: `hybrid_search`, and `uri`."""

    def __init__(self, client: Any, uri: str, path: Path, config: IndexConfig, prefix: str) -> None:
        self.client = client
        self.uri = uri
        self.path = path
        self.config = config
        self.names = collection_names(prefix)
        self._lock: FileLock | None = None

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        uri: str,
        *,
        path: str | Path,
        embed_model: str,
        dim: int,
        create: IndexConfig | None = None,
        token_env: str = "RAG_MILVUS_TOKEN",
        prefix: str = "rag",
        index_type: str = "AUTOINDEX",
    ) -> MilvusStore:
        """Connect to `uri` and open the index named by `prefix`, checking it was built with `embed_model`.

        With `create`, missing collections are created with that configuration. `path` is the folder of
        the write lock (for a Lite URI, the folder that holds the data file). The token, if the server
        needs one ("user:password" or an API key), is read from the environment variable `token_env`.
        """
        pm = load_pymilvus()
        path = Path(path)
        if is_lite(uri):
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        try:
            client = pm.MilvusClient(uri=uri, token=os.environ.get(token_env, ""))
        except Exception as e:
            raise StoreError(f"cannot connect to Milvus at {uri}: {e}") from None
        names = collection_names(prefix)
        if not client.has_collection(names["meta"]):
            if create is None:
                client.close()
                raise NotFoundError(f"no index in Milvus at {uri} (prefix {prefix!r}): build one with `rag ingest`")
            path.mkdir(parents=True, exist_ok=True)
            create_collections(client, names, create.dim, index_type)
            client.upsert(names["meta"], [meta_row("config", asdict(create)), meta_row("generation", 0)])
            client.upsert(names["meta"], [meta_row("next_row", 1), meta_row("pending", [])])
        found = client.query(names["meta"], filter='key == "config"', output_fields=["value"])
        if not found:
            raise StoreError(f"the index in Milvus at {uri} (prefix {prefix!r}) has no config: rebuild it")
        config = IndexConfig(**json.loads(found[0]["value"]))
        if config.embed_model != embed_model or config.dim != dim:
            raise IndexMismatchError(
                f"the index in Milvus at {uri} was built with the embedding model {config.embed_model} "
                f"({config.dim} dimensions), but this process uses {embed_model} ({dim} dimensions)"
            )
        return cls(client, uri, path, config, prefix)

    def close(self) -> None:
        """Close the client (a Lite file's embedded server stops with the process)."""
        self.client.close()

    # -- meta ---------------------------------------------------------------------------------
    def _meta(self, key: str) -> Any:
        found = self.client.query(self.names["meta"], filter=f"key == {literal(key)}", output_fields=["value"])
        return json.loads(found[0]["value"]) if found else None

    def _set_meta(self, **values: Any) -> None:
        self.client.upsert(self.names["meta"], [meta_row(k, v) for k, v in values.items()])

    def generation(self) -> int:
        """The generation counter kept in the meta collection (see `Store.generation`)."""
        return int(self._meta("generation") or 0)

    # -- writing ------------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[MilvusStore]:
        """Hold the write lock (a file in `path`); first clean up after a writer that died mid-write."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path / LOCK), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise IndexLockedError(
                f"another process is writing to the index in Milvus at {self.uri} (lock {self.path / LOCK}); "
                "try again when it has finished"
            ) from None
        self._lock = lock
        try:
            pending = self._meta("pending") or []
            if pending:
                self._drop_stale(pending)
                self._set_meta(pending=[])
            yield self
        finally:
            self._lock = None
            lock.release()

    def _require_lock(self) -> None:
        if self._lock is None:
            raise StoreError("writes must happen inside `with store.writing():`")

    def _versions(self, article_ids: Sequence[str]) -> dict[str, int]:
        """The committed version of each of these articles that exists."""
        found: dict[str, int] = {}
        ids = list(dict.fromkeys(article_ids))
        for i in range(0, len(ids), 1000):
            expr = f"id in {literal_list(ids[i : i + 1000])}"
            for r in self.client.query(self.names["articles"], filter=expr, output_fields=["id", "version"]):
                found[r["id"]] = int(r["version"])
        return found

    def _drop_stale(self, article_ids: Sequence[str]) -> None:
        """Delete the chunks and body parts of these articles that their committed version does not count."""
        versions = self._versions(article_ids)
        for article_id in article_ids:
            keep = versions.get(article_id)
            expr = f"article_id == {literal(article_id)}" + ("" if keep is None else f" and version != {keep}")
            self.client.delete(self.names["chunks"], filter=expr)
            self.client.delete(self.names["bodies"], filter=expr)

    def write(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None:
        """Insert or replace articles with their chunks and vectors, each article atomically (see above)."""
        self._require_lock()
        for article, chunks, vectors in items:
            if len(chunks) != len(vectors):
                raise StoreError(f"{len(chunks)} chunks but {len(vectors)} vectors for {article.id}")
        latest = {a.id: (a, c, v) for a, c, v in items}  # an article given twice: the last one counts
        if not latest:
            return
        version = self.generation() + 1
        row = int(self._meta("next_row") or 1)
        self._set_meta(next_row=row + sum(len(c) for _, c, _ in latest.values()), pending=list(latest))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        articles, bodies, rows = [], [], []
        for article, chunks, vectors in latest.values():
            bodies += body_rows(article, version)
            rows += [
                chunk_row(row + i, article, c, v, version) for i, (c, v) in enumerate(zip(chunks, vectors, strict=True))
            ]
            row += len(chunks)
            articles.append(article_row(article, chunks, version, now))
        for i in range(0, len(bodies), 64):  # a body part is up to 64 KB: a few MB a request
            self.client.insert(self.names["bodies"], bodies[i : i + 64])
        for i in range(0, len(rows), 512):
            self.client.insert(self.names["chunks"], rows[i : i + 512])
        self.client.upsert(self.names["articles"], articles)  # the commit point of each article
        self._drop_other_versions(list(latest), version)
        self._set_meta(generation=version, pending=[], updated_at=now)

    def _drop_other_versions(self, article_ids: Sequence[str], version: int) -> None:
        """After a write committed these articles at `version`: delete their chunks and body parts of any other
        version, one delete per collection and 1,000 articles. (Milvus Lite scans the collection for each delete
        by expression; one per article took 90% of the write time and made writing slow down as the index grew.)"""
        for i in range(0, len(article_ids), 1000):
            expr = f"article_id in {literal_list(list(article_ids[i : i + 1000]))} and version != {version}"
            self.client.delete(self.names["chunks"], filter=expr)
            self.client.delete(self.names["bodies"], filter=expr)

    def delete(self, article_ids: Sequence[str]) -> int:
        """Remove articles: the article row first (the commit point), then chunks and body parts."""
        self._require_lock()
        existing = list(self._versions(article_ids))
        if existing:
            self._set_meta(pending=existing)
            self.client.delete(self.names["articles"], filter=f"id in {literal_list(existing)}")
            self._drop_stale(existing)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            self._set_meta(generation=self.generation() + 1, pending=[], updated_at=now)
        return len(existing)

    def article_hash(self, article_id: str) -> str | None:
        found = self.client.query(
            self.names["articles"], filter=f"id == {literal(article_id)}", output_fields=["content_hash"]
        )
        return str(found[0]["content_hash"]) if found else None

    def article_hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Stored content hashes of these articles: one query per 1,000 ids (the article row is the commit point)."""
        ids = list(dict.fromkeys(article_ids))
        found: dict[str, str] = {}
        for i in range(0, len(ids), 1000):
            expr = f"id in {literal_list(ids[i : i + 1000])}"
            for r in self.client.query(self.names["articles"], filter=expr, output_fields=["id", "content_hash"]):
                found[r["id"]] = str(r["content_hash"])
        return found

    def reusable_vectors(self, article_id: str) -> dict[str, np.ndarray]:
        version = self._versions([article_id]).get(article_id)
        if version is None:
            return {}
        rows = self.client.query(
            self.names["chunks"],
            filter=f"article_id == {literal(article_id)} and version == {version}",
            output_fields=["text_hash", "vector"],
        )
        return {r["text_hash"]: np.asarray(r["vector"], dtype=np.float32) for r in rows}

    # -- searching ----------------------------------------------------------------------------
    def _committed(self, search: Callable[[int], list[Hit]], k: int) -> list[tuple[int, float]]:
        """The first `k` hits of `search(limit)` whose version is their article's committed one; asks for
        more when uncommitted or stale rows (a writer at work, or one that died) took places."""
        limit = k
        while True:
            hits = search(min(limit, MAX_TOPK))
            versions = self._versions([h[1] for h in hits])
            kept = [(row, score) for row, article_id, version, score in hits if versions.get(article_id) == version]
            if len(kept) >= k or len(hits) < limit or limit >= MAX_TOPK:
                return kept[:k]
            limit = 2 * limit + len(hits) - len(kept)

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """Chunk rows nearest to `vector` by inner product (cosine on normalised vectors), best first."""
        data = [np.asarray(vector, dtype=np.float32).tolist()]

        def search(limit: int) -> list[Hit]:
            result = self.client.search(
                self.names["chunks"],
                data=data,
                anns_field="vector",
                limit=limit,
                filter=filter_expression(filters),
                output_fields=["row", "article_id", "version"],
                search_params={"metric_type": "IP"},
            )
            return hits(result)

        return self._committed(search, k)

    def lexical_search(self, query: str, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """Chunk rows ranked by Milvus's BM25 over title and text for the content words of `query`."""
        words = query_words(query)
        if not words:
            return []
        text = " ".join(words)

        def search(limit: int) -> list[Hit]:
            result = self.client.search(
                self.names["chunks"],
                data=[text],
                anns_field="sparse",
                limit=limit,
                filter=filter_expression(filters),
                output_fields=["row", "article_id", "version"],
                search_params={"metric_type": "BM25"},
            )
            return hits(result, bm25=True)

        return [(r, s) for r, s in self._committed(search, k) if s > 0]

    def hybrid_search(
        self, query: str, vector: np.ndarray, k: int, filters: Filters = Filters(), rrf_k: int = 60
    ) -> list[tuple[int, float]]:
        """Dense and BM25 candidates (up to `k` each) fused in Milvus by `RRFRanker(rrf_k)`, best first.

        Scores are Milvus's fused sum(1 / (rrf_k + rank)). A query without content words is dense only.
        """
        pm = load_pymilvus()
        expr = filter_expression(filters)
        words = query_words(query)
        data = [np.asarray(vector, dtype=np.float32).tolist()]

        def search(limit: int) -> list[Hit]:
            requests = [pm.AnnSearchRequest(data, "vector", {"metric_type": "IP"}, limit, expr=expr or None)]
            if words:
                bm25 = {"metric_type": "BM25"}
                requests.append(pm.AnnSearchRequest([" ".join(words)], "sparse", bm25, limit, expr=expr or None))
            result = self.client.hybrid_search(
                self.names["chunks"],
                requests,
                pm.RRFRanker(rrf_k),
                limit=limit,
                output_fields=["row", "article_id", "version"],
            )
            return hits(result)

        return self._committed(search, k)

    # -- reading ------------------------------------------------------------------------------
    def _articles(self, expr: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every article row matching `expr` ("" for all): a server's are read in pages by `query_iterator`;
        Milvus Lite lacks the `AllocTimestamp` call the iterator starts with (it logs a traceback, then falls
        back), so a Lite index is read in one query."""
        if is_lite(self.uri):
            rows: list[dict[str, Any]] = self.client.query(
                self.names["articles"], filter=expr or 'id != ""', output_fields=fields
            )
            return rows
        iterator = self.client.query_iterator(
            self.names["articles"], batch_size=1000, filter=expr, output_fields=fields
        )
        rows = []
        while batch := iterator.next():
            rows += batch
        iterator.close()
        return rows

    def chunks(self, rows: Sequence[int]) -> dict[int, StoredChunk]:
        """The committed chunks with these row ids, joined with their article's metadata."""
        if not rows:
            return {}
        found = self.client.query(
            self.names["chunks"],
            filter=f"row in {int_list(list(rows))}",
            output_fields=["row", "article_id", "version", "position", "start_char", "end_char", "text"],
        )
        ids = list({r["article_id"] for r in found})
        meta = {
            a["id"]: a
            for a in self.client.query(
                self.names["articles"],
                filter=f"id in {literal_list(ids)}",
                output_fields=["id", "version", "title", "byline", "outlet", "url", "published_at", "source"],
            )
        } if ids else {}  # fmt: skip
        out = {}
        for r in found:
            a = meta.get(r["article_id"])
            if a is None or int(a["version"]) != int(r["version"]):
                continue
            out[int(r["row"])] = StoredChunk(
                int(r["row"]), r["article_id"], int(r["position"]), int(r["start_char"]), int(r["end_char"]),
                r["text"], a["title"], a["byline"], a["outlet"], a["url"], a["published_at"], a["source"],
            )  # fmt: skip
        return out

    def get_article(self, article_id: str) -> Article:
        """The stored article, its body joined from its committed parts; `NotFoundError` when there is none."""
        fields = ["title", "content_hash", "byline", "outlet", "url", "published_at", "source", "version"]
        found = self.client.query(self.names["articles"], filter=f"id == {literal(article_id)}", output_fields=fields)
        if not found:
            raise NotFoundError(f"no article with id {article_id!r} in Milvus at {self.uri}")
        a = found[0]
        parts = self.client.query(
            self.names["bodies"],
            filter=f"article_id == {literal(article_id)} and version == {int(a['version'])}",
            output_fields=["part", "text"],
        )
        body = "".join(p["text"] for p in sorted(parts, key=lambda p: int(p["part"])))
        return Article(
            article_id, a["title"], body, a["content_hash"], a["byline"], a["outlet"], a["url"], a["published_at"],
            a["source"],
        )  # fmt: skip

    def find_article_ids(self, ref: str) -> list[str]:
        expr = f"id == {literal(ref)} or url == {literal(ref)} or source == {literal(ref)}"
        return sorted(r["id"] for r in self.client.query(self.names["articles"], filter=expr, output_fields=["id"]))

    def list_articles(self, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        """A page of article summaries, newest published first, then by id (sorted here: a full scan)."""
        rows = sorted(self._articles("", ARTICLE_FIELDS), key=lambda a: a["id"])
        rows.sort(key=lambda a: a["published_at"], reverse=True)
        page = rows[offset : offset + limit]
        return [{**{k: a[k] for k in ARTICLE_FIELDS[:-1]}, "chunks": int(a["n_chunks"])} for a in page]

    def newest_published(self, on_or_before: str) -> str:
        """See `Store.newest_published` (read from the article rows, like `counts`)."""
        day = on_or_before[:10]
        days = (str(a["published_at"])[:10] for a in self._articles('published_at != ""', ["published_at"]))
        return max((d for d in days if d <= day), default="")

    def counts(self) -> dict[str, int]:
        """Articles, chunks and chunking tokens, summed over the committed article rows."""
        counts: dict[str, int] = summarise(self._articles("", ["n_chunks", "n_tokens"]))["counts"]
        return counts

    def stats(self) -> dict[str, Any]:
        """What `rag info` shows: configuration, counts, the date range and outlets, the Lite file's size."""
        rows = self._articles("", ["published_at", "outlet", "n_chunks", "n_tokens"])
        summary = summarise(rows)
        files = {}
        if is_lite(self.uri) and Path(self.uri).exists():
            root = Path(self.uri)
            files = {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}
        return {
            "path": str(self.path),
            "uri": self.uri if is_lite(self.uri) else self.uri.split("@")[-1],
            "config": asdict(self.config),
            **summary,
            "vector_index": {"kind": "milvus", "vectors": summary["counts"]["chunks"], "tombstones": 0},
            "bytes_on_disk": sum(files.values()),
            "files": files,
            "schema_version": SCHEMA_VERSION,
            "updated_at": self._meta("updated_at"),
        }

    # -- lifetime -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Nothing to do: every read asks Milvus, which holds every committed write."""

    def warm_up(self) -> None:
        """Load the collections into memory (Milvus searches only loaded collections)."""
        for name in self.names.values():
            self.client.load_collection(name)
