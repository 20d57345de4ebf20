"""Prompt-processing speed of the local LLM under llama.cpp settings, on the product's own answer prompts.

    python -m experiments.llm_settings [--index DIR] [--questions 6] [--rounds 2] [--settings default flash_attn ...]

The prompts are those `rag ask` sends for the first seed questions (system prompt, 5 retrieved passages,
question; about 1,300 tokens), over `--index` (default: a fresh index of seeds/). Every setting loads its own
copy of the model; the prompts are evaluated from an empty KV cache, interleaved across settings round by
round so that CPU contention hits them alike. Printed: median seconds per prompt and tokens per second, and
each setting's greedy first 40 tokens for the first prompt (to see whether a setting changes the answer).

Result: no setting is faster than llama.cpp's defaults, which `rag.llm.LocalLLM` keeps. Recorded in
`docs/measurements.md`, "llama.cpp settings".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},  # what rag.llm.LocalLLM uses: n_batch = n_ubatch = 512, no flash attention, f16 KV cache
    "flash_attn": {"flash_attn": True},
    "batch1024": {"n_batch": 1024, "n_ubatch": 1024},
    "batch256": {"n_batch": 256, "n_ubatch": 256},
    "kv_q8": {"flash_attn": True, "type_k": 8, "type_v": 8},  # 8 = GGML_TYPE_Q8_0
}


def prompts(index: Path | None, n: int) -> list[str]:
    from evals.seed_eval import build_seed_index
    from evals.suite.datasets.seed_set import load_seed_questions
    from rag import factory
    from rag.config import Settings
    from rag.generators.prompt import build_messages
    from rag.llm import chatml

    questions = load_seed_questions()[:n]
    with tempfile.TemporaryDirectory(prefix="llm-settings-") as tmp:
        settings = Settings()
        settings.index_dir = index or Path(tmp)
        embedder = factory.embedder(settings)
        if index is None:
            build_seed_index(settings, embedder)
        store = factory.store(settings, embedder)
        retriever = factory.retriever(settings, store, embedder)
        return [chatml(build_messages(q.question, retriever.search(q.question, 5))) for q in questions]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index holding the seed article (default: a fresh one)")
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--settings", nargs="+", choices=sorted(SETTINGS), default=list(SETTINGS))
    args = parser.parse_args(argv)
    import llama_cpp

    from rag.llm import model_file

    texts = prompts(args.index, args.questions)
    models = {
        name: llama_cpp.Llama(
            model_path=str(model_file()), n_ctx=4096, n_threads=2, n_threads_batch=2, verbose=False,
            **SETTINGS[name],
        )
        for name in args.settings
    }  # fmt: skip
    first = models[args.settings[0]]
    tokens = [first.tokenize(t.encode("utf-8"), add_bos=False, special=True) for t in texts]
    print(f"prompt tokens: {[len(t) for t in tokens]}")
    seconds: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for prompt in tokens:
            for name, model in models.items():
                model.reset()
                start = time.perf_counter()
                model.eval(prompt)
                seconds[name].append(time.perf_counter() - start)
    total = sum(len(t) for t in tokens) * args.rounds
    for name in models:
        rate = total / sum(seconds[name])
        print(f"  {name:12} median {statistics.median(seconds[name]):.2f} s per prompt, {rate:.0f} tokens/s")
    for name, model in models.items():
        model.reset()
        out = model.create_completion(
            tokens[0], max_tokens=40, temperature=0.0, top_k=1, repeat_penalty=1.0, stop=["<|im_end|>"]
        )
        print(f"  {name:12} {out['choices'][0]['text'].strip()[:120]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
