"""Tests for rag.readers.jsonl: records, RealTimeQA search results, gzip, line limits and bad lines."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import read_sources
from rag.readers.base import IngestProblem
from rag.readers.jsonl import article_from_record
from rag.types import Article
from tests.conftest import DATASETS

REALTIMEQA = DATASETS / "realtimeqa"


def _articles(items: list[Article | IngestProblem]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def _problems(items: list[Article | IngestProblem]) -> dict[str, str]:
    return {i.source: i.reason for i in items if isinstance(i, IngestProblem)}


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_record_fields_and_normalisation() -> None:
    article = article_from_record(
        {
            "text": "  The text.  ",
            "title": "A title",
            "url": "https://www.cnn.com/2022/11/27/x.html",
            "authors": ["Kevin Liptak Donald Judd", "Kevin Liptak", "Donald Judd"],
            "publish_date": "2022/11/27",
        },
        source="f.jsonl:3",
    )
    assert article.body == "The text."
    assert article.byline == "Kevin Liptak, Donald Judd"
    assert article.published_at == "2022-11-27"
    assert article.outlet == "cnn.com"
    assert article.id == _sha16("https://www.cnn.com/2022/11/27/x.html")
    assert article.source == "f.jsonl:3"
    assert article_from_record({"text": "x", "date": "not a date", "id": 7}).published_at == ""
    assert article_from_record({"text": "x", "id": 7, "authors": "By Al Bo"}).id == "7"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"title": "no text"}, "text"),
        ({"text": "   "}, "text"),
        ({"text": 5}, "text"),
        ({"text": "ok", "title": ["x"]}, "title"),
        ({"text": "ok", "authors": [1, 2]}, "authors"),
        ({"text": "ok", "id": "bad id!"}, "id"),
        ({"text": "ok", "published_at": 20260101}, "published_at"),
    ],
)
def test_record_errors_name_the_field(record: dict, field: str) -> None:
    with pytest.raises(InputError, match=f"'{field}'"):
        article_from_record(record)


def test_jsonl_bad_lines_become_problems_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"text": "First good.", "id": "a1"}),
        "",
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps({"text": "Second good.", "url": "https://ex.org/2"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_sources([path]))
    assert [a.body for a in _articles(items)] == ["First good.", "Second good."]
    assert [a.source for a in _articles(items)] == [f"{path}:1", f"{path}:5"]
    problems = _problems(items)
    assert problems[f"{path}:3"].startswith("line 3: invalid JSON")
    assert problems[f"{path}:4"] == "line 4: missing 'text'"
    assert len(problems) == 2


def test_jsonl_gz_and_line_limit(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"text": "Compressed article.", "title": "Gz"}) + "\n")
        f.write(json.dumps({"text": "y" * 500}) + "\n")
        f.write(json.dumps({"text": "After the long one."}) + "\n")
    items = list(read_sources([path], max_bytes=200))
    assert [a.body for a in _articles(items)] == ["Compressed article.", "After the long one."]
    assert "over the 200 bytes limit" in _problems(items)[f"{path}:2"]
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"this is not gzip data")
    [problem] = list(read_sources([broken]))
    assert isinstance(problem, IngestProblem) and "gzip" in problem.reason


def _realtimeqa_record(results: list[dict]) -> dict:
    return {"question_id": "20240105_0", "search_time": "2024/01/05/23:29", "search_result": results}


def test_realtimeqa_search_results_expand_into_articles(tmp_path: Path) -> None:
    results = [
        {
            "url": "https://www.cnn.com/a",
            "title": "A ...",
            "text": "Alpha text.",
            "authors": ["Eric Cheung"],
            "publish_date": "2022/11/27",
        },
        {"url": "https://www.usatoday.com/b", "title": "B", "text": "", "authors": [], "publish_date": ""},
        {
            "url": "https://apnews.com/c",
            "title": "C",
            "text": "Gamma text.",
            "authors": [],
            "publish_date": None,
        },
        {"url": "https://www.cnn.com/d", "title": "D"},
    ]
    path = tmp_path / "20240105_gcs.jsonl"
    second = _realtimeqa_record([results[0]])  # a repeated result is read once
    path.write_text(json.dumps(_realtimeqa_record(results)) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    items = list(read_sources([path]))
    articles = _articles(items)
    assert [a.body for a in articles] == ["Alpha text.", "Gamma text."]
    assert [a.outlet for a in articles] == ["cnn.com", "apnews.com"]
    assert articles[0].byline == "Eric Cheung" and articles[0].published_at == "2022-11-27"
    assert articles[1].published_at == ""
    reasons = sorted(p.reason for p in items if isinstance(p, IngestProblem))
    assert reasons == [
        "line 1: search_result[1]: 'text' is empty",
        "line 1: search_result[3]: missing 'text'",
    ]


# ---------------------------------------------------------------- real data


@pytest.mark.skipif(not (REALTIMEQA / "20240105_gcs.jsonl.gz").exists(), reason="RealTimeQA data set not present")
def test_real_realtimeqa_search_results_file() -> None:
    path = REALTIMEQA / "20240105_gcs.jsonl.gz"
    items = list(read_sources([path]))
    articles = _articles(items)
    assert len(articles) > 100
    assert all(a.body.strip() and a.url and a.id == _sha16(a.url) for a in articles)
    by_url = {a.url: a.id for a in articles}
    assert len(set(by_url.values())) == len(by_url) == len(articles)  # one id per url, no repeats
    assert all(a.published_at[:2] == "20" for a in articles if a.published_at)
    assert len(items) - len(articles) <= 0.05 * len(items)


# ---------------------------------------------------------------- regressions: bad data never stops a batch


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"text":"bad \\ud800 surrogate."}', "text"),
        ('{"text":"ok.","title":"\\ud800"}', "title"),
        ('{"text":"ok.","authors":["Jo \\udfff"]}', "authors"),
        ('{"text":"ok.","url":"https://x.org/\\ud800"}', "url"),
        ('{"text":"ok.","publish_date":"\\ud800"}', "publish_date"),
        ('{"text":"ok.","id":"\\ud800"}', "id"),
    ],
)
def test_lone_surrogates_are_problems_not_crashes(tmp_path: Path, line: str, field: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(line + "\n" + json.dumps({"text": "Still read."}) + "\n", encoding="utf-8")
    items = list(read_sources([path]))
    assert [a.body for a in _articles(items)] == ["Still read."]
    assert _problems(items) == {f"{path}:1": f"line 1: invalid unicode (lone surrogate) in '{field}'"}
    with pytest.raises(InputError, match=f"lone surrogate.*'{field}'"):
        article_from_record(json.loads(line))


def test_json_lines_that_break_the_parser_or_are_not_objects_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    lines = ["[" * 100_000 + "]" * 100_000, '{"text": "x", "n": ' + "9" * 5000 + "}", "[1, 2]", '"text"', "42", "null"]
    path.write_text("\n".join([*lines, json.dumps({"text": "Last good."})]) + "\n", encoding="utf-8")
    items = list(read_sources([path]))
    assert [a.body for a in _articles(items)] == ["Last good."]
    problems = _problems(items)
    assert problems[f"{path}:1"] == "line 1: invalid JSON (nested too deeply)"
    assert problems[f"{path}:2"].startswith("line 2: invalid JSON (Exceeds the limit")
    for n in (3, 4, 5, 6):
        assert problems[f"{path}:{n}"] == f"line {n}: record is not a JSON object"
    assert len(problems) == 6
