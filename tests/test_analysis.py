"""Pure analysis: orderings, similarity, findings and safe exports."""

from __future__ import annotations

import io
import random

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from pbsa_analytics import exports, queries
from pbsa_analytics.analysis import findings
from pbsa_analytics.analysis.ordering import PlaceOrder, marks_per_typology, place_order, similarity_order
from pbsa_analytics.charts.programme import funnel_chart
from pbsa_analytics.store import Store

TYPES = [f"t{i}" for i in range(9)]


def _matrix(profiles: dict[str, set[str]]) -> pd.DataFrame:
    rows = [
        {"place_id": p, "place_name": p.title(), "furthest_phase": 1, "typology_id": t,
         "typology_name": t.upper(), "typology_position": i, "marked": t in marks}
        for p, marks in profiles.items()
        for i, t in enumerate(TYPES)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_similarity_order_puts_identical_profiles_together() -> None:
    """Places with identical typology profiles end up adjacent whatever order they come in."""
    rng = random.Random(20260101)
    groups = {name: set(rng.sample(TYPES, 4)) for name in ("a", "b", "c")}
    profiles = {f"{group}{copy}": marks for group, marks in groups.items() for copy in range(3)}
    shuffled = dict(rng.sample(sorted(profiles.items()), len(profiles)))
    order = similarity_order(_matrix(shuffled).pivot_table(index="place_id", columns="typology_id",
                                                           values="marked", aggfunc="max").astype(int))  # fmt: skip
    groups_in_order = [place[0] for place in order]
    # Each group's three members form one contiguous run.
    runs = [g for i, g in enumerate(groups_in_order) if i == 0 or g != groups_in_order[i - 1]]
    assert sorted(runs) == ["a", "b", "c"]


def test_similarity_order_of_thousands_of_places_keeps_each_profile_together() -> None:
    """At 5,000 places (hundreds of distinct profiles) every place comes once and each profile's places form one run,
    in their own order."""
    rng = np.random.default_rng(7)
    marks = rng.random((5_000, 9)) < 0.3
    profiles = pd.DataFrame(marks.astype(int), index=[f"p{n:05d}" for n in range(5_000)], columns=TYPES)
    order = similarity_order(profiles)
    assert sorted(order) == list(profiles.index)
    key = profiles.loc[order].astype(str).agg("".join, axis=1)
    runs = key[key.ne(key.shift())]
    assert runs.is_unique  # one run per profile
    for _, members in pd.Series(order).groupby(key.to_numpy()):
        assert members.tolist() == sorted(members)


def test_similarity_order_puts_near_profiles_next_to_each_other_not_in_sorted_order() -> None:
    """Two profiles one typology apart sit together even though a third profile sorts between them."""
    near, nearer, far = "100000001", "110000001", "101110000"  # sorted: near < far < nearer
    profiles = pd.DataFrame(
        [[int(c) for c in p] for p in (near, far, nearer, far)], index=["a", "b", "c", "d"], columns=TYPES
    )
    order = similarity_order(profiles)
    assert abs(order.index("a") - order.index("c")) == 1
    assert abs(order.index("b") - order.index("d")) == 1


@pytest.mark.parametrize("by", list(PlaceOrder))
def test_every_order_lists_each_place_once(store: Store, by: PlaceOrder) -> None:
    """Every sort option returns each place of the matrix exactly once."""
    matrix = queries.run(store, "typology_matrix", phase=1, place_ids=None)
    order = place_order(places=queries.run(store, "typology_places", phase=1), by=by)
    assert sorted(order) == sorted(matrix["place_name"].unique())


def test_count_order_puts_fullest_profile_first() -> None:
    """Sorting by count starts with the place that has most typologies."""
    places = pd.DataFrame({"place_id": ["few", "many", "some"], "place_name": ["Few", "Many", "Some"],
                           "furthest_phase": 1, "typologies_marked": [1, 6, 3],
                           "profile": ["010000000", "111111000", "111000000"]})  # fmt: skip
    assert place_order(places=places, by=PlaceOrder.COUNT) == ["Many", "Some", "Few"]


def test_typology_finding_names_shared_and_rarest(store: Store) -> None:
    """The Phase 1 finding names the types every place shares and the rarest ones with their count."""
    matrix = queries.run(store, "typology_matrix", phase=1, place_ids=None)
    places = queries.run(store, "typology_places", phase=1)
    text = findings.typology_finding(marks_per_typology(places=places, matrix=matrix), phase=1)
    counts = matrix.groupby("typology_name")["marked"].sum()
    for name in counts[counts == 20].index:
        assert name in text
    assert f"({counts.min()} of 20)" in text


def test_outcome_coverage_counts_places_with_any_evidence() -> None:
    """Coverage counts a place once if it has at least one record, and zero-record places not at all."""
    matrix = pd.DataFrame(
        {"place_id": ["a", "b", "c"], "outcome_id": ["x"] * 3, "outcome": ["X"] * 3,
         "outcome_position": [1] * 3, "evidence_records": [3, 0, 1]}
    )  # fmt: skip
    coverage = findings.outcome_coverage(matrix)
    assert coverage.loc[0, "places_with_evidence"] == 2
    assert coverage.loc[0, "label"] == "2 of 3 places"


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_csv_export_neutralises_formula_cells(dangerous: str) -> None:
    """Text cells a spreadsheet would evaluate are prefixed so they stay text; numbers are untouched."""
    frame = pd.DataFrame({"text": [dangerous, "plain"], "number": [-5, 7]})
    exported = pd.read_csv(io.BytesIO(exports.to_csv_bytes(frame)), encoding="utf-8-sig")
    assert exported.loc[0, "text"].startswith("'")
    assert exported.loc[1, "text"] == "plain"
    assert exported["number"].tolist() == [-5, 7]


def test_xlsx_export_neutralises_formula_cells() -> None:
    """The XLSX export holds formula-looking text as inert text."""
    frame = pd.DataFrame({"text": ["=1+1"]})
    sheet = load_workbook(io.BytesIO(exports.to_xlsx_bytes(frame))).active
    assert sheet["A2"].value == "'=1+1"
    assert sheet["A2"].data_type == "s"


def test_chart_images_render_locally(store: Store) -> None:
    """PNG and SVG exports are produced by vl-convert without a network."""
    chart = funnel_chart(cohorts=queries.run(store, "phase_cohorts"), title="Funnel")
    png = exports.chart_image(chart, image_format="png")
    svg = exports.chart_image(chart, image_format="svg")
    assert png.startswith(b"\x89PNG")
    assert b"<svg" in svg[:400]


def test_a_withheld_count_of_places_is_said_in_words_not_as_a_number() -> None:
    """Counts print as whole numbers; a missing (withheld) one is named as withheld, in the metric and the finding."""
    cohorts = pd.DataFrame({"phase": [1, 2, 3], "places": pd.array([20, None, 9], dtype="Int64")})
    assert findings.places_text(cohorts["places"][0]) == "20 places"
    assert findings.places_text(cohorts["places"][1]) == "a few (withheld) places"
    assert findings.funnel_finding(cohorts).startswith("20 → a few (withheld) → 9:")


def _shift(places: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = [{"phase": phase, "typology_name": name, "places": counts[i]}
            for name, counts in places.items() for i, phase in enumerate((1, 3))]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_shift_finding_names_every_typology_tied_at_either_end() -> None:
    """Two typologies falling by the same least amount are both named as changing least, each with its counts."""
    shift = _shift({"Advocacy": (10, 1), "Co-operatives": (4, 2), "Time credits": (2, 0), "Sport": (6, 3)})
    assert findings.shift_finding(shift) == (
        "From Phase 1 to Phase 3, Advocacy (10 → 1 places) faded most; "
        "Co-operatives (4 → 2 places) and Time credits (2 → 0 places) changed least"
    )


def test_the_shift_finding_counts_a_long_tie_and_says_when_all_moved_alike() -> None:
    """More than three tied typologies are counted, not listed; equal change everywhere is said as such."""
    shift = _shift({"A": (5, 1), "B": (4, 4), "C": (3, 3), "D": (2, 2), "E": (1, 1)})
    assert findings.shift_finding(shift) == (
        "From Phase 1 to Phase 3, A (5 → 1 places) faded most; 4 typologies (each +0 places) changed least"
    )
    assert findings.shift_finding(_shift({"A": (5, 3), "B": (4, 2)})) == (
        "From Phase 1 to Phase 3, every typology changed by -2 places"
    )


def test_when_every_typology_grew_the_smallest_gain_grew_least() -> None:
    """A typology that grew by less than the others is said to have grown least, never to have faded."""
    assert findings.shift_finding(_shift({"A": (1, 5), "B": (2, 3)})) == (
        "From Phase 1 to Phase 3, B (2 → 3 places) grew least; A (1 → 5 places) grew most"
    )
