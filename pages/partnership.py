"""Partnership (/partnership?place=<id>): one place against the rest of the cohort, optionally anonymised."""

import streamlit as st

from pbsa_analytics.access import Role
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.downloads import data_downloads, image_downloads
from pbsa_analytics.ui.layout import chart_block, guard
from pbsa_analytics.ui.monitoring import period_control
from pbsa_analytics.ui.partnership import page_view
from pbsa_analytics.ui.place_links import resolve_place
from pbsa_analytics.ui.safe_text import md


def _choose_place(place_ids: list[str], names: dict[str, str], *, anonymise: bool) -> str | None:
    requested = resolve_place()  # an id, name or alias; anything else is reported as ignored
    if anonymise:
        # The picker would list every other place by name, so an anonymised page never shows it.
        if requested not in names:
            st.warning("Choose a place with anonymising off, then switch it on to project the page.")
            return None
        return requested
    return url_state.choice(
        st.selectbox,
        "Partnership",
        place_ids,
        key="partnership_place",
        param="place",
        default=None,
        format_func=lambda place_id: names.get(place_id, place_id),
        index=None,
        placeholder="Choose a place",
    )


def _render_sections(sections: list, *, place_id: str) -> None:
    for section in sections:
        chart_block(
            chart=section.chart,
            data=section.data,
            name=f"{place_id}-{section.name}",
            key=f"partnership_{section.name}",
            caption=section.caption,
        )


def _place_and_anonymise() -> tuple[str | None, bool]:
    """A partnership sees its own place only, already anonymised by the data layer; funders choose (and may project)."""
    principal = current_principal()
    if principal.role is Role.PARTNERSHIP:
        return principal.place_id, False
    places = query("places_list")
    names = dict(zip(places["place_id"], places["place_name"], strict=True))
    anonymise = url_state.toggle(
        "Anonymise other partnerships (for projecting to a room)", key="partnership_anon", param="anon"
    )
    return _choose_place(places["place_id"].tolist(), names, anonymise=anonymise), anonymise


def render() -> None:
    place_id, anonymise = _place_and_anonymise()
    if not place_id:
        st.title("Compare a partnership with the cohort")
        st.info("Choose a place to see it against the rest of the programme.", icon=":material/search:")
        return

    period = period_control(key="partnership_period")
    view = page_view(place_id=place_id, anonymise=anonymise, period=period)
    st.title(md(view.heading))
    for line in [*view.facts, *view.phase_lines]:
        st.markdown(f"- {md(line)}")
    if current_principal().role is Role.PARTNERSHIP:
        st.caption(
            "Other partnerships are shown as Partnership A, B, … (labels in no particular order, drawn afresh for "
            "each monitoring figure, so Partnership A in one chart need not be Partnership A in the next); their "
            "figures are rounded to the nearest 5, or to two significant figures from 100."
        )
    elif anonymise:
        st.caption("Other partnerships are shown as Partnership A, B, … (labels in no particular order).")

    st.header("Monitoring against the cohort")
    st.caption(md(view.monitoring_note))
    monitoring = [s for s in view.sections if s.name.startswith("monitoring_")]
    _render_sections(monitoring, place_id=place_id)

    st.header("Typology profile against the cohort")
    for note in view.typology_notes:
        st.markdown(f"- {md(note)}")
    _render_sections([s for s in view.sections if s not in monitoring], place_id=place_id)

    st.header("Nearest peers")
    st.caption(view.peer_note)
    st.dataframe(view.peers, hide_index=True, key="partnership_peers")

    st.header("Export this page")
    image_downloads(
        chart=view.profile_chart, name=f"{place_id}-profile", key="partnership_profile",
        formats=("png", "pdf"), label="Profile",
    )  # fmt: skip
    data_downloads(data=view.page_data(), name=f"{place_id}-partnership", key="partnership_page_data")


guard(render)
