"""The Milvus side of `rag.store.milvus`: pymilvus loaded lazily, the collections' schemas and rows, filters.

pymilvus and milvus-lite are the optional extra `scale` (`pip install -e ".[scale]"`); nothing here imports
them at module level, so the default install never needs them. `load_pymilvus()` is the one place that does,
and names the extra when they are missing.

Collections (names prefixed, `rag_chunks` by default), one row each:
- chunks: `row` (INT64 primary key, given by the store, never reused), the article id and the `version` of
  the article write that made it, position, character offsets, token count, text and its hash, `lexical`
  (title and text, analysed; the BM25 function fills the sparse field `sparse` from it), the article's
  published date (and its day) and outlet copied in so that every filter is one Milvus expression, and the
  dense `vector` (inner product on L2-normalised vectors = cosine).
- articles: `id` (primary key), metadata, content hash, ingestion time, `version` (the commit point of an
  article: a chunk or body part counts only when its version equals this), chunk and token counts.
- bodies: an article body in parts of at most `BODY_PART` characters (a VARCHAR holds at most 65,535 bytes).
- meta: `key` -> `value` (the index config, the generation counter, the next free row id, pending writes).
Milvus needs a vector field in every collection; articles, bodies and meta carry a 2-dimensional `pad`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from rag.errors import StoreError
from rag.store.base import text_hash
from rag.types import Article, Chunk, Filters

Hit = tuple[int, str, int, float]  # row, article id, version, score

VARCHAR = 65_535  # Milvus's largest VARCHAR, in bytes
BODY_PART = 16_000  # characters per body part: at most 64,000 bytes of UTF-8
ID_LENGTH = 2_048
PAD = [0.0, 0.0]
MAX_TOPK = 16_384  # Milvus's largest `limit` of one search
EXTRA_HINT = 'pip install -e ".[scale]"'


def load_pymilvus() -> ModuleType:
    """The pymilvus module, or `StoreError` naming the extra that provides it (and milvus-lite)."""
    try:
        import pymilvus
    except ImportError:
        raise StoreError(f"the Milvus store needs pymilvus and milvus-lite: {EXTRA_HINT}") from None
    return pymilvus


def lite_available() -> bool:
    """Whether milvus-lite (the embedded Milvus that serves `*.db` URIs) is installed."""
    try:
        import milvus_lite  # noqa: F401
    except ImportError:
        return False
    return True


def is_lite(uri: str) -> bool:
    """A Milvus Lite URI is a local path ending in .db; anything else (http://, https://, tcp://) is a server."""
    return not uri.startswith(("http://", "https://", "tcp://", "unix:")) and uri.endswith(".db")


def literal(value: str) -> str:
    """`value` as a Milvus expression string literal (double quotes; backslash and quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def int_list(values: list[int]) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def filter_expression(filters: Filters) -> str:
    """A boolean expression over the chunks collection that keeps what `filters` allows ("" for all).

    The same meaning as the local store's SQL: dates compare as text, `published_after` is inclusive and
    `published_before` exclusive and neither passes an undated article; `as_of` keeps the as-of day and
    undated articles.
    """
    clauses = []
    if filters.published_after:
        clauses.append(f'(published_at != "" and published_at >= {literal(filters.published_after)})')
    if filters.published_before:
        clauses.append(f'(published_at != "" and published_at < {literal(filters.published_before)})')
    if filters.as_of:
        clauses.append(f'(published_at == "" or published_day <= {literal(filters.as_of[:10])})')
    if filters.outlets:
        clauses.append(f"outlet in {literal_list(filters.outlets)}")
    if filters.article_ids:
        clauses.append(f"article_id in {literal_list(filters.article_ids)}")
    return " and ".join(clauses)


def collection_names(prefix: str) -> dict[str, str]:
    return {kind: f"{prefix}_{kind}" for kind in ("chunks", "articles", "bodies", "meta")}


def create_collections(client: Any, names: dict[str, str], dim: int, index_type: str) -> None:
    """Create the four collections that do not exist yet (strong consistency: reads see every write)."""
    pm = load_pymilvus()
    dt = pm.DataType

    def build(name: str, fields: list[tuple[str, Any, dict[str, Any]]], extra: Any = None) -> None:
        if client.has_collection(name):
            return
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        for field, dtype, kwargs in fields:
            schema.add_field(field, dtype, **kwargs)
        index = client.prepare_index_params()
        if extra is not None:
            extra(schema, index)
        else:
            index.add_index("pad", index_type="FLAT", metric_type="L2")
        client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")

    text = {"max_length": VARCHAR}
    short = {"max_length": 512}
    ident = {"max_length": ID_LENGTH}
    pad = ("pad", dt.FLOAT_VECTOR, {"dim": len(PAD)})

    def chunk_indexes(schema: Any, index: Any) -> None:
        schema.add_function(
            pm.Function(
                name="bm25",
                function_type=pm.FunctionType.BM25,
                input_field_names=["lexical"],
                output_field_names=["sparse"],
            )
        )
        index.add_index("vector", index_type=index_type, metric_type="IP")
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")

    build(
        names["chunks"],
        [
            ("row", dt.INT64, {"is_primary": True}),
            ("article_id", dt.VARCHAR, ident),
            ("version", dt.INT64, {}),
            ("position", dt.INT64, {}),
            ("start_char", dt.INT64, {}),
            ("end_char", dt.INT64, {}),
            ("n_tokens", dt.INT64, {}),
            ("text", dt.VARCHAR, text),
            ("text_hash", dt.VARCHAR, {"max_length": 64}),
            ("lexical", dt.VARCHAR, {**text, "enable_analyzer": True}),
            ("published_at", dt.VARCHAR, short),
            ("published_day", dt.VARCHAR, {"max_length": 16}),
            ("outlet", dt.VARCHAR, short),
            ("vector", dt.FLOAT_VECTOR, {"dim": dim}),
            ("sparse", dt.SPARSE_FLOAT_VECTOR, {}),
        ],
        chunk_indexes,
    )
    metadata = [(f, dt.VARCHAR, text) for f in ("title", "byline", "outlet", "url", "published_at", "source")]
    build(
        names["articles"],
        [
            ("id", dt.VARCHAR, {**ident, "is_primary": True}),
            ("version", dt.INT64, {}),
            *metadata,
            ("content_hash", dt.VARCHAR, short),
            ("ingested_at", dt.VARCHAR, short),
            ("n_chunks", dt.INT64, {}),
            ("n_tokens", dt.INT64, {}),
            pad,
        ],
    )
    build(
        names["bodies"],
        [
            ("key", dt.VARCHAR, {**ident, "is_primary": True}),
            ("article_id", dt.VARCHAR, ident),
            ("version", dt.INT64, {}),
            ("part", dt.INT64, {}),
            ("text", dt.VARCHAR, text),
            pad,
        ],
    )
    build(
        names["meta"], [("key", dt.VARCHAR, {"max_length": 64, "is_primary": True}), ("value", dt.VARCHAR, text), pad]
    )


def meta_row(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": json.dumps(value), "pad": PAD}


def body_rows(article: Article, version: int) -> list[dict[str, Any]]:
    """The body of `article` in parts of at most `BODY_PART` characters."""
    parts = [article.body[i : i + BODY_PART] for i in range(0, len(article.body), BODY_PART)] or [""]
    return [
        {"key": f"{version}:{n}:{article.id}", "article_id": article.id, "version": version, "part": n, "text": text}
        | {"pad": PAD}
        for n, text in enumerate(parts)
    ]


def chunk_row(row: int, article: Article, c: Chunk, vector: np.ndarray, version: int) -> dict[str, Any]:
    """A chunk as its row in the chunks collection (the article's date and outlet copied in for filters)."""
    return {
        "row": row,
        "article_id": article.id,
        "version": version,
        "position": c.position,
        "start_char": c.start,
        "end_char": c.end,
        "n_tokens": c.n_tokens,
        "text": c.text,
        "text_hash": text_hash(c.text),
        "lexical": f"{article.title}\n{c.text}",
        "published_at": article.published_at,
        "published_day": article.published_at[:10],
        "outlet": article.outlet,
        "vector": np.asarray(vector, dtype=np.float32).tolist(),
    }


def article_row(article: Article, chunks: Sequence[Chunk], version: int, now: str) -> dict[str, Any]:
    """An article's metadata as its row in the articles collection (the body goes to `body_rows`)."""
    fields = ("id", "title", "byline", "outlet", "url", "published_at", "source")
    return {k: getattr(article, k) for k in fields} | {
        "version": version,
        "content_hash": article.content_hash,
        "ingested_at": now,
        "n_chunks": len(chunks),
        "n_tokens": sum(c.n_tokens for c in chunks),
        "pad": PAD,
    }


def hits(result: Any, bm25: bool = False) -> list[Hit]:
    """(row, article id, version, score) of a search's hits. Milvus Lite reports BM25 as a negative
    distance, a server as a positive score: BM25 scores are taken as their absolute value."""
    out = []
    for h in result[0]:
        e, score = h["entity"], float(h["distance"])
        out.append((int(e["row"]), str(e["article_id"]), int(e["version"]), abs(score) if bm25 else score))
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """counts, published (first, last, undated) and top_outlets, from article rows (those fields present)."""
    out: dict[str, Any] = {
        "counts": {
            "articles": len(rows),
            "chunks": sum(int(r["n_chunks"]) for r in rows),
            "tokens": sum(int(r["n_tokens"]) for r in rows),
        }
    }
    dated = [r["published_at"] for r in rows if r.get("published_at")]
    out["published"] = {"first": min(dated, default=None), "last": max(dated, default=None)}
    out["published"]["undated"] = len(rows) - len(dated)
    outlets: dict[str, int] = {}
    for r in rows:
        if r.get("outlet"):
            outlets[r["outlet"]] = outlets.get(r["outlet"], 0) + 1
    out["top_outlets"] = dict(sorted(outlets.items(), key=lambda kv: -kv[1])[:10])
    return out
