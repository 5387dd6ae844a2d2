"""Conditions (/conditions): partnerships' self-assessment of the conditions for social action, and the cohort."""

import streamlit as st

from pbsa_analytics.services import conditions as service
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.conditions import ABOUT, cohort, fill_in
from pbsa_analytics.ui.data import store
from pbsa_analytics.ui.layout import guard

VIEWS = {"fill": "Fill in", "cohort": "Cohort"}


def render() -> None:
    st.title("Conditions for social action")
    current = store()
    if service.conditions_store(current).synthetic:
        st.warning(
            "SYNTHETIC DEMO DATA: every round on this page was generated for demonstration.", icon=":material/science:"
        )
    st.write(ABOUT)
    view = url_state.choice(
        st.segmented_control, "View", list(VIEWS), key="cond_view", param="view", default="fill", format_func=VIEWS.get
    )
    if (view or "fill") == "fill":
        fill_in(current, current_principal())
    else:
        cohort(current, current_principal())


guard(render)
