"""Partnership charts: one place against its cohort, and a one-page profile for export."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import wrapped_title
from pbsa_analytics.palette import GssColour

THIS_PLACE = "This partnership"
OTHERS = "Other partnerships"


def cohort_strip(*, values: pd.DataFrame, focus_place_id: str, metric_label: str, title: str) -> alt.LayerChart:
    """Dots of every reporting place for one metric, this place highlighted, the cohort median a rule."""
    reported = values.dropna(subset=["value"]).assign(
        who=lambda df: [THIS_PLACE if place == focus_place_id else OTHERS for place in df["place_id"]]
    )
    dots = (
        alt.Chart(reported)
        .mark_circle(size=140, opacity=0.9)
        .encode(
            x=alt.X(
                "value:Q", title=metric_label, scale=alt.Scale(type="symlog"), axis=alt.Axis(format=",d", tickCount=5)
            ),
            color=alt.Color(
                "who:N",
                scale=alt.Scale(domain=[THIS_PLACE, OTHERS], range=[str(GssColour.ORANGE), str(GssColour.MID_BLUE)]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            size=alt.condition(alt.datum.who == THIS_PLACE, alt.value(320), alt.value(120)),
            tooltip=[alt.Tooltip("place_name:N", title="Partnership"), alt.Tooltip("value:Q", format=",d")],
        )
    )
    median = (
        alt.Chart(reported)
        .mark_rule(color=str(GssColour.DARK_GREY), strokeDash=[4, 3])
        .encode(
            x="median(value):Q",
            tooltip=[alt.Tooltip("median(value):Q", title="Cohort median", format=",.0f")],
        )
    )
    return (median + dots).properties(title=wrapped_title(title, width=60), height=70)


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
    return alt.vconcat(text, *charts, title=wrapped_title(heading, width=60), spacing=24)
