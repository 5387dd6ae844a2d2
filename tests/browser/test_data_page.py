"""Browser test: a monitoring return uploaded on /data is previewed, imported, and shows on the overview."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import running_app, screenshot, wait_for_app
from tests.imports_support import csv_bytes, fresh_store

pytestmark = pytest.mark.browser


def test_upload_preview_commit_and_overview_changes(built_db: Path, tmp_path: Path, page) -> None:
    """Correcting Lincoln's Phase 2 volunteers from 25 to 35 moves the overview total from 780 to 790."""
    tab, external = page
    store = fresh_store(built_db, tmp_path / "store")
    store.close()
    correction = tmp_path / "lincoln-correction.csv"
    correction.write_bytes(
        csv_bytes([["Place", "Period start", "Period end", "Metric", "Value", "Note"],
                   ["Lincoln City", "2019-01-01", "2022-01-31", "Volunteers", "35", "corrected return"]])
    )  # fmt: skip
    env = {"PBSA_STORE_DIR": str(tmp_path / "store" / "imports")}
    with running_app(
        db_path=tmp_path / "store" / "pbsa.duckdb", log_path=tmp_path / "server.log", extra_env=env
    ) as url:
        tab.set_viewport_size({"width": 1400, "height": 1800})
        tab.goto(url + "/")
        wait_for_app(tab)
        expect(tab.get_by_test_id("stMetric").filter(has_text="Volunteers")).to_contain_text("780", timeout=30_000)

        tab.goto(url + "/data")
        wait_for_app(tab)
        tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(correction))
        replace_metric = tab.get_by_test_id("stMetric").filter(has_text="Would replace existing")
        expect(replace_metric).to_contain_text("1", timeout=30_000)
        tab.get_by_text("Replace the 1 existing value(s)").click()
        tab.get_by_role("button", name="Import this return").click()
        expect(tab.get_by_text("Imported lincoln-correction.csv")).to_be_visible(timeout=30_000)
        screenshot(tab, "data-import-committed")

        tab.goto(url + "/")
        wait_for_app(tab)
        expect(tab.get_by_test_id("stMetric").filter(has_text="Volunteers")).to_contain_text("790", timeout=30_000)
        screenshot(tab, "overview-after-import")
    assert external == []
