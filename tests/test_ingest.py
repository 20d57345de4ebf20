"""Tests for rag.ingest: files, text, HTML and JSONL records into Articles; bad inputs into problems."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import (
    SUPPORTED_SUFFIXES,
    IngestProblem,
    article_from_html,
    article_from_record,
    article_from_text,
    article_id_for,
    count_sources,
    read_sources,
)
from rag.types import Article

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_397e3221e5c587a0.txt"
REALTIMEQA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "realtimeqa"


def _articles(items: list[Article | IngestProblem]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def _problems(items: list[Article | IngestProblem]) -> dict[str, str]:
    return {i.source: i.reason for i in items if isinstance(i, IngestProblem)}


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- the seed article and plain text


def test_seed_article_header_body_and_footer() -> None:
    [article] = list(read_sources([SEED]))
    assert isinstance(article, Article)
    assert article.title.startswith("Italy restricts US military access as crisis deepens")
    assert article.byline == "Marc Wells"
    assert article.published_at == "2026-04-01"
    assert article.body.startswith("On March 31, Italy's far-right government")
    assert article.body.endswith("and a socialist alternative advanced.")
    assert "To contact" not in article.body and "wsws.org/contact" not in article.body
    assert "Marc Wells" not in article.body and "# Italy" not in article.body
    assert article.body in SEED.read_text(encoding="utf-8")
    assert article.source == str(SEED)
    assert article.id == _sha16(str(SEED.resolve())) == article_id_for(path=SEED)


def test_file_ids_are_path_based_and_survive_edits(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("First version of the story, with enough words to matter.\n", encoding="utf-8")
    [first] = list(read_sources([path]))
    [again] = list(read_sources([str(path)]))
    path.write_text("Second version of the story, corrected.\n", encoding="utf-8")
    [edited] = list(read_sources([path]))
    copy = tmp_path / "b.txt"
    copy.write_text("First version of the story, with enough words to matter.\n", encoding="utf-8")
    [other] = list(read_sources([copy]))
    assert first.id == again.id == edited.id == _sha16(str(path.resolve()))
    assert first.content_hash == again.content_hash != edited.content_hash
    assert other.id != first.id and other.content_hash == first.content_hash


def test_body_is_verbatim_not_reflowed() -> None:
    text = "\n\n  Line one  has  double spaces.\nA wrapped\tline.\n\n\nSecond paragraph.  \n\n"
    article = article_from_text(text)
    assert article.body == "Line one  has  double spaces.\nA wrapped\tline.\n\n\nSecond paragraph."
    assert article.title == ""


def test_content_hash_covers_text_and_every_metadata_field() -> None:
    base = article_from_text("Body of the article.", title="T", url="https://x.org/a")
    variants = [
        article_from_text("Body of the article!", title="T", url="https://x.org/a"),
        article_from_text("Body of the article.", title="T2", url="https://x.org/a"),
        article_from_text("Body of the article.", title="T", url="https://x.org/a", byline="Jo Bo"),
        article_from_text("Body of the article.", title="T", url="https://x.org/a", outlet="X"),
        article_from_text("Body of the article.", title="T", url="https://x.org/a", published_at="2026-01-02"),
    ]
    assert len({base.content_hash, *(v.content_hash for v in variants)}) == 6
    assert all(v.id == base.id == _sha16("https://x.org/a") for v in variants[:4])
    assert article_from_text("Body of the article.", title="T", url="https://x.org/a") == base


def test_ids_without_url_or_path_come_from_content() -> None:
    article = article_from_text("Just a body, no header at all.")
    assert article.id == _sha16(article.body) == article_from_text("Just a body, no header at all.").id


@pytest.mark.parametrize(
    ("byline_line", "date_line", "byline", "published"),
    [
        ("By Jane Doe", "April 1, 2026", "Jane Doe", "2026-04-01"),
        ("By Jane Doe and John Roe", "Apr. 1, 2026", "Jane Doe and John Roe", "2026-04-01"),
        ("Jane Doe", "Wednesday, April 1, 2026", "Jane Doe", "2026-04-01"),
        ("BY JANE DOE", "2026-04-01", "JANE DOE", "2026-04-01"),
        ("By Jane Doe", "2026-04-01T09:30:00Z", "Jane Doe", "2026-04-01T09:30:00+00:00"),
    ],
)
def test_header_byline_and_date_forms(byline_line: str, date_line: str, byline: str, published: str) -> None:
    text = f"# The headline\n\n{byline_line}\n{date_line}\n\nThe body starts here. It goes on."
    article = article_from_text(text)
    assert (article.title, article.byline, article.published_at) == ("The headline", byline, published)
    assert article.body == "The body starts here. It goes on."


def test_plain_headline_line_and_combined_meta_line() -> None:
    article = article_from_text("Plain headline without a hash\nBy Ann Lee | 5 May 2025\n\nBody text here.")
    assert (article.title, article.byline, article.published_at) == (
        "Plain headline without a hash",
        "Ann Lee",
        "2025-05-05",
    )
    assert article.body == "Body text here."


def test_long_first_sentence_is_body_not_title() -> None:
    text = "The council voted on Tuesday to close the old bridge for repairs.\n\nWork starts in May."
    article = article_from_text(text)
    assert article.title == ""
    assert article.body == text


def test_bare_name_line_without_a_date_stays_in_the_body() -> None:
    article = article_from_text("# Headline here\n\nKey Points\n\nThe body follows.")
    assert article.title == "Headline here"
    assert article.byline == ""
    assert article.body == "Key Points\n\nThe body follows."


def test_key_value_header_lines() -> None:
    text = (
        "Title: Storm closes ports\nBy: Ana Ruiz\nDate: 2025-12-03\nSource: Coast Times\n"
        "URL: https://coast.example/storm\n\nPorts closed on Wednesday.\nNote: ferries resume Friday."
    )
    article = article_from_text(text)
    assert article.title == "Storm closes ports"
    assert article.byline == "Ana Ruiz"
    assert article.published_at == "2025-12-03"
    assert article.outlet == "Coast Times"
    assert article.url == "https://coast.example/storm"
    assert article.id == _sha16("https://coast.example/storm")
    assert article.body == "Ports closed on Wednesday.\nNote: ferries resume Friday."


def test_markdown_front_matter_and_explicit_metadata_wins(tmp_path: Path) -> None:
    text = (
        '---\ntitle: "Rates rise again"\nauthors:\n  - Li Wei\n  - Sam Oduya\ndate: 2026-03-02\n'
        "outlet: Money Daily\n---\n\n# Rates rise again\n\nThe central bank raised rates.\n"
    )
    path = tmp_path / "rates.md"
    path.write_text(text, encoding="utf-8")
    [article] = list(read_sources([path]))
    assert article.title == "Rates rise again"
    assert article.byline == "Li Wei, Sam Oduya"
    assert article.published_at == "2026-03-02"
    assert article.outlet == "Money Daily"
    assert article.body == "The central bank raised rates."
    explicit = article_from_text(text, markdown=True, title="Other", outlet="Paper")
    assert (explicit.title, explicit.outlet, explicit.byline) == ("Other", "Paper", "Li Wei, Sam Oduya")


def test_footer_stripping_is_conservative() -> None:
    footer = (
        "Body paragraph one.\n\nFinal sentence of the story.\n\n"
        "Copyright 2026 Example News. All rights reserved.\n\nhttps://example.com/subscribe"
    )
    assert article_from_text(footer).body == "Body paragraph one.\n\nFinal sentence of the story."
    normal = "Body paragraph one.\n\nSubscribers said the service failed twice this week."
    assert article_from_text(normal).body == normal
    only_footer = "Subscribe to our newsletter"
    assert article_from_text(only_footer).body == only_footer


def test_empty_text_and_bad_explicit_values_raise() -> None:
    for text in ("", "  \n\t\n"):
        with pytest.raises(InputError):
            article_from_text(text)
    with pytest.raises(InputError, match="id"):
        article_from_text("Body.", id="has space")
    with pytest.raises(InputError, match="id"):
        article_id_for(id="x" * 129)
    with pytest.raises(InputError, match="published_at"):
        article_from_text("Body.", published_at="sometime soon")
    assert article_from_text("Body.", id="doc-1:v2.0_a").id == "doc-1:v2.0_a"


# ---------------------------------------------------------------- HTML

PAGE = """<!doctype html><html><head>
<title>Bridge reopens after repairs | City Herald</title>
<meta property="og:site_name" content="City Herald">
<meta name="author" content="Priya Nair">
<meta property="article:published_time" content="2026-02-14T08:00:00Z">
<link rel="canonical" href="https://cityherald.example/bridge">
<style>p { color: red }</style><script>var tracking = "do not index";</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<header><h1>Bridge reopens after repairs</h1><p class="byline">By Priya Nair</p></header>
<article>
  <p>The   old bridge reopened on <b>Friday</b>,<br>two months early.</p>
  <h2>Costs</h2>
  <p>Repairs cost 4 million euros, the <a href="/council">council</a> said.</p>
  <ul><li><p>Traffic returns Monday.</p></li></ul>
  <p><a href="/a">Read</a> <a href="/b">more stories</a></p>
  <figure><img src="x.jpg"><figcaption>The bridge at dawn.</figcaption></figure>
</article>
<aside><p>Most read: something else</p></aside>
<footer><p>Copyright 2026 City Herald</p></footer>
</body></html>"""


def test_html_extraction_keeps_article_text_and_drops_boilerplate() -> None:
    article = article_from_html(PAGE, source="page.html")
    assert article.body == (
        "The old bridge reopened on Friday, two months early.\n\nCosts\n\n"
        "Repairs cost 4 million euros, the council said.\n\nTraffic returns Monday."
    )
    for junk in ("tracking", "Home", "Most read", "Copyright", "dawn", "more stories", "color"):
        assert junk not in article.body
    assert article.title == "Bridge reopens after repairs"
    assert article.byline == "Priya Nair"
    assert article.published_at == "2026-02-14T08:00:00+00:00"
    assert article.outlet == "City Herald"
    assert article.url == "https://cityherald.example/bridge"
    assert article.id == _sha16("https://cityherald.example/bridge")


def test_html_without_article_uses_body_and_falls_back_to_h1(tmp_path: Path) -> None:
    html = "<html><body><h1>Only heading</h1><div><p>Plain paragraph text.</p></div></body></html>"
    path = tmp_path / "page.htm"
    path.write_text(html, encoding="utf-8")
    [article] = list(read_sources([path]))
    assert (article.title, article.body) == ("Only heading", "Plain paragraph text.")
    assert article.id == _sha16(str(path.resolve()))
    with pytest.raises(InputError):
        article_from_html("<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>")


# ---------------------------------------------------------------- JSONL records


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


# ---------------------------------------------------------------- bad files, folders, stdin


def test_each_bad_file_is_a_problem_and_good_files_are_still_read(tmp_path: Path) -> None:
    files = {
        "empty.txt": b"",
        "blank.txt": b"  \n\n\t ",
        "binary.txt": b"abc\x00\x01\x02 more",
        "latin1.txt": "Caf\u00e9 story".encode("latin-1"),
        "big.txt": b"x" * 2_500,
        "notes.pdf": b"%PDF-1.4",
        "good.txt": "\ufeffA fine article.".encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    order = [*files, "missing.txt"]
    items = list(read_sources([tmp_path / n for n in order], max_bytes=2_000))
    problems = {Path(s).name: r for s, r in _problems(items).items()}
    assert problems["empty.txt"] == "empty file"
    assert problems["blank.txt"].startswith("empty file")
    assert problems["binary.txt"] == "binary file"
    assert problems["latin1.txt"] == "not UTF-8 text (byte 0xe9 at offset 3)"
    assert problems["big.txt"] == "file is 2.5 KB, over the 2 KB limit"
    assert problems["notes.pdf"].startswith("unsupported file type")
    assert problems["missing.txt"] == "no such file or directory"
    assert [a.body for a in _articles(items)] == ["A fine article."]
    assert [Path(getattr(i, "source", "")).name for i in items] == order  # order is kept


def test_folders_are_walked_sorted_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    for rel in (
        "b.txt",
        "a.md",
        "sub/c.html",
        "sub/deeper/d.jsonl",
        "image.png",
        ".hidden.txt",
        ".git/e.txt",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".jsonl"):
            path.write_text(json.dumps({"text": f"Record in {rel}."}) + "\n", encoding="utf-8")
        elif rel.endswith(".html"):
            path.write_text(f"<p>Page in {rel}.</p>", encoding="utf-8")
        else:
            path.write_text(f"Text in {rel}.", encoding="utf-8")
    items = list(read_sources([tmp_path]))
    assert all(isinstance(i, Article) for i in items)
    assert [Path(i.source.split(":")[0]).relative_to(tmp_path).as_posix() for i in items] == [
        "a.md",
        "b.txt",
        "sub/c.html",
        "sub/deeper/d.jsonl",
    ]
    assert count_sources([tmp_path]) == 4
    assert count_sources([tmp_path, tmp_path / "missing.txt", "-", tmp_path / "image.png"]) == 5


def test_dash_reads_one_article_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("# Piped headline\n\nPiped body text.\n"))
    [article] = list(read_sources(["-"]))
    assert (article.title, article.body, article.source) == ("Piped headline", "Piped body text.", "<stdin>")
    assert article.id == _sha16("Piped body text.")
    monkeypatch.setattr("sys.stdin", io.StringIO("   \n"))
    [problem] = list(read_sources(["-"]))
    assert isinstance(problem, IngestProblem) and "empty" in problem.reason


def test_supported_suffixes_are_the_documented_ones() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz")


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


def test_lone_surrogates_in_text_and_html_raise_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="'text'"):
        article_from_text("bad \ud800 text")
    with pytest.raises(InputError, match="'title'"):
        article_from_text("Body.", title="\udc00")
    with pytest.raises(InputError, match="'html'"):
        article_from_html("<p>bad \ud800</p>")
    monkeypatch.setattr("sys.stdin", io.StringIO("undecodable \udcff byte"))  # surrogateescape
    [problem] = list(read_sources(["-"]))
    assert isinstance(problem, IngestProblem) and problem.reason == "not UTF-8 text"


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


def test_overflowing_dates_and_nul_bytes_do_not_stop_the_batch(tmp_path: Path) -> None:
    huge = "Mon, 1 Jan 99999999999 10:00:00 +0000"
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"text": "Dated.", "date": huge}) + "\n", encoding="utf-8")
    header = tmp_path / "b.txt"
    header.write_text(f"Date: {huge}\n\nBody of b.", encoding="utf-8")
    late_nul = tmp_path / "c.txt"
    late_nul.write_bytes(b"Text " * 3000 + b"\x00 tail")
    items = list(read_sources([jsonl, header, late_nul]))
    assert [(a.body, a.published_at) for a in _articles(items)] == [
        ("Dated.", ""),
        (f"Date: {huge}\n\nBody of b.", ""),
    ]
    assert _problems(items) == {str(late_nul): "binary file"}


def test_unexpected_parser_errors_in_a_file_become_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("parser gave up")

    deep, odd, good = (tmp_path / n for n in ("deep.html", "odd.html", "good.txt"))
    deep.write_text("<p>x</p>", encoding="utf-8")
    odd.write_text("<p>y</p>", encoding="utf-8")
    good.write_text("A good one.", encoding="utf-8")
    monkeypatch.setattr("rag.ingest.LexborHTMLParser", explode)
    [problem] = list(read_sources([deep]))
    assert problem == IngestProblem(str(deep), "too deeply nested to parse")
    monkeypatch.setattr("rag.ingest.LexborHTMLParser", broken)
    items = list(read_sources([odd, good]))
    assert _problems(items) == {str(odd): "could not parse: ValueError: parser gave up"}
    assert [a.body for a in _articles(items)] == ["A good one."]


def test_deeply_nested_html_is_read_without_recursion() -> None:
    html = "<div>" * 3000 + "Deep text." + "</div>" * 3000
    assert article_from_html(html).body == "Deep text."


# ---------------------------------------------------------------- regressions: footers


def test_prose_that_starts_like_a_footer_is_kept() -> None:
    for last in (
        "Copyright law was changed yesterday by parliament.",
        "Subscribers said the service failed twice this week.",
        "To contact the company, reporters called its office twice.",
        "Follow us, the guide said. We walked for an hour and then reached the camp.",
        "Voters were urged to visit https://vote.example.org to check their registration.",
        "The recall notice said buyers can contact the company at recall@example.com.",
    ):
        text = f"Story.\n\n{last}"
        assert article_from_text(text).body == text
        assert article_from_record({"text": text}).body == text


def test_clear_footers_are_dropped() -> None:
    for footer in (
        "© 2026 Example News",
        "Sign up for our newsletter.\n\nFollow us on Twitter.",
        "Subscribe to The Daily Example",
        "Contact Jane Doe at (302) 555-0100 or jdoe@example.com.",
        "Jane Doe can be reached at jdoe@example.com or @janedoe on X.",
        "AP NFL: https://apnews.com/hub/nfl and https://twitter.com/AP_Sports",
        "To contact the newsroom visit:\n\n**[example.org/contact](https://example.org/contact)**",
    ):
        assert article_from_text(f"Story one.\n\nStory two.\n\n{footer}").body == "Story one.\n\nStory two."


def test_a_body_of_only_boilerplate_or_invisible_characters_is_a_problem(tmp_path: Path) -> None:
    files = {
        "zw.txt": "\u200b\u200c\u200d\u2060\ufeff\u200b",
        "footer.txt": "© 2026 Example News. All rights reserved.\n\nhttps://example.com",
        "head.md": "# Headline\n\n\u200b\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    items = list(read_sources([tmp_path / n for n in files]))
    assert not _articles(items)
    assert all("no article text" in reason for reason in _problems(items).values()), _problems(items)
    for record in ({"text": "\u200b\u200b"}, {"text": "Copyright 2026 X. All rights reserved."}):
        with pytest.raises(InputError, match="no article text"):
            article_from_record(record)
    with pytest.raises(InputError, match="no article text"):
        article_from_html("<p>\u200b</p>")


# ---------------------------------------------------------------- regressions: headers


@pytest.mark.parametrize(
    "text",
    [
        "Source: Reuters said the attack killed five.\nMore text.",
        "Link: between smoking and cancer is well established\nMore text.",
        "URL: see below\n\nMore text.",
        "Date: sometime next week\n\nMore text.",
        "By: the end of the year, prices rose.\nMore text.",
        "Title: Storm closes ports\nPorts closed on Wednesday after the storm.",
    ],
)
def test_key_value_lines_whose_value_is_prose_stay_in_the_body(text: str) -> None:
    article = article_from_text(text)
    assert article.body == text
    assert (article.title, article.byline, article.outlet, article.url, article.published_at) == ("",) * 5


def test_invalid_id_header_does_not_reject_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("ID: has spaces\n\nThe body.", encoding="utf-8")
    [article] = list(read_sources([path]))
    assert isinstance(article, Article)
    assert article.id == _sha16(str(path.resolve()))
    assert article.body.endswith("The body.")


HEADLINE = "Council Approves Budget"


@pytest.mark.parametrize(
    ("text", "title", "byline", "outlet", "published"),
    [
        (f"{HEADLINE}\nPublished: April 1, 2026\n\nBody.", HEADLINE, "", "", "2026-04-01"),
        (f"{HEADLINE}\nJane Doe | April 1, 2026\n\nBody.", HEADLINE, "Jane Doe", "", "2026-04-01"),
        ("By Jane Doe · Reuters · April 1, 2026\n\nBody.", "", "Jane Doe", "Reuters", "2026-04-01"),
        ("Jane Doe\nApril 1, 2026\n\nBody.", "", "Jane Doe", "", "2026-04-01"),
        ("Reuters | By Jane Doe | April 1, 2026\n\nBody.", "", "Jane Doe", "Reuters", "2026-04-01"),
    ],
)
def test_headline_byline_outlet_and_date_lines(text: str, title: str, byline: str, outlet: str, published: str) -> None:
    article = article_from_text(text)
    assert (article.title, article.byline, article.outlet, article.published_at) == (title, byline, outlet, published)
    assert article.body == "Body."


# ---------------------------------------------------------------- regressions: HTML blocks


@pytest.mark.parametrize(
    ("html", "body"),
    [
        ("<ul><li>Parent text<ul><li>child</li></ul></li></ul>", "Parent text\n\nchild"),
        ("<blockquote>Lead<p>inner</p></blockquote>", "Lead\n\ninner"),
        ("<p>Intro.</p><table><tr><td>Cell A</td><td>Cell B</td></tr></table>", "Intro.\n\nCell A\n\nCell B"),
        ("<p>Intro.</p><div>Loose text<p>Para.</p>tail</div>", "Intro.\n\nLoose text\n\nPara.\n\ntail"),
        ("<div>One.</div><div>Two.</div>", "One.\n\nTwo."),
        ("<p>The <b>Fri</b>day <!-- x -->match.</p>", "The Friday match."),
    ],
)
def test_html_keeps_text_around_nested_blocks(html: str, body: str) -> None:
    assert article_from_html(f"<html><body>{html}</body></html>").body == body
