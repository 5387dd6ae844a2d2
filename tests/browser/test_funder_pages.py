"""Browser tests: every funder page in real Chromium against `streamlit run`, offline, with screenshots."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import running_app, screenshot, wait_for_app

pytestmark = pytest.mark.browser

VEGA = '[data-testid="stVegaLiteChart"] svg'
DECK = '[data-testid="stDeckGlJsonChart"] canvas'
PATHS = [("/", VEGA), ("/map", DECK), ("/typology", VEGA), ("/outcomes", VEGA), ("/phases", VEGA)]

# The deck's initial view (pbsa_analytics.maps.places) and deck.gl's 512-pixel world tile.
VIEW_LATITUDE, VIEW_LONGITUDE, VIEW_ZOOM, TILE_SIZE = 53.2, -2.3, 4.9, 512


def _mercator(latitude: float, longitude: float) -> tuple[float, float]:
    world = TILE_SIZE * 2**VIEW_ZOOM
    x = (longitude + 180) / 360 * world
    y = (math.pi - math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))) / (2 * math.pi) * world
    return x, y


def _screen_offset(latitude: float, longitude: float) -> tuple[float, float]:
    """Pixels from the canvas centre to a point, for the deck's initial view."""
    cx, cy = _mercator(VIEW_LATITUDE, VIEW_LONGITUDE)
    x, y = _mercator(latitude, longitude)
    return x - cx, y - cy


def _click_until_shown(tab, click, panel) -> None:
    """Click, and click again (at most three times in all) while the panel has not appeared: a click landing
    while the page is still settling (deck.gl laying out layers, a chart re-drawn) can be lost, and a person
    would simply click again."""
    for _ in range(3):
        click()
        try:
            panel.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            tab.wait_for_timeout(1000)
    expect(panel).to_be_visible(timeout=10_000)


@pytest.mark.parametrize(("path", "main_chart"), PATHS, ids=[p for p, _ in PATHS])
def test_page_loads_offline_with_its_main_chart(app_url: str, page, path: str, main_chart: str) -> None:
    """The page shows no exception, draws its main chart and sends nothing beyond 127.0.0.1."""
    tab, external = page
    tab.set_viewport_size({"width": 1400, "height": 2200})
    tab.goto(app_url + path)
    wait_for_app(tab)
    expect(tab.locator(main_chart).first).to_be_visible(timeout=30_000)
    assert tab.locator('[data-testid="stException"]').count() == 0
    screenshot(tab, "page-" + (path.strip("/") or "overview"))
    assert external == []


def test_clicking_a_map_point_opens_the_place_panel(app_url: str, page) -> None:
    """A click on Hartlepool's point opens its panel and puts ?place=hartlepool in the URL."""
    tab, external = page
    tab.goto(app_url + "/map")
    wait_for_app(tab)
    canvas = tab.locator(DECK).first
    expect(canvas).to_be_visible(timeout=30_000)
    tab.wait_for_timeout(1500)
    box = canvas.bounding_box()
    dx, dy = _screen_offset(54.6855, -1.21)
    panel = tab.get_by_text("Hartlepool — Hartlepool Action Lab")
    _click_until_shown(
        tab, lambda: tab.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy), panel
    )
    assert "place=hartlepool" in tab.url
    expect(tab.get_by_text("Open the partnership page")).to_be_visible()
    screenshot(tab, "map-hartlepool-panel")
    assert external == []


def test_clicking_a_heatmap_cell_shows_what_is_behind_it(app_url: str, page) -> None:
    """A click on Bootle x Co-production in Phase 2 lists the activities behind the cell, with sources."""
    tab, external = page
    tab.set_viewport_size({"width": 1400, "height": 1600})
    tab.goto(app_url + "/typology?phase=2")
    wait_for_app(tab)
    cell = tab.locator('[data-testid="stVegaLiteChart"] path[aria-label*="Place: Bootle; Typology: Co-production"]')
    panel = tab.get_by_text("Bootle × Co-production (Phase 2): marked")
    _click_until_shown(tab, cell.first.click, panel)
    expect(tab.get_by_text("Strategic planning through community consultation").first).to_be_visible()
    assert "cell=sefton" in tab.url
    screenshot(tab, "typology-cell-panel")
    assert external == []


def test_clicking_an_outcome_cell_lists_its_evidence(app_url: str, page) -> None:
    """A click on Lincoln x Empowerment lists its evidence summaries with citations."""
    tab, external = page
    tab.set_viewport_size({"width": 1400, "height": 1600})
    tab.goto(app_url + "/outcomes")
    wait_for_app(tab)
    cell = tab.locator('[data-testid="stVegaLiteChart"] path[aria-label*="Place: Lincoln; Outcome: Empowerment"]')
    cell.first.click()
    expect(tab.get_by_text("Lincoln × Empowerment")).to_be_visible(timeout=30_000)
    expect(tab.get_by_text("Source: Renaisi, Learning from Phase 2 (2022), Difference made").first).to_be_visible()
    screenshot(tab, "outcomes-cell-panel")
    assert external == []


def test_first_visit_to_a_deep_link_gets_the_app_navigation(built_db, tmp_path, page) -> None:
    """On a fresh server, a first request for /map shows the app's own page titles, not pages/ file names."""
    tab, external = page
    with running_app(db_path=built_db, log_path=tmp_path / "server.log") as url:
        tab.goto(url + "/map")
        wait_for_app(tab)
        nav = tab.locator('[data-testid="stSidebarNav"]')
        expect(nav).to_contain_text("Place map", timeout=30_000)
        assert "typology" not in nav.inner_text()
        expect(tab.get_by_role("heading", name="Where the places are")).to_be_visible()
    assert external == []


def test_back_button_restores_the_previous_view(app_url: str, page) -> None:
    """Changing the typology phase twice and pressing back shows the first change again, URL and chart."""
    tab, external = page
    tab.goto(app_url + "/typology")
    wait_for_app(tab)
    for label in ("Phase 2 — delivered", "Phase 3 — planned"):
        tab.get_by_text(label).click()
        tab.wait_for_timeout(1500)
    assert tab.url.endswith("phase=3")
    tab.go_back()
    tab.wait_for_url("**/typology?phase=2", timeout=15_000)
    expect(tab.locator('[data-testid="stVegaLiteChart"] svg text', has_text="in Phase 2").first).to_be_visible(
        timeout=15_000
    )
    assert external == []


def _tab_to(tab, key: str, *, most: int = 150) -> None:
    """Press Tab (only) until keyboard focus is inside the widget with this key."""
    inside = f"() => !!(document.activeElement && document.activeElement.closest('.st-key-{key}'))"
    for _ in range(most):
        tab.keyboard.press("Tab")
        if tab.evaluate(inside):
            return
    raise AssertionError(f"Tab never reached {key}")


KEYBOARD_CELLS = {
    "typology": ("/typology?phase=2", "typology_cell", "Bootle", "Co-production",
                 "Bootle × Co-production (Phase 2): marked", "cell=sefton%3Aco_production"),
    "outcomes": ("/outcomes", "outcomes_cell", "Lincoln", "Empowerment", "Lincoln × Empowerment:",
                 "cell=lincoln%3Aempowerment"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(KEYBOARD_CELLS))
def test_keyboard_alone_opens_a_heatmap_cell(app_url: str, page, case: str) -> None:
    """With Tab, typing and Enter only, a keyboard user chooses a heatmap cell; its panel opens and ?cell= is set,
    exactly as a click would, and the focused control shows the visible focus ring."""
    path, key, row, column, panel, cell = KEYBOARD_CELLS[case]
    tab, external = page
    tab.set_viewport_size({"width": 1400, "height": 1600})
    tab.goto(app_url + path)
    wait_for_app(tab)
    tab.locator(f".st-key-{key}_row").wait_for(timeout=30_000)
    _tab_to(tab, f"{key}_row")
    ring = tab.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    tab.keyboard.type(row)
    # Enter picks the highlighted option: wait until typing has filtered the list to it (a busy machine is slow).
    expect(tab.get_by_role("option", name=row).first).to_be_visible(timeout=15_000)
    tab.keyboard.press("Enter")
    wait_for_app(tab)
    _tab_to(tab, f"{key}_column", most=10)
    tab.keyboard.type(column)
    expect(tab.get_by_role("option", name=column).first).to_be_visible(timeout=15_000)
    screenshot(tab, f"{key}-keyboard-picker")  # the picker, focused, with its list open
    tab.keyboard.press("Enter")
    expect(tab.get_by_text(panel).first).to_be_visible(timeout=30_000)
    assert cell in tab.url.replace(":", "%3A")
    assert ring == "solid"  # the page's focus style (ui/a11y.py) is on the box the user is typing in
    screenshot(tab, f"{key}-keyboard-panel")
    assert external == []
