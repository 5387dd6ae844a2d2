"""Typology charts: the place x typology heatmap with marginal bars, and the change view."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import GssColour, when, wrapped_title

CELL_SELECTION = "cell"
NO_DATA = "no data"
CHANGE_COLOURS = {
    "kept": GssColour.DARK_BLUE,
    "added": GssColour.TURQUOISE,
    "dropped": GssColour.ORANGE,
    "absent": "#F3F2F1",
    NO_DATA: GssColour.FOCUS_GREY,
}
TITLE_WRAP = 52


def _typology_sort(matrix: pd.DataFrame) -> list[str]:
    return matrix.drop_duplicates("typology_id").sort_values("typology_position")["typology_name"].tolist()


def _marginal_counts(data: pd.DataFrame, *, by: str, order: list[str]) -> pd.DataFrame:
    """Marked cells per category, one row per category in display order, zero where none is marked."""
    counts = data.groupby(by)["marked"].sum().reindex(order, fill_value=0).astype(int)
    return pd.DataFrame({by: order, "marked_count": counts.to_numpy()})


def typology_heatmap(
    *, matrix: pd.DataFrame, place_order: list[str], counts: pd.DataFrame, title: str
) -> alt.VConcatChart:
    """Heatmap of marked cells with places-per-typology bars above and typologies-per-place bars beside.

    `matrix` holds the places shown (a page of a large cohort); the bars above count every place of the cohort, from
    `counts` (analysis.ordering.marks_per_typology), as the title does. A point selection named "cell" carries place_id,
    typology_id and phase for drill-down.
    """
    typologies = _typology_sort(matrix)
    data = matrix.assign(state=matrix["marked"].map({True: "Marked", False: "Not marked"}))
    cell = alt.selection_point(name=CELL_SELECTION, fields=["place_id", "typology_id"], on="click")
    x = alt.X(
        "typology_name:N",
        sort=typologies,
        scale=alt.Scale(domain=typologies),
        title=None,
        axis=alt.Axis(labelAngle=-40, labelLimit=0),
    )
    y = alt.Y("place_name:N", sort=place_order, scale=alt.Scale(domain=place_order), title=None)
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
            opacity=when(alt.OpacityValue, cell, then=1.0, otherwise=0.55),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("typology_name:N", title="Typology"),
                alt.Tooltip("state:N", title="Cell"),
                alt.Tooltip("basis:N", title="Basis"),
                alt.Tooltip("via_activities:N", title="Via activities"),
            ],
        )
        .add_params(cell)
        # Named, so Altair does not name the view by hashing its spec and data (the frame's repr).
        .properties(name="typology_cells", width=alt.Step(44), height=alt.Step(24))
    )
    # Counts come from every cell, zeros included, on the heatmap's own domains: a category missing from
    # a bar chart's data would shift every bar after it onto the wrong column or row.
    marked = counts.set_index("typology_name")["places_marked"].reindex(typologies, fill_value=0).astype(int)
    column_counts = pd.DataFrame({"typology_name": typologies, "marked_count": marked.to_numpy()})
    row_counts = _marginal_counts(data, by="place_name", order=place_order)
    top = (
        alt.Chart(column_counts)
        .mark_bar(color=str(GssColour.MID_BLUE))
        .encode(
            x=alt.X("typology_name:N", sort=typologies, scale=alt.Scale(domain=typologies), axis=None),
            y=alt.Y("marked_count:Q", title="Places", axis=alt.Axis(format="d", tickMinStep=1)),
            tooltip=[
                alt.Tooltip("typology_name:N", title="Typology"),
                alt.Tooltip("marked_count:Q", title="Places"),
            ],
        )
        .properties(width=alt.Step(44), height=80)
    )
    side = (
        alt.Chart(row_counts)
        .mark_bar(color=str(GssColour.MID_BLUE))
        .encode(
            y=alt.Y("place_name:N", sort=place_order, scale=alt.Scale(domain=place_order), axis=None),
            x=alt.X("marked_count:Q", title="Typologies", axis=alt.Axis(format="d", tickMinStep=1)),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("marked_count:Q", title="Typologies"),
            ],
        )
        .properties(width=90, height=alt.Step(24))
    )
    return alt.vconcat(top, alt.hconcat(heat, side, spacing=4), spacing=4, title=_narrow_title(title)).resolve_scale(
        color="independent"
    )


def _narrow_title(text: str) -> alt.TitleParams:
    """A title wrapped to a heatmap's own width and never cut short by Vega's title limit."""
    title = wrapped_title(text, width=TITLE_WRAP)
    title.limit = 0
    return title


def change_labels(change: pd.DataFrame) -> pd.Series:
    """Text of each change cell: 'no Phase 3 data' says which phase the sources leave empty."""
    missing = change["missing_phase"].map(lambda phase: "" if pd.isna(phase) else f"no Phase {int(phase)} data")
    return missing.where(change["change"] == NO_DATA, change["change"])


def typology_change_heatmap(*, change: pd.DataFrame, place_order: list[str], title: str) -> alt.Chart:
    """Heatmap of kept / added / dropped typologies between two phases; places the sources give no
    typologies for in one phase are 'no data', never 'dropped'."""
    typologies = _typology_sort(change)
    data = change.assign(change_label=change_labels(change))
    return (
        alt.Chart(data, title=_narrow_title(title))
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=alt.X("typology_name:N", sort=typologies, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=0)),
            y=alt.Y("place_name:N", sort=place_order, title=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                "change:N",
                scale=alt.Scale(domain=list(CHANGE_COLOURS), range=[str(c) for c in CHANGE_COLOURS.values()]),
                legend=alt.Legend(title=None, orient="bottom", columns=3, labelLimit=0),
            ),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("typology_name:N", title="Typology"),
                alt.Tooltip("change_label:N", title="Change"),
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
            tooltip=[alt.Tooltip(f) for f in ("place_name:N", "phase_label:N", "typology_name:N", "state:N")],
        )
        .properties(width=alt.Step(22), height=alt.Step(20))
        .facet(
            column=alt.Column("phase_label:N", title=None, header=alt.Header(labelFontWeight="bold")),
            spacing=16,
        )
        .properties(title=wrapped_title(title))
    )
