"""Outcome charts: evidence counts per place x outcome, and coverage per outcome."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import SEQUENTIAL, GssColour, when, whole_count_axis, wrapped_title

CELL_SELECTION = "cell"


def outcome_grid(*, matrix: pd.DataFrame, title: str) -> alt.LayerChart:
    """Heatmap of evidence records per place x outcome, with the count in each cell; selectable."""
    outcomes = matrix.drop_duplicates("outcome_id").sort_values("outcome_position")["outcome"].tolist()
    cell = alt.selection_point(name=CELL_SELECTION, fields=["place_id", "outcome_id"], on="click")
    base = alt.Chart().encode(
        x=alt.X("outcome:N", sort=outcomes, title=None, axis=alt.Axis(labelAngle=-20, labelLimit=260)),
        y=alt.Y("place_name:N", title=None),
    )
    rects = (
        base.mark_rect(stroke="white", strokeWidth=2)
        .encode(
            color=alt.Color(
                "evidence_records:Q",
                title="Evidence records",
                scale=alt.Scale(range=["#F3F2F1", *[str(c) for c in SEQUENTIAL]], interpolate="rgb"),
                legend=alt.Legend(orient="bottom"),
            ),
            opacity=when(alt.OpacityValue, cell, then=1.0, otherwise=0.6),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("outcome:N", title="Outcome"),
                alt.Tooltip("evidence_records:Q", title="Evidence records"),
            ],
        )
        .add_params(cell)
        .properties(name="outcome_cells")  # a named view is not named by hashing its spec
    )
    text = base.mark_text(fontSize=14).encode(
        text=alt.Text("evidence_records:Q"),
        color=when(alt.ColorValue, "datum.evidence_records >= 3", then="white", otherwise="#0B0C0C"),
    )
    return alt.layer(rects, text, data=matrix).properties(
        title=wrapped_title(title), width=alt.Step(120), height=alt.Step(30)
    )


def coverage_chart(*, coverage: pd.DataFrame, title: str) -> alt.LayerChart:
    """Bars of places with evidence per outcome, labelled 'n of m places'."""
    base = alt.Chart().encode(y=alt.Y("outcome:N", sort=None, title=None))
    bars = base.mark_bar(color=str(GssColour.DARK_BLUE)).encode(
        x=alt.X(
            "places_with_evidence:Q",
            title="Places with evidence",
            scale=alt.Scale(domainMin=0),
            axis=whole_count_axis(),
        ),
        tooltip=[alt.Tooltip("outcome:N"), alt.Tooltip("label:N", title="Coverage")],
    )
    labels = base.mark_text(align="left", dx=4).encode(x=alt.X("places_with_evidence:Q"), text=alt.Text("label:N"))
    return alt.layer(bars, labels, data=coverage).properties(title=wrapped_title(title))
