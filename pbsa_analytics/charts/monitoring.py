"""Monitoring charts: reporting completeness, and quarterly series once places report more than one period."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import wrapped_title
from pbsa_analytics.palette import GssColour
from pbsa_analytics.periods import period_label

STATUS_COLOURS = {
    "on time": GssColour.DARK_BLUE,
    "reported": GssColour.LIGHT_BLUE,
    "late": GssColour.DARK_PINK,
    "partial": GssColour.ORANGE,
    "missing": GssColour.FOCUS_GREY,
    "not yet due": "#F0F0F0",
}
STATUS_SCALE = alt.Scale(domain=list(STATUS_COLOURS), range=[str(c) for c in STATUS_COLOURS.values()])
# Above this many places a places x periods grid is taller than anyone reads; show the distribution instead.
GRID_MAX_PLACES = 40
OWN_POINT = alt.OverlayMarkDef(color=str(GssColour.ORANGE))


def completeness_chart(*, completeness: pd.DataFrame, title: str) -> alt.Chart:
    """Places x reporting periods coloured reported / partial / missing."""
    data = completeness.assign(period=period_label(completeness["period_start"], completeness["period_end"]))
    periods = data.sort_values("period_start")["period"].unique().tolist()
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=alt.X("period:N", sort=periods, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=200)),
            y=alt.Y("place_name:N", title=None),
            color=alt.Color("status:N", scale=STATUS_SCALE, legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("metrics_reported:Q", title="Metrics reported"),
                alt.Tooltip("metrics:Q", title="Metrics asked"),
                alt.Tooltip("received_on:T", title="Received", format="%d %b %Y"),
                alt.Tooltip("due_on:T", title="Due", format="%d %b %Y"),
            ],
        )
        .properties(title=wrapped_title(title), width=alt.Step(80), height=alt.Step(22))
    )


def time_series_chart(*, series: pd.DataFrame, title: str) -> alt.Chart:
    """One line per metric over reporting periods (by period end); gaps where a value is missing."""
    data = series.assign(period_end=pd.to_datetime(series["period_end"]))
    return (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("period_end:T", title="Period ending"),
            y=alt.Y("value:Q", title="Value", axis=alt.Axis(format=",d")),
            color=alt.Color("metric_label:N", title="Metric"),
            tooltip=[
                alt.Tooltip("metric_label:N", title="Metric"),
                alt.Tooltip("period_start:T", title="From", format="%d %b %Y"),
                alt.Tooltip("period_end:T", title="To", format="%d %b %Y"),
                alt.Tooltip("value:Q", format=",d"),
            ],
        )
        .properties(title=wrapped_title(title), height=260)
    )


def completeness_distribution_chart(*, counts: pd.DataFrame, title: str) -> alt.Chart:
    """Per reporting period, how many places are on time, late, partial or missing (scales to any cohort).

    `counts` holds places per period and status (the period grain of `analysis.trends.completeness_summary`).
    """
    counts = counts.assign(period=period_label(counts["period_start"], counts["period_end"]))
    periods = counts.sort_values("period_start")["period"].unique().tolist()
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("period:N", sort=periods, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=200)),
            y=alt.Y("places:Q", title="Places", stack="zero"),
            color=alt.Color("status:N", scale=STATUS_SCALE, legend=alt.Legend(title=None, orient="bottom")),
            order=alt.Order("status_order:Q"),
            tooltip=[
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("places:Q", title="Places"),
            ],
        )
        .transform_calculate(status_order=f"indexof({list(STATUS_COLOURS)!r}, datum.status)")
        .properties(title=wrapped_title(title), height=220)
    )


def _band_layers(*, x_title: str) -> tuple[alt.Chart, alt.Chart]:
    base = alt.Chart().encode(x=alt.X("period_start:T", title=x_title, axis=alt.Axis(format="%b %Y", tickCount=4)))
    band = base.mark_area(opacity=0.25, color=str(GssColour.MID_BLUE)).encode(
        y=alt.Y("q1:Q", title=None), y2=alt.Y2("q3:Q")
    )
    median = base.mark_line(strokeDash=[4, 3], color=str(GssColour.DARK_BLUE)).encode(
        y=alt.Y("median:Q"),
        tooltip=[
            alt.Tooltip("period_start:T", title="Quarter from", format="%d %b %Y"),
            alt.Tooltip("median:Q", title="Cohort median", format=",.0f"),
            alt.Tooltip("q1:Q", title="25th percentile", format=",.0f"),
            alt.Tooltip("q3:Q", title="75th percentile", format=",.0f"),
            alt.Tooltip("places:Q", title="Places reporting"),
        ],
    )
    return band, median


def cohort_band_chart(*, band: pd.DataFrame, focus: pd.DataFrame | None, title: str) -> alt.FacetChart:
    """Small multiples by metric: the cohort's middle half (band) and median (dashed) per quarter, with one
    place's figures as a line when `focus` (metric, period_start, value) is given."""
    data = band.assign(period_start=pd.to_datetime(band["period_start"]))
    layers = list(_band_layers(x_title="Quarter"))
    if focus is not None and not focus.empty:
        own = focus[["metric", "period_start", "value"]].assign(
            period_start=lambda f: pd.to_datetime(f["period_start"])
        )
        data = data.merge(own, on=["metric", "period_start"], how="left")
        layers.append(
            alt.Chart()
            .mark_line(point=OWN_POINT, color=str(GssColour.ORANGE), strokeWidth=2)
            .encode(
                x=alt.X("period_start:T"),
                y=alt.Y("value:Q"),
                tooltip=[
                    alt.Tooltip("period_start:T", title="Quarter from", format="%d %b %Y"),
                    alt.Tooltip("value:Q", title="This place", format=",d"),
                ],
            )
        )
    return (
        alt.layer(*layers, data=data)
        .properties(width=230, height=150)
        .facet(facet=alt.Facet("metric_label:N", title=None, sort=alt.SortField("metric_position")), columns=2)
        .resolve_scale(y="independent")
        .properties(title=wrapped_title(title))
    )


def place_small_multiples(*, series: pd.DataFrame, metric_label: str, title: str) -> alt.FacetChart:
    """One panel per place for one metric: the place's quarterly line over the cohort band and median.

    series: one row per place and quarter with value, q1, median, q3 and places (see analysis.trends.with_band).
    """
    data = series.assign(period_start=pd.to_datetime(series["period_start"]))
    band, median = _band_layers(x_title=None)
    own = (
        alt.Chart()
        .mark_line(point=OWN_POINT, color=str(GssColour.ORANGE), strokeWidth=2)
        .encode(
            x=alt.X("period_start:T"),
            y=alt.Y("value:Q", title=metric_label),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("period_start:T", title="Quarter from", format="%d %b %Y"),
                alt.Tooltip("value:Q", title=metric_label, format=",d"),
                alt.Tooltip("median:Q", title="Cohort median", format=",.0f"),
            ],
        )
    )
    return (
        alt.layer(band, median, own, data=data)
        .properties(width=170, height=110)
        .facet(facet=alt.Facet("place_name:N", title=None), columns=3)
        .properties(title=wrapped_title(title))
    )
