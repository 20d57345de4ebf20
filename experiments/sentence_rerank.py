"""Reranking retrieved passages by their best sentence: how much answer@5 it could add on RealTimeQA.

    python -m experiments.sentence_rerank --index IDX [--depth 30] [--out rerank.json]

`IDX` holds every RealTimeQA article (`rag ingest ../shared/datasets/realtimeqa/*_gcs.jsonl.gz`). Each
question is searched as the service searches it (`Retriever.search` with the default `RetrievalParams`, as
of the question's date), `--depth` passages deep. A passage's chunk vector averages about 200 tokens, so a
passage holding one sentence that answers may rank below passages about the story in general; each
variant scores every sentence of the candidates (MiniLM cosine to the question; `+kind`: plus 0.1 when the
sentence gives the kind of thing asked, `rag.question.gives_kind`; `+words`: plus 0.3 times the share of the
question's focus words it holds), ranks the passages by their best sentence, and fuses that rank with the
search's own by reciprocal rank (constant 30; `alone`: the sentence rank only). Reported: answer@k (a
passage among the first k contains the gold answer text, normalised, as `evals.retrieval` counts it) and
the seconds per question spent embedding the sentences, which the service would pay on every question
(or store sentence vectors at ingest, several times the index's vectors).

Result (about 9 minutes on 2 cores shared with another run): answer@5 0.338 as searched, 0.367 at best
(`cosine +kind`), +2.9 points over 379 questions (11 questions), for 1.1 s a question of sentence embedding
(as measured there; the service's whole search takes about 8 ms): not adopted (recorded in
`docs/measurements.md`, "Retrieval on RealTimeQA").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from evals.retrieval import as_of
from evals.suite.datasets.realtimeqa import DEFAULT_DIR, load_questions, normalise
from rag.embedders.registry import load_embedder
from rag.question import asked_words, expected_kind, gives_kind
from rag.retrieve import RetrievalParams, Retriever
from rag.store.local import LocalStore
from rag.store.manifest import MANIFEST, config_from_manifest, read_manifest
from rag.text import in_words, split_sentences, words
from rag.types import Filters

KS = (1, 3, 5, 10)
FUSION = 30  # reciprocal rank constant
MIN_CHARS = 20  # shorter pieces (datelines, captions) are not sentences worth a vector

# name -> sentence score from (cosine, gives the kind asked, share of the focus words), and whether it is fused
Score = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
VARIANTS: dict[str, tuple[Score, bool]] = {
    "cosine": (lambda cos, kind, share: cos, True),
    "cosine alone": (lambda cos, kind, share: cos, False),
    "cosine +kind": (lambda cos, kind, share: cos + 0.1 * kind, True),
    "cosine +words": (lambda cos, kind, share: cos + 0.3 * share, True),
    "cosine +kind +words": (lambda cos, kind, share: cos + 0.1 * kind + 0.3 * share, True),
}


def reranked(best: np.ndarray, fused: bool) -> list[int]:
    """Passage positions ordered by their best sentence's score, fused with the search's order or alone."""
    by_sentence = {int(j): r for r, j in enumerate(np.argsort(-best, kind="stable"))}
    score = {j: 1 / (FUSION + by_sentence[j] + 1) + (1 / (FUSION + j + 1) if fused else 0) for j in by_sentence}
    return sorted(score, key=lambda j: -score[j])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an index of every RealTimeQA article")
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--depth", type=int, default=30, help="passages reranked per question")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    questions = load_questions(args.data)
    if not questions:
        parser.error(f"no *_qa.jsonl.gz files in {args.data}")
    manifest = args.index / MANIFEST
    embedder = load_embedder(config_from_manifest(read_manifest(manifest), manifest).embed_model)
    store = LocalStore.open(args.index, embed_model=embedder.name, dim=embedder.dim)
    embedder.warm_up()
    retriever = Retriever(store, embedder, RetrievalParams())
    hits = {name: dict.fromkeys(KS, 0) for name in ["as searched", *VARIANTS]}
    embedding = 0.0
    for i, q in enumerate(questions, 1):
        passages = retriever.search(q.question, k=args.depth, filters=Filters(as_of=as_of(q)))
        gold = normalise(q.answer)
        held = [gold in normalise(p.text) for p in passages]
        sentences, owner = [], []
        for j, p in enumerate(passages):
            for a, b in split_sentences(p.text):
                if len(p.text[a:b].strip()) >= MIN_CHARS:
                    sentences.append(p.text[a:b].strip())
                    owner.append(j)
        orders = {"as searched": list(range(len(passages)))}
        if sentences:
            t = time.perf_counter()
            cos = np.asarray(embedder.embed(sentences)) @ np.asarray(embedder.embed([q.question])[0])
            embedding += time.perf_counter() - t
            kind = expected_kind(q.question)
            gives = np.array([float(kind is not None and gives_kind(s, kind, q.question)) for s in sentences])
            focus = asked_words(q.question)
            share = np.array([sum(in_words(w, set(words(normalise(s)))) for w in focus) for s in sentences])
            share = share / max(1, len(focus))
            for name, (score, fused) in VARIANTS.items():
                best = np.full(len(passages), -np.inf)
                np.maximum.at(best, np.array(owner), score(cos, gives, share))
                orders[name] = reranked(best, fused)
        for name in hits:
            order = orders.get(name, orders["as searched"])
            for k in KS:
                hits[name][k] += any(held[j] for j in order[:k])
        if i % 50 == 0:
            print(f"{i}/{len(questions)}", file=sys.stderr, flush=True)
    n = len(questions)
    print(f"{n} questions, {args.depth} passages each; sentence embedding {embedding / n:.2f} s a question")
    print(f"{'':22}" + "".join(f"answer@{k:<4}" for k in KS))
    for name, by_k in hits.items():
        print(f"{name:22}" + "".join(f"{by_k[k] / n:<11.3f}" for k in KS))
    if args.out:
        report = {"questions": n, "depth": args.depth, "embedding_seconds_per_question": round(embedding / n, 3)}
        answers = {name: {f"answer@{k}": round(v / n, 3) for k, v in by_k.items()} for name, by_k in hits.items()}
        args.out.write_text(json.dumps(report | {"variants": answers}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
