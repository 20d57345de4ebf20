"""Prompt-processing speed of the local LLM under llama.cpp settings, on the product's own answer prompts.

    python -m experiments.llm_settings [--index DIR] [--questions 6] [--rounds 2] [--settings default flash_attn ...]
    python -m experiments.llm_settings --complete --settings default prompt_lookup [--excerpt-words 80]
    python -m experiments.llm_settings --batch-cost

The prompts are those `rag ask` sends for the first seed questions (system prompt, 5 retrieved passages,
question; about 1,300 tokens), over `--index` (default: a fresh index of seeds/). Every setting loads its own
copy of the model; the prompts are evaluated from an empty KV cache, interleaved across settings round by
round so that CPU contention hits them alike. Printed: median seconds per prompt and tokens per second, and
each setting's greedy first 40 tokens for the first prompt (to see whether a setting changes the answer).
With `--complete`, each prompt is answered (greedy, up to 256 tokens, as `rag ask` drafts) and the whole call
is timed: prompt processing and decoding, for settings that change decoding (prompt-lookup speculative
decoding, `prompt_lookup`: llama-cpp-python's `LlamaPromptLookupDecoding`, which also makes it keep the
logits of every prompt token). `--excerpt-words` shows the generator excerpts as `answer.excerpt_words` does.
`--batch-cost` times one decoding step of 1 to 11 tokens after a 300-token prompt (the step that checks a
speculative draft of n - 1 tokens): what speculation can save on these cores.

Result: no setting is faster than llama.cpp's defaults, which `rag.llm.LocalLLM` keeps; prompt lookup is
slower (a batch of n tokens costs nearly n single steps on 2 cores). Recorded in
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
    "batch128": {"n_batch": 128, "n_ubatch": 128},
    "threads1": {"n_threads": 1, "n_threads_batch": 1},  # one thread: the other core left to the OS and the embedder
    "prompt_lookup": {"draft": 10},  # LlamaPromptLookupDecoding(num_pred_tokens=10), llama-cpp-python's default
    "prompt_lookup3": {"draft": 3},  # drafts of 3 tokens: a batch of 4 costs about 3 single steps on 2 cores
}


def options(name: str) -> dict[str, Any]:
    """The keyword arguments of `llama_cpp.Llama` for setting `name`."""
    found = dict(SETTINGS[name])
    if "draft" in found:
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        found["draft_model"] = LlamaPromptLookupDecoding(num_pred_tokens=found.pop("draft"))
        # A draft model makes llama-cpp-python keep every token's logits, but it sizes their buffer by this
        # flag: without it a prompt longer than a batch fails ("could not broadcast ... into shape (0,)").
        found["logits_all"] = True
    return found


def prompts(index: Path | None, n: int, excerpt_words: int = 0) -> list[str]:
    from evals.seed_eval import build_seed_index
    from evals.suite.datasets.seed_set import load_seed_questions
    from rag import factory
    from rag.config import Settings
    from rag.excerpts import excerpts
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
        return [
            chatml(build_messages(q.question, excerpts(q.question, retriever.search(q.question, 5), excerpt_words)))
            for q in questions
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index holding the seed article (default: a fresh one)")
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--settings", nargs="+", choices=sorted(SETTINGS), default=list(SETTINGS)[:-1])
    parser.add_argument("--complete", action="store_true", help="time whole answers, not prompt processing")
    parser.add_argument("--excerpt-words", type=int, default=0, help="as the setting answer.excerpt_words")
    parser.add_argument("--batch-cost", action="store_true", help="time decoding steps of 1 to 11 tokens")
    args = parser.parse_args(argv)
    import llama_cpp

    from rag.llm import model_file

    if args.batch_cost:
        return batch_cost(llama_cpp.Llama(model_path=str(model_file()), n_ctx=4096, verbose=False, n_threads=2))

    texts = prompts(args.index, args.questions, args.excerpt_words)
    models = {
        name: llama_cpp.Llama(
            model_path=str(model_file()), n_ctx=4096, verbose=False,
            **({"n_threads": 2, "n_threads_batch": 2} | options(name)),
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
                if args.complete:
                    answer(model, prompt)
                else:
                    model.eval(prompt)
                seconds[name].append(time.perf_counter() - start)
    total = sum(len(t) for t in tokens) * args.rounds
    for name in models:
        rate = total / sum(seconds[name])
        what = "per answer" if args.complete else f"per prompt, {rate:.0f} prompt tokens/s"
        print(f"  {name:13} median {statistics.median(seconds[name]):.2f} s {what}")
    for name, model in models.items():
        model.reset()
        print(f"  {name:13} {answer(model, tokens[0], 40)[:120]!r}")
    return 0


def batch_cost(model: Any, sizes: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 11), repeats: int = 8) -> int:
    """Median milliseconds of one decoding step of n tokens (logits for each) after a 300-token prompt."""
    text = b"The quick brown fox jumps over the lazy dog. " * 40
    tokens = model.tokenize(text, add_bos=False)[:300]
    model.reset()
    model.eval(tokens)
    base = model.n_tokens
    single = 0.0
    for n in sizes:
        seconds = []
        for _ in range(repeats):
            model._ctx.kv_cache_seq_rm(-1, base, -1)  # forget the previous step's tokens
            start = time.perf_counter()
            model._batch.set_batch(batch=tokens[:n], n_past=base, logits_all=True)
            model._ctx.decode(model._batch)
            seconds.append(time.perf_counter() - start)
        ms = 1000 * statistics.median(seconds)
        single = single or ms
        print(f"  {n:2} tokens: {ms:6.1f} ms, {ms / single:4.2f} single steps, {ms / n:5.1f} ms a token")
    return 0


def answer(model: Any, prompt: list[int], max_tokens: int = 256) -> str:
    """The greedy reply, as rag.llm.LocalLLM.complete asks for it."""
    out = model.create_completion(
        prompt, max_tokens=max_tokens, temperature=0.0, top_k=1, repeat_penalty=1.0, stop=["<|im_end|>"]
    )
    return str(out["choices"][0]["text"]).strip()


if __name__ == "__main__":
    sys.exit(main())
