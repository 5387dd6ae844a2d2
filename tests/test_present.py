"""Presentation mode: deck files, the deck list and errors, stepping, anonymising, projector style per chart."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pbsa_analytics import settings
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.charts.conditions import COHORT, ROOM
from pbsa_analytics.charts.pulse import guesses_chart, option_counts, word_counts
from pbsa_analytics.charts.theme import PROJECTOR_STYLES, ProjectorTheme, projector_config
from pbsa_analytics.demo.conditions import load_demo
from pbsa_analytics.palette import GssColour
from pbsa_analytics.presentation.deck import DeckError, UnknownDeckError, list_decks, load_deck, parse_deck
from pbsa_analytics.services import conditions as conditions_service
from pbsa_analytics.services import pulse as room
from pbsa_analytics.store import Store, open_store
from pbsa_analytics.store.pulse import PulseStore
from pbsa_analytics.ui import slides as slides_ui
from tests.conditions_support import private_store
from tests.test_pages import open_page, page_text
from tests.test_partnership import forbidden_patterns, leaks

DECKS = settings.REPO_ROOT / "data" / "decks"


@pytest.fixture(autouse=True)
def fresh_room() -> None:
    """Each test's room starts empty: codes, answers and reveals left by earlier tests (browser ones too) don't count."""
    pulse = settings.store_dir() / "pulse"  # the test session's scratch store (tests/conftest.py), never var/
    for name in ("sessions", "answers", "rooms"):
        shutil.rmtree(pulse / name, ignore_errors=True)
    (pulse / "audit.jsonl").unlink(missing_ok=True)
    slides_ui._pulse_store.clear()  # its cached reader would otherwise remember the removed files


def _key() -> str:
    return PulseStore(settings.store_dir()).presenter_secret


def _specs(app) -> str:
    return json.dumps([str(chart.proto) for chart in app.get("vega_lite_chart")])


def test_shipped_decks_tell_a_story_with_findings() -> None:
    """Both shipped decks load; every slide has a finding; together they use every slide type and question kind."""
    decks = [load_deck(decks_dir=DECKS, name=s.name) for s in list_decks(decks_dir=DECKS)]
    assert {d.name for d in decks} >= {"learning-event", "cohort-meeting"}
    assert all(slide.finding for d in decks for slide in d.slides)
    assert {slide.chart for d in decks for slide in d.slides} == {
        "funnel", "typology_heatmap", "metric_by_place", "outcome_coverage", "cohort_typologies", "pulse_results",
    }  # fmt: skip
    assert {q.kind for d in decks for q in d.questions.values()} == {"single_choice", "scale", "word", "guess_number"}
    assert load_deck(decks_dir=DECKS, name="cohort-meeting").anonymise is True


@pytest.mark.parametrize("name", ["../secrets", "missing-deck", "UPPER"])
def test_unknown_or_unsafe_deck_names_are_refused(name: str) -> None:
    """Deck names cannot reach outside data/decks/."""
    with pytest.raises(UnknownDeckError, match="no deck"):
        load_deck(decks_dir=DECKS, name=name)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('title = "T"\n\n[[slides]]\nchart = "funnel"\nfinding = "F"\n\n[[slides]]\nchart = "pie"\nfinding = "G"\n', 7),
        ('title = "T"\ntheme = "neon"\n[[slides]]\nchart = "funnel"\nfinding = "F"\n', 2),
        ('title = "T"\n[[slides]]\nchart = "funnel"\n', 2),
        ('title = "T"\n[[slides]]\nchart = "pulse_results"\npulse = "q"\nfinding = "F"\n', 2),
        (
            'title = "T"\n[[slides]]\nchart = "funnel"\nfinding = "F"\n[[questions]]\nid = "q"\nkind = "vote"\nprompt = "P"\n',
            5,
        ),
        ('title = "T"\n[[slides]]\nchart = "funnel\nfinding = "F"\n', 3),
    ],
)
def test_invalid_deck_message_names_the_line(text: str, line: int) -> None:
    """Each kind of mistake in a deck file is reported with the line it is on."""
    with pytest.raises(DeckError, match=rf"line {line}\b"):
        parse_deck(text, name="t", file_name="t.toml")


def test_deck_list_shows_broken_files_with_their_problem(tmp_path: Path) -> None:
    """A broken deck is listed with its problem; good decks are listed by title."""
    (tmp_path / "good.toml").write_text('title = "Good"\n[[slides]]\nchart = "funnel"\nfinding = "F"\n')
    (tmp_path / "bad.toml").write_text('title = "Bad"\n[[slides]]\nchart = "pie"\nfinding = "F"\n')
    listed = {s.name: s for s in list_decks(decks_dir=tmp_path)}
    assert listed["good"].title == "Good"
    assert not listed["good"].problem
    assert "line 2" in listed["bad"].problem


def test_present_without_deck_lists_the_decks(db_env: Path) -> None:
    """/present alone shows the list of decks with links to each."""
    app = open_page("pages/present.py")
    assert not app.exception
    assert "Choose a deck" in "\n".join(t.value for t in app.text)
    assert len(app.get("page_link")) == len(list_decks(decks_dir=DECKS))


def test_unknown_deck_lists_the_available_decks(db_env: Path) -> None:
    """A typo'd deck name says so and offers the available decks, with no exception."""
    app = open_page("pages/present.py", deck="learning-evnt")
    assert "no deck called 'learning-evnt'" in app.error[0].value
    assert len(app.get("page_link")) >= 2


def test_hidden_answer_shows_question_first_then_finding(db_env: Path) -> None:
    """Slide 2 shows its question and no chart; with reveal=1 the finding and chart appear."""
    app = open_page("pages/present.py", deck="learning-event", slide="2")
    assert "Which two kinds of social action" in page_text(app)
    assert not app.get("vega_lite_chart")
    app = open_page("pages/present.py", deck="learning-event", slide="2", reveal="1")
    assert "Every place planned advocacy" in page_text(app)
    assert app.get("vega_lite_chart")


def test_slide_in_url_is_clamped(db_env: Path) -> None:
    """An out-of-range slide number shows the last slide and writes it back to the URL."""
    app = open_page("pages/present.py", deck="learning-event", slide="99", reveal="1")
    assert "How confident the room feels" in page_text(app)


@pytest.mark.parametrize(("deck", "slide"), [("learning-event", "1"), ("learning-event", "2"), ("learning-event", "4"),
                                             ("cohort-meeting", "2")])  # fmt: skip
def test_anonymised_slides_carry_no_place_name_in_chart_data(db_env: Path, store: Store, deck: str, slide: str) -> None:
    """With anon=1 (or an anonymised deck) no slide's chart data names a place; the funnel sends counts only."""
    app = open_page("pages/present.py", deck=deck, slide=slide, reveal="1", anon="1")
    spec = _specs(app)
    assert spec != "[]"
    assert leaks(spec, forbidden_patterns(store, "")) == []


def test_named_slide_does_carry_names_so_the_leak_check_can_fail(db_env: Path, store: Store) -> None:
    """Control: without anonymising, the leak check finds place names in the heatmap slide's data."""
    app = open_page("pages/present.py", deck="learning-event", slide="2", reveal="1")
    assert leaks(_specs(app), forbidden_patterns(store, ""))


def test_presenter_controls_need_the_presenter_secret(db_env: Path) -> None:
    """Without the key the presenter view has no buttons; with it the key leaves the URL and controls appear."""
    app = open_page("pages/present.py", deck="learning-event", view="presenter", slide="3")
    assert not app.main.button  # the sidebar's share buttons are not room controls
    assert "needs the presenter" in app.error[0].value
    app = open_page("pages/present.py", deck="learning-event", view="presenter", slide="3", key=_key())
    assert "key" not in app.query_params
    labels = {b.label for b in app.button}
    assert {"Reveal results", "Close answers", "Clear answers", "← Back", "Reveal →"} <= labels


def test_a_projected_window_without_the_key_cannot_open_or_reveal(db_env: Path, tmp_path: Path) -> None:
    """A visitor on a pulse slide without the key sees that the question is not open, and nothing is created."""
    pulses = PulseStore(settings.store_dir())
    app = open_page("pages/present.py", deck="cohort-meeting", slide="6")
    assert pulses.find_code(deck="cohort-meeting", question_id="build_next") is None
    assert not app.exception


def test_present_page_leaves_other_pages_charts_in_the_normal_theme(db_env: Path) -> None:
    """After a projector slide rendered in this process, a normal page's chart spec keeps the 16px theme."""
    open_page("pages/present.py", deck="learning-event", slide="1")
    app = open_page("pages/overview.py")
    specs = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]
    assert specs
    assert all(spec["config"]["title"]["fontSize"] == 16 for spec in specs)
    assert all(spec["config"]["axis"]["labelFontSize"] == 12 for spec in specs)


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: str, second: str) -> float:
    high, low = sorted([_luminance(first), _luminance(second)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", list(ProjectorTheme))
def test_projector_colours_are_gss_and_reach_contrast(theme: ProjectorTheme) -> None:
    """Every data colour of a projector theme is a GSS colour with ≥4.5:1 against the background and under text."""
    style = PROJECTOR_STYLES[theme]
    data_colours = [style.bar, style.accent, style.secondary, *style.phases.values()]
    assert all(isinstance(colour, GssColour) for colour in data_colours)
    assert all(_contrast(str(c), style.background) >= 4.5 for c in data_colours)
    assert all(_contrast(str(c), style.on_bar) >= 4.5 for c in [style.bar, *style.phases.values()])
    assert _contrast(style.text, style.background) >= 4.5
    config = projector_config(theme)
    assert config["title"]["fontSize"] >= 40
    assert config["axis"]["labelFontSize"] >= 20
    assert config["background"] == style.background


def test_scale_results_include_options_nobody_chose() -> None:
    """Counts per option keep the options' order and show zeros."""
    counts = option_counts(answers=pd.Series(["2", "2", "5"]), options=["1", "2", "3", "4", "5"])
    assert counts.to_dict("list") == {"value": ["1", "2", "3", "4", "5"], "answers": [0, 2, 0, 0, 1]}


def test_word_answers_are_counted_case_folded() -> None:
    """Words are trimmed and case-folded, most given first."""
    words = pd.Series(["Trust", "trust ", "people", "Time", "trust"])
    counts = word_counts(answers=words)
    expected = words.str.strip().str.lower().value_counts()
    assert dict(zip(counts["value"], counts["answers"], strict=True)) == expected.to_dict()
    assert counts["value"].iloc[0] == "trust"


@pytest.mark.parametrize("deck_name", [s.name for s in list_decks(decks_dir=DECKS)])
def test_every_shipped_deck_runs_through_every_slide_and_reveal(db_env: Path, deck_name: str) -> None:
    """Each slide of each shipped deck, before and after its reveal, renders with no exception or error."""
    deck = load_deck(decks_dir=DECKS, name=deck_name)
    for number, slide in enumerate(deck.slides, start=1):
        for step in range(slide.steps):
            app = open_page("pages/present.py", deck=deck_name, slide=str(number), reveal=str(step), key=_key())
            where = f"{deck_name} slide {number} step {step}"
            assert not app.exception, where
            assert not app.error, where
            assert app.title, where


def test_pulse_code_from_the_url_is_never_rendered_as_markdown(db_env: Path) -> None:
    """A code carrying a Markdown image is refused as text, and no element renders it as Markdown."""
    app = open_page("pages/pulse.py", code="![X](http://evil.example/p.png)")
    assert "evil.example" not in " ".join(str(m.value) for m in app.markdown)
    assert "evil.example" not in " ".join(str(e.value) for e in app.error)
    assert app.error


def test_revealed_guess_chart_labels_the_real_figure_and_the_rooms_median() -> None:
    """The guess chart carries the real figure's label, the room's median and its interquartile band as data."""
    guesses = [120.0, 500.0, 800.0, 950.0, 3000.0]
    spec = guesses_chart(guesses=pd.DataFrame({"guess": guesses}), actual=780.0, width=1200, height=600).to_dict()
    rows = [row for data in spec["datasets"].values() for row in data]
    labels = {row["label"] for row in rows if "label" in row}
    assert "Real figure: 780" in labels
    assert f"Room's median: {statistics.median(guesses):,.0f}" in labels
    band = next(row for row in rows if "q1" in row)
    assert band["q1"] == pd.Series(guesses).quantile(0.25)
    assert band["q3"] == pd.Series(guesses).quantile(0.75)
    assert spec["height"] == 600


def _rendered(app) -> str:
    """Everything the page sent to the browser: every element's content, scripts included."""
    return repr(app.main) + "\n".join(str(node.proto) for node in app.get("html"))


def test_presenter_link_is_remembered_as_a_pass_and_the_secret_is_never_sent_back(
    db_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The link's secret leaves the URL and is never rendered; the browser keeps a signed pass in a cookie, and a
    reloaded presenter view holding only that cookie has its controls again."""
    secret = _key()
    app = open_page("pages/present.py", deck="learning-event", view="presenter", slide="3", key=secret)
    issued = app.session_state["presenter_pass"]
    assert issued != secret
    assert "key" not in app.query_params
    assert secret not in _rendered(app)
    assert f"pbsa_presenter={issued};" in _rendered(app)  # the cookie script, invisible on the page

    monkeypatch.setattr("pbsa_analytics.ui.room.presenter_cookie", lambda: issued)  # the reload sends the cookie
    reloaded = open_page("pages/present.py", deck="learning-event", view="presenter", slide="3")
    assert {"Reveal results", "Clear answers", "Reveal →"} <= {b.label for b in reloaded.button}
    assert secret not in _rendered(reloaded)
    assert issued not in _rendered(reloaded)  # the pass is not written into the page again

    monkeypatch.setattr("pbsa_analytics.ui.room.presenter_cookie", lambda: issued[:-4] + "AAAA")
    forged = open_page("pages/present.py", deck="learning-event", view="presenter", slide="3")
    assert not forged.main.button
    assert "needs the presenter" in forged.error[0].value


def test_projected_view_and_phone_page_never_carry_the_secret_or_pass(db_env: Path) -> None:
    """The projected slide opened from the presenter's link and the phone's page hold neither the secret nor a pass."""
    secret = _key()
    presenter = open_page("pages/present.py", deck="learning-event", view="presenter", slide="6", key=secret)
    issued = presenter.session_state["presenter_pass"]
    link = next(link for link in presenter.get("page_link") if "projected view" in link.proto.label)
    assert "key" not in str(link.proto)
    assert secret not in str(link.proto)
    projected = open_page("pages/present.py", deck="learning-event", slide="6")
    code = PulseStore(settings.store_dir()).find_code(deck="learning-event", question_id="confidence")
    assert code
    phone = open_page("pages/pulse.py", code=code)
    for app in (projected, phone):
        assert secret not in _rendered(app)
        assert issued not in _rendered(app)
        assert "pbsa_presenter" not in _rendered(app)


def test_presenter_view_lists_who_revealed_and_cleared(db_env: Path) -> None:
    """A reveal and a clear made by the presenter appear, newest first, in the presenter view's pulse history."""
    pulses, key = PulseStore(settings.store_dir()), _key()
    code = room.open_question(pulses, principal=LOCAL_ADMIN, presenter_key=key, deck="cohort-meeting",
                              question_id="what_lasts", slide=3)  # fmt: skip
    room.reveal(pulses, principal=LOCAL_ADMIN, presenter_key=key, code=code, revealed=True, slide=3)
    room.clear(pulses, principal=LOCAL_ADMIN, presenter_key=key, code=code, slide=3)
    app = open_page("pages/present.py", deck="cohort-meeting", view="presenter", slide="3", key=key)
    history = next(frame.value for frame in app.dataframe if "action" in frame.value.columns)
    mine = history[history["code"] == code]
    assert mine["action"].tolist()[:2] == ["clear", "reveal"]
    assert mine["slide"].tolist()[:2] == [3, 3]
    assert all("presenter link" in who for who in mine["by"])
    assert mine["at"].is_monotonic_decreasing


def test_conditions_pulse_is_built_in_and_cannot_be_redefined() -> None:
    """A slide may ask the built-in conditions pulse without defining it; a deck defining it is told the line."""
    deck = parse_deck(
        'title = "T"\n[[slides]]\nchart = "pulse_results"\npulse = "missing_condition"\nfinding = "F"\n',
        name="t",
        file_name="t.toml",
    )
    assert deck.slides[0].pulse == "missing_condition"
    assert deck.has_pulse
    text = (
        'title = "T"\n[[slides]]\nchart = "funnel"\nfinding = "F"\n'
        '[[questions]]\nid = "missing_condition"\nkind = "word"\nprompt = "P"\n'
    )
    with pytest.raises(DeckError, match=r"line 5\b.*built in"):
        parse_deck(text, name="t", file_name="t.toml")


def _answer(deck: str, question_id: str, values: list[str]) -> str:
    """Phones answer a question and the presenter reveals it; returns the join code."""
    pulses = PulseStore(settings.store_dir())
    code = pulses.open_question(deck=deck, question_id=question_id, by="test presenter")
    for value in values:
        pulses.answer(code, token=pulses.issue_token(code), value=value, ballot=uuid.uuid4().hex)
    pulses.reveal(code, by="test presenter")
    return code


def _chart_rows(app) -> list[dict]:
    """The rows of every chart's data as the browser receives them (Arrow datasets)."""
    rows: list[dict] = []
    for chart in app.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            rows += pa.ipc.open_stream(dataset.data.data).read_pandas().to_dict("records")
    return rows


def _conditions_slide() -> int:
    deck = load_deck(decks_dir=DECKS, name="cohort-meeting")
    return next(n for n, slide in enumerate(deck.slides, start=1) if slide.pulse == "missing_condition")


def test_conditions_pulse_without_self_assessments_shows_the_room_and_says_so(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no self-assessment in the store, the revealed slide shows only the room's answers over all 8
    conditions and a line saying there is no cohort to compare with."""
    current = private_store(built_db, tmp_path / "store", monkeypatch)
    options = list(conditions_service.missing_condition_question(current).options)
    _answer("cohort-meeting", "missing_condition", [options[2], options[2], options[5]])
    number = _conditions_slide()
    app = open_page("pages/present.py", deck="cohort-meeting", slide=str(number), reveal="1", key=_key())
    assert not app.exception
    assert "No partnership has submitted a self-assessment" in _rendered(app)
    rows = _chart_rows(app)
    assert {row["who"] for row in rows} == {ROOM}
    assert [row["condition"] for row in rows] == options
    assert [row["count"] for row in rows] == [0, 0, 2, 0, 0, 1, 0, 0]


def test_conditions_pulse_is_revealed_against_the_labelled_synthetic_cohort(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the demo store, the revealed slide draws each condition's share of the places that rated it lowest,
    as the conditions service counts them, and labels the cohort synthetic on the slide and in the legend."""
    current = private_store(built_db, tmp_path / "store", monkeypatch)
    load_demo(db_path=Path(os.environ["PBSA_DB_PATH"]), store_dir=Path(os.environ["PBSA_STORE_DIR"]))
    against = conditions_service.missing_condition_pulse(current, principal=LOCAL_ADMIN)
    options = list(against.question.options)
    _answer("cohort-meeting", "missing_condition", [options[0]])
    app = open_page("pages/present.py", deck="cohort-meeting", slide=str(_conditions_slide()), reveal="1",
                    key=_key())  # fmt: skip
    page = _rendered(app)
    assert f"SYNTHETIC DEMO DATA · Cohort bars: share of the {against.places} partnerships" in page
    rows = _chart_rows(app)
    cohort = {row["condition"]: row["count"] for row in rows if row["who"] != ROOM}
    assert {row["who"] for row in rows if row["who"] != ROOM} == {f"{COHORT}, SYNTHETIC"}
    expected = dict(zip(against.cohort["label"], against.cohort["places"], strict=True))
    assert {label: n for label, n in cohort.items() if n} == expected
    # Each cohort share is of the partnerships that rated any condition, as the slide's note says.
    shares = {row["condition"]: row["share"] for row in rows if row["who"] != ROOM and row["count"]}
    assert shares == pytest.approx({label: n / against.places for label, n in expected.items()})
    assert [row["count"] for row in rows if row["who"] == ROOM] == [1, 0, 0, 0, 0, 0, 0, 0]


def test_phones_get_the_conditions_as_answer_buttons(db_env: Path) -> None:
    """The phone page of the built-in conditions pulse offers the 8 workshop conditions as buttons."""
    code = _answer("cohort-meeting", "missing_condition", [])
    app = open_page("pages/pulse.py", code=code)
    options = conditions_service.missing_condition_question(open_store(db_path=db_env)).options
    assert app.subheader[0].value == "Which condition is your partnership missing most?"
    assert [button.label for button in app.main.button] == list(options)


def test_phone_page_offers_nothing_to_share(db_env: Path) -> None:
    """/pulse, a phone's answer form, has no share link, page report or programme report in its sidebar."""
    code = _answer("cohort-meeting", "missing_condition", [])
    phone = open_page("pages/pulse.py", code=code)
    assert not phone.exception
    assert phone.main.button  # the answer buttons are there
    assert list(phone.sidebar.code) == []
    assert list(phone.sidebar.get("download_button")) == []
    assert not [button for button in phone.sidebar.button if button.key == "share_programme_prepare"]
    overview = open_page("pages/overview.py")
    assert list(overview.sidebar.code)  # the control: a page for reading does offer its link
