"""Typologies (/typology): places x the nine types of social action, by phase, and how profiles changed."""

import streamlit as st

from pbsa_analytics.analysis.findings import change_finding, typology_finding
from pbsa_analytics.analysis.ordering import PLACE_ORDER_LABELS, PlaceOrder, place_order
from pbsa_analytics.charts.typology import CELL_SELECTION, typology_change_heatmap, typology_heatmap
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.layout import chart_block, empty_state, guard, selected_point

PHASE_VIEWS = {1: "Phase 1 — planned (Table 3)", 2: "Phase 2 — delivered", 3: "Phase 3 — planned"}
CAPTIONS = {
    1: "Source: Renaisi, Learning from Phase 1 (2019), Table 3 — activities proposed in plans, mapped by the "
    "learning partner to the typology. Planned, not delivered.",
    2: "Source: Renaisi, Learning from Phase 2 (2022), Appendix — activities delivered in Phase 2 mapped to "
    "typologies; derived activity → typology → place. Types no appendix activity maps to cannot appear.",
    3: "Source: Renaisi, Learning from Phase 2 (2022), Appendix — Phase 3 plans; derived activity → typology "
    "→ place. A place whose plans the appendix does not list shows no marks.",
}


def _cell_panel(*, place_id: str, typology_id: str, phase: int) -> None:
    matrix = query("typology_matrix", phase=phase)
    cell = matrix[(matrix["place_id"] == place_id) & (matrix["typology_id"] == typology_id)]
    if cell.empty:
        return
    row = cell.iloc[0]
    with st.container(border=True, key="typology_cell_panel"):
        state = "marked" if row["marked"] else "not marked"
        st.subheader(f"{row['place_name']} × {row['typology_name']} (Phase {phase}): {state}")
        if row["marked"]:
            st.caption(f"Source: {row['source']}")
        activities = query("typology_cell_activities", place_id=place_id, phase=phase, typology_id=typology_id)
        if not activities.empty:
            st.markdown("**Activities behind this cell**")
            for activity in activities.itertuples():
                st.markdown(f"- {activity.activity} ({activity.basis})  \n  _Source: {activity.source}_")
        evidence = query("typology_cell_evidence", place_id=place_id, phase=phase, typology_id=typology_id)
        st.markdown(f"**Evidence records tagged with this typology: {len(evidence)}**")
        for item in evidence.itertuples():
            st.markdown(f"- {item.summary}  \n  _Source: {item.source}_")


def render() -> None:
    st.title("Which kinds of social action each place took up")
    view, sort = st.columns([3, 2])
    with view:
        phase = url_state.choice(
            st.segmented_control, "Phase", list(PHASE_VIEWS), key="typology_phase", param="phase", default=1,
            format_func=PHASE_VIEWS.get,
        )  # fmt: skip
    with sort:
        order_by = url_state.choice(
            st.selectbox, "Sort places by", list(PlaceOrder), key="typology_sort", param="sort",
            default=PlaceOrder.NAME, format_func=PLACE_ORDER_LABELS.get,
        )  # fmt: skip
    phase = phase or 1
    matrix = query("typology_matrix", phase=phase)
    if matrix.empty:
        empty_state(f"No places took part in Phase {phase}.")
        return
    chart = typology_heatmap(
        matrix=matrix,
        place_order=place_order(matrix=matrix, by=PlaceOrder(order_by)),
        title=typology_finding(matrix, phase=phase),
    )
    event = chart_block(
        chart=chart,
        data=matrix,
        name=f"typology-phase-{phase}",
        key="typology_heatmap",
        caption=CAPTIONS[phase] + " Similarity sorting uses Jaccard distance between profiles.",
        table=matrix.pivot_table(index="place_name", columns="typology_name", values="marked", aggfunc="max"),
        selectable=True,
        stretch=False,
    )
    cell = url_state.selected_cell(selected_point(event, CELL_SELECTION), fields=("place_id", "typology_id"))
    if cell:
        _cell_panel(place_id=cell[0], typology_id=cell[1], phase=phase)
    else:
        st.info("Click a cell to see the activities and evidence behind it.", icon=":material/touch_app:")

    st.header("What changed between phases")
    a, b = st.columns(2)
    with a:
        from_phase = url_state.choice(
            st.selectbox, "From", [1, 2], key="typology_from", param="from", default=1,
            format_func=PHASE_VIEWS.get,
        )  # fmt: skip
    with b:
        to_phase = url_state.choice(
            st.selectbox, "To", [2, 3], key="typology_to", param="to", default=2, format_func=PHASE_VIEWS.get
        )
    if to_phase <= from_phase:
        empty_state("Choose a later phase in 'To' than in 'From'.")
        return
    change = query("typology_change", from_phase=from_phase, to_phase=to_phase)
    if change.empty:
        empty_state("No place took part in both phases.")
        return
    names = sorted(change["place_name"].unique())
    chart_block(
        chart=typology_change_heatmap(
            change=change,
            place_order=names,
            title=change_finding(change, from_phase=from_phase, to_phase=to_phase),
        ),
        data=change,
        name=f"typology-change-{from_phase}-{to_phase}",
        key="typology_change",
        caption="Kept: in both phases; added: only in the later; dropped: only in the earlier. Phase 1 marks "
        "come from plans (Table 3), later ones from the Phase 2 report's appendix, so part of any change "
        "reflects the different way each report classified activities.",
        table=change.pivot_table(index="place_name", columns="typology_name", values="change", aggfunc="first"),
        stretch=False,
    )


guard(render)
