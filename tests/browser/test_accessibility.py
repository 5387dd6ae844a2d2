"""Accessibility in real Chromium: axe-core finds no serious violation, charts have text, focus is visible."""

from __future__ import annotations

import json

import pytest

from pbsa_analytics import settings
from tests.browser.conftest import ARTIFACTS, wait_for_app

pytestmark = pytest.mark.browser

AXE = settings.REPO_ROOT / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
PATHS = [
    "/",
    "/map",
    "/typology?phase=2&cell=sefton:co_production",
    "/outcomes?cell=lincoln:empowerment",
    "/phases",
    "/partnership?place=hartlepool",
    "/evidence?q=food",
    "/data",
    "/conditions",
    "/present?deck=learning-event",
    "/pulse",
]
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
        where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
CHART_LABELS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .map(chart => (chart.getAttribute('aria-label') || '').trim())"""


def _settle(tab) -> None:
    """Charts drawn and no element faded as stale by a rerun still under way (a faded caption fails contrast)."""
    wait_for_app(tab)
    tab.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".every(chart => chart.querySelector('svg, canvas'))",
        timeout=60_000,
    )
    tab.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=60_000,
    )
    tab.wait_for_timeout(1_000)  # the fade back from stale is a CSS transition


def _record(path: str, violations: list[dict]) -> None:
    """Keep each page's counts by impact in test-artifacts/accessibility.json for the report."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS.parent / "accessibility.json"
    counts = json.loads(log.read_text()) if log.exists() else {}
    by_impact: dict[str, int] = {}
    for violation in violations:
        by_impact[violation["impact"]] = by_impact.get(violation["impact"], 0) + violation["nodes"]
    counts[path] = by_impact
    log.write_text(json.dumps(counts, indent=2, sort_keys=True))


@pytest.mark.parametrize("path", PATHS)
def test_axe_finds_no_serious_violation(app_url: str, page, path: str) -> None:
    """axe-core (WCAG 2.1 A and AA rules) reports no serious or critical violation on the page."""
    tab, _ = page
    tab.goto(f"{app_url}{path}")
    _settle(tab)
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate(RUN_AXE, WCAG_TAGS)
    _record(path, violations)
    assert [v for v in violations if v["impact"] in BLOCKING] == []


@pytest.mark.parametrize("path", ["/", "/typology?phase=2", "/outcomes", "/phases", "/partnership?place=hartlepool"])
def test_every_chart_has_a_text_alternative(app_url: str, page, path: str) -> None:
    """Each chart carries an accessible name stating its finding and sources."""
    tab, _ = page
    tab.goto(f"{app_url}{path}")
    tab.wait_for_selector(
        '[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas', state="attached", timeout=120_000
    )
    _settle(tab)
    labels = tab.evaluate(CHART_LABELS)
    assert labels
    assert all(len(label) > 20 for label in labels), labels


def test_keyboard_focus_is_visible_in_the_sidebar(app_url: str, page) -> None:
    """Tabbing onto a sidebar link draws a visible focus ring (outline or shadow)."""
    tab, _ = page
    tab.goto(f"{app_url}/phases")
    _settle(tab)
    # The page's focus style arrives with the script run; tab only once it is in the document.
    tab.wait_for_function(
        "() => [...document.querySelectorAll('style')].some(s => s.textContent.includes('#FFDD00'))", timeout=30_000
    )
    for _ in range(40):
        tab.keyboard.press("Tab")
        if tab.evaluate("() => !!document.activeElement.closest('[data-testid=\"stSidebar\"]')"):
            break
    style = tab.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"
    )
    assert tab.evaluate("() => !!document.activeElement.closest('[data-testid=\"stSidebar\"]')")
    assert (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none", style
