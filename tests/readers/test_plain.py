"""Tests for rag.readers.plain: headers (headline, byline, date, `Key: value`, front matter) and bodies."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import read_sources
from rag.readers.base import article_id_for
from rag.readers.plain import article_from_text
from rag.types import Article
from tests.conftest import SEED


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def test_body_is_verbatim_not_reflowed() -> None:
    text = "\n\n  Line one  has  double spaces.\nA wrapped\tline.\n\n\nSecond paragraph.  \n\n"
    article = article_from_text(text)
    assert article.body == "Line one  has  double spaces.\nA wrapped\tline.\n\n\nSecond paragraph."
    assert article.title == ""


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
