"""Untrusted text stays text in the browser; local mode says so, and refuses to serve a non-loopback address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.services import monitoring
from tests.browser.conftest import running_app, screenshot, wait_for_app
from tests.imports_support import csv_bytes, fresh_store

pytestmark = pytest.mark.browser

IMAGE = "![x](http://evil.example/note.png)"
LINK = "[Log in again](http://evil.example/phish)"
PAYLOAD_URLS = [
    "/pulse?code=![X](http://evil.example/p.png)",
    "/partnership?place=nope![x](http://evil.example/w.png)",
    "/partnership?place=hartlepool",
    "/partnership?place=hartlepool&anon=1",
    "/evidence?q=![x](http://evil.example/e.png)",
]


@pytest.fixture(scope="module")
def hostile_app(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app (local mode) whose store holds an imported note carrying an image and a phishing link."""
    folder = tmp_path_factory.mktemp("hostile")
    store = fresh_store(built_db, folder / "store")
    note = f"Counted again {IMAGE} {LINK} <img src=http://evil.example/html.png>"
    data = csv_bytes([
        ["Place", "Period start", "Period end", "Metric", "Value", "Note"],
        ["Hartlepool", "2019-01-01", "2022-01-31", "volunteers", "37", note],
    ])  # fmt: skip
    monitoring.import_file(store, data=data, file_name="hostile.csv", replace=True, principal=LOCAL_ADMIN)
    env = {"PBSA_STORE_DIR": str(store.imports.root)}
    with running_app(db_path=store.db_path, log_path=folder / "server.log", extra_env=env) as url:
        yield url


@pytest.mark.parametrize("path", PAYLOAD_URLS)
def test_url_and_note_payloads_render_as_text_with_no_request_elsewhere(hostile_app: str, page, path: str) -> None:
    """Image and link Markdown/HTML from the URL or an imported note makes no element and no request to another host."""
    tab, external = page
    tab.goto(hostile_app + path)
    wait_for_app(tab)
    tab.wait_for_timeout(1000)
    main = tab.locator('[data-testid="stMain"]')
    assert main.locator('img[src*="evil"], a[href*="evil"]').count() == 0
    # The payload is still there, as text (or as the search box's value), unless the page refuses its shape outright.
    inputs = main.locator("input").evaluate_all("elements => elements.map(e => e.value).join(' ')")
    if path.startswith("/pulse"):
        assert "not a code from the screen" in main.inner_text()
    else:
        assert "evil.example" in (main.inner_text() + inputs).lower()
    assert tab.locator('[data-testid="stException"]').count() == 0
    if path.endswith("anon=1"):
        screenshot(tab, "partnership-hostile-note-anonymised")
    assert external == []


def test_local_mode_is_stated_in_the_header(hostile_app: str, page) -> None:
    """Without [auth], every page says it is in local mode with funder-admin rights."""
    tab, _ = page
    tab.goto(hostile_app + "/map")
    wait_for_app(tab)
    expect(tab.get_by_text("Local mode: no sign-in").first).to_be_visible()


def test_local_mode_refuses_a_non_loopback_address(built_db: Path, tmp_path: Path, page) -> None:
    """Started on every interface without sign-in, the app shows only a refusal: no navigation, no data."""
    tab, external = page
    with running_app(
        db_path=built_db, log_path=tmp_path / "server.log", extra_args=["--server.address", "0.0.0.0"]  # noqa: S104
    ) as url:  # fmt: skip
        tab.goto(url + "/partnership?place=hartlepool")
        heading = tab.get_by_role("heading", name="Not started: local mode on a shared address")
        expect(heading).to_be_visible(timeout=60_000)
        tab.wait_for_timeout(1000)
        text = tab.locator("body").inner_text()
        screenshot(tab, "local-mode-refused")
    assert "Hartlepool" not in text
    assert tab.locator('[data-testid="stSidebarNav"]').count() == 0
    assert external == []
