"""Browser tests: the period control and quarterly views on a synthetic demo store, with screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pbsa_analytics.services.demo import load_demo
from tests.browser.conftest import running_app, screenshot, wait_for_app
from tests.imports_support import fresh_store

pytestmark = pytest.mark.browser

VEGA = '[data-testid="stVegaLiteChart"] svg'
DECK = '[data-testid="stDeckGlJsonChart"] canvas'


@pytest.fixture(scope="module")
def demo_url(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A streamlit server on a copy of the store whose imports folder holds the seeded demo returns."""
    folder = tmp_path_factory.mktemp("demo")
    store = fresh_store(built_db, folder)
    load_demo(store)
    store.close()
    with running_app(
        db_path=folder / "pbsa.duckdb",
        log_path=folder / "server.log",
        extra_env={"PBSA_STORE_DIR": str(folder / "imports")},
    ) as url:
        yield url


def _open(tab, url: str) -> None:
    tab.set_viewport_size({"width": 1400, "height": 2400})
    tab.goto(url)
    wait_for_app(tab)
    assert tab.locator('[data-testid="stException"]').count() == 0


def test_overview_states_the_period_and_rules_and_draws_quarterly_multiples(demo_url: str, page) -> None:
    """With a financial year chosen, the overview labels the demo data synthetic, states the period and each
    metric's rule, and draws the cohort and place-by-place quarterly small multiples."""
    tab, external = page
    _open(tab, demo_url + "/?period=fy-2023")
    expect(tab.get_by_text("SYNTHETIC", exact=False).first).to_be_visible()
    expect(tab.get_by_text("Period: Financial year 2023/24.", exact=False).first).to_be_visible()
    expect(tab.get_by_text("Volunteers: latest period", exact=False).first).to_be_visible()
    expect(tab.get_by_text("Quarter by quarter: Financial year 2023/24")).to_be_visible()
    expect(tab.locator(VEGA).nth(2)).to_be_visible(timeout=90_000)
    screenshot(tab, "time-overview-fy-2023")
    assert external == []


def test_partnership_shows_its_quarters_against_the_cohort_band(demo_url: str, page) -> None:
    """Hartlepool's page for a financial year titles each metric with its period and rule and shows the
    quarter-by-quarter chart."""
    tab, external = page
    _open(tab, demo_url + "/partnership?place=hartlepool&period=fy-2023")
    expect(tab.locator(VEGA).first).to_be_visible(timeout=90_000)
    tab.wait_for_timeout(1000)
    screenshot(tab, "time-partnership-hartlepool-fy-2023")
    expect(tab.get_by_text("Financial year 2023/24. Each place's figures", exact=False)).to_be_visible()
    expect(tab.get_by_text("Orange: this partnership's quarterly figure", exact=False)).to_be_visible()
    # Each figure's line (the same the `partnership` command prints) ends with its period and rule.
    expect(
        tab.get_by_text(
            re.compile(r"Volunteers: [\d,]+, \d+\w\w of \d+ reporting, .*Financial year 2023/24, latest period")
        ).first
    ).to_be_visible()
    assert external == []


def test_map_sizes_points_by_the_chosen_quarter(demo_url: str, page) -> None:
    """The map's size control and legend name the chosen quarter and the rule."""
    tab, external = page
    _open(tab, demo_url + "/map?period=q-2023-04&size=volunteers")
    expect(tab.locator(DECK).first).to_be_visible(timeout=90_000)
    expect(tab.get_by_text("Size points by (Apr–Jun 2023)")).to_be_visible()
    expect(tab.get_by_text("Apr–Jun 2023 (latest period)", exact=False)).to_be_visible()
    tab.wait_for_timeout(1500)
    screenshot(tab, "time-map-q-2023-04")
    assert external == []


def test_data_page_grades_quarters_late_and_missing(demo_url: str, page) -> None:
    """/data shows the completeness grid for the chosen period with late and missing quarters named."""
    tab, external = page
    _open(tab, demo_url + "/data?period=phase-3")
    expect(tab.get_by_text("A quarterly return is due 30 days after its quarter ends", exact=False)).to_be_visible(
        timeout=90_000
    )
    expect(tab.locator(VEGA).first).to_be_visible(timeout=90_000)
    expect(tab.locator('input[aria-label="Find a place"]')).to_be_visible(timeout=90_000)
    tab.wait_for_timeout(1500)
    screenshot(tab, "time-data-phase-3")
    expect(tab.locator('input[aria-label="Find a place"]')).to_be_visible()
    assert external == []
