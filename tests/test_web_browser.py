"""The web page in a real browser: Debian's chromium driven by Playwright, against a real uvicorn server on
127.0.0.1 serving the seed article with the fake embedder, the extractive generator and the overlap judge
(no model loads). Skipped, with the reason, where chromium or playwright is missing.

Screenshots go to each test's temporary folder; with RAG_WEB_SCREENSHOTS=DIR they are copied there too
(docs/web-answer.png and docs/web-article.png were made that way). The timing test prints its figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Server
from .test_api import QUESTION, Gated, make_service

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
expect = sync_api.expect

# No sandbox (containers run as root), nothing fetched from the network by the browser itself.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SEED_ID = "ff55dbf2f3a482f3"
ANSWERED = re.compile(r"Answer ready|No answer")
Page = Any  # playwright.sync_api.Page, imported only when playwright is there


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def serve(path: Path, **options: Any) -> tuple[Server, Any]:
    service = make_service(path, **options)
    return Server(service), service


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Read-only tests share this server; tests that change the index start their own."""
    server, service = serve(tmp_path_factory.mktemp("web") / "index")
    with server:
        yield server
    service.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Server]:
    server, service = serve(tmp_path / "index")
    with server:
        yield server
    service.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A new browser context per test (so a fresh sessionStorage); fails on any uncaught script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors


def ask(page: Page, question: str, timeout: float = 5_000) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator("#progress")).to_have_text(ANSWERED, timeout=timeout)


def article_body(server: Server, article_id: str = SEED_ID) -> str:
    return str(httpx.get(f"{server.url}/v1/documents/{article_id}").json()["body"])


def text_of(page: Page, selector: str) -> str:
    return str(page.locator(selector).evaluate("node => node.textContent"))


def poll(page: Page, expression: str, timeout: float = 10.0) -> None:
    """Wait until `expression` is true in the page. Playwright's wait_for_function evaluates its predicate
    with eval() inside the page once it has to poll, which the page's Content-Security-Policy forbids;
    page.evaluate goes through the debugging protocol, which CSP does not govern."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.02)


def screenshot(page: Page, tmp_path: Path, name: str, *, full_page: bool = False) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("RAG_WEB_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["RAG_WEB_SCREENSHOTS"]) / name)
    return path


# -- ask, citations, the article view --------------------------------------------------------------
def test_the_seed_question_is_answered_verified_and_cited(page: Page, seeded: Server, tmp_path: Path) -> None:
    source = httpx.post(f"{seeded.url}/v1/ask", json={"question": QUESTION}).json()["sources"][0]
    page.goto(f"{seeded.url}/")
    ask(page, QUESTION)
    sentence = page.locator("#sentences li")
    expect(sentence).to_have_count(1)
    expect(sentence).to_contain_text("Defense Minister Guido Crosetto confirmed that the refusal took place")
    expect(sentence.locator(".badge")).to_have_text("verified")
    cite = sentence.locator("a.cite")
    expect(cite).to_have_text("[1]")
    assert cite.get_attribute("href") == f"#doc={SEED_ID}&chars={source['start']}-{source['end']}"
    expect(page.locator("#sources li")).to_contain_text("Marc Wells · 1 April 2026")
    # asked today, months after the article: the page says how old the report is, as the API's answer does
    dating = httpx.post(f"{seeded.url}/v1/ask", json={"question": QUESTION}).json()["answer"].split(": ")[0]
    assert dating.startswith("As of ") and dating.endswith("(reports of 1 April 2026)")
    expect(page.locator("#answer-meta")).to_contain_text(f"{dating}. Answered")

    cite.hover()  # the preview: quote, title, byline and date
    tip = page.locator("#tooltip")
    expect(tip).to_be_visible()
    for part in (source["quote"][:60], "Italy restricts US military access", "Marc Wells · 1 April 2026"):
        expect(tip).to_contain_text(part)
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()

    page.click("#why summary")  # honesty: verdict, support score, timings
    why = page.locator("#why-body")
    for part in ("verified, support 1.00", "None: every drafted sentence was kept.", "total", "generator extractive"):
        expect(why).to_contain_text(part)
    screenshot(page, tmp_path, "web-answer.png", full_page=True)

    cite.click()
    expect(page.locator("#view-article")).to_be_visible()
    body = article_body(seeded)
    expect(page.locator("#cited")).to_be_in_viewport()
    assert text_of(page, "#cited") == body[source["start"] : source["end"]] == source["quote"]
    assert text_of(page, "#doc-body") == body
    assert page.evaluate("document.activeElement.id") == "cited"
    expect(page.locator("#doc-meta")).to_contain_text("Marc Wells · 1 April 2026")
    expect(page.locator("#permalink")).to_have_attribute("href", re.compile(rf"#doc={SEED_ID}&chars=271-468$"))
    screenshot(page, tmp_path, "web-article.png")


def test_a_permalink_opens_the_same_highlight(page: Page, seeded: Server) -> None:
    body = article_body(seeded)
    start = body.index("On the same day that Meloni")  # far down, so it must be scrolled to
    end = body.index("European Union.", start) + len("European Union.")
    page.set_viewport_size({"width": 1280, "height": 500})
    page.goto(f"{seeded.url}/#doc={SEED_ID}&chars={start}-{end}")
    expect(page.locator("#cited")).to_be_in_viewport()
    assert text_of(page, "#cited") == body[start:end]
    # The link chat answers give for an article without a URL opens the same view.
    page.goto("about:blank")
    page.goto(f"{seeded.url}/v1/documents/{SEED_ID}#chars={start}-{end}")
    expect(page).to_have_url(f"{seeded.url}/#doc={SEED_ID}&chars={start}-{end}")
    expect(page.locator("#cited")).to_be_in_viewport()
    assert text_of(page, "#cited") == body[start:end]
    # Offsets past the end: the article, nothing highlighted, and why.
    page.goto("about:blank")
    page.goto(f"{seeded.url}/#doc={SEED_ID}&chars=10-{len(body) + 5}")
    expect(page.locator("#doc-quote")).to_contain_text("Nothing is highlighted")
    expect(page.locator("#cited")).to_have_count(0)
    page.goto("about:blank")
    page.goto(f"{seeded.url}/#doc=no-such-article&chars=1-2")
    expect(page.locator("#doc-message")).to_contain_text("Not found")


def test_offsets_count_characters_as_the_api_does(page: Page, fresh: Server) -> None:
    """Emoji are two UTF-16 units in JavaScript and one character in the API's offsets."""
    text = "Fans 🎉🎉 cheered at the river. The mayor 🌉 opened the bridge on Sunday. It rained 🌧 later."
    r = httpx.post(f"{fresh.url}/v1/documents", json={"id": "bridge", "title": "Bridge", "text": text})
    assert r.status_code == 201
    body = article_body(fresh, "bridge")
    start = body.index("The mayor")
    end = body.index("Sunday.") + len("Sunday.")
    page.goto(f"{fresh.url}/#doc=bridge&chars={start}-{end}")
    expect(page.locator("#cited")).to_be_visible()
    assert text_of(page, "#cited") == body[start:end]


def test_other_quotes_of_the_answer_are_shaded_in_the_article(page: Page, seeded: Server) -> None:
    """An answer citing three quotes of one article (overlapping ones included), replayed to the page."""
    body = article_body(seeded)
    real = httpx.post(f"{seeded.url}/v1/ask", json={"question": QUESTION}).json()
    first = real["sources"][0]
    second = {**first, "n": 2, "start": 0, "end": 269, "quote": body[0:269]}
    third = {**first, "n": 3, "start": 300, "end": 500, "quote": body[300:500]}  # overlaps the first
    answer = {
        **real,
        "sources": [first, second, third],
        "sentences": [
            {**real["sentences"][0]},
            {"text": "Italy denied access [2] [3].", "citations": [2, 3], "verdict": "supported", "support": 0.8},
        ],
    }
    stream = f"event: answer\ndata: {json.dumps(answer)}\n\n"
    page.route("**/v1/ask", lambda route: route.fulfill(status=200, content_type="text/event-stream", body=stream))
    page.goto(f"{seeded.url}/")
    ask(page, QUESTION)
    page.locator("#sentences a.cite", has_text="[1]").click()
    expect(page.locator("#cited")).to_be_visible()
    assert text_of(page, "#cited") == body[first["start"] : first["end"]]
    faint = page.locator("#doc-body mark.other")
    assert faint.evaluate_all("marks => marks.map(m => m.textContent)") == [body[0:269], body[300:468], body[468:500]]
    expect(page.locator("#doc-quote")).to_contain_text("shaded lighter")


# -- honesty: abstentions ----------------------------------------------------------------------------
def test_an_abstention_says_why_in_plain_words(page: Page, seeded: Server) -> None:
    page.goto(f"{seeded.url}/")
    ask(page, "What is the capital of Peru?")
    expect(page.locator("#abstention")).to_be_visible()
    expect(page.locator("#abstention-text")).to_contain_text("The articles don't say")
    expect(page.locator("#abstention-reason")).to_contain_text("no sentence of the drafted answer could be verified")
    expect(page.locator("#sentences li")).to_have_count(0)
    page.click("#why summary")
    expect(page.locator("#why-body")).to_contain_text("Peru missing")
    # Asked as of a day before every article: nothing to answer from, and the page says the dates limited it.
    page.click("#filters summary")
    page.fill("#f-asof", "2020-01-01")
    ask(page, QUESTION)
    expect(page.locator("#abstention-reason")).to_contain_text("Nothing in the archive is close enough")
    expect(page.locator("#abstention-reason")).to_contain_text("The dates or outlets you set limited the search")
    expect(page.locator("#answer-meta")).to_contain_text("Asked as of 1 January 2020")


def test_refusals_and_stream_errors_read_as_messages(page: Page, seeded: Server, tmp_path: Path) -> None:
    def refuse(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Any:
        body = json.dumps({"error": {"type": kind, "message": message}})
        return lambda route: route.fulfill(status=status, content_type="application/json", body=body, headers=headers)

    page.goto(f"{seeded.url}/")
    page.route("**/v1/ask", refuse(503, "overloaded", "the answer queue is full", {"Retry-After": "7"}))
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    expect(page.locator("#ask-message")).to_have_text(
        "The server is busy answering other questions (the answer queue is full). Try again in 7 seconds."
    )
    page.unroute("**/v1/ask")
    failing = 'event: error\ndata: {"error": {"type": "backend_error", "message": "the generator went away"}}\n\n'
    page.route("**/v1/ask", lambda route: route.fulfill(status=200, content_type="text/event-stream", body=failing))
    page.press("#question", "Enter")
    expect(page.locator("#ask-message")).to_have_text("The answer failed: the generator went away")

    page.goto(f"{seeded.url}/#library")
    upload = tmp_path / "big.txt"
    upload.write_text("A big article.")
    for status, kind, said in [
        (413, "request_too_large", "Too large for the server (the request body is over 10 MB"),
        (415, "unsupported_media_type", "The server does not accept this kind of request (send a file"),
    ]:
        page.route("**/v1/documents", refuse(status, kind, said.split("(")[1]))
        page.set_input_files("#files", str(upload))
        page.click("#upload-button")
        expect(page.locator("#upload-results li")).to_contain_text(f"big.txt: not added. {said}")
        page.unroute("**/v1/documents")


# -- cancel ----------------------------------------------------------------------------------------
def test_escape_and_the_cancel_button_stop_an_answer(page: Page, tmp_path: Path) -> None:
    gated = Gated()
    server, service = serve(tmp_path / "index", generator=gated)
    with server:
        page.goto(f"{server.url}/")
        for how in ("Escape", "button"):
            gated.gate.clear()
            page.fill("#question", QUESTION)
            page.press("#question", "Enter")
            expect(page.locator("#progress")).to_contain_text("Drafting an answer")
            expect(page.locator("#stages li.current")).to_have_text("Drafting")
            if how == "Escape":
                page.keyboard.press("Escape")
            else:
                page.click("#cancel-button")
            expect(page.locator("#progress")).to_have_text("Cancelled. The server stops working on it too.")
            expect(page.locator("#cancel-button")).to_be_hidden()
            expect(page.locator("#ask-button")).to_be_enabled()
            gated.gate.set()
            deadline = 50
            while service.status()["queue"]["pending"] and deadline:
                page.wait_for_timeout(100)
                deadline -= 1
            assert service.status()["queue"]["pending"] == 0
    service.close()


# -- the library -----------------------------------------------------------------------------------
def test_upload_reports_each_file_and_delete_asks_first(page: Page, fresh: Server, tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("# Bridge opens\n\nThe mayor opened the new bridge on Sunday, the city said.\n")
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4 not an article")
    page.goto(f"{fresh.url}/#library")
    expect(page.locator("#lib-status")).to_contain_text("1 article in the index")
    page.set_input_files("#files", [str(good), str(bad)])
    page.click("#upload-button")
    results = page.locator("#upload-results > li")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("good.md: 1 added (1 chunk written).")
    expect(results.nth(0)).to_have_class("ok")
    expect(results.nth(1)).to_contain_text("notes.pdf: not added. The server could not use this request")
    expect(results.nth(1)).to_contain_text("unsupported file type")
    expect(results.nth(1)).to_have_class("error")
    expect(page.locator("#lib-status")).to_contain_text("2 articles in the index")

    page.fill("#lib-search", "bridge")
    items = page.locator("#lib-list > li")
    expect(items).to_have_count(1)
    expect(items).to_contain_text("Bridge opens")
    page.fill("#lib-search", "2026-04")  # by date
    expect(items).to_have_count(1)
    expect(items).to_contain_text("Italy restricts")

    page.fill("#lib-search", "bridge")
    expect(items).to_have_count(1)
    items.get_by_role("button", name="Delete Bridge opens").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    page.click("#confirm-cancel")  # kept
    expect(items).to_have_count(1)
    items.get_by_role("button", name="Delete Bridge opens").click()
    page.click("#confirm-delete")
    expect(page.locator("#lib-message")).to_have_text("Deleted “Bridge opens”.")
    expect(items).to_have_count(0)
    assert httpx.get(f"{fresh.url}/v1/documents").json()["total"] == 1


# -- keys ------------------------------------------------------------------------------------------
def test_keys_are_asked_for_kept_for_the_session_and_refusals_explained(page: Page, tmp_path: Path) -> None:
    server, service = serve(tmp_path / "index", keys=["reader"], admin_keys=["admin"])
    with server:
        page.goto(f"{server.url}/")
        page.fill("#question", QUESTION)
        page.press("#question", "Enter")
        dialog = page.locator("#key-dialog")
        expect(dialog).to_be_visible()
        expect(page.locator("#key-reason")).to_contain_text("This server needs an API key")
        page.fill("#key-input", "wrong")
        page.click("#key-save")
        expect(page.locator("#key-reason")).to_contain_text("The API key was refused (the API key is not valid)")
        page.click("#key-cancel")
        expect(page.locator("#ask-message")).to_contain_text("The API key was refused (the API key is not valid)")

        page.click("#key-button")
        page.fill("#key-input", "reader")
        page.click("#key-save")
        ask(page, QUESTION)
        expect(page.locator("#sentences li")).to_contain_text("Guido Crosetto")
        assert page.evaluate("sessionStorage.getItem('rag-news.key')") == "reader"
        assert page.evaluate("localStorage.length") == 0

        page.goto(f"{server.url}/#library")  # a reader key lists; deleting needs the admin key
        page.get_by_role("button", name=re.compile("^Delete Italy")).click()
        page.click("#confirm-delete")
        expect(page.locator("#key-reason")).to_contain_text("This needs an admin key")
        page.fill("#key-input", "admin")
        page.click("#key-save")
        expect(page.locator("#lib-message")).to_contain_text("Deleted")
    service.close()


# -- keyboard, focus, contrast, small screens ------------------------------------------------------
def tab_to(page: Page, selector: str, key: str = "Tab", presses: int = 40) -> None:
    for _ in range(presses):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"{key} never reached {selector}")


def test_keyboard_only(page: Page, seeded: Server) -> None:
    page.goto(f"{seeded.url}/")
    tab_to(page, "#question")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_have_text(ANSWERED)
    tab_to(page, "#sentences a.cite")
    expect(page.locator("#tooltip")).to_be_visible()  # the preview shows on focus too
    page.keyboard.press("Escape")
    expect(page.locator("#tooltip")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.locator("#cited")).to_be_focused()
    tab_to(page, "#back-link", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#sentences a.cite")).to_be_focused()  # back where the reader left
    tab_to(page, "#why summary")
    page.keyboard.press("Enter")
    expect(page.locator("#why")).to_have_attribute("open", "")
    tab_to(page, "#nav-library", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#library-title")).to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("#lib-search")).to_be_focused()


def test_focus_is_visible(page: Page, seeded: Server) -> None:
    page.goto(f"{seeded.url}/")
    ask(page, QUESTION)
    page.locator("body").click(position={"x": 1, "y": 1})
    for selector in ("#nav-ask", "#question", "#ask-button", "#sentences a.cite", "#why summary"):
        tab_to(page, selector)
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth] }"
        )
        assert style[0] == "solid" and float(style[1].removesuffix("px")) >= 2, (selector, style)


CONTRAST = """(selectors) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (node) => {
    for (; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  return selectors.map((s) => {
    const node = document.querySelector(s);
    if (!node) return [s, null];
    const [a, b] = [lum(rgb(getComputedStyle(node).color)), lum(background(node))];
    return [s, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


def test_text_contrast_passes_wcag_aa(page: Page, seeded: Server) -> None:
    page.goto(f"{seeded.url}/")
    ask(page, QUESTION)
    page.click("#why summary")
    page.locator("#sentences a.cite").hover()
    selectors = ["body", "#question-help", ".brand a", "#nav-ask", "#key-button", "#ask-button", "summary",
                 ".sentence-text", ".badge", "a.cite", ".sources .meta", "#why-body p", "#tooltip .tip-meta",
                 "#answer-meta", "#progress"]  # fmt: skip
    checked = dict(page.evaluate(CONTRAST, selectors))
    page.locator("#sentences a.cite").click()
    expect(page.locator("#cited")).to_be_visible()
    checked.update(page.evaluate(CONTRAST, ["#cited", "#doc-meta", ".quote-info", "#back-link"]))
    page.goto(f"{seeded.url}/#library")
    expect(page.locator("#lib-list > li")).to_have_count(1)
    checked.update(page.evaluate(CONTRAST, [".doc-item .meta", ".doc-item button.danger", "#lib-prev"]))
    low = {s: ratio for s, ratio in checked.items() if ratio is None or ratio < 4.5}
    assert not low, low


def test_works_360_px_wide(page: Page, seeded: Server, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{seeded.url}/")
    page.click("#filters summary")
    ask(page, QUESTION)
    page.click("#why summary")
    widths = {"ask": page.evaluate("document.documentElement.scrollWidth")}
    screenshot(page, tmp_path, "web-answer-360.png")
    page.locator("#sentences a.cite").click()
    expect(page.locator("#cited")).to_be_in_viewport()
    widths["article"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(f"{seeded.url}/#library")
    expect(page.locator("#lib-list > li")).to_have_count(1)
    widths["library"] = page.evaluate("document.documentElement.scrollWidth")
    assert all(width <= 360 for width in widths.values()), widths


# -- speed -----------------------------------------------------------------------------------------
NAVIGATION = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const ready = performance.getEntriesByName('page-ready')[0];
  return {fcp: paint ? paint.startTime : null, ready: ready ? ready.startTime : null,
          dom: n.domContentLoadedEventEnd, load: n.loadEventEnd};
}"""
FIRST_SENTENCE = """() => {
  const at = (name) => performance.getEntriesByName(name)[0].startTime;
  return {first_sentence: at('first-sentence') - at('ask-start'), answer: at('answer') - at('ask-start')};
}"""


def test_first_render_and_first_verified_sentence_times(page: Page, seeded: Server, tmp_path: Path) -> None:
    """Warm server on loopback: the median of 10 loads; then 10 asks of the seed question (extractive)."""
    page.goto(f"{seeded.url}/")  # warms the server and the browser's cache
    loads = []
    for _ in range(10):
        page.goto("about:blank")
        page.goto(f"{seeded.url}/")
        poll(page, "document.documentElement.dataset.ready === 'true'")
        poll(page, "performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
        poll(page, "performance.getEntriesByName('first-contentful-paint').length > 0")
        loads.append(page.evaluate(NAVIGATION))
    asks = []
    for _ in range(10):
        ask(page, QUESTION)
        asks.append(page.evaluate(FIRST_SENTENCE))
    figures = {
        name: round(statistics.median(x[name] for x in rows), 1)
        for rows, names in ((loads, ("fcp", "ready", "dom", "load")), (asks, ("first_sentence", "answer")))
        for name in names
    }
    figures["browser"] = page.context.browser.version
    (tmp_path / "web-timings.json").write_text(json.dumps(figures, indent=2))
    print("web page timings (ms, medians):", json.dumps(figures))
    # Speed is reported, not asserted (docs/measurements.md has the figures); what must hold is the order
    # of the marks: the page paints and marks itself ready, the first sentence shows before the whole answer.
    assert all(row["fcp"] > 0 and row["ready"] > 0 for row in loads)
    assert all(0 < row["first_sentence"] <= row["answer"] for row in asks)


# -- the real models -------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_page_with_the_local_model(page: Page, tmp_path: Path) -> None:
    """The default stack (MiniLM, the local LLM drafting and judging) behind the page: the seed question is
    answered with a verified sentence, and its citation opens the article on exactly the quoted text."""
    from api.service import Service
    from rag import factory
    from rag.config import Settings
    from rag.errors import ModelError
    from rag.ingest import read_upload

    from .conftest import SEED

    settings = Settings(index_dir=tmp_path / "index")
    service = Service.from_settings(settings)
    try:
        service.upsert(read_upload(SEED.read_bytes(), "seed.txt"))
        try:
            factory.warm_up(service.pipeline)
        except ModelError as exc:
            pytest.skip(f"local LLM unavailable: {exc}")
        with Server(service) as server:
            page.set_default_timeout(180_000)  # a draft and its checks take seconds on 2 cores
            page.goto(f"{server.url}/")
            ask(page, "Who confirmed the refusal?", timeout=180_000)
            sentence = page.locator("#sentences li").first
            expect(sentence).to_contain_text("Crosetto")
            expect(sentence.locator(".badge")).to_have_text(re.compile("verified"))
            cite = sentence.locator("a.cite").first
            href = str(cite.get_attribute("href"))
            article_id, start, end = re.fullmatch(r"#doc=(\w+)&chars=(\d+)-(\d+)", href).groups()  # type: ignore[union-attr]
            cite.click()
            expect(page.locator("#cited")).to_be_in_viewport()
            assert text_of(page, "#cited") == article_body(server, article_id)[int(start) : int(end)]
            screenshot(page, tmp_path, "web-answer-local.png")
    finally:
        service.close()
