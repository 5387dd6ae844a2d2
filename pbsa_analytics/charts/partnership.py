"""Partnership charts: one place against its cohort, and a one-page profile for export."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from pbsa_analytics.charts.theme import when, wrapped_title
from pbsa_analytics.palette import GssColour

THIS_PLACE = "This partnership"
OTHERS = "Other partnerships"


STRIP_HEIGHT = 70
STRIP_MARGIN = 6
# Above this many reporting places a strip shows counts per bin: one dot per place stops being readable (and
# sends every place's row to the browser); the programme's own cohorts (about 20 places) keep their dots.
STRIP_POINTS_MAX = 200
BINS_PER_DECADE = 10


def power_of_ten_ticks(largest: float) -> list[int]:
    """0 then 10, 100, ... up to the first power of ten at or above the largest value: even steps on a log axis."""
    ticks, step = [0], 10
    while True:
        ticks.append(step)
        if step >= largest:
            return ticks
        step *= 10


def strip_is_binned(values: pd.DataFrame) -> bool:
    """Whether `cohort_strip` shows these values as counts per bin rather than one dot per place."""
    return int(values["value"].notna().sum()) > STRIP_POINTS_MAX


def cohort_strip(*, values: pd.DataFrame, focus_place_id: str, metric_label: str, title: str) -> alt.LayerChart:
    """Dots of every reporting place for one metric, this place highlighted, the cohort median a dashed rule
    across the strip. The axis is logarithmic with a tick at each power of ten, so steps read evenly.

    Above STRIP_POINTS_MAX reporting places the other places are shown as counts per bin (see `binned_strip`),
    so the chart carries a few dozen rows rather than one per place."""
    reported = values.dropna(subset=["value"]).assign(
        who=lambda df: [THIS_PLACE if place == focus_place_id else OTHERS for place in df["place_id"]]
    )
    if strip_is_binned(reported):
        return binned_strip(reported=reported, metric_label=metric_label, title=title)
    ticks = power_of_ten_ticks(float(reported["value"].max()) if not reported.empty else 10)
    x_scale = alt.Scale(type="symlog", domain=[0, ticks[-1]], nice=False)
    dots = (
        alt.Chart()
        .mark_circle(opacity=0.9)
        .encode(
            x=_strip_x(metric_label, x_scale, ticks),
            y=alt.YValue(STRIP_HEIGHT / 2),
            color=_who_colour(),
            size=when(alt.SizeValue, alt.datum.who == THIS_PLACE, then=320, otherwise=120),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("value:Q", title=metric_label, format=",d"),
            ],
        )
    )
    # Data on the layer, not on each member: Altair would otherwise hash the frame (its repr) to hoist it.
    rule = _median_rule(field="median(value)", x_scale=x_scale)
    return _strip_layout(alt.layer(dots, rule, data=reported), title=title)


def _median_rule(*, field: str, x_scale: alt.Scale, data: pd.DataFrame | None = None) -> alt.Chart:
    """The cohort median as a dashed rule across the strip (`field` is an aggregate or a precomputed column);
    without `data` it takes the layer's."""
    return (
        alt.Chart(alt.Undefined if data is None else data)
        .mark_rule(color=str(GssColour.DARK_GREY), strokeDash=[4, 3], strokeWidth=2)
        .encode(
            x=alt.X(f"{field}:Q", scale=x_scale),
            # An explicit span: a rule with no y channel can collapse to zero height in a layered strip.
            y=alt.YValue(STRIP_MARGIN),
            y2=alt.Y2Value(STRIP_HEIGHT - STRIP_MARGIN),
            tooltip=[alt.Tooltip(f"{field}:Q", title="Cohort median", format=",.0f")],
        )
    )


def _strip_x(metric_label: str, x_scale: alt.Scale, ticks: list[int], *, field: str = "value") -> alt.X:
    return alt.X(
        f"{field}:Q",
        title=f"{metric_label} (log scale: each step is ×10)",
        scale=x_scale,
        axis=alt.Axis(values=ticks, format=",d", grid=True),
    )


def _who_colour() -> alt.Color:
    return alt.Color(
        "who:N",
        scale=alt.Scale(domain=[THIS_PLACE, OTHERS], range=[str(GssColour.ORANGE), str(GssColour.MID_BLUE)]),
        legend=alt.Legend(title=None, orient="bottom"),
    )


def _strip_layout(chart: alt.LayerChart, *, title: str) -> alt.LayerChart:
    # fit-x: a host that fits the whole chart (title, axis, legend) into `height` would leave no room to plot.
    return chart.properties(
        title=wrapped_title(title, width=60),
        height=STRIP_HEIGHT,
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )


def log_bin_edges(largest: float) -> list[int]:
    """Whole-number bin edges evenly spaced on the strip's log axis: 0, 1, then 10^(k / BINS_PER_DECADE) rounded
    (so every power of ten, each axis tick, is an edge), up to the first edge above `largest`. Bins are
    [start, end), so every value from 0 to `largest` falls in exactly one."""
    edges, step = [0, 1], 1
    while edges[-1] <= largest:
        edge = round(10 ** (step / BINS_PER_DECADE))
        if edge > edges[-1]:
            edges.append(edge)
        step += 1
    return edges


def strip_bins(values: pd.Series) -> pd.DataFrame:
    """How many of `values` fall in each bin of `log_bin_edges` (bin_start <= value < bin_end), empty bins left
    out; negative values (never expected in a count) are counted in the first bin."""
    edges = log_bin_edges(float(values.max()) if len(values) else 0.0)
    index = np.searchsorted(edges, values.to_numpy(dtype=float), side="right") - 1
    counts = np.bincount(np.clip(index, 0, len(edges) - 2), minlength=len(edges) - 1)
    bins = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "places": counts})
    bins = bins[bins["places"] > 0].reset_index(drop=True)
    last = bins["bin_end"] - 1
    bins["range"] = [f"{a:,}" if a == b else f"{a:,} to {b:,}" for a, b in zip(bins["bin_start"], last, strict=True)]
    return bins


def binned_strip(*, reported: pd.DataFrame, metric_label: str, title: str) -> alt.LayerChart:
    """The strip for a large cohort: bars of how many other places fall in each bin (height = count) on the same
    log axis, this place a dot at its exact value and the cohort median (of every reporting place, this one
    included, as in the dot strip) a dashed rule at its exact value."""
    own = reported[reported["who"] == THIS_PLACE][["place_name", "value", "who"]]
    bins = strip_bins(reported.loc[reported["who"] == OTHERS, "value"]).assign(who=OTHERS)
    ticks = power_of_ten_ticks(float(reported["value"].max()))
    x_scale = alt.Scale(type="symlog", domain=[0, ticks[-1]], nice=False)
    bars = (
        alt.Chart(bins)
        .mark_rect(opacity=0.9)
        .encode(
            x=_strip_x(metric_label, x_scale, ticks, field="bin_start"),
            x2=alt.X2("bin_end:Q"),
            y=alt.Y("places:Q", axis=None, scale=alt.Scale(range=[STRIP_HEIGHT - STRIP_MARGIN, STRIP_MARGIN])),
            y2=alt.Y2Datum(0),
            color=_who_colour(),
            tooltip=[
                alt.Tooltip("range:N", title=metric_label),
                alt.Tooltip("places:Q", title="Other partnerships", format=",d"),
            ],
        )
    )
    median = pd.DataFrame({"cohort_median": [float(reported["value"].median())]})
    rule = _median_rule(field="cohort_median", x_scale=x_scale, data=median)
    dot = (
        alt.Chart(own)
        .mark_circle(opacity=0.9, size=320, stroke="#FFFFFF", strokeWidth=1)
        .encode(
            x=alt.X("value:Q", scale=x_scale),
            y=alt.YValue(STRIP_HEIGHT / 2),
            color=_who_colour(),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("value:Q", title=metric_label, format=",d"),
            ],
        )
    )
    return _strip_layout(alt.layer(bars, rule, dot).resolve_scale(y="independent"), title=title)


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
    base = alt.Chart().encode(y=alt.Y("outcome:N", title=None, sort=None))
    bars = base.mark_bar(color=str(GssColour.ORANGE)).encode(
        x=alt.X("this_place:Q", title="Evidence records", axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[
            alt.Tooltip("outcome:N"),
            alt.Tooltip("this_place:Q", title="This partnership"),
            alt.Tooltip("cohort_median:Q", title="Cohort median"),
        ],
    )
    ticks = base.mark_tick(color=str(GssColour.DARK_BLUE), thickness=3, size=20).encode(x=alt.X("cohort_median:Q"))
    return alt.layer(bars, ticks, data=contrast).properties(title=wrapped_title(title, width=60), height=alt.Step(26))


def profile_sheet(*, heading: str, lines: list[str], charts: list[alt.TopLevelMixin]) -> alt.VConcatChart:
    """A one-page profile: heading and headline lines as text, then the page's charts stacked."""
    text = (
        alt.Chart(pd.DataFrame({"line": lines, "row": range(len(lines))}))
        .mark_text(align="left", baseline="top", fontSize=13, dx=0)
        .encode(y=alt.Y("row:O", axis=None), text=alt.Text("line:N"))
        .properties(width=520, height=18 * max(len(lines), 1))
    )
    # Concatenated charts may not carry their own autosize (the strips do, for the page); the sheet sizes them.
    parts = [chart.copy(deep=False) for chart in charts]
    for part in parts:
        part.autosize = alt.Undefined
    return alt.vconcat(text, *parts, title=wrapped_title(heading, width=60), spacing=24)
