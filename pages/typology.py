"""Typologies (/typology): places x the nine types of social action, by phase, and how profiles changed."""

import streamlit as st

from pbsa_analytics.analysis.findings import change_finding, typology_finding
from pbsa_analytics.analysis.ordering import PLACE_ORDER_LABELS, PlaceOrder, marks_per_typology, place_order
from pbsa_analytics.charts.typology import CELL_SELECTION, typology_change_heatmap, typology_heatmap
from pbsa_analytics.ui import paging, url_state
from pbsa_analytics.ui.cell_picker import cell_picker
from pbsa_analytics.ui.chart_specs import shared_chart, shared_view
from pbsa_analytics.ui.citations import caption, cite_row
from pbsa_analytics.ui.data import deferred, query
from pbsa_analytics.ui.focus import scroll_into_view
from pbsa_analytics.ui.layout import chart_block, empty_state, guard, selected_point
from pbsa_analytics.ui.navigation import page_link

PHASE_VIEWS = {1: "Phase 1 — planned", 2: "Phase 2 — delivered", 3: "Phase 3 — planned"}
CAVEATS = {1: "typology_phase1_planned", 2: "typology_phase2_derived", 3: "typology_phase3_derived"}
CELL_PANEL_KEY = "typology_cell_panel"
OUTCOME_PHASE = 2  # the outcome evidence comes from the Phase 2 report


def _cell_panel(*, place_id: str, typology_id: str, phase: int) -> None:
    matrix = query("typology_matrix", phase=phase, place_ids=(place_id,))
    cell = matrix[matrix["typology_id"] == typology_id]
    if cell.empty:
        url_state.report_ignored(
            "cell", f"{place_id}:{typology_id}", reason=f"no Phase {phase} place and typology has this id."
        )
        return
    row = cell.iloc[0]
    with st.container(border=True, key=CELL_PANEL_KEY):
        state = "marked" if row["marked"] else "not marked"
        st.subheader(f"{row['place_name']} × {row['typology_name']} (Phase {phase}): {state}")
        if row["marked"]:
            st.caption(cite_row(row["source"]))
        activities = query("typology_cell_activities", place_id=place_id, phase=phase, typology_id=typology_id)
        if not activities.empty:
            st.markdown("**Activities behind this cell**")
            for activity in activities.itertuples():
                st.markdown(f"- {activity.activity} ({activity.basis})  \n  _{cite_row(activity.source)}_")
        _cell_evidence(row=row, phase=phase)
    scroll_into_view(key=CELL_PANEL_KEY, memory="typology_cell", value=f"{phase}:{place_id}:{typology_id}")


def _cell_evidence(*, row, phase: int) -> None:
    """Evidence tagged with the typology, and where else this place's evidence for the phase can be read."""
    place_id, typology_id = row["place_id"], row["typology_id"]
    evidence = query("typology_cell_evidence", place_id=place_id, phase=phase, typology_id=typology_id)
    st.markdown(f"**Evidence records tagged with this typology: {len(evidence)}**")
    for item in evidence.itertuples():
        st.markdown(f"- {item.summary}  \n  _{cite_row(item.source)}_")
    # A sum, not the first row: a place outside the viewer's scope (a label's cell) gets no row, so 0.
    total = int(query("place_phase_evidence_count", place_id=place_id, phase=phase)["evidence_records"].sum())
    if evidence.empty:
        st.caption(
            "Typology marks come from the reports' activity tables; an evidence record is tagged with a "
            "typology only where the example clearly is one, so most records carry no typology tag."
            + (f" The sources hold {total} other Phase {phase} records about this place." if total else "")
        )
    links = st.columns(3)
    with links[0]:
        page_link(
            "evidence",
            label=f"All Phase {phase} evidence for {row['place_name']} ({total})",
            query={"place": place_id, "phase": str(phase)},
        )
    with links[1]:
        page_link("evidence", label=f"Evidence tagged {row['typology_name']}", query={"typology": typology_id})
    if phase == OUTCOME_PHASE:
        with links[2]:
            page_link("outcomes", label=f"{row['place_name']}'s outcome evidence", query={"place": place_id})


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
    # One row per place orders the heatmap; only the page's places x typologies are fetched (10,000 places at scale).
    places = query("typology_places", phase=phase)
    if places.empty:
        empty_state(f"No places took part in Phase {phase}.")
        return
    order = shared_view(place_order, places=places, by=PlaceOrder(order_by))
    shown = paging.page_of(order, key="typology_page")
    id_of = dict(zip(places["place_name"].tolist(), places["place_id"].tolist(), strict=True))
    name_of = {place_id: name for name, place_id in id_of.items()}
    shown_matrix = query("typology_matrix", phase=phase, place_ids=tuple(id_of[name] for name in shown))
    counts = shared_view(marks_per_typology, places=places, matrix=shown_matrix)
    chart = shared_chart(
        typology_heatmap,
        matrix=shown_matrix,
        place_order=shown,
        counts=counts,
        title=shared_view(typology_finding, counts=counts, phase=phase),
    )
    event = chart_block(
        chart=chart,
        data=deferred("typology_matrix", phase=phase, place_ids=None),
        name=f"typology-phase-{phase}",
        key="typology_heatmap",
        caption=caption(
            note="Similarity sorting uses Jaccard distance between profiles.",
            rows=[shown_matrix],
            caveats=[CAVEATS[phase]],
        ),
        table=lambda: shown_matrix.pivot_table(
            index="place_name", columns="typology_name", values="marked", aggfunc="max"
        ),
        selectable=True,
        stretch=False,
    )
    cell = url_state.selected_cell(selected_point(event, CELL_SELECTION), fields=("place_id", "typology_id"))
    typologies = shown_matrix.sort_values("typology_position").drop_duplicates("typology_id")
    # The places a click can reach (the page), and the URL's cell's place: not all 10,000 on every rerun.
    reachable = {id_of[name]: name for name in shown}
    if cell and cell[0] in name_of:
        reachable[cell[0]] = name_of[cell[0]]
    cell = cell_picker(
        rows=reachable,
        columns=dict(zip(typologies["typology_id"], typologies["typology_name"], strict=True)),
        row_label="Place",
        column_label="Typology",
        key="typology_cell",
        current=cell,
    )
    if cell:
        _cell_panel(place_id=cell[0], typology_id=cell[1], phase=phase)
    else:
        st.info(
            "Click a cell, or choose one above, to see the activities and evidence behind it.",
            icon=":material/touch_app:",
        )

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
    # One row per place counts the change and pages it; only the page's places x typologies are fetched.
    change_places = query("typology_change_places", from_phase=from_phase, to_phase=to_phase)
    if change_places.empty:
        empty_state("No place took part in both phases.")
        return
    first, count = paging.page_range(len(change_places), key="typology_change_page", param="change_page")
    shown_change = query("typology_change", from_phase=from_phase, to_phase=to_phase, first=first, count=count)
    chart_block(
        chart=shared_chart(
            typology_change_heatmap,
            change=shown_change,
            place_order=sorted(shown_change["place_name"].unique()),
            title=shared_view(change_finding, places=change_places, from_phase=from_phase, to_phase=to_phase),
        ),
        data=deferred("typology_change", from_phase=from_phase, to_phase=to_phase, first=0, count=None),
        name=f"typology-change-{from_phase}-{to_phase}",
        key="typology_change",
        caption=caption(
            note="Kept: in both phases; added: only in the later; dropped: only in the earlier; no data: the "
            "sources list no typology for the place in one of the two phases (missing, not dropped).",
            caveats=[CAVEATS[from_phase], CAVEATS[to_phase], "typology_methods_differ"],
        ),
        table=lambda: shown_change.pivot_table(
            index="place_name", columns="typology_name", values="change", aggfunc="first"
        ),
        stretch=False,
    )


guard(render)
