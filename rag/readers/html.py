"""HTML pages: the story's text blocks and the page's metadata, without navigation and boilerplate.

A saved news page is mostly not the story: menus, share buttons, related links, scripts, cookie
banners. `article_from_html` drops the elements that never hold it (`nav`, `header`, `footer`, `aside`,
scripts, figures...), takes the text of the longest `<article>` (else `<main>`, else `<body>`) split at
block elements, and skips blocks that are mostly links or a lone "Share". Metadata comes from meta tags
(Open Graph, `author`, `article:published_time`, the canonical link), read before anything is dropped
because titles and bylines often sit in `<header>`. The body is the extracted text, so offsets refer
to it, not to the HTML. Parsing uses selectolax's lexbor backend, walked iteratively so deeply nested
pages cannot exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from rag.errors import InputError
from rag.readers.base import checked, make_article, normalise_metadata
from rag.readers.footer import strip_footer
from rag.types import Article


def article_from_html(html: str, *, source: str = "", path: str | Path = "") -> Article:
    """An article from an HTML page: main text blocks joined by blank lines, metadata from meta tags.

    `body` is the extracted text, so offsets refer to it, not to the HTML. `path`, for a file, gives
    the id when the page has no canonical URL. Raises InputError when no text remains after dropping
    navigation, scripts and other boilerplate.
    """
    tree = LexborHTMLParser(checked(html, "html"))
    meta = _html_meta(tree)  # before stripping: titles and bylines often sit in <header>
    tree.strip_tags(_DROP_TAGS)
    for br in tree.css("br"):
        br.replace_with(" ")
    body = strip_footer("\n\n".join(_html_blocks(tree)))
    if not body:
        raise InputError("no article text in the HTML")
    return make_article(body, meta, source=source, path=path)


_DROP_TAGS = [
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
    "button", "figure", "figcaption", "template", "select",
]  # fmt: skip
# Elements that start and end a block of text: their own text between nested blocks is a block too.
_BLOCK_TAGS = frozenset(
    "address article blockquote body caption center dd details dialog div dl dt fieldset h1 h2 h3 h4 h5 h6"
    " hgroup hr html legend li main menu ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
_NAV_WORDS = {"advertisement", "share", "share this", "tweet", "print", "email", "read more", "related"}
_MAX_LINK_SHARE = 0.5


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _first_value(tree: LexborHTMLParser, candidates: Iterable[tuple[str, str]]) -> str:
    """The first non-empty attribute (or text, for attr "") among (css selector, attr) candidates."""
    for selector, attr in candidates:
        for node in tree.css(selector):
            value = (node.attributes.get(attr) or "") if attr else node.text()
            if value := _collapse(value):
                return value
    return ""


def _strip_site(title: str, site: str) -> str:
    for sep in (" | ", " - ", " — ", " – "):
        if site and title.lower().endswith((sep + site).lower()):
            return title[: -len(sep + site)].strip()
    return title


def _html_meta(tree: LexborHTMLParser) -> dict[str, str]:
    site = _first_value(tree, [('meta[property="og:site_name"]', "content")])
    title = _first_value(tree, [('meta[property="og:title"]', "content"), ('meta[name="twitter:title"]', "content")])
    title = title or _strip_site(_first_value(tree, [("title", "")]), site) or _first_value(tree, [("h1", "")])
    byline = _first_value(
        tree,
        [('meta[name="author"]', "content"), ('meta[property="article:author"]', "content"),
         ('[rel="author"]', ""), (".byline", ""), ('[itemprop="author"]', "")],
    )  # fmt: skip
    published = _first_value(
        tree,
        [('meta[property="article:published_time"]', "content"), ('[itemprop="datePublished"]', "content"),
         ('[itemprop="datePublished"]', "datetime"), ("time[datetime]", "datetime")],
    )  # fmt: skip
    url = _first_value(tree, [('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")])
    if byline.startswith(("http://", "https://")):
        byline = ""  # article:author is often a profile URL, not a name
    meta = {"title": title, "byline": byline, "published_at": published, "outlet": site, "url": url}
    return normalise_metadata(meta)


class _Blocks:
    """Collects text blocks in document order, dropping navigation words and link lists."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.parts: list[str] = []
        self.link_parts: list[str] = []

    def add(self, text: str, in_link: bool) -> None:
        self.parts.append(text)
        if in_link:
            self.link_parts.append(text)

    def flush(self) -> None:
        text = _collapse("".join(self.parts))
        link_chars = len(_collapse(" ".join(self.link_parts)))
        self.parts, self.link_parts = [], []
        if text and text.lower().strip(" :.") not in _NAV_WORDS and link_chars <= _MAX_LINK_SHARE * len(text):
            self.blocks.append(text)


def _text_blocks(root: LexborNode, *, skip_h1: bool) -> list[str]:
    """The text under `root` split at block element boundaries, so that the text a block holds around its
    nested blocks ("<li>Parent<ul><li>child</li></ul></li>") and loose text in divs are kept, each once.
    Iterative, so deeply nested pages cannot exhaust the stack."""
    out = _Blocks()
    in_link = 0
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag or ""
        if leaving:
            if tag == "a":
                in_link -= 1
            else:
                out.flush()
            continue
        if tag == "-text":
            out.add(node.text_content or "", in_link > 0)
            continue
        if tag.startswith("-") or (skip_h1 and tag == "h1"):
            continue  # comments; the h1 is the title
        if tag in _BLOCK_TAGS:
            out.flush()
            stack.append((node, True))
        elif tag == "a":
            in_link += 1
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
    out.flush()
    return out.blocks


def _html_blocks(tree: LexborHTMLParser) -> list[str]:
    articles = tree.css("article")
    roots = [max(articles, key=lambda n: len(n.text()))] if articles else []
    roots += [n for n in (tree.css_first("main"), tree.body) if n is not None]
    for root in roots:
        if blocks := _text_blocks(root, skip_h1=True):
            return blocks
    # Nothing but a heading: keep it rather than lose the page.
    return _text_blocks(tree.body, skip_h1=False) if tree.body is not None else []
