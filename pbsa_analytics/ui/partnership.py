"""Renders the partnership view (services/partnership.py computes it), cached per place, period and principal."""

from __future__ import annotations

import streamlit as st

from pbsa_analytics.periods import Period
from pbsa_analytics.services.partnership import PartnershipView, Section, build_view
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.data import query, store
from pbsa_analytics.ui.downloads import data_downloads, image_downloads
from pbsa_analytics.ui.layout import chart_block
from pbsa_analytics.ui.safe_text import md

# A section's table view lists every place of the cohort; at thousands of places it is shown a page at a time.
TABLE_PAGE_ROWS = 500


@st.cache_resource(show_spinner=False, max_entries=32)
def _shared_view(place_id: str, anonymise: bool, period: Period, version: str, principal: tuple) -> PartnershipView:
    return build_view(
        run=query, store=store(), principal=current_principal(), place_id=place_id, anonymise=anonymise, period=period
    )


def page_view(*, place_id: str, anonymise: bool, period: Period) -> PartnershipView:
    """The service's view, shared by reruns and sessions until the store changes (so are its charts' specs).

    The key holds everything the view depends on, including who is asking; callers must not mutate the view.
    """
    principal = current_principal()
    who = (principal.subject, str(principal.role), principal.place_id)
    return _shared_view(place_id, anonymise, period, store().version(), who)


def _render_sections(sections: list[Section], *, place_id: str) -> None:
    for section in sections:
        chart_block(
            chart=section.chart,
            data=section.data,
            name=f"{place_id}-{section.name}",
            key=f"partnership_{section.name}",
            caption=section.caption,
            page_rows=TABLE_PAGE_ROWS,
        )


def render_view(view: PartnershipView) -> None:
    """The whole page for one view: facts, monitoring with period and rule, typologies, peers, exports."""
    place_id = view.place_id
    st.title(md(view.heading))
    for line in [*view.facts, *view.phase_lines]:
        st.markdown(f"- {md(line)}")
    if view.sources:
        st.caption(md(view.sources))
    if view.anonymity_note:
        st.caption(view.anonymity_note)

    st.header("Monitoring against the cohort")
    st.caption(md(view.monitoring_note))
    for line in view.monitoring_lines:
        st.markdown(f"- {md(line)}")
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
    data_downloads(data=view.page_data, name=f"{place_id}-partnership", key="partnership_page_data")
