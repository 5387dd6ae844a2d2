"""AppTest: every page renders without exceptions, widgets are driven by key, and state lives in the URL."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import pytest
from altair.utils import schemapi
from streamlit.testing.v1 import AppTest

from pbsa_analytics import queries, settings
from pbsa_analytics.store import open_store
from pbsa_analytics.ui import chart_specs, paging
from pbsa_analytics.ui.data import clear_caches
from pbsa_analytics.ui.navigation import PAGES

APP = str(settings.REPO_ROOT / "app.py")


def open_page(page_file: str, **query: str) -> AppTest:
    """Run the app on one page with the given query parameters."""
    app = AppTest.from_file(APP, default_timeout=60)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    if page_file != PAGES[0].file:
        app.switch_page(page_file)
        app.run()
    return app


def _blocks(node) -> list:
    children = getattr(node, "children", {})
    return [node, *(block for child in children.values() for block in _blocks(child))]


def download_menus(app: AppTest) -> dict[str, str]:
    """Every "Download" menu (popover) the last run drew: its widget key (the user's key, after Streamlit's prefix)
    and its label."""
    menus = {}
    for block in _blocks(app._tree):
        if getattr(block, "type", None) != "popover":
            continue
        menu = block.proto.popover
        if menu.label.startswith("Download"):
            menus[menu.id.split("-", 2)[-1]] = menu.label
    return menus


def open_download_menus(app: AppTest) -> dict[str, str]:
    """Open every "Download" menu of the page, as a reader would one by one, and rerun with all of them open."""
    menus = download_menus(app)
    for key in menus:
        app.session_state[key] = True
    app.run()
    return menus


def page_text(app: AppTest) -> str:
    parts = [*app.title, *app.header, *app.subheader, *app.markdown, *app.caption, *app.info, *app.warning]
    return "\n".join(str(part.value) for part in parts)


@pytest.fixture
def checked_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chart spec a page renders is checked against the Vega-Lite schema (serving skips the check and
    Altair's debug mode); charts and specs converted unchecked by earlier tests are forgotten first."""
    monkeypatch.setattr(chart_specs, "VALIDATE_SPECS", True)
    monkeypatch.setattr(schemapi, "DEBUG_MODE", True)  # and each part as it is made, as Altair does by default
    monkeypatch.setattr(chart_specs, "_specs", {})
    clear_caches()


@pytest.mark.usefixtures("db_env", "checked_specs")
@pytest.mark.parametrize("page", PAGES, ids=lambda spec: spec.url_path or "overview")
def test_page_renders_without_error(page) -> None:
    """Each page runs to the end with a title, no exception and no error box, and each of its chart specs passes
    the Vega-Lite schema."""
    app = open_page(page.file)
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert app.title


def test_overview_shows_headline_figures(db_env: Path) -> None:
    """The overview shows 20/10/9 places, the Phase 2 totals and the reporting caveat beside them."""
    app = open_page("pages/overview.py")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Phase 1"] == "20 places"
    assert metrics["Phase 2"] == "10 places"
    assert metrics["Phase 3"] == "9 places"
    assert metrics["Volunteers"] == "780"
    assert metrics["Beneficiaries"] == "46,286"
    assert "9 of 10 partnerships reporting" in page_text(app)
    assert "recorded in different ways" in page_text(app)


def test_map_phase_filter_is_read_from_and_written_to_the_url(db_env: Path) -> None:
    """?phase=3 opens the map on Phase 3 places; choosing Phase 2 rewrites the URL."""
    app = open_page("pages/map.py", phase="3")
    assert app.selectbox(key="map_phase").value == 3
    assert "**9 places** match" in page_text(app)
    app.selectbox(key="map_phase").set_value(2).run()
    assert app.query_params["phase"] == "2"
    assert "**10 places** match" in page_text(app)


def test_map_phase_filter_counts_the_places_from_the_data(db_env: Path) -> None:
    """The "all places" choice states the number of places that took part in Phase 1, read from the store."""
    took_part = (
        duckdb.connect(str(db_env), read_only=True)
        .execute("select count(distinct place_id) from phase_participation where phase = 1 and status = 'took_part'")
        .fetchone()[0]
    )
    app = open_page("pages/map.py")
    labels = app.selectbox(key="map_phase").options
    assert labels[0] == f"All {took_part} places (Phase 1)"
    assert took_part > 0


def test_map_filter_that_matches_nothing_says_so(db_env: Path) -> None:
    """A region with no Phase 3 place shows an explanatory empty state, not an empty map."""
    app = open_page("pages/map.py", phase="3", region="South East")
    assert app.multiselect(key="map_regions").value == ["South East"]
    assert "No place matches these filters" in page_text(app)
    assert not app.exception


def test_map_place_in_url_opens_its_panel(db_env: Path) -> None:
    """?place=hartlepool opens Hartlepool's panel with its partnership link."""
    app = open_page("pages/map.py", place="hartlepool")
    assert "Hartlepool — Hartlepool Action Lab" in page_text(app)
    link = next(link.proto for link in app.get("page_link") if link.proto.page == "partnership")
    assert link.query_string == "place=hartlepool"


def test_map_unknown_values_in_url_fall_back_to_defaults(db_env: Path) -> None:
    """Nonsense query parameters are ignored rather than breaking the page."""
    app = open_page("pages/map.py", phase="99", size="nope", region="Atlantis", place="nowhere")
    assert not app.exception
    assert app.selectbox(key="map_phase").value == 1
    assert app.selectbox(key="map_metric").value == "none"
    assert "**20 places** match" in page_text(app)


def test_typology_sort_and_phase_round_trip(db_env: Path) -> None:
    """?phase=2&sort=similarity restores both controls, and a change goes back into the URL."""
    app = open_page("pages/typology.py", phase="2", sort="similarity")
    assert app.selectbox(key="typology_sort").value == "similarity"
    assert "in Phase 2" in app.get("vega_lite_chart")[0].proto.spec
    app.selectbox(key="typology_sort").set_value("count").run()
    assert app.query_params["sort"] == "count"
    assert app.query_params["phase"] == "2"


def test_typology_cell_in_url_opens_the_drill_down(db_env: Path) -> None:
    """?cell=place:typology shows what lies behind that cell, with sources."""
    app = open_page("pages/typology.py", phase="2", cell="sefton:co_production")
    text = page_text(app)
    assert "Bootle × Co-production (Phase 2): marked" in text
    assert "Strategic planning through community consultation" in text
    assert "Source: Renaisi, Learning from Phase 2 (2022), Appendix (derived: activities" in text
    assert ".txt" not in text


def test_typology_change_requires_a_later_phase(db_env: Path) -> None:
    """Choosing 'To' not after 'From' explains itself instead of drawing nonsense."""
    app = open_page("pages/typology.py", **{"from": "2", "to": "2"})
    assert "Choose a later phase" in page_text(app)


def test_outcomes_coverage_and_cell_drill_down(db_env: Path) -> None:
    """Coverage reads 'n of 10' per outcome and ?cell= lists the evidence with citations."""
    app = open_page("pages/outcomes.py", cell="lincoln:empowerment")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Collaboration"] == "10 of 10"
    text = page_text(app)
    assert "Lincoln × Empowerment" in text
    assert "Source: Renaisi, Learning from Phase 2 (2022), Difference made — Empowerment" in text
    assert ".txt" not in text


def test_phases_page_names_who_left(db_env: Path) -> None:
    """The phases page lists the ten places not selected and the one that did not progress."""
    text = page_text(open_page("pages/phases.py"))
    assert "After Phase 1, not selected" in text
    assert "After Phase 2, did not progress:** East Marsh" in text


def test_overview_period_in_url_states_period_and_rules(db_env: Path) -> None:
    """?period=all switches the totals to the whole programme and the caption names each metric's rule."""
    app = open_page("pages/overview.py", period="all")
    assert app.selectbox(key="overview_period").value == "all"
    text = page_text(app)
    assert "Period: Whole programme." in text
    assert "Volunteers: latest period" in text
    assert "Activities delivered: sum of periods" in text
    app.selectbox(key="overview_period").set_value("phase-2").run()
    assert "period" not in app.query_params
    assert {m.label: m.value for m in app.metric}["Volunteers"] == "780"


def _download_keys(app: AppTest) -> list[str]:
    return [button.proto.id.split("-", 2)[-1] for button in app.get("download_button")]


def test_a_charts_files_are_drawn_only_while_its_download_menu_is_open(db_env: Path) -> None:
    """On /phases each chart has one Download menu and no file button of its own; opening one menu draws that
    chart's data (CSV, XLSX) and image (PNG, SVG) files and no other chart's."""
    app = open_page("pages/phases.py")
    menus = download_menus(app)
    assert len(menus) == len(app.get("vega_lite_chart")) == 5
    assert set(menus.values()) == {"Download (CSV, XLSX, PNG, SVG)"}
    assert _download_keys(app) == ["share_pdf", "share_html"]  # the page's own report, in the sidebar
    second = list(menus)[1].removesuffix("_open")
    app.session_state[f"{second}_open"] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    labels = [button.proto.label for button in app.get("download_button")][:4]
    assert labels == ["Data (CSV)", "Data (XLSX)", "Chart (PNG)", "Chart (SVG)"]
    assert _download_keys(app)[:4] == [f"{second}_{kind}" for kind in ("csv", "xlsx", "png", "svg")]
    assert len(_download_keys(app)) == 6


def test_phases_lists_each_cohort_by_name_only_when_it_is_small_enough_to_read(
    db_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/phases names each phase's places, as data/ has them, in one line while the cohort has at most a page of
    places; a larger cohort (here Phase 1's 20, with a page of 10) is counted instead."""
    took = pd.read_csv(settings.data_dir() / "phase_participation.csv").query("status == 'took_part'")
    names = took.merge(pd.read_csv(settings.data_dir() / "places.csv"), on="place_id").groupby("phase")["place_name"]
    expected = {phase: ", ".join(sorted(group)) for phase, group in names}
    monkeypatch.setattr(paging, "PAGE_SIZE", 10)
    clear_caches()
    app = open_page("pages/phases.py")
    lines = {
        md.value.split(":**")[0]: md.value.split(":** ", 1)[1] for md in app.markdown if md.value.startswith("**Phase")
    }
    assert lines["**Phase 1 (20)"] == "20 places, too many to list here"
    assert lines["**Phase 2 (10)"] == expected[2]
    assert lines["**Phase 3 (9)"] == expected[3]
    clear_caches()


PIVOT_TABLES = {
    "pages/typology.py": ("typology_heatmap", "typology_matrix", {"phase": 1, "place_ids": None}, "typology_name"),
    "pages/outcomes.py": ("outcomes_grid", "outcome_matrix", {"phase": 2}, "outcome"),
    "pages/phases.py": (
        "phases_profiles",
        "cohort_profiles",
        {"cohort_phase": 2, "first": 0, "count": None},
        "typology_name",
    ),
}


@pytest.mark.parametrize("page_file", PIVOT_TABLES)
def test_pivoted_table_view_is_built_when_opened_and_holds_every_place_and_column(page_file: str, db_env: Path) -> None:
    """A chart's table view, built only when opened (a function), shows one row per place (per phase) on the
    page and one column per typology or outcome, as the query behind it has them."""
    key, name, params, column = PIVOT_TABLES[page_file]
    app = open_page(page_file)
    assert list(app.dataframe) == []  # every table view closed: nothing built or sent
    app.session_state[f"{key}_table_open"] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    (table,) = app.dataframe
    store = open_store(db_path=db_env)
    try:
        rows = queries.run(store, name, **params)
    finally:
        store.close()
    per_row = ["place_id", "phase"] if name == "cohort_profiles" else ["place_id"]
    assert rows["place_id"].nunique() <= paging.PAGE_SIZE  # the programme's places fit on one page
    assert len(table.value) == len(rows.drop_duplicates(per_row)) > 0
    assert sorted(table.value.columns) == sorted(rows[column].unique())


@pytest.fixture
def altair_rework(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each time Altair matches a bare string or dict channel against its schema classes (a `_FromDict`
    table built from ~570 schemas) or names a view by hashing a chart whose data is a frame (the frame's repr)."""
    seen: list[str] = []
    build_table = schemapi._FromDict.__init__

    def counting_table(self, *args, **kwargs) -> None:
        seen.append("channel matched against the schema classes")
        build_table(self, *args, **kwargs)

    hash_chart = alt.Chart._compute_hash

    def counting_hash(self) -> str:
        if isinstance(getattr(self, "data", None), pd.DataFrame):
            seen.append("chart hashed with its data frame")
        return hash_chart(self)

    monkeypatch.setattr(schemapi._FromDict, "__init__", counting_table)
    monkeypatch.setattr(alt.Chart, "_compute_hash", counting_hash)
    clear_caches()
    return seen


# Every view of the real store that draws Altair charts (the map is pydeck; /evidence, /conditions and /pulse
# draw none without a search, a submitted round or an open room: their builders are covered by the source check).
CHART_VIEWS = [
    ("pages/overview.py", {}),
    ("pages/typology.py", {"cell": "hartlepool|1"}),
    ("pages/outcomes.py", {}),
    ("pages/phases.py", {}),
    ("pages/partnership.py", {"place": "hartlepool"}),
    ("pages/data.py", {}),
    # The shipped decks' chart slides (the others are questions or text).
    ("pages/present.py", {"deck": "learning-event", "slide": "1"}),
    ("pages/present.py", {"deck": "learning-event", "slide": "4"}),
    ("pages/present.py", {"deck": "cohort-meeting", "slide": "2"}),
    ("pages/present.py", {"deck": "cohort-meeting", "slide": "4"}),
]


@pytest.mark.usefixtures("db_env")
@pytest.mark.parametrize(("page_file", "query"), CHART_VIEWS)
def test_charts_are_built_from_typed_channels(page_file: str, query: dict, altair_rework: list[str]) -> None:
    """A cold page builds every chart from typed channel objects with layer data on the layer, so Altair does no
    per-chart schema matching or frame hashing (each about 5-17 ms, paid on every cold run)."""
    app = open_page(page_file, **query)
    assert not app.exception, [e.value for e in app.exception]
    assert app.get("vega_lite_chart"), "the view drew no chart to check"
    assert altair_rework == []
