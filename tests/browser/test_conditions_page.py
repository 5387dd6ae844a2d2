"""Browser tests of /conditions: a round filled, drafted, reloaded, submitted, corrected and undone; the cohort view."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pbsa_analytics.demo.conditions import load_demo
from tests.browser.conftest import running_app, screenshot, wait_for_app
from tests.imports_support import fresh_store

pytestmark = pytest.mark.browser
TIMEOUT = 60_000


def private_app(built_db: Path, folder: Path):
    """A streamlit server on a private copy of the store with an empty store folder."""
    fresh_store(built_db, folder).close()
    env = {"PBSA_STORE_DIR": str(folder / "imports")}
    return running_app(db_path=folder / "pbsa.duckdb", log_path=folder / "server.log", extra_env=env)


def answer(tab: Page, key: str, option: str) -> None:
    tab.locator(f".st-key-{key}").get_by_text(option, exact=True).click()


def test_fill_draft_reload_submit_correct_and_undo(built_db: Path, tmp_path: Path, page) -> None:
    """A draft survives a reload; submitting, correcting and undoing each show what is in force."""
    tab, external = page
    with private_app(built_db, tmp_path / "store") as url:
        tab.set_viewport_size({"width": 1400, "height": 1400})
        tab.goto(url + "/conditions?place=hartlepool&round=2025-Q1")
        wait_for_app(tab)
        expect(tab.get_by_text("2025-Q1: not submitted yet.")).to_be_visible(timeout=TIMEOUT)
        answer(tab, "cond_e1-mission-1", "No")
        tab.locator(".st-key-cond_e1-mission-1_note input").fill("no hall to meet in")
        answer(tab, "cond_esa-3", "2 emerging")
        tab.locator(".st-key-cond_by input").fill("Ann Example")
        tab.get_by_role("button", name="Save draft").click()
        expect(tab.get_by_text("Draft saved: 2 of 21 answered.")).to_be_visible(timeout=TIMEOUT)
        screenshot(tab, "conditions-draft-saved")

        tab.reload()
        wait_for_app(tab)
        mission = tab.locator(".st-key-cond_e1-mission-1")
        expect(mission.get_by_role("radio", name="No", exact=True)).to_be_checked(timeout=TIMEOUT)
        expect(tab.locator(".st-key-cond_e1-mission-1_note input")).to_have_value("no hall to meet in", timeout=TIMEOUT)
        expect(tab.locator(".st-key-cond_esa-3").get_by_role("radio", name="2 emerging", exact=True)).to_be_checked(
            timeout=TIMEOUT
        )

        tab.get_by_role("button", name="Submit round").click()
        expect(tab.get_by_text("Round submitted: 2 of 21 answered.")).to_be_visible(timeout=TIMEOUT)
        expect(tab.get_by_text("2025-Q1: submission of")).to_be_visible(timeout=TIMEOUT)
        screenshot(tab, "conditions-submitted")

        answer(tab, "cond_e1-mission-1", "Yes")
        tab.get_by_role("button", name="Submit correction").click()
        expect(tab.get_by_text("Correction submitted: 2 of 21 answered.")).to_be_visible(timeout=TIMEOUT)
        expect(tab.get_by_text("2025-Q1: correction of")).to_be_visible(timeout=TIMEOUT)

        tab.get_by_text("Yes, undo the correction of").click()
        tab.get_by_role("button", name="Undo this correction").click()
        expect(tab.get_by_text("Undone the correction of")).to_be_visible(timeout=TIMEOUT)
        expect(tab.get_by_text("2025-Q1: submission of")).to_be_visible(timeout=TIMEOUT)
        expect(mission.get_by_role("radio", name="No", exact=True)).to_be_checked(timeout=TIMEOUT)
        screenshot(tab, "conditions-correction-undone")
    assert external == []


def test_empty_state_then_cohort_heatmap_from_the_demo_store(built_db: Path, tmp_path: Path, page) -> None:
    """No rounds: the tool is explained. After the synthetic demo loads: a labelled heatmap and a note drill-down."""
    tab, external = page
    folder = tmp_path / "store"
    with private_app(built_db, folder) as url:
        tab.set_viewport_size({"width": 1400, "height": 1600})
        tab.goto(url + "/conditions?view=cohort")
        wait_for_app(tab)
        expect(tab.get_by_text("No self-assessment has been submitted yet")).to_be_visible(timeout=TIMEOUT)
        screenshot(tab, "conditions-empty")

        load_demo(db_path=folder / "pbsa.duckdb", store_dir=folder / "imports")
        tab.goto(url + "/conditions?view=cohort")
        wait_for_app(tab)
        expect(tab.get_by_text("SYNTHETIC DEMO DATA")).to_be_visible(timeout=TIMEOUT)
        question = "Have people been brought together locally"
        cell = tab.locator(
            f'[data-testid="stVegaLiteChart"] path[aria-label*="Place: Hartlepool; Condition: {question}"]'
        )
        cell.first.click(timeout=TIMEOUT)
        expect(tab.locator(".st-key-cond_cell_panel")).to_contain_text(
            "Hartlepool × Mission 3 (2025-Q3)", timeout=TIMEOUT
        )
        assert "cell=hartlepool%3Ae1-mission-3" in tab.url or "cell=hartlepool:e1-mission-3" in tab.url
        tab.wait_for_timeout(1500)
        screenshot(tab, "conditions-cohort-heatmap")
    assert external == []
