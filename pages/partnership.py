"""Partnership (/partnership?place=<id>): one place against the rest of the cohort, optionally anonymised."""

import streamlit as st

from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.downloads import data_downloads, image_downloads
from pbsa_analytics.ui.layout import chart_block, guard
from pbsa_analytics.ui.partnership import build_view


def _choose_place(place_ids: list[str], names: dict[str, str], *, anonymise: bool) -> str | None:
    requested = url_state.read_param("place")
    if anonymise and requested in names:
        # The picker would list every other place by name, so an anonymised page hides it.
        return requested
    if requested and requested not in names:
        st.warning(f"There is no partnership with id “{requested}”. Choose one of the {len(names)} places below.")
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


def render() -> None:
    places = query("places_list")
    names = dict(zip(places["place_id"], places["place_name"], strict=True))
    anonymise = url_state.toggle(
        "Anonymise other partnerships (for projecting to a room)", key="partnership_anon", param="anon"
    )
    place_id = _choose_place(places["place_id"].tolist(), names, anonymise=anonymise)
    if not place_id:
        st.title("Compare a partnership with the cohort")
        st.info("Choose a place to see it against the rest of the programme.", icon=":material/search:")
        return

    view = build_view(place_id=place_id, anonymise=anonymise)
    st.title(view.heading)
    for line in [*view.facts, *view.phase_lines]:
        st.markdown(f"- {line}")
    if anonymise:
        st.caption("Other partnerships are shown as Partnership A, B, … (labels stable for this page).")

    st.header("Monitoring against the cohort")
    st.caption(view.monitoring_note)
    monitoring = [s for s in view.sections if s.name.startswith("monitoring_")]
    _render_sections(monitoring, place_id=place_id)

    st.header("Typology profile against the cohort")
    for note in view.typology_notes:
        st.markdown(f"- {note}")
    _render_sections([s for s in view.sections if s not in monitoring], place_id=place_id)

    st.header("Nearest peers")
    st.caption(view.peer_note)
    st.dataframe(view.peers, hide_index=True, key="partnership_peers")

    st.header("Export this page")
    image_downloads(
        chart=view.profile_chart(), name=f"{place_id}-profile", key="partnership_profile",
        formats=("png", "pdf"), label="Profile",
    )  # fmt: skip
    data_downloads(data=view.page_data(), name=f"{place_id}-partnership", key="partnership_page_data")


guard(render)
