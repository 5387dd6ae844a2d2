"""/typology at any size: one row per place orders and counts each heatmap, and only a page of places is fetched."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from pbsa_analytics import queries, settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.analysis.findings import change_finding, typology_finding
from pbsa_analytics.analysis.ordering import (
    PlaceOrder,
    marks_per_typology,
    place_order,
    profile_marks,
    profile_matrix,
)
from pbsa_analytics.services.scoping import run_scoped
from pbsa_analytics.store import Store
from pbsa_analytics.ui import auth, paging
from pbsa_analytics.ui.data import clear_caches
from tests.leak_check import find_leaks, scope_terms

OWN = "hartlepool"
FUNDER = Principal(subject="f@example.org", display_name="F", role=Role.FUNDER)
PARTNERSHIP = Principal(subject="p@example.org", display_name="P", role=Role.PARTNERSHIP, place_id=OWN)
PUBLIC = Principal(subject="v@example.org", display_name="V", role=Role.PUBLIC)


def _whole(store: Store, phase: int) -> pd.DataFrame:
    return queries.run(store, "typology_matrix", phase=phase, place_ids=None)


@pytest.mark.parametrize("phase", [1, 2, 3])
def test_each_places_profile_is_what_the_matrix_marks(store: Store, phase: int) -> None:
    """A place's profile has a 1 exactly where the matrix marks it (typologies in position order), its count is
    the number of marks, its furthest phase the matrix's; every place of the matrix has one row."""
    matrix = _whole(store, phase).sort_values(["place_id", "typology_position"])
    expected = matrix.groupby("place_id").agg(
        place_name=("place_name", "first"),
        furthest_phase=("furthest_phase", "first"),
        typologies_marked=("marked", "sum"),
        profile=("marked", lambda marks: "".join("1" if mark else "0" for mark in marks)),
    )
    places = queries.run(store, "typology_places", phase=phase).set_index("place_id").sort_index()
    pd.testing.assert_frame_equal(places, expected, check_dtype=False)


@pytest.mark.parametrize("phase", [1, 2, 3])
def test_profiles_read_back_as_the_matrix_marks(store: Store, phase: int) -> None:
    """The 0/1 table the similarity sort clusters, read from the profiles, is the matrix's marks place by place."""
    matrix = _whole(store, phase)
    positions = matrix.drop_duplicates("typology_id").sort_values("typology_position")["typology_id"].tolist()
    expected = profile_matrix(matrix)[positions]
    marks = profile_marks(queries.run(store, "typology_places", phase=phase)).sort_index()
    assert list(marks.index) == list(expected.index)
    assert (marks.to_numpy() == expected.to_numpy()).all()


@pytest.mark.parametrize("phase", [1, 2, 3])
def test_marks_per_typology_and_their_finding_equal_a_count_over_the_matrix(store: Store, phase: int) -> None:
    """Places marked per typology and the cohort size equal pandas' count over the matrix, so the title does too."""
    matrix = _whole(store, phase)
    counts = marks_per_typology(places=queries.run(store, "typology_places", phase=phase), matrix=matrix)
    marked = matrix.groupby("typology_name", sort=False)["marked"].sum()
    assert counts.set_index("typology_name")["places_marked"].to_dict() == marked.to_dict()
    assert set(counts["cohort_places"]) == {matrix["place_id"].nunique()}
    top = marked.idxmax()
    assert top in typology_finding(counts, phase=phase)
    assert f"of {matrix['place_id'].nunique()}" in typology_finding(counts, phase=phase)


@pytest.mark.parametrize("phase", [1, 2])
def test_orders_by_count_and_furthest_phase_follow_the_matrix(store: Store, phase: int) -> None:
    """Sorting by number of typologies or furthest phase (ties by name) gives the order pandas gives the matrix."""
    matrix = _whole(store, phase)
    places = queries.run(store, "typology_places", phase=phase)
    summary = matrix.groupby("place_name", as_index=False).agg(
        count=("marked", "sum"), furthest=("furthest_phase", "max")
    )
    by_count = summary.sort_values(["count", "place_name"], ascending=[False, True])["place_name"].tolist()
    by_furthest = summary.sort_values(["furthest", "place_name"], ascending=[False, True])["place_name"].tolist()
    assert place_order(places=places, by=PlaceOrder.COUNT) == by_count
    assert place_order(places=places, by=PlaceOrder.FURTHEST_PHASE) == by_furthest
    assert place_order(places=places, by=PlaceOrder.NAME) == sorted(summary["place_name"])


@pytest.mark.parametrize("size", [1, 4, 7])
def test_pages_by_place_ids_put_together_are_the_whole_matrix(store: Store, size: int) -> None:
    """For a funder, fetching the places page by page (by id, in any order) gives every row of the matrix once."""
    whole = _whole(store, 1)
    ids = queries.run(store, "typology_places", phase=1)["place_id"].tolist()[::-1]
    pages = [
        run_scoped(store, FUNDER, "typology_matrix", phase=1, place_ids=tuple(ids[first : first + size]))
        for first in range(0, len(ids), size)
    ]
    assert [page["place_id"].nunique() for page in pages] == [len(ids[i : i + size]) for i in range(0, len(ids), size)]
    together = pd.concat(pages).sort_values(["place_name", "typology_position"], ignore_index=True)
    pd.testing.assert_frame_equal(together, whole)


def test_a_partnerships_page_is_asked_for_by_the_labels_it_sees(store: Store) -> None:
    """A partnership pages by the (label) ids its own place list shows; asking for another place's real id gives
    nothing, and no page names another place."""
    places = run_scoped(store, PARTNERSHIP, "typology_places", phase=1)
    whole = run_scoped(store, PARTNERSHIP, "typology_matrix", phase=1, place_ids=None)
    forbidden, allowed = scope_terms(store, OWN)
    ids = places["place_id"].tolist()
    for first in range(0, len(ids), 6):
        shown = ids[first : first + 6]
        page = run_scoped(store, PARTNERSHIP, "typology_matrix", phase=1, place_ids=tuple(shown))
        assert set(page["place_id"]) == set(shown)
        pd.testing.assert_frame_equal(page, whole[whole["place_id"].isin(shown)].reset_index(drop=True))
        assert find_leaks(page.to_csv(index=False), forbidden=forbidden, allowed=allowed) == []
        # A label orders the same place it draws: the page's marks per label are that label's profile.
        drawn = (
            page.sort_values("typology_position")
            .groupby("place_id")["marked"]
            .agg(lambda marks: "".join("1" if mark else "0" for mark in marks))
        )
        assert drawn.to_dict() == places.set_index("place_id").loc[shown, "profile"].to_dict()
    assert run_scoped(store, PARTNERSHIP, "typology_matrix", phase=1, place_ids=("bristol",)).empty
    assert OWN in ids


def test_public_gets_no_places_or_page(store: Store) -> None:
    """The public role gets no per-place rows and no page of the typology heatmap."""
    assert run_scoped(store, PUBLIC, "typology_places", phase=1).empty
    assert run_scoped(store, PUBLIC, "typology_matrix", phase=1, place_ids=(OWN,)).empty


def _typology_page_of_six(monkeypatch: pytest.MonkeyPatch, principal: Principal, **query: str) -> AppTest:
    """/typology run for a principal with 6 places a page and the given URL parameters."""
    monkeypatch.setattr(paging, "PAGE_SIZE", 6)
    monkeypatch.setattr(auth, "session_principal", lambda: principal)
    clear_caches()
    app = AppTest.from_file(str(settings.REPO_ROOT / "app.py"), default_timeout=60)
    app.query_params.update(query)
    app.run()
    app.switch_page("pages/typology.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.usefixtures("db_env")
@pytest.mark.parametrize("principal", [FUNDER, PARTNERSHIP], ids=["funder", "partnership"])
def test_the_second_page_of_the_heatmap_draws_the_next_places_in_order(
    store: Store, monkeypatch: pytest.MonkeyPatch, principal: Principal
) -> None:
    """With 6 places a page, ?page=2&sort=count draws places 7-12 of the viewer's own order (labels for a
    partnership) with the marks the matrix gives each; the title and the bars above count the whole cohort."""
    app = _typology_page_of_six(monkeypatch, principal, page="2", sort="count", phase="1")
    places = run_scoped(store, principal, "typology_places", phase=1)
    expected = place_order(places=places, by=PlaceOrder.COUNT)[6:12]
    [chart] = [c for c in app.get("vega_lite_chart") if "typology_cells" in c.proto.spec]
    spec = json.loads(chart.proto.spec)
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
    [heat] = [frame for frame in frames if "typology_id" in frame]
    assert expected in _domains(spec)  # the rows are drawn in the viewer's order
    assert set(heat["place_name"]) == set(expected)
    whole = run_scoped(store, principal, "typology_matrix", phase=1, place_ids=None)
    marks = whole[whole["place_name"].isin(expected)].groupby("place_name")["marked"].sum()
    assert heat.groupby("place_name")["marked"].sum().to_dict() == marks.to_dict()
    # The title and the bars above count every place of the cohort, not the page.
    assert f"of {len(places)})" in " ".join(spec["title"]["text"])
    [bars] = [frame for frame in frames if {"typology_name", "marked_count"} <= set(frame.columns)]
    every_place = whole.groupby("typology_name")["marked"].sum()
    assert bars.set_index("typology_name")["marked_count"].to_dict() == every_place.to_dict()


@pytest.mark.usefixtures("db_env")
def test_the_cell_picker_offers_the_pages_places_and_the_linked_cells_place(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On page 2 (6 places a page) the keyboard picker lists the 6 places drawn, not the whole cohort; a linked
    cell's place from another page is added, so its box shows it and a new typology keeps that place."""
    places = run_scoped(store, FUNDER, "typology_places", phase=1)
    by_name = place_order(places=places, by=PlaceOrder.NAME)
    id_of = dict(zip(places["place_name"], places["place_id"], strict=True))
    app = _typology_page_of_six(monkeypatch, FUNDER, page="2", phase="1")
    assert app.selectbox(key="typology_cell_row").options == by_name[6:12]
    linked = id_of[by_name[0]]  # on page 1
    app = _typology_page_of_six(monkeypatch, FUNDER, page="2", phase="1", cell=f"{linked}:co_production")
    assert app.selectbox(key="typology_cell_row").options == [*by_name[6:12], by_name[0]]
    assert app.selectbox(key="typology_cell_row").value == linked
    app.selectbox(key="typology_cell_column").select("advocacy_social_movements").run()
    assert app.query_params["cell"] == f"{linked}:advocacy_social_movements"


def _domains(spec: object) -> list[list]:
    """Every scale domain given as a list anywhere in a Vega-Lite spec."""
    if isinstance(spec, dict):
        found = [spec["domain"]] if isinstance(spec.get("domain"), list) else []
        return found + [domain for value in spec.values() for domain in _domains(value)]
    if isinstance(spec, list):
        return [domain for value in spec for domain in _domains(value)]
    return []


@pytest.mark.parametrize(("from_phase", "to_phase"), [(1, 2), (1, 3), (2, 3)])
def test_change_counts_per_place_equal_sets_of_marks_from_the_two_phases(
    store: Store, from_phase: int, to_phase: int
) -> None:
    """Kept, added and dropped per place are the intersection and differences of its marked typologies in the two
    phases (from typology_matrix, in pandas); a place with no marks in one phase is 'no data' for that phase."""

    def marked(phase: int) -> dict[str, set[str]]:
        matrix = _whole(store, phase)
        return matrix[matrix["marked"]].groupby("place_id")["typology_id"].agg(set).to_dict()

    before, after = marked(from_phase), marked(to_phase)
    places = queries.run(store, "typology_change_places", from_phase=from_phase, to_phase=to_phase)
    both = set(_whole(store, from_phase)["place_id"]) & set(_whole(store, to_phase)["place_id"])
    assert set(places["place_id"]) == both
    for row in places.itertuples():
        a, b = before.get(row.place_id, set()), after.get(row.place_id, set())
        if not a or not b:
            assert (row.missing_phase, row.kept, row.added, row.dropped) == (from_phase if not a else to_phase, 0, 0, 0)
        else:
            assert pd.isna(row.missing_phase)
            assert (row.kept, row.added, row.dropped) == (len(a & b), len(b - a), len(a - b))


@pytest.mark.parametrize("size", [1, 4])
def test_pages_of_the_change_grid_put_together_are_the_whole_grid(store: Store, size: int) -> None:
    """For a funder, page after page of the change grid gives every row once, in name order; a partnership's pages
    hold its labels in label order and name no other place."""
    whole = queries.run(store, "typology_change", from_phase=1, to_phase=3, first=0, count=None)
    places = whole["place_id"].nunique()
    pages = [
        run_scoped(store, FUNDER, "typology_change", from_phase=1, to_phase=3, first=first, count=size)
        for first in range(0, places, size)
    ]
    pd.testing.assert_frame_equal(pd.concat(pages, ignore_index=True), whole)
    scoped = run_scoped(store, PARTNERSHIP, "typology_change", from_phase=1, to_phase=3, first=0, count=None)
    labels = sorted(scoped["place_name"].unique())
    forbidden, allowed = scope_terms(store, OWN)
    for first in range(0, places, size):
        page = run_scoped(store, PARTNERSHIP, "typology_change", from_phase=1, to_phase=3, first=first, count=size)
        assert sorted(page["place_name"].unique()) == labels[first : first + size]
        assert find_leaks(page.to_csv(index=False), forbidden=forbidden, allowed=allowed) == []


def test_a_change_finding_counts_many_places_without_data_rather_than_naming_them() -> None:
    """Up to five places with no data are named; more are counted, so a cohort of thousands keeps a short title."""
    few = pd.DataFrame({"place_id": ["a", "b"], "place_name": ["Alpha", "Beta"], "kept": [2, 0], "added": [1, 0],
                        "dropped": [3, 0], "missing_phase": [None, 3]})  # fmt: skip
    assert change_finding(few, from_phase=1, to_phase=3) == (
        "Across 1 places from Phase 1 to Phase 3: 2 typologies kept, 1 added, 3 dropped; no data for Beta in one "
        "phase, so not counted"
    )
    many = pd.DataFrame({"place_id": [f"p{n}" for n in range(9)], "place_name": [f"Place {n}" for n in range(9)],
                         "kept": 1, "added": 0, "dropped": 0, "missing_phase": [None] * 2 + [2] * 7})  # fmt: skip
    finding = change_finding(many, from_phase=1, to_phase=2)
    assert finding.endswith("; no data for 7 places in one phase, so not counted")
    assert "Place 3" not in finding
    five, six = many.iloc[:7].copy(), many.iloc[:8].copy()  # 5 and 6 places with no data
    assert change_finding(five, from_phase=1, to_phase=2).endswith(
        "no data for Place 2, Place 3, Place 4, Place 5 and Place 6 in one phase, so not counted"
    )
    assert change_finding(six, from_phase=1, to_phase=2).endswith("no data for 6 places in one phase, so not counted")


@pytest.mark.usefixtures("db_env")
@pytest.mark.parametrize("principal", [FUNDER, PARTNERSHIP], ids=["funder", "partnership"])
def test_the_second_page_of_the_change_heatmap_draws_the_next_places_by_name(
    store: Store, monkeypatch: pytest.MonkeyPatch, principal: Principal
) -> None:
    """With 6 places a page, ?change_page=2 draws places 7 on of the viewer's names (labels for a partnership) with
    the change the whole grid gives each, and its title counts every place in both phases."""
    app = _typology_page_of_six(monkeypatch, principal, change_page="2", **{"from": "1", "to": "2"})
    whole = run_scoped(store, principal, "typology_change", from_phase=1, to_phase=2, first=0, count=None)
    expected = sorted(whole["place_name"].unique())[6:12]
    [chart] = [c for c in app.get("vega_lite_chart") if "change_label" in c.proto.spec]
    spec = json.loads(chart.proto.spec)
    [drawn] = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
    assert spec["encoding"]["y"]["sort"] == expected
    assert set(drawn["place_name"]) == set(expected)
    shown = whole[whole["place_name"].isin(expected)]
    assert drawn.set_index(["place_name", "typology_id"])["change"].sort_index().to_dict() == (
        shown.set_index(["place_name", "typology_id"])["change"].sort_index().to_dict()
    )
    known = whole.loc[whole["change"] != "no data", "place_id"].nunique()
    assert " ".join(spec["title"]["text"]).startswith(f"Across {known} places from Phase 1 to Phase 2")
