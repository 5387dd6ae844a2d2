"""Typology charts: the place x typology heatmap with marginal bars, and the change view."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import GssColour, wrapped_title

CELL_SELECTION = "cell"
CHANGE_COLOURS = {
    "kept": GssColour.DARK_BLUE,
    "added": GssColour.TURQUOISE,
    "dropped": GssColour.ORANGE,
    "absent": "#F3F2F1",
}


def _typology_sort(matrix: pd.DataFrame) -> list[str]:
    return matrix.drop_duplicates("typology_id").sort_values("typology_position")["typology_name"].tolist()


def typology_heatmap(*, matrix: pd.DataFrame, place_order: list[str], title: str) -> alt.VConcatChart:
    """Heatmap of marked cells with places-per-typology bars above and typologies-per-place bars beside.

    A point selection named "cell" carries place_id, typology_id and phase for drill-down.
    """
    typologies = _typology_sort(matrix)
    data = matrix.assign(state=matrix["marked"].map({True: "Marked", False: "Not marked"}))
    cell = alt.selection_point(name=CELL_SELECTION, fields=["place_id", "typology_id"], on="click")
    x = alt.X("typology_name:N", sort=typologies, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=220))
    y = alt.Y("place_name:N", sort=place_order, title=None)
    heat = (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=["Marked", "Not marked"], range=[str(GssColour.DARK_BLUE), "#F3F2F1"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            opacity=alt.condition(cell, alt.value(1.0), alt.value(0.55)),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("typology_name:N", title="Typology"),
                alt.Tooltip("state:N", title="Cell"),
                alt.Tooltip("basis:N", title="Basis"),
                alt.Tooltip("via_activities:N", title="Via activities"),
            ],
        )
        .add_params(cell)
        .properties(width=alt.Step(44), height=alt.Step(24))
    )
    marked = data[data["marked"]]
    top = (
        alt.Chart(marked)
        .mark_bar(color=str(GssColour.MID_BLUE))
        .encode(
            x=alt.X("typology_name:N", sort=typologies, axis=None),
            y=alt.Y("count():Q", title="Places"),
            tooltip=[
                alt.Tooltip("typology_name:N", title="Typology"),
                alt.Tooltip("count():Q", title="Places"),
            ],
        )
        .properties(width=alt.Step(44), height=80)
    )
    side = (
        alt.Chart(marked)
        .mark_bar(color=str(GssColour.MID_BLUE))
        .encode(
            y=alt.Y("place_name:N", sort=place_order, axis=None),
            x=alt.X("count():Q", title="Typologies"),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("count():Q", title="Typologies"),
            ],
        )
        .properties(width=90, height=alt.Step(24))
    )
    return alt.vconcat(top, alt.hconcat(heat, side, spacing=4), spacing=4, title=wrapped_title(title)).resolve_scale(
        color="independent"
    )


def typology_change_heatmap(*, change: pd.DataFrame, place_order: list[str], title: str) -> alt.Chart:
    """Heatmap of kept / added / dropped typologies between two phases."""
    typologies = _typology_sort(change)
    return (
        alt.Chart(change, title=wrapped_title(title))
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=alt.X("typology_name:N", sort=typologies, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=220)),
            y=alt.Y("place_name:N", sort=place_order, title=None),
            color=alt.Color(
                "change:N",
                scale=alt.Scale(domain=list(CHANGE_COLOURS), range=[str(c) for c in CHANGE_COLOURS.values()]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("typology_name:N", title="Typology"),
                alt.Tooltip("change:N", title="Change"),
            ],
        )
        .properties(width=alt.Step(44), height=alt.Step(24))
    )


def profile_small_multiples(*, profiles: pd.DataFrame, title: str) -> alt.Chart:
    """The cohort's typology profiles side by side, one panel per phase."""
    typologies = _typology_sort(profiles)
    data = profiles.assign(
        state=profiles["marked"].map({True: "Marked", False: "Not marked"}),
        phase_label="Phase " + profiles["phase"].astype(str),
    )
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            # Vertical labels keep each panel's overhang inside its own width.
            x=alt.X("typology_name:N", sort=typologies, title=None, axis=alt.Axis(labelAngle=-90, labelLimit=170)),
            y=alt.Y("place_name:N", title=None),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=["Marked", "Not marked"], range=[str(GssColour.DARK_BLUE), "#F3F2F1"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=["place_name:N", "phase_label:N", "typology_name:N", "state:N"],
        )
        .properties(width=alt.Step(22), height=alt.Step(20))
        .facet(
            column=alt.Column("phase_label:N", title=None, header=alt.Header(labelFontWeight="bold")),
            spacing=16,
        )
        .properties(title=wrapped_title(title))
    )
