"""The leak matrix: each role signs in for real and tampers with URLs; nothing outside its scope reaches the browser.

For every role x page x tampered URL the test collects the rendered DOM (text and markup), every websocket
frame the server sent (Vega datasets and tooltips, pydeck JSON, table data, all of it) and every table
download, and looks for any name, alias, id, lead organisation or LA code of a place outside the role's
scope. A funder (unscoped) doing the same must fail the same check, so the check can fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from pbsa_analytics.store import Store
from tests.browser.auth_support import PARTNERSHIP_PLACE, Session, open_session, signed_in_app
from tests.browser.conftest import screenshot, wait_for_app
from tests.leak_check import download_text, find_leaks, normal, scope_terms

pytestmark = pytest.mark.browser

OTHER = "colchester"  # another place, with an LA code (E07000071) and aliases to leak
TAMPERED = [
    "/",
    "/map",
    f"/map?place={OTHER}&size=volunteers",
    "/typology?phase=1&sort=name",
    f"/typology?phase=1&cell={OTHER}:advocacy_social_movements",
    f"/outcomes?cell={OTHER}:empowerment",
    "/phases",
    "/partnership",
    f"/partnership?place={OTHER}&anon=0",
    f"/evidence?q={OTHER}",
    f"/evidence?place={OTHER}",
    "/data",
    *[f"/present?deck=learning-event&slide={n}&anon=0" for n in range(1, 7)],
    "/pulse",
]
ROLE_PLACE = {"partnership": PARTNERSHIP_PLACE, "public": None, "participant": None}


@pytest.fixture(scope="module")
def auth_app(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One app requiring sign-in through a local OIDC provider, shared by every role in this module."""
    with signed_in_app(db_path=built_db, folder=tmp_path_factory.mktemp("auth")) as url:
        yield url


# Pages whose every table download is fetched; elsewhere the first two of each format (they all come from the
# same scoped frames).
EVERY_DOWNLOAD = ("/partnership", "/evidence", "/map")
PER_FORMAT = 2
PROGRAMME_REPORT = "Whole-programme report"
DOWNLOAD_MENU = re.compile(r"Download( [a-z]+)? \(")  # "Download (CSV, XLSX)", "Download profile (PNG, PDF)"


def _fetch(session: Session, button) -> tuple[str, str]:
    """Click one download button; return the file's name and its text as its format is read (see download_text)."""
    with session.tab.expect_download(timeout=120_000) as download:
        button.click()
    name = download.value.suggested_filename
    text = download_text(name, Path(download.value.path()).read_bytes())
    session.formats[name.rsplit(".", 1)[-1]] = session.formats.get(name.rsplit(".", 1)[-1], 0) + 1
    return name, text


def _open_programme_downloads(session: Session, *, popover) -> None:
    """Wait until the prepared report's buttons show. Building it may outlast one rerun check; the popover is
    reopened only when it has closed (neither its prepare button nor its downloads showing), never toggled shut."""
    tab = session.tab
    ready = tab.get_by_role("button", name="Programme report (HTML)")
    preparing = tab.get_by_role("button", name="Prepare the programme report")
    for _ in range(120):
        if ready.is_visible():
            return
        if not preparing.is_visible() and not tab.locator('[data-testid="stStatusWidget"]').count():
            popover.click()  # a rerun closed the popover
        tab.wait_for_timeout(1000)
    expect(ready).to_be_visible()


def _fetch_shown(session: Session, buttons, *, every: bool, taken: dict[str, int]) -> list[str]:
    """Fetch the shown download buttons among `buttons` (all of them, or up to PER_FORMAT of each format)."""
    texts = []
    for index in range(buttons.count()):
        button = buttons.nth(index)
        label = button.inner_text()
        kind = label.rsplit("(", 1)[-1].split(")")[0].split(",")[0].strip().lower()
        if kind == "png" or not button.is_visible():
            continue  # a raster: its chart is read as SVG and in the page's HTML report
        if not every and taken.get(kind, 0) >= PER_FORMAT and "page as" not in label:
            continue
        taken[kind] = taken.get(kind, 0) + 1
        texts.append(_fetch(session, button)[1])
    return texts


def _open_expanders_holding_menus(session: Session) -> None:
    """Open each closed expander that holds a Download menu (the map's table view), as a reader would to reach it."""
    popover = '[data-testid="stPopover"]'
    for holder in session.tab.locator('[data-testid="stExpander"]').filter(has=session.tab.locator(popover)).all():
        if not holder.locator(popover).first.is_visible():
            holder.locator("summary").first.click()
            holder.locator(popover).first.wait_for(timeout=30_000)


def _open_menu(tab: Page, *, menu: Locator, body: Locator, shown: Locator) -> None:
    """Open a Download menu and wait until its rerun has drawn its files.

    A click that lands while the page is still redrawing can open the menu without its rerun (seen once in CI:
    the body showed, the files never came); a reader would close it and click again, and so does this, once.
    """
    for attempt in range(2):
        menu.click()
        try:
            shown.first.wait_for(timeout=30_000)
        except PlaywrightTimeoutError:
            if attempt:
                raise
            tab.keyboard.press("Escape")
            body.first.wait_for(state="hidden", timeout=30_000)
            wait_for_app(tab)
        else:
            return


def _downloads(session: Session, *, url: str, every: bool) -> list[str]:
    """Fetch the page's downloads of every format (CSV, XLSX, Parquet, SVG, the page's PDF and HTML report, and
    once per session the whole-programme PDF and HTML report) and return their text. A chart's or table's files sit
    in a "Download" menu that renders them only while open: each menu is opened (all of them, or the first
    PER_FORMAT) and closed again."""
    tab = session.tab
    taken: dict[str, int] = {}
    texts = _fetch_shown(session, tab.locator('[data-testid="stDownloadButton"] button'), every=every, taken=taken)
    _open_expanders_holding_menus(session)
    menus = tab.locator('[data-testid="stPopover"] button').filter(has_text=DOWNLOAD_MENU)
    # A menu in a tab not shown (the map panel's Monitoring tab) is left, as its table's rows are in the page's others.
    shown_menus = [index for index in range(menus.count()) if menus.nth(index).is_visible()]
    session.menus[url] = len(shown_menus) if every else min(len(shown_menus), PER_FORMAT)
    for index in shown_menus if every else shown_menus[:PER_FORMAT]:
        body = tab.locator('[data-testid="stPopoverBody"]')
        shown = body.locator('[data-testid="stDownloadButton"] button')
        _open_menu(tab, menu=menus.nth(index), body=body, shown=shown)
        texts += _fetch_shown(session, shown, every=every, taken=taken)
        tab.keyboard.press("Escape")
        body.first.wait_for(state="hidden", timeout=60_000)
        wait_for_app(tab)  # closing reruns the page
    popover = tab.get_by_role("button", name=PROGRAMME_REPORT)
    if not session.programme_report_read and popover.count():
        popover.first.click()
        tab.get_by_role("button", name="Prepare the programme report").click()
        _open_programme_downloads(session, popover=popover.first)
        for label in ("Programme report (PDF, A4)", "Programme report (HTML)"):
            texts.append(_fetch(session, tab.get_by_role("button", name=label))[1])
        tab.keyboard.press("Escape")
        session.programme_report_read = True
    return texts


def collect(session: Session, url: str) -> dict[str, str]:
    """Everything one URL puts in front of the user: DOM text and markup, websocket frames, downloads."""
    session.reset()
    tab = session.tab
    tab.goto(url)
    wait_for_app(tab)
    if tab.locator('[data-testid="stVegaLiteChart"]').count():
        tab.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=30_000)
    for _ in range(5):  # Streamlit's "page not found" notice makes the page inert; it may take more than one Escape
        if not tab.get_by_role("dialog").count():
            break
        tab.keyboard.press("Escape")
        tab.wait_for_timeout(1000)
    assert tab.get_by_role("dialog").count() == 0, tab.get_by_role("dialog").first.inner_text()
    tab.wait_for_timeout(500)
    return {
        "dom": session.tab.evaluate("() => document.body.innerText + document.body.innerHTML"),
        "websocket": "\n".join(session.frames),
        "downloads": "\n".join(_downloads(session, url=url, every=urlsplit(url).path in EVERY_DOWNLOAD)),
    }


def typed_in(path: str) -> set[str]:
    """What the tamperer typed into the URL: echoed back in the address and the search box, so not a leak."""
    values = [value for _, value in parse_qsl(urlsplit(path).query)]
    return {normal(part) for value in values for part in value.split(":")}


def leaks_for(session: Session, *, app_url: str, store: Store, own_place: str | None) -> dict[str, dict]:
    forbidden, allowed = scope_terms(store, own_place)
    found: dict[str, dict] = {}
    for path in TAMPERED:
        seen = collect(session, app_url + path)
        session.downloaded += len(seen["downloads"])
        for source, text in seen.items():
            leaked = find_leaks(text, forbidden=forbidden - typed_in(path), allowed=allowed)
            if leaked:
                found.setdefault(path, {})[source] = leaked
    return found


@pytest.mark.parametrize("role", list(ROLE_PLACE))
def test_no_role_sees_a_place_outside_its_scope(role: str, auth_app: str, browser: Browser, store: Store) -> None:
    """Signed in as partnership, public or participant, no page or tampered URL sends another place's identity."""
    session = open_session(browser, app_url=auth_app, role=role)
    try:
        found = leaks_for(session, app_url=auth_app, store=store, own_place=ROLE_PLACE[role])
        external, downloaded, formats = list(session.external), session.downloaded, dict(session.formats)
        menus = dict(session.menus)
    finally:
        session.context.close()
    assert found == {}
    assert external == []
    if role != "participant":
        assert downloaded > 0  # the download check was not vacuous
        opened = {url.removeprefix(auth_app): count for url, count in menus.items()}
        assert opened["/"] > 0  # and read the files of the charts' Download menus
    if role == "partnership":  # every format a partnership is offered was read (Parquet is on funder pages only)
        assert {"csv", "xlsx", "svg", "pdf", "html"} <= set(formats)
        assert [path for path in ("/map", "/partnership", "/phases") if not opened[path]] == []


def test_control_unscoped_funder_fails_the_same_check(auth_app: str, browser: Browser, store: Store) -> None:
    """A funder sees every place named, so the same check finds the places a partnership must not see."""
    session = open_session(browser, app_url=auth_app, role="funder")
    try:
        forbidden, allowed = scope_terms(store, PARTNERSHIP_PLACE)
        seen = collect(session, auth_app + f"/partnership?place={PARTNERSHIP_PLACE}")
        present = collect(session, auth_app + "/present?deck=learning-event&slide=4&anon=0")  # bars name each place
    finally:
        session.context.close()
    assert OTHER in find_leaks(seen["websocket"], forbidden=forbidden, allowed=allowed)
    assert OTHER in find_leaks(seen["downloads"], forbidden=forbidden, allowed=allowed)
    assert find_leaks(present["dom"] + present["websocket"], forbidden=forbidden, allowed=allowed)


def test_unlisted_account_gets_only_the_no_access_page(auth_app: str, browser: Browser, store: Store) -> None:
    """A signed-in account the access file does not list sees 'No access' and nothing of the data, on any URL."""
    session = open_session(browser, app_url=auth_app, role="stranger")
    try:
        forbidden, allowed = scope_terms(store, None)
        for path in ("/", f"/partnership?place={OTHER}", "/data", "/present?deck=learning-event&slide=2", "/pulse"):
            seen = collect(session, auth_app + path)
            assert session.tab.get_by_role("heading", name="No access").is_visible()
            assert find_leaks(seen["dom"] + seen["websocket"], forbidden=forbidden, allowed=allowed) == []
            assert session.tab.locator('[data-testid="stSidebarNav"]').count() == 0
    finally:
        session.context.close()


@pytest.mark.parametrize("role", ["admin", "funder", "partnership", "public", "participant"])
def test_each_role_screenshots_partnership_and_present(
    role: str, auth_app: str, browser: Browser, store: Store
) -> None:
    """Each role's /partnership and /present, captured for review; the partnership role sees its own place named."""
    session = open_session(browser, app_url=auth_app, role=role)
    try:
        pages = (
            ("partnership", f"/partnership?place={PARTNERSHIP_PLACE}"),
            ("present", "/present?deck=learning-event&slide=2&reveal=1"),
        )
        for name, path in pages:
            session.tab.goto(auth_app + path)
            wait_for_app(session.tab)
            if role not in ("public", "participant"):  # they are shown their own pages instead, without charts
                session.tab.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=90_000)
            session.tab.wait_for_timeout(1500)
            screenshot(session.tab, f"role-{role}-{name}")
        if role == "partnership":
            session.tab.goto(auth_app + "/partnership")
            wait_for_app(session.tab)
            assert session.tab.get_by_role("heading", name="Hartlepool: Hartlepool Action Lab").is_visible()
        external = list(session.external)
    finally:
        session.context.close()
    assert external == []


@pytest.mark.parametrize("path", ["/map", "/map?size=volunteers&period=phase-2"])
def test_partnership_map_names_its_place_and_no_other(path: str, auth_app: str, browser: Browser, store: Store) -> None:
    """Signed in as a partnership, /map names its own place and shows the rest as grey region groups: no other
    place's name, alias, id, lead or code is in the page, the deck data, its tooltips, labels or the table download."""
    session = open_session(browser, app_url=auth_app, role="partnership")
    try:
        seen = collect(session, auth_app + path)
        session.tab.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=90_000)
        session.tab.wait_for_timeout(1500)
        screenshot(session.tab, "partnership-map" + ("-sized" if "size" in path else ""))
        external = list(session.external)
    finally:
        session.context.close()
    forbidden, allowed = scope_terms(store, PARTNERSHIP_PLACE)
    assert {source: find_leaks(text, forbidden=forbidden, allowed=allowed) for source, text in seen.items()} == {
        "dom": [],
        "websocket": [],
        "downloads": [],
    }
    assert '"text": "Hartlepool"' in seen["websocket"] or '"text":"Hartlepool"' in seen["websocket"]
    assert "3 other partnerships" in seen["websocket"]  # London's three places, one grey point
    assert "Grey dots: the other partnerships" in seen["dom"]
    assert external == []


def test_deep_link_survives_sign_in(auth_app: str, browser: Browser) -> None:
    """A signed-out partnership user who opens a /partnership link with a period lands on that exact view after sign-in."""
    path = f"/partnership?place={PARTNERSHIP_PLACE}&period=fy-2021"
    session = open_session(browser, app_url=auth_app, role="partnership", start=path)
    try:
        tab = session.tab
        expect(tab.get_by_role("heading", name="Hartlepool: Hartlepool Action Lab")).to_be_visible(timeout=30_000)
        expect(tab.get_by_text("Financial year 2021", exact=False).first).to_be_visible(timeout=30_000)
        address = urlsplit(tab.url)
        # A second visit to "/" is the overview: the deep link was taken once, not remembered for ever.
        tab.goto(auth_app + "/")
        wait_for_app(tab)
        later = urlsplit(tab.url)
    finally:
        session.context.close()
    assert address.path == "/partnership"
    assert parse_qs(address.query) == {"place": [PARTNERSHIP_PLACE], "period": ["fy-2021"]}
    assert later.path == "/"
