"""Browser tests for the partnership view (plain and anonymised) and the evidence library."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pbsa_analytics.store import Store
from tests.browser.conftest import screenshot, wait_for_app
from tests.test_partnership import forbidden_patterns, leaks

pytestmark = pytest.mark.browser


def test_partnership_page_compares_hartlepool(app_url: str, page) -> None:
    """/partnership?place=hartlepool draws its comparison charts offline."""
    tab, external = page
    tab.set_viewport_size({"width": 1400, "height": 2400})
    tab.goto(app_url + "/partnership?place=hartlepool")
    wait_for_app(tab)
    expect(tab.get_by_role("heading", name="Hartlepool: Hartlepool Action Lab")).to_be_visible(timeout=30_000)
    expect(tab.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=90_000)
    assert tab.locator('[data-testid="stException"]').count() == 0
    screenshot(tab, "partnership-hartlepool")
    assert external == []


def test_anonymised_partnership_page_names_no_other_place(app_url: str, page, store: Store) -> None:
    """With anon=1 the visible page and its chart markup hold no other place's name or id."""
    tab, external = page
    tab.set_viewport_size({"width": 1400, "height": 2400})
    tab.goto(app_url + "/partnership?place=hartlepool&anon=1")
    wait_for_app(tab)
    expect(tab.get_by_text("Partnership A, B").first).to_be_visible(timeout=30_000)
    text = tab.locator('[data-testid="stMain"]').inner_text() + tab.locator('[data-testid="stMain"]').inner_html()
    assert leaks(text, forbidden_patterns(store, "hartlepool")) == []
    screenshot(tab, "partnership-hartlepool-anonymised")
    assert external == []


def test_evidence_search_for_food(app_url: str, page) -> None:
    """/evidence?q=food lists matching records with their sources."""
    tab, external = page
    tab.set_viewport_size({"width": 1400, "height": 1800})
    tab.goto(app_url + "/evidence?q=food")
    wait_for_app(tab)
    expect(tab.get_by_text("evidence records match").first).to_be_visible(timeout=30_000)
    expect(tab.get_by_text("Source: Renaisi, Learning from Phase 2 (2022)").first).to_be_visible()
    assert tab.locator('[data-testid="stException"]').count() == 0
    screenshot(tab, "evidence-food")
    assert external == []
