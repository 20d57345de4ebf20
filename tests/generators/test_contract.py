"""The generator contract, run against every generator: the built-ins, the shared fake and the local LLM.

What the pipeline relies on: a generator is a `Generator` (name, `warm_up`, `generate`), cheap to build;
`generate` returns a `Draft` whose `stats` are numbers; every citation marker it writes points at one of
the passages it was given; and when the passages do not answer, it declines (`NOT STATED` or a plain
"the passages do not say"), which the verifier sets aside instead of treating as a claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from rag.generators.base import Draft, Generator, is_not_stated
from rag.generators.extractive import ExtractiveGenerator
from rag.generators.openai import OpenAIGenerator
from rag.generators.registry import GENERATORS, load_generator
from rag.types import Passage
from rag.verify import parse_draft
from tests.fakes import FakeChatServer, Reply, ScriptedGenerator, completion


def passage(n: int, text: str, title: str) -> Passage:
    return Passage(chunk_id=f"a{n}:0", article_id=f"a{n}", text=text, start=0, end=len(text), score=1.0, title=title)


PASSAGES = [
    passage(1, "Defense Minister Guido Crosetto confirmed the refusal on Tuesday.", "Rome denies base access"),
    passage(2, "An estimated 300,000 people marched in Rome on March 28.", "Mass protests in Rome"),
]
ANSWERED = "Who confirmed the refusal?"
UNANSWERED = "What is the population of Lisbon?"


def _extractive() -> Iterator[tuple[Generator, bool]]:
    yield ExtractiveGenerator(), True


def _scripted() -> Iterator[tuple[Generator, bool]]:
    yield ScriptedGenerator("Guido Crosetto confirmed the refusal [1]."), False


def _openai() -> Iterator[tuple[Generator, bool]]:
    server = FakeChatServer()
    server.reply(Reply(body=completion("Guido Crosetto confirmed the refusal [1].")))
    generator = OpenAIGenerator(base_url=server.base_url, model="m", api_key="k", timeout=5)
    try:
        yield generator, False
    finally:
        generator.close()
        server.stop()


def _local() -> Iterator[tuple[Generator, bool]]:
    from rag.generators.local import LocalGenerator
    from rag.llm import LocalLLM

    yield LocalGenerator(llm=LocalLLM(n_ctx=2048)), True


IMPLEMENTATIONS: dict[str, Callable[[], Iterator[tuple[Generator, bool]]]] = {
    "extractive": _extractive,
    "scripted": _scripted,
    "openai": _openai,
    "local": _local,
}


@pytest.fixture(params=[pytest.param(n, marks=[pytest.mark.slow] if n == "local" else []) for n in IMPLEMENTATIONS])
def implementation(request: pytest.FixtureRequest) -> Iterator[tuple[Generator, bool]]:
    """(generator, whether it reads the passages: a scripted reply cannot decline on its own)."""
    yield from IMPLEMENTATIONS[request.param]()


def test_every_built_in_generator_is_covered_here() -> None:
    assert set(GENERATORS) <= set(IMPLEMENTATIONS)


def test_it_is_a_generator_and_warms_up_twice(implementation: tuple[Generator, bool]) -> None:
    generator, _ = implementation
    assert isinstance(generator, Generator)
    assert isinstance(generator.name, str) and generator.name
    generator.warm_up()
    generator.warm_up()


def test_a_draft_cites_only_the_passages_it_was_given(implementation: tuple[Generator, bool]) -> None:
    generator, _ = implementation
    draft = generator.generate(ANSWERED, PASSAGES)
    assert isinstance(draft, Draft) and isinstance(draft.text, str)
    assert all(isinstance(v, int | float) for v in draft.stats.values())
    sentences = parse_draft(draft.text)
    assert sentences, draft.text
    assert not draft.declined
    for s in sentences:
        assert s.citations and all(1 <= n <= len(PASSAGES) for n in s.citations), (s, draft.text)
    assert "Crosetto" in draft.text


def test_it_declines_when_the_passages_do_not_answer(implementation: tuple[Generator, bool]) -> None:
    generator, reads = implementation
    if not reads:
        pytest.skip("a scripted reply does not read the passages")
    draft = generator.generate(UNANSWERED, PASSAGES)
    assert draft.declined and is_not_stated(draft.text), draft.text


def test_the_registry_builds_each_name_cheaply_and_refuses_unknown_ones() -> None:
    from rag.errors import InputError
    from rag.generators.local import LocalGenerator

    options: dict[str, dict[str, object]] = {"openai": {"base_url": "http://127.0.0.1:9/v1", "model": "m"}}
    kinds = {"local": LocalGenerator, "extractive": ExtractiveGenerator, "openai": OpenAIGenerator}
    for name in GENERATORS:
        built = load_generator(name, **options.get(name, {}))  # constructing loads nothing
        assert isinstance(built, kinds[name]) and built.name
    with pytest.raises(InputError, match="unknown generator 'nope'"):
        load_generator("nope")
