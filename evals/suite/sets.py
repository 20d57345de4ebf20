"""Evaluation sets: questions with gold answers and gold evidence, and the corpus they are asked against.

Every loader takes a path (the public sets live in `../shared/datasets/` and are never copied into the
project), an optional `limit` and a `seed`: with a limit, a seeded random sample of that many questions
is drawn (kept in file order) and, where a set brings one corpus per question, only the documents of
the sampled questions are indexed.

Item kinds:
- `answerable`: the corpus holds the answer; `answers` are gold aliases;
- `unanswerable`: the corpus (or the documents the question is restricted to) does not; the service
  should abstain;
- `counterfactual`: RGB; the documents hold the true fact and a planted false one (`false_answers`).

Gold evidence for retrieval: a retrieved passage is gold when its article is in `gold_articles` or it
contains one of the `evidence` sentences (verbatim after normalising case, quotes and spaces, or 70% of
the sentence's content words: `evals.suite.datasets.realtimeqa.contains_evidence`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.suite.datasets import realtimeqa, timeline, updates
from evals.suite.datasets.seed_set import ASKED_ON, SEED_ARTICLE, load_seed_questions
from evals.suite.datasets.seed_set import DEFAULT_PATH as SEED_QUESTIONS
from rag.errors import InputError
from rag.ingest import read_sources
from rag.readers.base import IngestProblem
from rag.readers.jsonl import article_from_record
from rag.types import Article

KINDS = ("answerable", "unanswerable", "counterfactual")
NOTA = "none of the above"


@dataclass(frozen=True)
class Item:
    """One question of a set, with what counts as a right answer and as gold evidence."""

    set: str
    id: str
    question: str
    kind: str
    answers: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # sentences: a passage containing one is gold evidence
    gold_articles: tuple[str, ...] = ()  # articles whose passages are gold evidence
    article_ids: tuple[str, ...] = ()  # retrieval restricted to these articles; () = the whole corpus
    false_answers: tuple[str, ...] = ()  # counterfactual: the planted false fact
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def has_gold_evidence(self) -> bool:
        return bool(self.evidence or self.gold_articles)


@dataclass
class EvalSet:
    """A named list of items and the corpus (article id -> Article) they are asked against."""

    name: str
    items: list[Item]
    corpus: dict[str, Article]
    source: str  # the path it was read from
    description: str = ""

    def corpus_key(self) -> str:
        """A hash of the corpus (ids and content hashes): the index cache folder is named after it."""
        h = hashlib.sha256()
        for article_id in sorted(self.corpus):
            h.update(f"{article_id}\0{self.corpus[article_id].content_hash}\n".encode())
        return h.hexdigest()[:16]


def sample_indices(n: int, limit: int | None, seed: int) -> list[int]:
    """`limit` of range(n) drawn with `random.Random(seed)`, in ascending order; all when no limit."""
    if not limit or limit >= n:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), limit))


def _pick(items: Sequence[Any], limit: int | None, seed: int) -> list[Any]:
    return [items[i] for i in sample_indices(len(items), limit, seed)]


def direct_article(id: str, body: str, title: str = "", source: str = "") -> Article:
    """An Article holding `body` exactly (no header or footer parsing): offsets are into this text."""
    content = hashlib.sha256(json.dumps([title, body], ensure_ascii=False).encode()).hexdigest()
    return Article(id=id, title=title, body=body, content_hash=content, source=source)


# ---------------------------------------------------------------- the project's seed set


def load_seed(path: Path = SEED_QUESTIONS, limit: int | None = None, seed: int = 0) -> EvalSet:
    """The hand-written questions about the seed article (false-premise questions count as unanswerable)."""
    path = Path(path)
    if path.is_dir():
        path = path / SEED_QUESTIONS.name
    articles = [a for a in read_sources([str(SEED_ARTICLE)]) if not isinstance(a, IngestProblem)]
    if not articles:
        raise InputError(f"the seed article {SEED_ARTICLE} could not be read")
    article = articles[0]
    items = [
        Item(
            set="seed",
            id=q.id,
            question=q.question,
            kind="answerable" if q.answerable else "unanswerable",
            answers=q.answers,
            evidence=(q.evidence,) if q.evidence.strip() else (),
            meta={"seed_kind": q.kind, "date": ASKED_ON, **({"note": q.note} if q.note else {})},
        )
        for q in load_seed_questions(path)
    ]
    return EvalSet("seed", _pick(items, limit, seed), {article.id: article}, str(path), "the seed article")


# ---------------------------------------------------------------- RealTimeQA


def _gcs_articles(folder: Path, wanted: set[str] | None) -> dict[str, list[Article]]:
    """Question id -> the articles its web search found (as `rag ingest` reads them), for `wanted` ids."""
    out: dict[str, list[Article]] = {}
    for path in sorted(Path(folder).glob("*_gcs.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                record = json.loads(line)
                qid = record.get("question_id")
                if wanted is not None and qid not in wanted:
                    continue
                articles = out.setdefault(qid, [])
                for item in record.get("search_result") or []:
                    try:
                        articles.append(article_from_record(item, source=f"{path}:{number}"))
                    except InputError:
                        continue  # what `rag ingest` reports and skips
    return out


def _holds_evidence(body: str, evidence: tuple[str, ...], window: int = 8) -> bool:
    """Some run of `window` consecutive sentences of `body` (about one 200-token passage) holds the evidence,
    as a passage must: a match scattered over a whole article is not one a passage could show."""
    from rag.text import split_sentences

    if not realtimeqa.contains_evidence(body, evidence):
        return False
    spans = split_sentences(body)
    return any(
        realtimeqa.contains_evidence(body[spans[i][0] : spans[min(i + window, len(spans)) - 1][1]], evidence)
        for i in range(max(1, len(spans) - window + 1))
    )


def load_realtimeqa(folder: Path, limit: int | None = None, seed: int = 0, *, nota: bool = False) -> EvalSet:
    """RealTimeQA as open questions; the gold answer is the text of the correct choice.

    Without `nota`: every question, answerable, against the union of the `_gcs` articles (of the sampled
    questions only, with a limit). With `nota`: the questions of `_qa_nota` whose correct choice was
    replaced by "None of the above", restricted to the question's own search results minus every
    article that mentions the withheld answer or holds the evidence: on-topic documents that do not
    answer, so the service should abstain. Questions with no such article left are skipped.
    """
    folder = Path(folder)
    questions = realtimeqa.load_questions(folder)
    if not questions:
        raise FileNotFoundError(f"no *_qa.jsonl.gz files in {folder}")
    name = "realtimeqa_nota" if nota else "realtimeqa"
    if not nota:
        chosen = _pick(questions, limit, seed)
        by_question = _gcs_articles(folder, {q.id for q in chosen})
        corpus = {a.id: a for q in chosen for a in by_question.get(q.id, [])}
        items = []
        for q in chosen:
            # Evidence counts only where a passage-sized run of one of the question's own articles holds it
            # (few do: the evidence comes from the quiz's own source, the articles from other outlets).
            located = bool(q.evidence) and any(_holds_evidence(a.body, q.evidence) for a in by_question.get(q.id, []))
            items.append(
                Item(name, q.id, q.question, "answerable", (q.answer,), evidence=q.evidence if located else (),
                     meta={"date": q.date, "choices": list(q.choices), "evidence_located": located,
                           **({"evidence": list(q.evidence)} if q.evidence and not located else {})})
            )  # fmt: skip
        return EvalSet(name, items, corpus, str(folder), "RealTimeQA, open-ended, union of the _gcs articles")
    original = {q.id: q for q in questions}
    replaced = [q for q in realtimeqa.load_questions(folder, nota=True) if realtimeqa.normalise(q.answer) == NOTA]
    if not replaced:
        raise FileNotFoundError(f"no *_qa_nota.jsonl.gz files (with a replaced correct choice) in {folder}")
    base = {q.id: q.id.removesuffix("_nota") for q in replaced}  # "20240105_0_nota" asks "20240105_0"
    by_question = _gcs_articles(folder, set(base.values()) | set(base))
    candidates = []
    for q in replaced:
        withheld = original[base[q.id]].answer if base[q.id] in original else ""
        keep = [
            a
            for a in by_question.get(base[q.id], by_question.get(q.id, []))
            if not (withheld and realtimeqa.normalise(withheld) in realtimeqa.normalise(f"{a.title}\n{a.body}"))
            and not (q.evidence and realtimeqa.contains_evidence(a.body, q.evidence))
        ]
        if keep:
            candidates.append((q, withheld, keep))
    chosen = _pick(candidates, limit, seed)
    corpus = {a.id: a for _, _, keep in chosen for a in keep}
    items = [
        Item(name, q.id, q.question, "unanswerable", article_ids=tuple(dict.fromkeys(a.id for a in keep)),
             meta={"date": q.date, "withheld_answer": withheld, "choices": list(q.choices)})
        for q, withheld, keep in chosen
    ]  # fmt: skip
    return EvalSet(name, items, corpus, str(folder), "RealTimeQA NOTA: answer-bearing articles removed")


# ---------------------------------------------------------------- the timeline set (as-of dates)


def load_timeline(
    folder: Path, limit: int | None = None, seed: int = 0, *, questions: Path = timeline.DEFAULT_PATH
) -> EvalSet:
    """The project's questions on running stories (`evals/suite/datasets/timeline.py`), each asked at its own
    as-of date (`meta["date"]`), against the union of every RealTimeQA `_gcs` article in `folder` (all of
    them whatever the limit: the other dates' articles are what makes the questions hard). Gold evidence is
    the evidence sentence; `meta["other_dates"]` holds the answers of the same question at its other dates,
    so an answer naming one of them and no gold alias counts as confidently wrong."""
    asked = timeline.load_timeline_questions(questions)
    by_question = _gcs_articles(Path(folder), None)
    corpus = {a.id: a for articles in by_question.values() for a in articles}
    if not corpus:
        raise FileNotFoundError(f"no *_gcs.jsonl.gz articles in {folder}")
    items = [
        Item("timeline", q.id, q.question, "answerable", q.answers, evidence=(q.evidence,),
             meta={"date": q.as_of, "timeline_kind": q.kind, "group": q.group,
                   "other_dates": timeline.other_answers(q, asked), "article_url": q.article_url,
                   "published_at": q.published_at, "note": q.note})
        for q in asked
    ]  # fmt: skip
    picked = _pick(items, limit, seed)
    source = f"{questions} (articles: {folder})"
    return EvalSet("timeline", picked, corpus, source, "running stories, each question at its as-of date")


# ---------------------------------------------------------------- the updated-story set (disagreement by date)


def load_updates(
    folder: Path, limit: int | None = None, seed: int = 0, *, questions: Path = updates.DEFAULT_PATH
) -> EvalSet:
    """The project's questions on running stories asked when the archive holds the latest value and earlier,
    different ones (`evals/suite/datasets/updates.py`), each at its own as-of date, against the union of every
    RealTimeQA `_gcs` article in `folder` (as the timeline set). The gold answer is the latest value;
    `meta["earlier"]` holds the earlier values, which the answer should name as earlier (a conflict of status
    `update`), and `meta["other_dates"]` the same, so an answer giving one of them alone counts as confidently
    wrong."""
    asked = updates.load_updates_questions(questions)
    by_question = _gcs_articles(Path(folder), None)
    corpus = {a.id: a for articles in by_question.values() for a in articles}
    if not corpus:
        raise FileNotFoundError(f"no *_gcs.jsonl.gz articles in {folder}")
    items = [
        Item("updates", q.id, q.question, "answerable", q.latest.answers, evidence=(q.latest.evidence,),
             meta={"date": q.as_of, "earlier": q.earlier_answers, "other_dates": q.earlier_answers,
                   "article_url": q.latest.article_url, "published_at": q.latest.published_at, "note": q.note})
        for q in asked
    ]  # fmt: skip
    source = f"{questions} (articles: {folder})"
    return EvalSet("updates", _pick(items, limit, seed), corpus, source, "running stories: the latest value first")


# ---------------------------------------------------------------- SQuAD 2.0


def load_squad(path: Path, limit: int | None = None, seed: int = 0) -> EvalSet:
    """SQuAD 2.0 (official JSON): every paragraph is a document; impossible questions are unanswerable.

    Gold evidence of an answerable question is its own paragraph. The whole set's paragraphs form the
    corpus whatever the limit (a few hundred short documents), so retrieval is open over all of them.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "dev.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    corpus: dict[str, Article] = {}
    items: list[Item] = []
    for a, article in enumerate(data["data"]):
        title = str(article.get("title", "")).replace("_", " ")
        for p, paragraph in enumerate(article["paragraphs"]):
            pid = f"squad-{a}-{p}"
            corpus[pid] = direct_article(pid, paragraph["context"], title, source=f"{path}#{pid}")
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible"))
                answers = tuple(dict.fromkeys(x["text"] for x in qa.get("answers", []) if x["text"].strip()))
                plausible = [x["text"] for x in qa.get("plausible_answers", [])]
                items.append(
                    Item("squad", qa["id"], qa["question"], "unanswerable" if impossible else "answerable",
                         () if impossible else answers, gold_articles=() if impossible else (pid,),
                         meta={"paragraph": pid, "title": title, **({"plausible": plausible} if plausible else {})})
                )  # fmt: skip
    return EvalSet("squad", _pick(items, limit, seed), corpus, str(path), "SQuAD 2.0 dev (half), paragraphs as corpus")


# ---------------------------------------------------------------- RGB counterfactual


def _texts(value: Any) -> tuple[str, ...]:
    """A gold answer field as aliases: a string, a list of strings, or a list of lists of strings."""
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    out: list[str] = []
    for v in value or []:
        out += _texts(v)
    return tuple(dict.fromkeys(out))


def load_rgb(path: Path, limit: int | None = None, seed: int = 0) -> EvalSet:
    """RGB counterfactual robustness: per question, documents with the planted false fact
    (`positive_wrong`), with the true one (`positive`) and off-answer ones (`negative`); retrieval is
    restricted to the question's own documents. Gold evidence: the documents holding the true fact."""
    path = Path(path)
    if path.is_dir():
        path = path / "en_fact_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items, corpus = [], {}
    for row in _pick(rows, limit, seed):
        rid = f"rgb-{row['id']}"
        ids: dict[str, list[str]] = {"positive_wrong": [], "positive": [], "negative": []}
        for key, tag in (("positive_wrong", "w"), ("positive", "p"), ("negative", "n")):
            for k, text in enumerate(row.get(key) or []):
                if isinstance(text, str) and text.strip():
                    aid = f"{rid}-{tag}{k}"
                    corpus[aid] = direct_article(aid, text.strip(), source=f"{path}#{aid}")
                    ids[key].append(aid)
        items.append(
            Item("rgb", rid, row["query"], "counterfactual", _texts(row["answer"]),
                 gold_articles=tuple(ids["positive"]), article_ids=tuple(a for v in ids.values() for a in v),
                 false_answers=_texts(row.get("fakeanswer")), meta={"documents": {k: len(v) for k, v in ids.items()}})
        )  # fmt: skip
    return EvalSet("rgb", items, corpus, str(path), "RGB counterfactual robustness (en_fact)")


# ---------------------------------------------------------------- registry

Loader = Callable[[Path, int | None, int], EvalSet]


@dataclass(frozen=True)
class SetSpec:
    """Where a set's data lives under the datasets folder, and how to load it."""

    name: str
    relative: str  # path under `--data` (the seed set ignores it)
    load: Loader
    kind: str = "qa"  # qa | judge


def _judge_placeholder(path: Path, limit: int | None, seed: int) -> EvalSet:  # pragma: no cover
    raise TypeError("the judge set is scored by evals.suite.runner.run_judge_sets, not loaded as questions")


SETS: dict[str, SetSpec] = {
    "seed": SetSpec("seed", "", lambda p, limit, seed: load_seed(SEED_QUESTIONS, limit, seed)),
    "realtimeqa": SetSpec("realtimeqa", "realtimeqa", lambda p, limit, seed: load_realtimeqa(p, limit, seed)),
    "realtimeqa_nota": SetSpec(
        "realtimeqa_nota", "realtimeqa", lambda p, limit, seed: load_realtimeqa(p, limit, seed, nota=True)
    ),
    "timeline": SetSpec("timeline", "realtimeqa", load_timeline),
    "updates": SetSpec("updates", "realtimeqa", load_updates),
    "squad": SetSpec("squad", "squad2-dev-half/dev.json", load_squad),
    "rgb": SetSpec("rgb", "rgb/en_fact_dev.jsonl", load_rgb),
    "judge": SetSpec("judge", "judge", _judge_placeholder, kind="judge"),
}


def data_path(name: str, data: Path) -> Path:
    """The file or folder set `name` reads under the datasets folder `data`."""
    spec = SETS[name]
    return SEED_QUESTIONS if name == "seed" else Path(data) / spec.relative


def missing_reason(name: str, data: Path) -> str | None:
    """Why set `name` cannot run (its data is missing), or None."""
    path = data_path(name, data)
    if name in ("realtimeqa", "realtimeqa_nota", "timeline", "updates"):
        pattern = {
            "realtimeqa_nota": "*_qa_nota.jsonl.gz",
            "timeline": "*_gcs.jsonl.gz",
            "updates": "*_gcs.jsonl.gz",
        }.get(name, "*_qa.jsonl.gz")
        if not path.is_dir() or not any(path.glob(pattern)):
            return f"no {pattern} files in {path}"
        return None
    if name == "judge":
        return None if path.is_dir() else f"no folder {path}"
    return None if path.exists() else f"no file {path}"


def load(name: str, data: Path, limit: int | None = None, seed: int = 0) -> EvalSet:
    if name not in SETS or SETS[name].kind != "qa":
        raise ValueError(
            f"unknown question set {name!r}; known: {', '.join(n for n, s in SETS.items() if s.kind == 'qa')}"
        )
    return SETS[name].load(data_path(name, data), limit, seed)
