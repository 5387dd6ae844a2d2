"""Outcomes (/outcomes): evidence per place x place-level outcome, and the programme-level picture."""

import pandas as pd
import streamlit as st

from pbsa_analytics.analysis.findings import outcome_coverage, outcome_finding
from pbsa_analytics.charts.outcomes import CELL_SELECTION, coverage_chart, outcome_grid
from pbsa_analytics.ui import paging, url_state
from pbsa_analytics.ui.cell_picker import cell_picker
from pbsa_analytics.ui.chart_specs import shared_chart, shared_view
from pbsa_analytics.ui.citations import caption, cite_row
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.focus import scroll_into_view
from pbsa_analytics.ui.layout import chart_block, empty_state, guard, selected_point
from pbsa_analytics.ui.navigation import page_link
from pbsa_analytics.ui.place_links import resolve_place

CAVEATS = ["outcome_counts_are_examples"]
PHASE = 2


def _cell_panel(*, place_id: str, outcome_id: str, matrix) -> None:
    cell = matrix[(matrix["place_id"] == place_id) & (matrix["outcome_id"] == outcome_id)]
    if cell.empty:
        url_state.report_ignored("cell", f"{place_id}:{outcome_id}", reason="no Phase 2 place and outcome has this id.")
        return
    row = cell.iloc[0]
    evidence = query("outcome_cell_evidence", place_id=place_id, outcome_id=outcome_id)
    with st.container(border=True, key="outcomes_cell_panel"):
        st.subheader(f"{row['place_name']} × {row['outcome']}: {len(evidence)} evidence records")
        st.caption(f"Outcome: {row['outcome_title']}")
        if evidence.empty:
            st.write("The report names no example of this outcome for this place.")
        for item in evidence.itertuples():
            st.markdown(f"- {item.summary}  \n  _{cite_row(item.source)}_")
        _place_typology_links(place_id=place_id, place_name=row["place_name"])
    scroll_into_view(key="outcomes_cell_panel", memory="outcomes_cell", value=f"{place_id}:{outcome_id}")


def _place_typology_links(*, place_id: str, place_name: str) -> None:
    """The kinds of social action this place delivered in Phase 2, each linking to its typology cell."""
    typologies = query("place_phase_typologies", place_id=place_id, phase=PHASE)
    if typologies.empty:
        st.caption(f"The sources list no Phase {PHASE} typology for {place_name}.")
        return
    st.markdown(f"**What {place_name} delivered in Phase {PHASE}** (typologies)")
    columns = st.columns(3)
    for index, item in enumerate(typologies.itertuples()):
        with columns[index % 3]:
            page_link(
                "typology",
                label=item.typology_name,
                query={"phase": str(PHASE), "cell": f"{place_id}:{item.typology_id}"},
            )
    page_link("evidence", label=f"All Phase {PHASE} evidence for {place_name}", query={"place": place_id, "phase": "2"})


def _place_focus(matrix) -> None:
    """?place= (id, name or alias): this place's evidence per outcome and its typologies, linked both ways."""
    place_id = resolve_place(
        allowed=set(matrix["place_id"].unique().tolist()), why_not_allowed="only Phase 2 places have outcome evidence."
    )
    if not place_id:
        return
    rows = matrix[matrix["place_id"] == place_id]
    name = rows["place_name"].iloc[0]
    with st.container(border=True, key="outcomes_place_panel"):
        st.subheader(f"{name}: outcome evidence in the Phase 2 report")
        counts = ", ".join(f"{r.outcome} {r.evidence_records}" for r in rows.itertuples())
        st.write(f"Evidence records per outcome: {counts}.")
        _place_typology_links(place_id=place_id, place_name=name)
    scroll_into_view(key="outcomes_place_panel", memory="outcomes_place", value=place_id)


def render() -> None:
    st.title("Where the Phase 2 report shows evidence of each outcome")
    matrix = query("outcome_matrix", phase=PHASE)
    if matrix.empty:
        empty_state("No outcome evidence is recorded.")
        return
    coverage = shared_view(outcome_coverage, matrix=matrix)
    titles = matrix.drop_duplicates("outcome_id")
    full_titles = dict(zip(titles["outcome_id"].tolist(), titles["outcome_title"].tolist(), strict=True))
    columns = st.columns(len(coverage))
    for column, row in zip(columns, coverage.itertuples(), strict=True):
        column.metric(
            row.outcome,
            f"{row.places_with_evidence} of {row.places}",
            help=f"{full_titles[row.outcome_id]}: places with at least one evidence record",
        )

    shown = paging.rows_for(matrix, paging.page_of(sorted(matrix["place_name"].unique()), key="outcomes_page"))
    event = chart_block(
        chart=shared_chart(outcome_grid, matrix=shown, title=outcome_finding(coverage)),
        data=matrix,
        name="outcome-evidence-grid",
        key="outcomes_grid",
        caption=caption(caveats=CAVEATS),
        table=lambda: shown.pivot_table(index="place_name", columns="outcome", values="evidence_records"),
        selectable=True,
        stretch=False,
    )
    _place_focus(matrix)
    cell = url_state.selected_cell(selected_point(event, CELL_SELECTION), fields=("place_id", "outcome_id"))
    places = matrix.drop_duplicates("place_id").sort_values("place_name")
    outcomes = matrix.sort_values("outcome_position").drop_duplicates("outcome_id")
    cell = cell_picker(
        rows=dict(zip(places["place_id"].tolist(), places["place_name"].tolist(), strict=True)),
        columns=dict(zip(outcomes["outcome_id"], outcomes["outcome"], strict=True)),
        row_label="Place",
        column_label="Outcome",
        key="outcomes_cell",
        current=cell,
    )
    if cell:
        _cell_panel(place_id=cell[0], outcome_id=cell[1], matrix=matrix)
    else:
        st.info("Click a cell, or choose one above, to read the evidence behind it.", icon=":material/touch_app:")

    chart_block(
        chart=shared_chart(coverage_chart, coverage=coverage, title="Places with at least one example, per outcome"),
        data=coverage,
        name="outcome-coverage",
        key="outcomes_coverage",
        caption=caption(caveats=CAVEATS),
    )

    st.header("Programme-level outcomes")
    programme = query("programme_outcomes")
    for row in programme.itertuples():
        with st.container(border=True):
            st.subheader(row.title)
            if pd.notna(row.description):
                st.write(row.description)
            known = row.known_summary if pd.notna(row.known_summary) else "the report states nothing yet."
            unknown = row.not_yet_known_summary if pd.notna(row.not_yet_known_summary) else "not stated."
            st.markdown(f"**What the Phase 2 report says is known:** {known}")
            st.markdown(f"**Not yet known:** {unknown}")
            st.caption(cite_row(row.source))


guard(render)
