"""Tests for rag.readers.html: the story's text blocks and the page's metadata, without boilerplate."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import read_sources
from rag.readers.html import article_from_html


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def test_deeply_nested_html_is_read_without_recursion() -> None:
    html = "<div>" * 3000 + "Deep text." + "</div>" * 3000
    assert article_from_html(html).body == "Deep text."


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
