"""Phases (/phases): the 20 -> 10 -> 9 funnel, who left when, and how the cohort's work changed."""

import streamlit as st

from pbsa_analytics.analysis.findings import funnel_finding, shift_finding
from pbsa_analytics.charts.programme import cohort_shift_chart, funnel_chart, grant_chart, regional_chart
from pbsa_analytics.charts.typology import profile_small_multiples
from pbsa_analytics.ui import paging
from pbsa_analytics.ui.chart_specs import shared_chart, shared_view
from pbsa_analytics.ui.citations import caption, cite_row, scope
from pbsa_analytics.ui.data import deferred, query
from pbsa_analytics.ui.layout import chart_block, guard
from pbsa_analytics.ui.panels import STATUS_TEXT
from pbsa_analytics.ui.safe_text import md

TYPOLOGY_CAVEATS = ["typology_phase1_planned", "typology_phase2_derived", "typology_methods_differ"]
TOO_MANY_TO_LIST = "{:,} places, too many to list here"
COHORT_PHASE = 2  # the like-for-like cohort: the places of Phase 2, followed through every phase they took part in


def render() -> None:
    st.title("How the programme narrowed and changed from Phase 1 to Phase 3")
    cohorts = query("phase_cohorts")
    chart_block(
        chart=shared_chart(funnel_chart, cohorts=cohorts, title=funnel_finding(cohorts)),
        data=cohorts,
        name="phase-funnel",
        key="phases_funnel",
        caption=caption(rows=[scope("participation")]),
    )
    for row in query("phase_cohort_names", max_names=paging.PAGE_SIZE).itertuples():
        listed = row.place_names if isinstance(row.place_names, str) else TOO_MANY_TO_LIST.format(row.places)
        st.markdown(f"**Phase {row.phase} ({row.places:,}):** {md(listed)}")

    st.subheader("Who left, and when")
    leavers = query("phase_leavers")
    for (after, status, note), rows in leavers.fillna({"note": ""}).groupby(
        ["left_after_phase", "status", "note"], sort=True
    ):
        reason = note or "no reason given in the sources"
        names = ", ".join(rows["place_name"])
        st.markdown(f"**After Phase {after}, {STATUS_TEXT[status]}:** {names}  \n{reason}")
        st.caption(cite_row(rows["source"].iloc[0]))

    st.header("Like for like: the ten Phase 2 places across phases")
    # Counts per phase and typology come from SQL; the small multiples read one page of places at a time, and the
    # download of every place's profile is made when clicked (at 10,000 places the whole grid is 150,000 rows).
    shift = query("cohort_shift", cohort_phase=COHORT_PHASE)
    cohort = int(shift.loc[shift["phase"] == COHORT_PHASE, "cohort"].max()) if len(shift) else 0
    first, count = paging.page_range(cohort, key="phases_page")
    shown = query("cohort_profiles", cohort_phase=COHORT_PHASE, first=first, count=count)
    chart_block(
        chart=shared_chart(
            profile_small_multiples, profiles=shown, title="Each Phase 2 place's typology profile by phase"
        ),
        data=deferred("cohort_profiles", cohort_phase=COHORT_PHASE, first=0, count=None),
        name="cohort-profiles",
        key="phases_profiles",
        stretch=False,
        caption=caption(rows=[scope("place_typology")], caveats=TYPOLOGY_CAVEATS),
        table=lambda: shown.pivot_table(
            index=["place_name", "phase"], columns="typology_name", values="marked", aggfunc="max"
        ),
    )
    chart_block(
        chart=shared_chart(cohort_shift_chart, shift=shift, title=shared_view(shift_finding, shift=shift)),
        data=shift,
        name="cohort-typology-shift",
        key="phases_shift",
        caption=caption(rows=[scope("place_typology")], caveats=TYPOLOGY_CAVEATS),
    )

    st.header("Regions and grants")
    spread = query("regional_spread")
    chart_block(
        chart=shared_chart(regional_chart, spread=spread, title="Places per region in each phase"),
        data=spread,
        name="regional-spread",
        key="phases_regions",
        caption=caption(note="Regions are ONS regions of each place's local authority.", rows=[scope("places")]),
    )
    timeline = query("phases_timeline")
    chart_block(
        chart=shared_chart(grant_chart, phases=timeline, title="Grant ceiling per partnership, by phase"),
        data=timeline[["phase", "name", "max_grant_gbp", "places_funded", "source"]],
        name="grant-ceilings",
        key="phases_grants",
        caption=caption(rows=[timeline], caveats=["phase3_no_ceiling"]),
    )


guard(render)
