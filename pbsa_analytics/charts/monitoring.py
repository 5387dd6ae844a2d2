"""Monitoring charts: reporting completeness and time series once places report more than one period."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import wrapped_title
from pbsa_analytics.palette import GssColour

STATUS_COLOURS = {"reported": GssColour.DARK_BLUE, "partial": GssColour.ORANGE, "missing": "#E5E5E5"}


def period_label(start: pd.Series, end: pd.Series) -> pd.Series:
    start, end = pd.to_datetime(start), pd.to_datetime(end)
    return start.dt.strftime("%b %Y") + " – " + end.dt.strftime("%b %Y")


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
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=list(STATUS_COLOURS), range=[str(c) for c in STATUS_COLOURS.values()]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("metrics_reported:Q", title="Metrics reported"),
                alt.Tooltip("metrics:Q", title="Metrics asked"),
            ],
        )
        .properties(title=wrapped_title(title), width=alt.Step(110), height=alt.Step(22))
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
