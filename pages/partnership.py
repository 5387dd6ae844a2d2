"""Partnership (/partnership?place=<id>): one place against the rest of the cohort, optionally anonymised."""

import streamlit as st

from pbsa_analytics.access import Role
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.layout import guard
from pbsa_analytics.ui.monitoring import period_control
from pbsa_analytics.ui.partnership import page_view, render_view
from pbsa_analytics.ui.place_links import resolve_place


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


def _place_and_anonymise() -> tuple[str | None, bool]:
    """A partnership sees its own place only, already anonymised by the data layer; funders choose (and may project)."""
    principal = current_principal()
    if principal.role is Role.PARTNERSHIP:
        return principal.place_id, False
    places = query("places_list")
    names = dict(zip(places["place_id"].tolist(), places["place_name"].tolist(), strict=True))
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
    render_view(page_view(place_id=place_id, anonymise=anonymise, period=period))


guard(render)
