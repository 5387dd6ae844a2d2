"""Partnership charts: one place against its cohort, and a one-page profile for export."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import wrapped_title
from pbsa_analytics.palette import GssColour

THIS_PLACE = "This partnership"
OTHERS = "Other partnerships"


STRIP_HEIGHT = 70
STRIP_MARGIN = 6


def power_of_ten_ticks(largest: float) -> list[int]:
    """0 then 10, 100, ... up to the first power of ten at or above the largest value: even steps on a log axis."""
    ticks, step = [0], 10
    while True:
        ticks.append(step)
        if step >= largest:
            return ticks
        step *= 10


def cohort_strip(*, values: pd.DataFrame, focus_place_id: str, metric_label: str, title: str) -> alt.LayerChart:
    """Dots of every reporting place for one metric, this place highlighted, the cohort median a dashed rule
    across the strip. The axis is logarithmic with a tick at each power of ten, so steps read evenly."""
    reported = values.dropna(subset=["value"]).assign(
        who=lambda df: [THIS_PLACE if place == focus_place_id else OTHERS for place in df["place_id"]]
    )
    ticks = power_of_ten_ticks(float(reported["value"].max()) if not reported.empty else 10)
    x_scale = alt.Scale(type="symlog", domain=[0, ticks[-1]], nice=False)
    dots = (
        alt.Chart(reported)
        .mark_circle(opacity=0.9)
        .encode(
            x=alt.X(
                "value:Q",
                title=f"{metric_label} (log scale: each step is ×10)",
                scale=x_scale,
                axis=alt.Axis(values=ticks, format=",d", grid=True),
            ),
            y=alt.value(STRIP_HEIGHT / 2),
            color=alt.Color(
                "who:N",
                scale=alt.Scale(domain=[THIS_PLACE, OTHERS], range=[str(GssColour.ORANGE), str(GssColour.MID_BLUE)]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            size=alt.condition(alt.datum.who == THIS_PLACE, alt.value(320), alt.value(120)),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("value:Q", title=metric_label, format=",d"),
            ],
        )
    )
    median = (
        alt.Chart(reported)
        .mark_rule(color=str(GssColour.DARK_GREY), strokeDash=[4, 3], strokeWidth=2)
        .encode(
            x=alt.X("median(value):Q", scale=x_scale),
            # An explicit span: a rule with no y channel can collapse to zero height in a layered strip.
            y=alt.value(STRIP_MARGIN),
            y2=alt.value(STRIP_HEIGHT - STRIP_MARGIN),
            tooltip=[alt.Tooltip("median(value):Q", title="Cohort median", format=",.0f")],
        )
    )
    # fit-x: a host that fits the whole chart (title, axis, legend) into `height` would leave no room to plot.
    return (dots + median).properties(
        title=wrapped_title(title, width=60),
        height=STRIP_HEIGHT,
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )


def typology_contrast_chart(*, contrast: pd.DataFrame, title: str) -> alt.Chart:
    """Share of the cohort with each typology; bars this place has are filled, others outlined."""
    data = contrast.assign(
        state=contrast["has"].map({True: "This partnership has it", False: "This partnership does not"})
    )
    return (
        alt.Chart(data)
        .mark_bar(strokeWidth=2, stroke=str(GssColour.DARK_BLUE))
        .encode(
            y=alt.Y("typology_name:N", title=None, sort=None),
            x=alt.X("share:Q", title="Share of cohort with this typology", axis=alt.Axis(format="%")),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(
                    domain=["This partnership has it", "This partnership does not"],
                    range=[str(GssColour.DARK_BLUE), "#FFFFFF"],
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("typology_name:N", title="Typology"),
                alt.Tooltip("share:Q", title="Cohort share", format=".0%"),
                alt.Tooltip("kind:N", title="Reading"),
            ],
        )
        .properties(title=wrapped_title(title, width=60), height=alt.Step(22))
    )


def outcome_contrast_chart(*, contrast: pd.DataFrame, title: str) -> alt.LayerChart:
    """This place's evidence records per outcome as bars, the cohort median as ticks."""
    base = alt.Chart(contrast).encode(y=alt.Y("outcome:N", title=None, sort=None))
    bars = base.mark_bar(color=str(GssColour.ORANGE)).encode(
        x=alt.X("this_place:Q", title="Evidence records", axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[
            alt.Tooltip("outcome:N"),
            alt.Tooltip("this_place:Q", title="This partnership"),
            alt.Tooltip("cohort_median:Q", title="Cohort median"),
        ],
    )
    ticks = base.mark_tick(color=str(GssColour.DARK_BLUE), thickness=3, size=20).encode(x="cohort_median:Q")
    return (bars + ticks).properties(title=wrapped_title(title, width=60), height=alt.Step(26))


def profile_sheet(*, heading: str, lines: list[str], charts: list[alt.TopLevelMixin]) -> alt.VConcatChart:
    """A one-page profile: heading and headline lines as text, then the page's charts stacked."""
    text = (
        alt.Chart(pd.DataFrame({"line": lines, "row": range(len(lines))}))
        .mark_text(align="left", baseline="top", fontSize=13, dx=0)
        .encode(y=alt.Y("row:O", axis=None), text="line:N")
        .properties(width=520, height=18 * max(len(lines), 1))
    )
    # Concatenated charts may not carry their own autosize (the strips do, for the page); the sheet sizes them.
    parts = [chart.copy(deep=False) for chart in charts]
    for part in parts:
        part.autosize = alt.Undefined
    return alt.vconcat(text, *parts, title=wrapped_title(heading, width=60), spacing=24)
