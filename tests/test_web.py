"""The web page's serving (api/web.py) in process: the page and its files, their budget, the headers that
keep it to its own files, the redirect of browsers from article API links, and what ships in the wheel.
The page itself is driven in a real browser in test_web_browser.py."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Service
from api.web import WEB_DIR
from rag.cli.serve import page_address
from rag.types import AbstainReason

from .conftest import ROOT
from .test_api import make_service

ASSETS = sorted(p for p in WEB_DIR.iterdir() if p.suffix in (".html", ".js", ".css"))
SEED_ID = "ff55dbf2f3a482f3"


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[TestClient]:
    service: Service = make_service(tmp_path / "index", keys=["secret"])
    with TestClient(create_app(service=service)) as client:
        yield client
    service.close()


def test_the_page_and_its_files_are_served_with_a_strict_policy(keyed: TestClient) -> None:
    page = keyed.get("/")  # no key needed for the page: it asks for one when the API answers 401
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    for name in re.findall(r'(?:src|href)="web/([\w.]+)"', page.text):
        asset = keyed.get(f"/web/{name}")
        assert asset.status_code == 200, name
        kind = "javascript" if name.endswith(".js") else "css"
        assert kind in asset.headers["content-type"], name
    assert keyed.get("/v1/documents").status_code == 401


def test_the_page_stays_under_its_budget_and_fetches_nothing_from_elsewhere() -> None:
    assert sum(p.stat().st_size for p in ASSETS) < 100_000
    for path in ASSETS:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), path.name
        assert not re.search(r"fetch\(\s*[\"'`]https?:", text), path.name
        assert not re.search(r"import\s[^;]*from\s+[\"']https?:", text), path.name


def test_no_script_writes_markup() -> None:
    """Article text is untrusted: the page builds every node itself and inserts text as text nodes."""
    for path in WEB_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in text, f"{path.name} uses {sink}"


def test_the_page_explains_every_reason_an_answer_can_abstain() -> None:
    script = (WEB_DIR / "ask.js").read_text(encoding="utf-8")
    block = script[script.index("const ABSTAIN_REASONS = {") : script.index("};", script.index("ABSTAIN_REASONS"))]
    explained = set(re.findall(r"^\s*(\w+):", block, re.M))
    assert explained == {reason.value for reason in AbstainReason}


def test_a_browser_opening_an_article_api_link_lands_on_the_page(keyed: TestClient) -> None:
    """Chat answers cite an article without a URL by /v1/documents/{id}#chars=S-E; a browser sends text/html."""
    html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = keyed.get(f"/v1/documents/{SEED_ID}", headers={"Accept": html}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/?doc={SEED_ID}"
    # API clients still get JSON (here: the key is required), and other routes are left alone.
    assert keyed.get(f"/v1/documents/{SEED_ID}", headers={"Accept": "application/json"}).status_code == 401
    auth = {"Authorization": "Bearer secret"}
    assert keyed.get(f"/v1/documents/{SEED_ID}", headers={"Accept": "*/*", **auth}).json()["id"] == SEED_ID
    assert keyed.get("/v1/documents", headers={"Accept": html}, follow_redirects=False).status_code == 401


def test_the_page_can_be_turned_off(tmp_path: Path) -> None:
    service = make_service(tmp_path / "index", web=False)
    with TestClient(create_app(service=service)) as client:
        assert client.get("/").status_code == 404
        assert client.get("/web/app.js").status_code == 404
    service.close()


def test_the_wheel_ships_the_page() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["api"]
    shipped = {p.relative_to(ROOT / "api").as_posix() for pattern in patterns for p in (ROOT / "api").glob(pattern)}
    assert {p.relative_to(ROOT / "api").as_posix() for p in ASSETS} <= shipped


def test_rag_serve_names_the_address_a_browser_opens() -> None:
    assert page_address("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert page_address("0.0.0.0", 8080) == "http://127.0.0.1:8080/"
    assert page_address("::1", 8000) == "http://[::1]:8000/"
