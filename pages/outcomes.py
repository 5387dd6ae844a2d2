"""Outcomes (/outcomes): evidence per place x place-level outcome, and the programme-level picture."""

import pandas as pd
import streamlit as st

from pbsa_analytics.analysis.findings import outcome_coverage, outcome_finding
from pbsa_analytics.charts.outcomes import CELL_SELECTION, coverage_chart, outcome_grid
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.layout import chart_block, empty_state, guard, selected_point

SOURCE = (
    "Source: Renaisi, Learning from Phase 2 of the PBSA programme (2022), 'difference made' sections; "
    "each record is a project summary of one named-place example. A count shows where the report gives "
    "examples, not how much change happened; a zero means no named example, not no change."
)


def _cell_panel(*, place_id: str, outcome_id: str, matrix) -> None:
    cell = matrix[(matrix["place_id"] == place_id) & (matrix["outcome_id"] == outcome_id)]
    if cell.empty:
        return
    row = cell.iloc[0]
    evidence = query("outcome_cell_evidence", place_id=place_id, outcome_id=outcome_id)
    with st.container(border=True, key="outcomes_cell_panel"):
        st.subheader(f"{row['place_name']} × {row['outcome']}: {len(evidence)} evidence records")
        st.caption(f"Outcome: {row['outcome_title']}")
        if evidence.empty:
            st.write("The report names no example of this outcome for this place.")
        for item in evidence.itertuples():
            st.markdown(f"- {item.summary}  \n  _Source: {item.source}_")


def render() -> None:
    st.title("Where the Phase 2 report shows evidence of each outcome")
    matrix = query("outcome_matrix", phase=2)
    if matrix.empty:
        empty_state("No outcome evidence is recorded.")
        return
    coverage = outcome_coverage(matrix)
    full_titles = dict(zip(matrix["outcome_id"], matrix["outcome_title"], strict=False))
    columns = st.columns(len(coverage))
    for column, row in zip(columns, coverage.itertuples(), strict=True):
        column.metric(
            row.outcome,
            f"{row.places_with_evidence} of {row.places}",
            help=f"{full_titles[row.outcome_id]}: places with at least one evidence record",
        )

    event = chart_block(
        chart=outcome_grid(matrix=matrix, title=outcome_finding(coverage)),
        data=matrix,
        name="outcome-evidence-grid",
        key="outcomes_grid",
        caption=SOURCE,
        table=matrix.pivot_table(index="place_name", columns="outcome", values="evidence_records"),
        selectable=True,
        stretch=False,
    )
    cell = url_state.selected_cell(selected_point(event, CELL_SELECTION), fields=("place_id", "outcome_id"))
    if cell:
        _cell_panel(place_id=cell[0], outcome_id=cell[1], matrix=matrix)
    else:
        st.info("Click a cell to read the evidence behind it.", icon=":material/touch_app:")

    chart_block(
        chart=coverage_chart(coverage=coverage, title="Places with at least one example, per outcome"),
        data=coverage,
        name="outcome-coverage",
        key="outcomes_coverage",
        caption=SOURCE,
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
            st.caption(f"Source: {row.source}")


guard(render)
