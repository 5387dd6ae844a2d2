"""Quarterly series: which rows are quarterly returns, and the cohort's median and middle half per quarter."""

from __future__ import annotations

import pandas as pd

BAND_KEYS = ["metric", "metric_label", "metric_position", "period_start", "period_end"]


def quarterly_rows(series: pd.DataFrame) -> pd.DataFrame:
    """Only the rows whose period is exactly one calendar quarter (other periods are not comparable)."""
    start = pd.to_datetime(series["period_start"])
    end = pd.to_datetime(series["period_end"])
    quarters = start.dt.to_period("Q")
    exact = (start == quarters.dt.start_time) & (end == quarters.dt.end_time.dt.normalize())
    return series.loc[exact].assign(period_start=start[exact], period_end=end[exact])


def has_several_periods(series: pd.DataFrame) -> bool:
    """True once the quarterly figures span more than one quarter."""
    return quarterly_rows(series)["period_start"].nunique() > 1


def cohort_band(series: pd.DataFrame) -> pd.DataFrame:
    """Per metric and quarter: places reporting, and the cohort's 25th, 50th and 75th percentiles."""
    quarterly = quarterly_rows(series)
    if quarterly.empty:
        return pd.DataFrame(columns=[*BAND_KEYS, "places", "q1", "median", "q3"])
    grouped = quarterly.groupby(BAND_KEYS)["value"]
    band = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    band.columns = ["q1", "median", "q3"]
    band["places"] = grouped.count()
    return band.reset_index()


PLACE_KEYS = ["place_id", "place_name"]


def with_band(series: pd.DataFrame, band: pd.DataFrame) -> pd.DataFrame:
    """Each place's quarterly figure beside the cohort band, for every quarter of the band of its metrics: a quarter
    the place did not report has a missing value (so its line breaks there instead of joining the quarters either
    side, which would draw figures nobody reported)."""
    quarterly = quarterly_rows(series)
    quarters = band[band["metric"].isin(quarterly["metric"].unique())]
    every = quarterly[PLACE_KEYS].drop_duplicates().merge(quarters, how="cross")
    merged = every.merge(quarterly, on=[*PLACE_KEYS, *BAND_KEYS], how="left")
    # A gap row has no value: whole-number columns become nullable integers (a download shows 23, not 23.0).
    for column in quarterly.columns:
        if pd.api.types.is_integer_dtype(quarterly[column].dtype):
            merged[column] = merged[column].astype("Int64")
    ordered = [*quarterly.columns, *(c for c in merged.columns if c not in quarterly.columns)]
    return merged[ordered].sort_values(["metric_position", "place_name", "period_start"], ignore_index=True)


def band_finding(band: pd.DataFrame) -> str:
    """How each metric's cohort median moved from the first to the last quarter shown."""
    if band.empty:
        return "No quarterly returns in this period"
    ordered = band.sort_values(["metric_position", "period_start"])
    ends = ordered.groupby(["metric_position", "metric_label"], sort=True)["median"].agg(["first", "last"])
    moves = [f"{label} {first:,.0f} → {last:,.0f}" for (_, label), (first, last) in ends.iterrows()]
    return "Cohort median, first to last quarter: " + "; ".join(moves)


def above_median_finding(per_place: pd.DataFrame, *, metric_label: str) -> str:
    """How many of the places reporting in the latest quarter were above the cohort median then."""
    latest = per_place[(per_place["period_start"] == per_place["period_start"].max()) & per_place["value"].notna()]
    above = int((latest["value"] > latest["median"]).sum())
    return f"{metric_label}: {above} of {len(latest)} places above the cohort median in the latest quarter"


def completeness_by_place(counts: pd.DataFrame, *, statuses: list[str]) -> pd.DataFrame:
    """One row per place: how many of its periods had each status (columns in `statuses` order, present ones only).

    `counts` holds a row per place and status with its number of periods.
    """
    table = counts.set_index(["place_id", "place_name", "status"])["periods"].unstack(fill_value=0)
    table = table.reindex(columns=[s for s in statuses if s in table.columns]).astype("int64").reset_index()
    table.columns.name = None
    return table.sort_values(["place_name", "place_id"]).reset_index(drop=True)


def completeness_summary(summary: pd.DataFrame, *, statuses: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two grains of query reporting_completeness_summary: places per period and status (for the distribution),
    and the per-place table of periods per status (see completeness_by_place)."""
    periods = summary[summary["grain"] == "period"]
    counts = periods[["period_start", "period_end", "status", "count"]].rename(columns={"count": "places"})
    places = summary[summary["grain"] == "place"]
    per_place = places[["place_id", "place_name", "status", "count"]].rename(columns={"count": "periods"})
    return counts.reset_index(drop=True), completeness_by_place(per_place, statuses=statuses)
