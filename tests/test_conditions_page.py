"""/conditions in AppTest, the cohort charts as data, the anonymised partnership view, and the pulse pieces."""

from __future__ import annotations

import functools
import io
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pbsa_analytics import exports, queries
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.analysis.conditions import lowest_rated, missing_finding
from pbsa_analytics.charts.conditions import (
    CELL_SELECTION,
    COHORT,
    ROOM,
    conditions_heatmap,
    missing_condition_reveal_chart,
)
from pbsa_analytics.conditions_scales import E1, E1_STATES, ESA
from pbsa_analytics.demo.conditions import ROUNDS, load_demo
from pbsa_analytics.presentation.conditions import missing_condition_question
from pbsa_analytics.services import conditions as service
from pbsa_analytics.store import Store
from pbsa_analytics.store.pulse import MAX_ANSWER_CHARS
from pbsa_analytics.ui import auth
from tests.conditions_support import FUNDER, HARTLEPOOL, PUBLIC, private_store
from tests.test_pages import open_page, page_text
from tests.test_partnership import forbidden_patterns, leaks

PAGE = "pages/conditions.py"
ROUND = "2025-Q1"


@pytest.fixture
def store(built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return private_store(built_db, tmp_path / "store", monkeypatch)


@pytest.fixture
def demo_store(store: Store) -> Store:
    load_demo(db_path=Path(os.environ["PBSA_DB_PATH"]), store_dir=Path(os.environ["PBSA_STORE_DIR"]))
    return store


def open_form(**query: str) -> AppTest:
    return open_page(PAGE, place="hartlepool", round=ROUND, **query)


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def status(app: AppTest) -> str:
    return next(info.value for info in app.info if info.value.startswith(ROUND))


@pytest.mark.usefixtures("store")
def test_fill_save_draft_reload_submit_correct_and_undo() -> None:
    """The whole round on the page: a draft survives a reload; submit, correct and undo each change what is in force."""
    app = open_form()
    assert "not submitted yet" in status(app)
    app.radio(key="cond_e1-mission-1").set_value("no")
    app.text_input(key="cond_e1-mission-1_note").input("we need a <b>hall</b>")
    app.radio(key="cond_esa-3").set_value(2)
    app.text_input(key="cond_by").input("Ann")
    app.button(key="cond_save").click().run()
    assert not app.exception
    assert app.success[0].value == "Draft saved: 2 of 21 answered."
    assert "Draft saved" in status(app)

    reloaded = open_form()  # a new session: nothing carried over but the store
    assert reloaded.radio(key="cond_e1-mission-1").value == "no"
    assert reloaded.radio(key="cond_esa-3").value == 2
    assert reloaded.text_input(key="cond_e1-mission-1_note").value == "we need a <b>hall</b>"
    assert reloaded.radio(key="cond_e1-mission-2").value is None
    reloaded.button(key="cond_submit").click().run()
    assert reloaded.success[0].value == "Round submitted: 2 of 21 answered."
    assert "submission of" in status(reloaded)
    assert reloaded.button(key="cond_submit").label == "Submit correction"

    reloaded.radio(key="cond_e1-mission-1").set_value("yes")
    reloaded.button(key="cond_submit").click().run()
    assert reloaded.success[0].value.startswith("Correction submitted")
    assert "correction of" in status(reloaded)
    table = table_with(reloaded, "label")
    assert table.set_index("label").loc["Mission 1", ROUND] == "Yes"

    reloaded.checkbox(key="cond_undo_confirm").check().run()
    reloaded.button(key="cond_undo").click().run()
    assert reloaded.success[0].value.startswith("Undone the correction")
    assert "submission of" in status(reloaded)
    assert reloaded.radio(key="cond_e1-mission-1").value == "no"
    history = table_with(reloaded, "saved_by")
    assert history["kind"].tolist() == ["correction", "submission", "draft"]
    assert history["undone_at"].notna().tolist() == [True, False, False]


@pytest.mark.usefixtures("store")
def test_no_rounds_shows_an_empty_state_that_explains_the_tool() -> None:
    """With no rounds, the cohort view explains the tool and draws no chart."""
    app = open_page(PAGE, view="cohort")
    assert not app.exception
    assert "No self-assessment has been submitted yet" in page_text(app)
    assert "NEF “Section E” checklist" in page_text(app)
    assert not app.get("vega_lite_chart")
    assert not app.warning  # not labelled synthetic: nothing synthetic is loaded


def test_cohort_heatmap_from_the_demo_store_is_labelled_synthetic(demo_store: Store) -> None:
    """The demo store draws a 9-place heatmap for the latest round, under a synthetic-data warning."""
    app = open_page(PAGE, view="cohort")
    assert not app.exception
    assert "SYNTHETIC DEMO DATA" in app.warning[0].value
    assert app.selectbox(key="cond_cohort_round").value == ROUNDS[-1]
    heatmap = str(app.get("vega_lite_chart")[0].proto)
    names = service.places(demo_store, principal=LOCAL_ADMIN)["place_name"]
    assert len(names) == 9
    assert all(name in heatmap for name in names)
    assert "Mission 1" in heatmap


def test_heatmap_counts_missing_answers_as_the_data_says(demo_store: Store) -> None:
    """The bars above the heatmap count exactly the No answers per question, and cells carry the 'cell' selection."""
    view = service.cohort(demo_store, principal=LOCAL_ADMIN)
    answers = view.round_answers(ROUNDS[0], E1)
    chart = conditions_heatmap(answers=answers, framework=E1, place_order=sorted(answers["place_name"]), title="t")
    spec = chart.to_dict()
    top, heat = spec["vconcat"]
    params = [p for p in spec.get("params", []) if p["name"] == CELL_SELECTION]
    assert params[0]["select"]["fields"] == ["place_id", "condition_id"]
    assert heat["encoding"]["color"]["scale"]["domain"] == E1_STATES
    top_rows = spec["datasets"][top["data"]["name"]]
    assert len(top_rows) == int((answers["answer"] == "no").sum())
    assert heat["encoding"]["x"]["sort"] == [f"{g} {n}" for g, k in (("Mission", 4), ("Resources", 5),
                                                                       ("Relationships", 4)) for n in range(1, k + 1)]  # fmt: skip


def test_partnership_sees_the_cohort_anonymised_with_no_leak(demo_store: Store) -> None:
    """For Hartlepool's user, no other place's name or id is in any table, chart, export or change table."""
    values = {"e1-mission-1": {"answer": "no", "note": "Lincoln and Coventry lent us a room"}}
    service.correct(demo_store, principal=HARTLEPOOL, place_id="hartlepool", round_id=ROUNDS[-1], values=values)
    values = {"e1-mission-1": {"answer": "no", "note": "Bootle's volunteers helped"}}
    service.correct(demo_store, principal=LOCAL_ADMIN, place_id="lincoln", round_id=ROUNDS[-1], values=values)
    view = service.cohort(demo_store, principal=HARTLEPOOL)
    texts = [exports.to_csv_bytes(view.answers).decode("utf-8-sig"), view.missing.to_csv(), view.lowest.to_csv()]
    for round_id in view.rounds:
        for framework in (E1, ESA):
            answers = view.round_answers(round_id, framework)
            chart = conditions_heatmap(answers=answers, framework=framework, place_order=[], title="t")
            texts.append(json.dumps(chart.to_dict()))
    texts.append(service.change_between(demo_store, principal=HARTLEPOOL, from_round=ROUNDS[0],
                                        to_round=ROUNDS[-1]).to_csv())  # fmt: skip
    texts.append(service.export_rounds(demo_store, principal=HARTLEPOOL, file_format="csv").decode("utf-8-sig"))
    texts.append(service.history(demo_store, principal=HARTLEPOOL).to_csv())
    patterns = forbidden_patterns(demo_store, "hartlepool")
    assert leaks("\n".join(texts), patterns) == []
    assert re.search(r"Partnership [A-Z]+\b", texts[0])
    assert "Lincoln and Coventry" not in texts[0]
    assert re.search(r"Partnership [A-Z]+ and Partnership [A-Z]+ lent us a room", texts[-2])  # own note, scrubbed
    assert "Bootle" not in "\n".join(texts)
    # The same data for a funder names the cohort, so the check above can fail.
    named = service.cohort(demo_store, principal=FUNDER)
    assert leaks(exports.to_csv_bytes(named.answers).decode("utf-8-sig"), patterns)


def test_anonymised_page_shows_no_other_place(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rendered cohort view for a partnership has no other place's name or id in text, charts, tables or widgets."""
    monkeypatch.setattr(auth, "current_principal", lambda: HARTLEPOOL)
    app = open_page(PAGE, view="cohort")
    assert not app.exception
    rendered = [page_text(app)]
    rendered += [json.dumps(str(element.proto)) for element in app.get("vega_lite_chart")]
    rendered += [str(element.value) for element in app.dataframe]
    rendered += [str(widget.options) for widget in app.selectbox]
    assert leaks("\n".join(rendered), forbidden_patterns(demo_store, "hartlepool")) == []
    assert re.search(r"Partnership [A-Z]+\b", "\n".join(rendered))
    form = open_page(PAGE)
    assert form.selectbox(key="cond_place").options == ["Hartlepool"]


def test_lowest_rated_counts_ties_and_uses_each_places_latest_round() -> None:
    """Each place's latest round counts; tied lowest ratings each count once; places with no rating drop out."""
    rows = [
        ("a", "2025-Q1", "One", 1), ("a", "2025-Q2", "One", 3), ("a", "2025-Q2", "Two", 2),
        ("b", "2025-Q2", "One", 2), ("b", "2025-Q2", "Two", 2), ("c", "2025-Q2", "One", None),
    ]  # fmt: skip
    answers = pd.DataFrame(rows, columns=["place_id", "round", "label", "rating"]).assign(framework=ESA)
    counts = lowest_rated(answers).set_index("label")["places"].to_dict()
    assert counts == {"Two": 2, "One": 1}


def test_pulse_question_offers_the_eight_workshop_conditions(store: Store) -> None:
    """The pulse options are the 8 workshop conditions in the report's order, each short enough to be an answer."""
    catalogue = queries.run(store, "conditions_catalogue")
    question = missing_condition_question(
        conditions=list(catalogue[["framework", "position", "text"]].itertuples(index=False, name=None))
    )
    workshop = catalogue[catalogue["framework"] == ESA].sort_values("position")
    assert question.kind == "single_choice"
    assert question.options == tuple(text.split(":")[0] for text in workshop["text"])
    assert len(question.options) == 8
    assert all(len(option) <= MAX_ANSWER_CHARS for option in question.options)


def test_reveal_chart_hides_the_cohort_until_revealed(demo_store: Store) -> None:
    """Before the reveal only the room's shares are drawn; after it, the cohort's shares match its lowest ratings."""
    view = service.cohort(demo_store, principal=LOCAL_ADMIN)
    options = service.catalogue(demo_store).query("framework == @ESA")["label"].tolist()
    room = pd.DataFrame({"value": [options[0], options[3]], "answers": [3, 1]})
    # Independently: the partnerships whose latest round rated any workshop condition.
    rated = view.answers[(view.answers["framework"] == ESA) & view.answers["rating"].notna()]
    partnerships = rated["place_id"].nunique()
    assert view.lowest["places"].sum() > partnerships  # the demo has ties, so the two denominators differ
    chart = functools.partial(missing_condition_reveal_chart, room=room, cohort=view.lowest,
                              cohort_places=partnerships, options=options)  # fmt: skip
    hidden_rows = next(iter(chart(revealed=False).to_dict()["datasets"].values()))
    assert {row["who"] for row in hidden_rows} == {ROOM}
    assert [row["share"] for row in hidden_rows if row["count"]] == [0.75, 0.25]
    cohort_rows = [
        row for row in next(iter(chart(revealed=True).to_dict()["datasets"].values())) if row["who"] == COHORT
    ]
    # Each share is of the partnerships (ties count for each condition), not of the tied mentions.
    expected = {label: n / partnerships for label, n in zip(view.lowest["label"], view.lowest["places"], strict=True)}
    assert {row["condition"]: row["share"] for row in cohort_rows if row["count"]} == pytest.approx(expected)
    assert {row["label"] for row in cohort_rows if row["count"]} == {
        f"{n / partnerships:.0%} ({n} of {partnerships} places)" for n in view.lowest["places"]
    }


def test_notes_are_text_in_exports_and_formulas_are_neutralised(store: Store) -> None:
    """A note that looks like a formula is exported inert, in XLSX as in CSV."""
    values = {"esa-1": {"rating": "2", "note": "@SUM(A1)"}}
    service.submit(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id=ROUND, values=values)
    frame = pd.read_excel(io.BytesIO(service.export_rounds(store, principal=LOCAL_ADMIN, file_format="xlsx")))
    assert frame["note"].dropna().tolist() == ["'@SUM(A1)"]
    assert re.search(r"^'@SUM", frame["note"].dropna().iloc[0])


def test_missing_finding_names_ties_and_says_when_nothing_is_missing() -> None:
    """Tied conditions are all named; a round with nothing missing says so instead of naming one."""
    missing = pd.DataFrame(
        {"round": ROUND, "framework": E1, "position": [1, 2, 3], "label": ["Mission 1", "Mission 2", "Mission 3"],
         "text": ["q1", "q2", "q3"], "places": 9, "missing": [3, 1, 3]}
    )  # fmt: skip
    assert missing_finding(missing, round_id=ROUND, framework=E1) == (
        f"3 of 9 places answered No to each of Mission 1 and Mission 3 in {ROUND}, the most of any"
    )
    single = missing.assign(missing=[0, 2, 1])
    assert missing_finding(single, round_id=ROUND, framework=E1) == (
        f"2 of 9 places answered No to Mission 2 (“q2”) in {ROUND}, more than any other"
    )
    none = missing.assign(missing=0)
    assert missing_finding(none, round_id=ROUND, framework=E1).startswith("No place reported")


def test_pulse_reveal_data_counts_each_places_lowest_rating(demo_store: Store) -> None:
    """The reveal data counts, per condition, the places whose latest round rated it lowest; options cover it."""
    against = service.missing_condition_pulse(demo_store, principal=LOCAL_ADMIN)
    question, cohort = against.question, against.cohort
    assert against.synthetic
    assert against.places == 9
    answers = service.cohort(demo_store, principal=LOCAL_ADMIN).answers
    rated = answers[(answers["framework"] == ESA) & (answers["round"] == ROUNDS[-1]) & answers["rating"].notna()]
    expected: dict[str, int] = {}
    for _, place in rated.groupby("place_id"):
        for label in place.loc[place["rating"] == place["rating"].min(), "label"]:
            expected[label] = expected.get(label, 0) + 1
    assert dict(zip(cohort["label"], cohort["places"], strict=True)) == expected
    assert set(cohort["label"]) <= set(question.options)
    assert list(cohort.columns) == ["label", "places"]


@pytest.mark.usefixtures("store")
def test_a_name_typed_into_the_form_is_shown_as_text_not_markdown() -> None:
    """A name with Markdown link syntax is recorded and shown verbatim in a text element, never in Markdown."""
    app = open_form()
    app.text_input(key="cond_by").input("[click](http://evil.example) **Ann**")
    app.button(key="cond_save").click().run()
    assert any("[click](http://evil.example) **Ann**" in element.value for element in app.text)
    assert "evil.example" not in page_text(app)


def test_the_conditions_pulse_reveal_is_refused_outside_funders_and_partnerships(demo_store: Store) -> None:
    """A public account cannot read the cohort's self-assessments through the pulse reveal."""
    with pytest.raises(service.ConditionsAccessError):
        service.missing_condition_pulse(demo_store, principal=PUBLIC)
    assert service.missing_condition_pulse(demo_store, principal=HARTLEPOOL).places == 9
