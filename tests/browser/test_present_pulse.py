"""Browser tests: a phone answers the pulse while the projected slide updates; projector-sized type."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_phone_answer_appears_on_the_projected_slide_within_two_seconds(app_url: str, browser) -> None:
    """A phone-sized context answers at /pulse?code=…; the presenter's slide counts it within 2 s."""
    presenter = browser.new_context(viewport={"width": 1920, "height": 1080})
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        screen = presenter.new_page()
        screen.goto(app_url + "/present?slide=3")
        wait_for_app(screen)
        code = screen.locator(".pbsa-code").inner_text().strip()
        assert len(code) == 4
        expect(screen.get_by_text("0 answers so far")).to_be_visible()

        handset = phone.new_page()
        handset.goto(f"{app_url}/pulse?code={code}")
        wait_for_app(handset)
        handset.get_by_label("Your guess").fill("800")
        handset.get_by_role("button", name="Send").click()
        expect(handset.get_by_text("Answer recorded: 800")).to_be_visible(timeout=15_000)
        screenshot(handset, "pulse-phone-answered")

        expect(screen.get_by_text("1 answer so far")).to_be_visible(timeout=2_000)
        screen.get_by_text("Presenter controls for this question").click()
        screen.get_by_text("Reveal results").click()
        expect(screen.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=10_000)
        expect(screen.locator("text=Real figure: 780").first).to_be_attached(timeout=10_000)
        screenshot(screen, "present-pulse-revealed-1920x1080")
    finally:
        presenter.close()
        phone.close()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_slide_type_is_projector_sized(app_url: str, browser, width: int, height: int) -> None:
    """Slide titles are at least 40px and chart axis labels at least 20px; no Streamlit chrome is shown."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        tab = context.new_page()
        tab.goto(app_url + "/present?slide=4")
        wait_for_app(tab)
        expect(tab.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=30_000)
        title_px = tab.locator("h1").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        label_px = tab.evaluate(
            """() => Math.min(...Array.from(document.querySelectorAll(
                '[data-testid="stVegaLiteChart"] .role-axis-label text')).map(t => parseFloat(getComputedStyle(t).fontSize)))"""
        )
        assert title_px >= 40
        assert label_px >= 20
        assert not tab.locator('[data-testid="stSidebar"]').is_visible()
        assert not tab.locator('[data-testid="stHeader"]').is_visible()
        screenshot(tab, f"present-slide4-{width}x{height}")
    finally:
        context.close()


def test_arrow_keys_and_space_step_through_slides(app_url: str, browser) -> None:
    """→ moves to the next slide, space reveals a hidden answer, ← goes back; the URL follows."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tab = context.new_page()
        tab.goto(app_url + "/present?slide=1")
        wait_for_app(tab)
        for key, url_end, heading in (
            ("ArrowRight", "/present?slide=2", "Which two kinds of social action"),
            (" ", "slide=2&reveal=1", "Every place planned advocacy"),
            ("ArrowLeft", "/present?slide=1", "Twenty places made plans"),
        ):
            wait_for_app(tab)
            tab.mouse.click(5, 5)  # keyboard focus on the page, not on a widget
            tab.keyboard.press(key)
            expect(tab).to_have_url(re.compile(re.escape(url_end) + "$"), timeout=15_000)
            expect(tab.get_by_role("heading", name=heading)).to_be_visible(timeout=15_000)
    finally:
        context.close()
