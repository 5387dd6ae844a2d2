"""Browser tests: projector-sized slides on every deck, presenter and projected views, keys, phone to projector."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pbsa_analytics import queries, settings
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.demo.conditions import load_demo
from pbsa_analytics.presentation.deck import MISSING_CONDITION, Question, list_decks, load_deck
from pbsa_analytics.services import conditions as conditions_service
from pbsa_analytics.store import Store
from pbsa_analytics.store.pulse import PulseLimits, PulseStore
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _free_port,
    running_app,
    screenshot,
    wait_for_app,
    wait_for_room_keys,
)
from tests.imports_support import fresh_store

pytestmark = pytest.mark.browser

DECKS = settings.REPO_ROOT / "data" / "decks"
TEST_PRESENTER = "browser test presenter (test)"
SAMPLE_ANSWERS = {"guess_number": ["500", "800", "1200"], "word": ["trust", "trust", "people"]}

MEASURE = """() => {
  const svgs = Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks'));
  const texts = svgs.flatMap(s => Array.from(s.querySelectorAll('text')));
  const h1 = document.querySelector('h1');
  return {
    chartHeights: svgs.map(s => s.getBoundingClientRect().height),
    chartBottoms: svgs.map(s => s.getBoundingClientRect().bottom),
    titlePx: h1 ? parseFloat(getComputedStyle(h1).fontSize) : 0,
    textPx: texts.map(t => parseFloat(getComputedStyle(t).fontSize)),
    texts: texts.map(t => t.textContent),
    scrollHeight: document.scrollingElement.scrollHeight,
    footerTop: (document.querySelector('.pbsa-footer') || {getBoundingClientRect: () => ({top: innerHeight})})
      .getBoundingClientRect().top,
  };
}"""


FITS = """() => {
  const svg = document.querySelector('[data-testid="stVegaLiteChart"] svg.marks');
  const footer = document.querySelector('.pbsa-footer');
  return svg && footer && svg.getBoundingClientRect().bottom <= footer.getBoundingClientRect().top + 1;
}"""


def _pulses() -> PulseStore:
    return PulseStore(Path(os.environ["PBSA_STORE_DIR"]), limits=PulseLimits(participant_interval_s=0))


def _question(deck, question_id: str, store: Store) -> Question:
    """A deck's question; the built-in conditions pulse takes its options from the store, as the app does."""
    if question_id == MISSING_CONDITION:
        return conditions_service.missing_condition_question(store)
    return deck.questions[question_id]


def _answer_and_reveal(
    deck_name: str,
    question_id: str,
    kind: str,
    options: tuple[str, ...],
    *,
    pulses: PulseStore | None = None,
    values: list[str] | None = None,
) -> None:
    pulses = pulses or _pulses()
    code = pulses.open_question(deck=deck_name, question_id=question_id, by=TEST_PRESENTER)
    for value in values or SAMPLE_ANSWERS.get(kind, list(options[:2])):
        pulses.answer(code, token=pulses.issue_token(code), value=value, ballot=uuid.uuid4().hex)
    pulses.reveal(code, by=TEST_PRESENTER)


def _check_fits(tab, where: str, height: int) -> dict:
    """The issue 15 list: chart ≥60% of the viewport height, title ≥40px, chart text ≥20px, no truncated label,
    nothing below the fold; returns the measures."""
    tab.wait_for_function(FITS, timeout=30_000)
    tab.wait_for_timeout(500)
    found = tab.evaluate(MEASURE)
    assert max(found["chartHeights"]) >= 0.6 * height, (where, found["chartHeights"])
    assert found["titlePx"] >= 40, where
    assert min(found["textPx"]) >= 20, where
    assert not [t for t in found["texts"] if t.endswith("…")], where
    assert found["scrollHeight"] <= height + 1, where
    assert max(found["chartBottoms"]) <= found["footerTop"] + 1, where
    return found


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_every_slide_of_every_deck_fills_the_screen_with_projector_type(
    app_url: str, browser, store: Store, width: int, height: int
) -> None:
    """On each slide (answer revealed): chart ≥60% of the viewport height, title ≥40px, chart text ≥20px,
    no truncated label, nothing below the fold."""
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    measured = 0
    try:
        for summary in list_decks(decks_dir=DECKS):
            deck = load_deck(decks_dir=DECKS, name=summary.name)
            for number, slide in enumerate(deck.slides, start=1):
                if slide.pulse:
                    question = _question(deck, slide.pulse, store)
                    _answer_and_reveal(deck.name, question.id, question.kind, question.options)
                tab.goto(f"{app_url}/present?deck={deck.name}&slide={number}&reveal=1")
                wait_for_app(tab)
                expect(tab.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=30_000)
                # The first draw uses a default size until the browser has reported its screen; wait for the redraw.
                _check_fits(tab, f"{deck.name} slide {number} at {width}x{height}", height)
                if slide.pulse == MISSING_CONDITION:  # this session's store holds no self-assessment
                    expect(tab.locator(".pbsa-note")).to_contain_text("No partnership has submitted a self-assessment")
                screenshot(tab, f"room-{deck.name}-slide{number}-{width}x{height}")
                measured += 1
    finally:
        context.close()
    assert measured == sum(len(load_deck(decks_dir=DECKS, name=s.name).slides) for s in list_decks(decks_dir=DECKS))


def test_typology_slide_shows_every_place_name_whole(app_url: str, browser, store: Store) -> None:
    """The Table 3 slide's SVG carries each Phase 1 place name in full (labels checked against the data)."""
    names = set(queries.run(store, "typology_matrix", phase=1, place_ids=None)["place_name"])
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        tab = context.new_page()
        tab.goto(f"{app_url}/present?deck=learning-event&slide=2&reveal=1")
        wait_for_app(tab)
        expect(tab.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=30_000)
        texts = set(tab.evaluate(MEASURE)["texts"])
        assert names <= texts
    finally:
        context.close()


def test_keys_reveal_before_advancing_blank_and_full_screen(app_url: str, browser) -> None:
    """→ on a slide with a hidden answer reveals it, the next → advances, ← goes back; b blanks; f full screen."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tab = context.new_page()
        tab.goto(app_url + "/present?deck=learning-event&slide=2")
        wait_for_app(tab)
        wait_for_room_keys(tab)
        for key, url_end, heading in (
            ("ArrowRight", "slide=2&reveal=1", "Every place planned advocacy"),
            (" ", "slide=3", "Guess: how many volunteers"),
            ("ArrowLeft", "slide=2", "Which two kinds of social action"),
        ):
            tab.mouse.click(5, 300)
            tab.keyboard.press(key)
            expect(tab).to_have_url(re.compile(re.escape(url_end) + "$"), timeout=15_000)
            expect(tab.get_by_role("heading", name=heading)).to_be_visible(timeout=15_000)
            wait_for_app(tab)
            wait_for_room_keys(tab)
        tab.keyboard.press("b")
        expect(tab.locator("#pbsa-blank")).to_be_visible()
        screenshot(tab, "room-blanked")
        tab.keyboard.press("b")
        expect(tab.locator("#pbsa-blank")).to_have_count(0)
        tab.keyboard.press("f")
        tab.wait_for_function("() => document.fullscreenElement !== null", timeout=5_000)
        assert not tab.locator("button").filter(has_text=re.compile("Next|Back|Space")).count()
    finally:
        context.close()


def test_presenter_view_needs_the_presenter_link(app_url: str, browser) -> None:
    """Without the presenter secret the presenter view shows no controls; with it: controls, notes, timer, preview."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tab = context.new_page()
        tab.goto(app_url + "/present?deck=learning-event&view=presenter&slide=3")
        expect(tab.get_by_text("The presenter view needs the presenter")).to_be_visible(timeout=60_000)
        assert not tab.get_by_role("button", name="Reveal results").count()
        tab.goto(f"{app_url}/present?deck=learning-event&view=presenter&slide=3&key={_pulses().presenter_secret}")
        wait_for_app(tab)
        # Earlier tests may have revealed this question already: either state's button is a presenter control.
        expect(tab.get_by_role("button", name=re.compile("^(Reveal|Hide) results$"))).to_be_visible(timeout=60_000)
        expect(tab.get_by_text("Give the room a minute")).to_be_visible(timeout=30_000)
        expect(tab.get_by_text(re.compile(r"Time \d\d:\d\d"))).to_be_visible()
        expect(tab.get_by_text("Answers so far")).to_be_visible()
        assert "key=" not in tab.url
        screenshot(tab, "room-presenter-view-slide3")
        tab.get_by_role("button", name="Reveal →").click()
        expect(tab.get_by_text(re.compile("results shown"))).to_be_visible(timeout=15_000)
        expect(tab.get_by_role("button", name="Next slide →")).to_be_visible(timeout=30_000)
        screenshot(tab, "room-presenter-view-slide3-revealed")
    finally:
        context.close()


def test_phone_joins_through_the_public_base_url_and_reaches_the_projector(browser, built_db: Path, tmp_path) -> None:
    """With PBSA_PUBLIC_BASE_URL set, the join bar and QR alt text use it; a phone following it answers and the
    projector's count and revealed chart show the answer."""
    port = _free_port()
    public = f"http://room.test:{port}"  # a name only the phone's resolver knows, as a room's network would
    store_dir = tmp_path / "store"  # a room of its own: earlier tests answered this deck's questions
    secret = PulseStore(store_dir).presenter_secret
    with running_app(db_path=built_db, log_path=tmp_path / "server.log", port=port,
                     extra_env={"PBSA_PUBLIC_BASE_URL": public + "/", "PBSA_STORE_DIR": str(store_dir)}) as url:  # fmt: skip
        phone_browser = browser.browser_type.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP room.test 127.0.0.1"]
        )
        presenter = browser.new_context(viewport={"width": 1920, "height": 1080})
        phone = phone_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        try:
            screen = presenter.new_page()
            screen.goto(f"{url}/present?deck=learning-event&slide=6&key={secret}")
            wait_for_app(screen)
            code = screen.locator(".pbsa-code").inner_text().strip()
            assert re.fullmatch(r"[A-Z]{4}", code)
            expect(screen.locator(".pbsa-join")).to_contain_text(f"room.test:{port}/pulse")
            alt = screen.locator("img.pbsa-big-qr").get_attribute("alt")
            assert f"{public}/pulse?code={code}" in alt
            expect(screen.get_by_text("0 answers so far")).to_be_visible(timeout=30_000)
            screenshot(screen, "room-pulse-question-1920x1080")

            handset = phone.new_page()
            handset.goto(f"{public}/pulse?code={code}", timeout=90_000)
            wait_for_app(handset)
            handset.get_by_role("button", name="4", exact=True).click()
            expect(handset.get_by_text("Answer recorded")).to_be_visible(timeout=15_000)
            assert "p=" not in handset.url
            assert any(c["name"] == f"pbsa_pulse_{code}" for c in phone.cookies())
            screenshot(handset, "room-phone-answered")

            expect(screen.get_by_text("1 answer so far")).to_be_visible(timeout=30_000)
            screen.mouse.click(5, 300)
            screen.keyboard.press("ArrowRight")
            expect(screen).to_have_url(re.compile("reveal=1"), timeout=15_000)
            expect(screen.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=15_000)
            texts = screen.evaluate(MEASURE)["texts"]
            assert {"1", "2", "3", "4", "5"} <= set(texts)  # every scale option, zeros included
            screenshot(screen, "room-pulse-revealed-1920x1080")
        finally:
            presenter.close()
            phone.close()
            phone_browser.close()


def test_projected_window_follows_the_presenter(app_url: str, browser) -> None:
    """A projected window without the secret moves to the slide the presenter moves to, within seconds."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    laptop = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        projector = context.new_page()
        projector.goto(f"{app_url}/present?deck=cohort-meeting&slide=1")
        wait_for_app(projector)
        presenter = laptop.new_page()
        presenter.goto(f"{app_url}/present?deck=cohort-meeting&view=presenter&slide=1&key={_pulses().presenter_secret}")
        expect(presenter.get_by_role("button", name="Reveal →")).to_be_visible(timeout=60_000)
        presenter.get_by_role("button", name="Reveal →").click()
        expect(presenter.get_by_role("button", name="Next slide →")).to_be_visible(timeout=15_000)
        presenter.get_by_role("button", name="Next slide →").click()
        expect(projector).to_have_url(re.compile(r"slide=2$"), timeout=15_000)
        expect(projector.get_by_role("heading", name="Activities delivered ran")).to_be_visible(timeout=15_000)
        expect(projector.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=30_000)
        projector.wait_for_timeout(1500)
        texts = projector.evaluate(MEASURE)["texts"]
        assert any(t.startswith("Partnership ") for t in texts), texts  # the cohort deck is anonymised by default
        screenshot(projector, "room-projector-followed-presenter")
    finally:
        context.close()
        laptop.close()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_conditions_slide_against_the_synthetic_cohort_fits_the_screen(
    browser, built_db: Path, tmp_path: Path, width: int, height: int
) -> None:
    """With the demo store's synthetic self-assessments, the revealed conditions slide draws the room's and the
    cohort's bars with every condition named whole, labels the cohort synthetic, and meets the issue 15 list."""
    store = fresh_store(built_db, tmp_path / "store")  # a private copy: one imports folder per database file
    db_path, store_dir = tmp_path / "store" / "pbsa.duckdb", tmp_path / "store" / "imports"
    load_demo(db_path=db_path, store_dir=store_dir)
    against = conditions_service.missing_condition_pulse(store, principal=LOCAL_ADMIN)
    options = against.question.options
    pulses = PulseStore(store_dir, limits=PulseLimits(participant_interval_s=0))
    _answer_and_reveal("cohort-meeting", MISSING_CONDITION, "single_choice", options, pulses=pulses,
                       values=[options[1], options[1], options[4]])  # fmt: skip
    deck = load_deck(decks_dir=DECKS, name="cohort-meeting")
    number = next(n for n, slide in enumerate(deck.slides, start=1) if slide.pulse == MISSING_CONDITION)
    with running_app(db_path=db_path, log_path=tmp_path / "server.log", extra_env={"PBSA_STORE_DIR": str(store_dir)}) as url:  # fmt: skip
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            tab = context.new_page()
            tab.goto(f"{url}/present?deck=cohort-meeting&slide={number}&reveal=1")
            wait_for_app(tab)
            expect(tab.locator('[data-testid="stVegaLiteChart"] svg').first).to_be_visible(timeout=30_000)
            found = _check_fits(tab, f"conditions slide at {width}x{height}", height)
            note = tab.locator(".pbsa-note")
            expect(note).to_contain_text(
                f"SYNTHETIC DEMO DATA · Cohort bars: share of the {against.places} partnerships"
            )
            assert note.bounding_box()["y"] + note.bounding_box()["height"] <= height
            texts = set(found["texts"])
            assert set(options) <= texts  # every condition named whole
            assert any("SYNTHETIC" in t for t in texts)  # the legend labels the cohort
            # Each cohort bar is its share of the partnerships (ties count for each condition), labelled "n of N".
            partnerships = against.places
            for label, places in zip(against.cohort["label"], against.cohort["places"], strict=True):
                assert f"{places / partnerships:.0%} ({places} of {partnerships} places)" in texts, label
            assert "67% (2 answers)" in texts  # the room: two of three answers on one condition
            screenshot(tab, f"room-conditions-synthetic-{width}x{height}")
        finally:
            context.close()


def _cookies_once_set(context, tab, name: str) -> dict[str, str]:
    """The context's cookies once `name` is among them (its script is the page's last element, drawn last)."""
    for _ in range(120):
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        if cookies.get(name):
            return cookies
        tab.wait_for_timeout(250)
    raise AssertionError(f"no {name} cookie after 30 s")


def test_presenter_view_survives_a_reload_and_the_room_never_gets_the_secret(app_url: str, browser) -> None:
    """After the presenter link, a reload keeps the controls with no key in the address; the browser holds a pass,
    not the secret; the projected view on another machine and a phone get neither; a clear is in the history."""
    secret = _pulses().presenter_secret
    laptop = browser.new_context(viewport={"width": 1920, "height": 1080})
    projector = browser.new_context(viewport={"width": 1280, "height": 720})
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        tab = laptop.new_page()
        tab.goto(f"{app_url}/present?deck=cohort-meeting&view=presenter&slide=3&key={secret}")
        expect(tab.get_by_role("button", name=re.compile("^(Reveal|Hide) results$"))).to_be_visible(timeout=60_000)
        expect(tab).not_to_have_url(re.compile("key="), timeout=15_000)
        kept = _cookies_once_set(laptop, tab, "pbsa_presenter")
        assert secret not in kept["pbsa_presenter"]
        tab.reload()
        wait_for_app(tab)
        expect(tab.get_by_role("button", name=re.compile("^(Reveal|Hide) results$"))).to_be_visible(timeout=60_000)
        assert secret not in tab.content()
        screenshot(tab, "room-presenter-view-after-reload")

        tab.get_by_text("I want to clear every answer to this question").click()
        tab.get_by_role("button", name="Clear answers").click()
        wait_for_app(tab)
        tab.get_by_text("Pulse history: who revealed or cleared what, and when").click()
        history = tab.locator('[data-testid="stDataFrame"]')
        expect(history).to_be_visible(timeout=30_000)
        screenshot(tab, "room-presenter-pulse-history")
        log = _pulses().audit_log()
        cleared = log[(log["action"] == "clear") & (log["deck"] == "cohort-meeting")]
        assert cleared["slide"].iloc[-1] == 3
        assert "presenter link" in cleared["by"].iloc[-1]
        tab.close()  # its live fragments would only slow the shared server down

        shown = projector.new_page()
        shown.goto(f"{app_url}/present?deck=cohort-meeting&slide=3", timeout=90_000)
        wait_for_app(shown)
        expect(shown.locator(".pbsa-code")).to_be_visible(timeout=30_000)  # the presenter opened the question
        code = shown.locator(".pbsa-code").inner_text().strip()
        handset = phone.new_page()
        handset.goto(f"{app_url}/pulse?code={code}", timeout=90_000)
        wait_for_app(handset)
        expect(handset.locator('input[aria-label="One word"]')).to_be_visible(timeout=30_000)
        for page in (shown, handset):
            html = page.content()
            assert secret not in html
            assert kept["pbsa_presenter"] not in html
            assert "key=" not in page.url
        assert not [c for c in projector.cookies() + phone.cookies() if c["name"] == "pbsa_presenter"]
    finally:
        laptop.close()
        projector.close()
        phone.close()
