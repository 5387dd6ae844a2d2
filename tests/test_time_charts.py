"""Quarterly charts and completeness views as data: band maths, facets, and a view that scales with places."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pbsa_analytics.analysis.trends import (
    above_median_finding,
    band_finding,
    cohort_band,
    completeness_by_place,
    has_several_periods,
    quarterly_rows,
    with_band,
)
from pbsa_analytics.charts.monitoring import (
    STATUS_COLOURS,
    cohort_band_chart,
    completeness_chart,
    completeness_distribution_chart,
    place_small_multiples,
)

METRICS = [("volunteers", "Volunteers", 1), ("activities", "Activities delivered", 3)]


def _series(places: int = 5, quarters: int = 4, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    starts = pd.date_range("2023-01-01", periods=quarters, freq="QS")
    rows = [
        {"place_id": f"p{p}", "place_name": f"Place {p}", "phase": 3, "period_start": start,
         "period_end": start + pd.offsets.QuarterEnd(0), "metric": metric, "metric_label": label,
         "metric_position": position, "value": int(rng.integers(0, 100))}
        for p in range(places) for start in starts for metric, label, position in METRICS
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_cohort_band_is_the_per_quarter_quartiles_of_the_places() -> None:
    """Median and middle half per metric and quarter equal numpy percentiles of the places' values."""
    series = _series()
    band = cohort_band(series)
    for (metric, start), group in series.groupby(["metric", "period_start"]):
        row = band[(band["metric"] == metric) & (band["period_start"] == start)].iloc[0]
        values = group["value"].to_numpy()
        assert row["median"] == np.percentile(values, 50)
        assert row["q1"] == np.percentile(values, 25)
        assert row["q3"] == np.percentile(values, 75)
        assert row["places"] == len(values)


def test_only_whole_quarters_count_and_one_quarter_is_not_a_series() -> None:
    """A three-year published period is left out of quarterly series; one quarter alone shows no series."""
    series = _series(quarters=1)
    long_period = series.iloc[[0]].assign(
        period_start=pd.Timestamp("2019-01-01"), period_end=pd.Timestamp("2022-01-31")
    )
    mixed = pd.concat([series, long_period], ignore_index=True)
    assert len(quarterly_rows(mixed)) == len(series)
    assert not has_several_periods(mixed)
    assert has_several_periods(_series(quarters=2))


def test_band_chart_facets_by_metric_with_the_focus_place_line() -> None:
    """The cohort chart is one panel per metric with band, median and, given a place, its own line."""
    series = _series()
    band = cohort_band(series)
    focus = series[series["place_id"] == "p0"]
    spec = cohort_band_chart(band=band, focus=focus, title=band_finding(band)).to_dict()
    assert spec["facet"]["field"] == "metric_label"
    assert [layer["mark"]["type"] for layer in spec["spec"]["layer"]] == ["area", "line", "line"]
    data = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert len(data) == len(band)
    own = data.dropna(subset=["value"])
    assert sorted(own["value"]) == sorted(focus["value"])
    assert spec["title"]["text"][0].startswith("Cohort median, first to last quarter")


def test_place_small_multiples_has_one_panel_per_place() -> None:
    """Place-by-place multiples facet by place name and carry each place's value beside the band."""
    series = _series()
    band = cohort_band(series)
    per_place = with_band(series[series["metric"] == "volunteers"], band)
    spec = place_small_multiples(series=per_place, metric_label="Volunteers", title="Volunteers").to_dict()
    assert spec["facet"]["field"] == "place_name"
    data = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert data["place_name"].nunique() == series["place_id"].nunique()
    assert (data["median"].notna()).all()


def _grid(places: int) -> pd.DataFrame:
    rng = np.random.default_rng(places)
    statuses = list(STATUS_COLOURS)
    starts = pd.date_range("2022-04-01", periods=8, freq="QS")
    return pd.DataFrame(
        [
            {"place_id": f"p{p}", "place_name": f"Place {p}", "period_start": s,
             "period_end": s + pd.offsets.QuarterEnd(0), "status": statuses[int(rng.integers(0, len(statuses)))],
             "metrics_reported": 4, "metrics": 4, "received_on": pd.NaT, "due_on": pd.NaT}
            for p in range(places) for s in starts
        ]
    )  # fmt: skip


def test_distribution_chart_size_does_not_grow_with_places() -> None:
    """At 10,000 places the distribution sends one row per period and status, with counts summing to the grid."""
    grid = _grid(10_000)
    counts = grid.groupby(["period_start", "period_end", "status"]).size().rename("places").reset_index()
    spec = completeness_distribution_chart(counts=counts, title="Returns per period").to_dict()
    data = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert len(data) <= 8 * len(STATUS_COLOURS)
    assert data["places"].sum() == len(grid)
    expected = grid.groupby("status").size()
    assert data.groupby("status")["places"].sum().to_dict() == expected.to_dict()


def test_small_grid_chart_keeps_every_cell() -> None:
    """The places x periods grid (used up to 40 places) has one mark per place and period."""
    grid = _grid(9)
    spec = completeness_chart(completeness=grid, title="Who reported").to_dict()
    data = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert len(data) == len(grid)
    assert data["period"].iloc[0] == "Apr–Jun 2022"


def test_completeness_by_place_counts_each_status_per_place() -> None:
    """The searchable table has one row per place, its status counts laid out as columns (a status it never had: 0)."""
    grid = _grid(50)
    counts = grid.groupby(["place_id", "place_name", "status"]).size().rename("periods").reset_index()
    table = completeness_by_place(counts, statuses=list(STATUS_COLOURS)).set_index("place_id")
    assert len(table) == 50
    for (place_id, status), count in grid.groupby(["place_id", "status"]).size().items():
        assert table.loc[place_id, status] == count
    present = [s for s in STATUS_COLOURS if s in set(grid["status"])]
    assert [c for c in table.columns if c != "place_name"] == present
    assert (table[present].sum(axis=1) == 8).all()  # every period once, so a status a place never had is 0


def test_a_quarter_a_place_did_not_report_breaks_its_line_instead_of_joining_it() -> None:
    """A place missing a middle quarter gets that quarter with no value (so Vega-Lite breaks the path there, its
    default for lines), not a line drawn straight across; the finding counts only places reporting then."""
    series = _series(places=3, quarters=4)
    gap = pd.Timestamp("2023-04-01")
    series = series[~((series["place_id"] == "p1") & (series["period_start"] == gap))]
    late = pd.Timestamp("2023-10-01")
    series = series[~((series["place_id"] == "p2") & (series["period_start"] == late))]  # absent in the latest quarter
    band = cohort_band(series)
    per_place = with_band(series[series["metric"] == "volunteers"], band)
    own = per_place[per_place["place_id"] == "p1"].set_index("period_start")["value"]
    assert list(own.index) == list(pd.date_range("2023-01-01", periods=4, freq="QS"))
    assert own.isna().tolist() == [False, True, False, False]
    assert len(per_place) == 3 * 4  # every place for every quarter of the band, reported or not
    assert str(per_place["value"].dtype) == "Int64"  # a download shows whole numbers, and a gap as missing
    assert list(per_place.columns[: len(series.columns)]) == list(series.columns)
    spec = place_small_multiples(series=per_place, metric_label="Volunteers", title="t").to_dict()
    line = spec["spec"]["layer"][2]
    assert line["mark"]["type"] == "line"
    assert "invalid" not in line["mark"]
    assert spec.get("config", {}).get("mark", {}).get("invalid") in (None, "break-paths-show-domains")
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert rows[(rows["place_name"] == "Place 1")]["value"].isna().sum() == 1
    latest = series[(series["metric"] == "volunteers") & (series["period_start"] == late)]
    expected_above = int((latest["value"] > latest["value"].median()).sum())
    assert above_median_finding(per_place, metric_label="Volunteers") == (
        f"Volunteers: {expected_above} of 2 places above the cohort median in the latest quarter"
    )
