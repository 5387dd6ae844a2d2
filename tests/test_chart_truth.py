"""Charts tell the truth: marginal bars sit on their own column or row, missing is not dropped, strips read."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from pbsa_analytics import queries
from pbsa_analytics.analysis.findings import change_finding
from pbsa_analytics.analysis.ordering import marks_per_typology
from pbsa_analytics.charts import partnership, typology
from pbsa_analytics.periods import phase_period
from pbsa_analytics.store import Store


def _heatmap_spec(store: Store, phase: int) -> tuple[dict, pd.DataFrame, list[str]]:
    matrix = queries.run(store, "typology_matrix", phase=phase, place_ids=None)
    order = sorted(matrix["place_name"].unique())
    counts = marks_per_typology(places=queries.run(store, "typology_places", phase=phase), matrix=matrix)
    chart = typology.typology_heatmap(matrix=matrix, place_order=order, counts=counts, title="t")
    return chart.to_dict(), matrix, order


def _rows(spec: dict, unit: dict) -> list[dict]:
    return spec["datasets"][unit["data"]["name"]]


def _domain(encoding: dict) -> list[str]:
    return encoding["scale"]["domain"]


@pytest.mark.parametrize("phase", [1, 2, 3])
def test_column_bars_share_the_heatmap_columns_zeros_included(store: Store, phase: int) -> None:
    """Every typology column has exactly one bar above it, in the same slot, with its own count (zero too)."""
    spec, matrix, _ = _heatmap_spec(store, phase)
    top = spec["vconcat"][0]
    heat = spec["vconcat"][1]["hconcat"][0]
    assert _domain(top["encoding"]["x"]) == _domain(heat["encoding"]["x"])
    bars = {row["typology_name"]: row["marked_count"] for row in _rows(spec, top)}
    expected = matrix.groupby("typology_name")["marked"].sum().astype(int).to_dict()
    assert bars == expected
    assert list(bars) == _domain(heat["encoding"]["x"])


@pytest.mark.parametrize("phase", [1, 2, 3])
def test_row_bars_share_the_heatmap_rows_zeros_included(store: Store, phase: int) -> None:
    """Every place row has exactly one bar beside it, in the same slot, with its own count (zero too)."""
    spec, matrix, order = _heatmap_spec(store, phase)
    heat, side = spec["vconcat"][1]["hconcat"]
    assert _domain(side["encoding"]["y"]) == _domain(heat["encoding"]["y"]) == order
    bars = {row["place_name"]: row["marked_count"] for row in _rows(spec, side)}
    assert bars == matrix.groupby("place_name")["marked"].sum().astype(int).to_dict()


def test_phase_2_and_3_have_zero_count_categories_to_guard(store: Store) -> None:
    """The data really has a typology with no Phase 2 mark and a place with no Phase 3 mark (the old bug's trigger)."""
    phase2 = queries.run(store, "typology_matrix", phase=2, place_ids=None).groupby("typology_name")["marked"].sum()
    phase3 = queries.run(store, "typology_matrix", phase=3, place_ids=None).groupby("place_name")["marked"].sum()
    assert (phase2 == 0).any()
    assert (phase3 == 0).any()


def test_places_without_later_data_are_not_dropped(store: Store) -> None:
    """A place with no Phase 3 typology in the sources is 'no data' in every cell, never 'dropped'."""
    change = queries.run(store, "typology_change", from_phase=1, to_phase=3, first=0, count=None)
    with_marks = set(queries.run(store, "typology_matrix", phase=3, place_ids=None).query("marked")["place_id"])
    no_data = change[~change["place_id"].isin(with_marks)]
    assert not no_data.empty
    assert set(no_data["change"]) == {"no data"}
    assert set(no_data["missing_phase"]) == {3}
    assert set(change.loc[change["place_id"].isin(with_marks), "change"]) <= {"kept", "added", "dropped", "absent"}


def test_change_headline_counts_only_places_with_data(store: Store) -> None:
    """The headline's dropped count excludes places the sources give no data for, and names them."""
    change = queries.run(store, "typology_change", from_phase=1, to_phase=3, first=0, count=None)
    known = change[change["change"] != "no data"]
    counts = known["change"].value_counts()
    places = queries.run(store, "typology_change_places", from_phase=1, to_phase=3)
    finding = change_finding(places, from_phase=1, to_phase=3)
    assert finding.startswith(
        f"Across {known['place_id'].nunique()} places from Phase 1 to Phase 3: {counts.get('kept', 0)} typologies "
        f"kept, {counts.get('added', 0)} added, {counts.get('dropped', 0)} dropped; no data for "
    )
    for name in change.loc[change["change"] == "no data", "place_name"].unique():
        assert name in finding


def test_change_chart_says_which_phase_is_missing(store: Store) -> None:
    """The change chart has a 'no data' colour and its tooltip says which phase has no data."""
    change = queries.run(store, "typology_change", from_phase=1, to_phase=3, first=0, count=None)
    spec = typology.typology_change_heatmap(change=change, place_order=[], title="t").to_dict()
    assert typology.NO_DATA in spec["encoding"]["color"]["scale"]["domain"]
    labels = {row["change_label"] for row in next(iter(spec["datasets"].values()))}
    assert "no Phase 3 data" in labels


def test_change_chart_title_and_labels_are_never_cut(store: Store) -> None:
    """The change chart's title lines fit its width, Vega's title limit is off and axis labels are not truncated."""
    change = queries.run(store, "typology_change", from_phase=1, to_phase=3, first=0, count=None)
    title = change_finding(
        queries.run(store, "typology_change_places", from_phase=1, to_phase=3), from_phase=1, to_phase=3
    )
    spec = typology.typology_change_heatmap(change=change, place_order=[], title=title).to_dict()
    assert spec["title"]["limit"] == 0
    assert " ".join(spec["title"]["text"]) == title
    assert all(len(line) <= typology.TITLE_WRAP for line in spec["title"]["text"])
    assert spec["encoding"]["x"]["axis"]["labelLimit"] == 0
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0


def _strip_spec(store: Store, *, metric: str) -> tuple[dict, pd.DataFrame]:
    values = queries.run(store, "monitoring_by_place", **phase_period(2).params()).query("metric == @metric")
    chart = partnership.cohort_strip(values=values, focus_place_id="hartlepool", metric_label="Volunteers", title="t")
    return chart.to_dict(), values


@pytest.mark.parametrize("metric", ["volunteers", "beneficiaries", "activities", "public_meetings"])
def test_strip_median_rule_spans_the_strip(store: Store, metric: str) -> None:
    """The cohort median rule has an explicit vertical span inside the strip's height, so it is visible."""
    spec, _ = _strip_spec(store, metric=metric)
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    top, bottom = rule["encoding"]["y"]["value"], rule["encoding"]["y2"]["value"]
    assert 0 <= top < bottom <= spec["height"]
    assert bottom - top >= spec["height"] / 2
    # Streamlit's default "fit" squeezes title, axis and legend into the height, leaving no plot (the old bug).
    assert spec["autosize"]["type"] == "fit-x"


@pytest.mark.parametrize("metric", ["volunteers", "beneficiaries", "activities", "public_meetings"])
def test_strip_axis_ticks_are_powers_of_ten_covering_the_data(store: Store, metric: str) -> None:
    """Ticks are 0, 10, 100, ... and the last tick is at or above the largest value, so no dot is off-axis."""
    spec, values = _strip_spec(store, metric=metric)
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    ticks = dots["encoding"]["x"]["axis"]["values"]
    assert ticks[0] == 0
    assert all(b == a * 10 for a, b in itertools.pairwise(ticks[1:]))
    assert ticks[-1] >= values["value"].max() > ticks[-2]


def test_strip_tooltip_does_not_repeat_the_label(store: Store) -> None:
    """An anonymised name such as 'Partnership C' is not shown under the title 'Partnership'."""
    spec, _ = _strip_spec(store, metric="volunteers")
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    titles = [tip["title"] for tip in dots["encoding"]["tooltip"]]
    assert "Partnership" not in titles
    assert titles == ["Place", "Volunteers"]


def test_the_programme_strips_keep_one_dot_per_reporting_place(store: Store) -> None:
    """The real cohort (about 20 places) is drawn as before: one dot per reporting place, median from the dots."""
    spec, values = _strip_spec(store, metric="volunteers")
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    rows = spec["datasets"][dots.get("data", spec.get("data"))["name"]]  # one shared dataset is hoisted to the top
    assert not partnership.strip_is_binned(values)
    assert sorted(row["place_id"] for row in rows) == sorted(values.dropna(subset=["value"])["place_id"])
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["x"]["aggregate"] == "median"


def _large_cohort(places: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = np.round(rng.lognormal(3, 1.5, places)).astype(float)
    values[rng.random(places) < 0.1] = np.nan  # places that gave no figure
    return pd.DataFrame(
        {"place_id": [f"p{n:05d}" for n in range(places)], "place_name": [f"Place {n}" for n in range(places)],
         "value": values}
    )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_large_cohort_strip_counts_other_places_per_bin_as_pandas_does(seed: int) -> None:
    """Above the dot limit, the bars hold per [start, end) bin exactly the other places pandas counts there, every
    other reporting place in one bin, with edges at 0, 1 and 10^(k/10) rounded (powers of ten included)."""
    values = _large_cohort(5000, seed)
    focus = values.dropna(subset=["value"])["place_id"].iloc[17]
    spec = partnership.cohort_strip(values=values, focus_place_id=focus, metric_label="Volunteers", title="t").to_dict()
    bars = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rect")
    bins = pd.DataFrame(spec["datasets"][bars["data"]["name"]])
    others = values.loc[values["place_id"] != focus, "value"].dropna()
    largest = others.max()
    expected_edges = [0, *sorted({round(10 ** (k / 10)) for k in range(int(10 * np.log10(largest)) + 11)})]
    expected_edges = [e for i, e in enumerate(expected_edges) if i == 0 or expected_edges[i - 1] <= largest]
    expected = pd.cut(others, bins=expected_edges, right=False).value_counts()
    expected = expected[expected > 0].sort_index()
    assert list(zip(bins["bin_start"], bins["bin_end"], bins["places"], strict=True)) == [
        (interval.left, interval.right, count) for interval, count in expected.items()
    ]
    assert bins["places"].sum() == len(others)
    assert {10, 100, 1000} <= set(bins["bin_start"]) | set(bins["bin_end"])
    assert len(bins) < 60  # a few dozen rows, not one per place


def test_large_cohort_strip_marks_this_place_and_the_median_exactly() -> None:
    """The large strip's dot is this place alone at its exact value, and the dashed rule is the median of every
    reporting place (this one included), the same figure the dot strip's median(value) gives."""
    values = _large_cohort(3000, 4)
    focus = values.dropna(subset=["value"])["place_id"].iloc[5]
    spec = partnership.cohort_strip(values=values, focus_place_id=focus, metric_label="Volunteers", title="t").to_dict()
    dot = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    own = spec["datasets"][dot["data"]["name"]]
    assert own == [
        {"place_name": values.loc[values["place_id"] == focus, "place_name"].item(),
         "value": values.loc[values["place_id"] == focus, "value"].item(), "who": partnership.THIS_PLACE}
    ]  # fmt: skip
    assert dot["encoding"]["x"]["field"] == "value"
    (median,) = spec["datasets"][rule["data"]["name"]]
    assert median["cohort_median"] == values["value"].median()
    assert rule["encoding"]["x"]["field"] == "cohort_median"
    scales = [layer["encoding"]["x"]["scale"] for layer in spec["layer"]]
    assert all(scale == scales[0] for scale in scales)  # bars, rule and dot share one axis
