"""Phases (/phases): the 20 -> 10 -> 9 funnel, who left when, and how the cohort's work changed."""

import streamlit as st

from pbsa_analytics.analysis.findings import cohort_shift, funnel_finding, shift_finding
from pbsa_analytics.charts.programme import cohort_shift_chart, funnel_chart, grant_chart, regional_chart
from pbsa_analytics.charts.typology import profile_small_multiples
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.layout import chart_block, guard
from pbsa_analytics.ui.panels import STATUS_TEXT

TYPOLOGY_CAVEAT = (
    "Phase 1 marks are plans (Table 3 of the Phase 1 report); Phase 2 marks are delivery and Phase 3 marks "
    "plans, both derived from the Phase 2 report's appendix, which maps activities to only seven of the nine "
    "types. Differences partly reflect the two reports' methods."
)


def render() -> None:
    st.title("How the programme narrowed and changed from Phase 1 to Phase 3")
    cohorts = query("phase_cohorts")
    chart_block(
        chart=funnel_chart(cohorts=cohorts, title=funnel_finding(cohorts)),
        data=cohorts,
        name="phase-funnel",
        key="phases_funnel",
        caption="Source: Renaisi, Learning from Phase 1 (2019), Appendix 1; Learning from Phase 2 (2022), "
        "Phase 3 decisions.",
    )
    for row in cohorts.itertuples():
        st.markdown(f"**Phase {row.phase} ({row.places}):** {row.place_names}")

    st.subheader("Who left, and when")
    leavers = query("phase_leavers")
    for (after, status, note), rows in leavers.fillna({"note": ""}).groupby(
        ["left_after_phase", "status", "note"], sort=True
    ):
        reason = note or "no reason given in the sources"
        names = ", ".join(rows["place_name"])
        st.markdown(f"**After Phase {after}, {STATUS_TEXT[status]}:** {names}  \n{reason}")
        st.caption(f"Source: {rows['source'].iloc[0]}")

    st.header("Like for like: the ten Phase 2 places across phases")
    profiles = query("cohort_profiles", cohort_phase=2)
    chart_block(
        chart=profile_small_multiples(profiles=profiles, title="Each Phase 2 place's typology profile by phase"),
        data=profiles,
        name="cohort-profiles",
        key="phases_profiles",
        stretch=False,
        caption=TYPOLOGY_CAVEAT,
        table=profiles.pivot_table(
            index=["place_name", "phase"], columns="typology_name", values="marked", aggfunc="max"
        ),
    )
    shift = cohort_shift(profiles)
    chart_block(
        chart=cohort_shift_chart(shift=shift, title=shift_finding(shift)),
        data=shift,
        name="cohort-typology-shift",
        key="phases_shift",
        caption=TYPOLOGY_CAVEAT,
    )

    st.header("Regions and grants")
    spread = query("regional_spread")
    chart_block(
        chart=regional_chart(spread=spread, title="Places per region in each phase"),
        data=spread,
        name="regional-spread",
        key="phases_regions",
        caption="Regions are ONS regions of each place's local authority. Source: places reference data.",
    )
    timeline = query("phases_timeline")
    chart_block(
        chart=grant_chart(phases=timeline, title="Grant ceiling per partnership, by phase"),
        data=timeline[["phase", "name", "max_grant_gbp", "places_funded", "source"]],
        name="grant-ceilings",
        key="phases_grants",
        caption="Source: Renaisi, Learning from Phase 1 (2019), Table 1. The Phase 2 report says Phase 3 "
        "funding was spread across more partnerships than first planned but gives no new ceiling.",
    )


guard(render)
