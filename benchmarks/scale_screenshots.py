"""Screenshots of /, /map and /partnership served from the large SYNTHETIC store (issue 13 asks to see them).

Starts `streamlit run` on a free loopback port against benchmarks/scale_data.py's store and saves
test-artifacts/screenshots/scale-*.png with Debian's Chromium. Run: .venv/bin/python -m benchmarks.scale_screenshots
"""

from __future__ import annotations

import time

from playwright.sync_api import sync_playwright

from benchmarks.scale_data import scale_store
from pbsa_analytics import settings
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, running_app, wait_for_app

PAGES = {
    "overview": "/",
    "map": "/map",
    # One place against 10,000: the other places are counts per range, this place and the median exact.
    "partnership": "/partnership?place=synthetic_04242&period=phase-3",
}


def main() -> None:
    made = scale_store()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = settings.REPO_ROOT / "test-artifacts" / "scale-server.log"
    with (
        running_app(db_path=made.db_path, log_path=log, extra_env={"PBSA_STORE_DIR": str(made.store_dir)}) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        for name, path in PAGES.items():
            start = time.perf_counter()
            tab.goto(url + path, timeout=300_000)
            wait_for_app(tab, timeout_ms=300_000)
            if path == "/map":  # deck.gl draws after the script finishes
                tab.wait_for_selector("canvas", timeout=120_000)
            tab.wait_for_timeout(15_000)
            print(f"{path}: drawn in {time.perf_counter() - start:.1f} s")
            if name == "partnership":  # its strips are below the fold of Streamlit's own scrolling pane
                tab.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
                tab.wait_for_timeout(3_000)
            tab.screenshot(path=str(ARTIFACTS / f"scale-{name}.png"), full_page=False)
        browser.close()


if __name__ == "__main__":
    main()
