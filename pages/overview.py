"""Overview (/): headline figures, the programme timeline and links into every page."""

import streamlit as st

from pbsa_analytics.analysis.findings import funnel_finding, places_text
from pbsa_analytics.charts.programme import places_per_phase_chart, timeline_chart
from pbsa_analytics.ui.chart_specs import shared_chart
from pbsa_analytics.ui.citations import caption, caveat_text, scope
from pbsa_analytics.ui.data import query, withheld_from_session
from pbsa_analytics.ui.layout import chart_block, guard
from pbsa_analytics.ui.monitoring import (
    cohort_series_block,
    completeness,
    completeness_view,
    period_control,
    totals_block,
)
from pbsa_analytics.ui.navigation import page_link, page_links


def render() -> None:
    st.title("Place Based Social Action: what the programme did")
    st.write(
        "DCMS and The National Lottery Community Fund funded local partnerships to grow social action "
        "in their places, 2017–2025. Figures below come from the programme's published learning reports; "
        "every chart names its source."
    )

    cohorts = query("phase_cohorts")
    phases = query("phases_timeline")
    st.subheader("Places per phase")
    columns = st.columns(len(cohorts))
    for column, row in zip(columns, cohorts.itertuples(), strict=True):
        column.metric(f"Phase {row.phase}", places_text(row.places))
    chart_block(
        chart=shared_chart(places_per_phase_chart, cohorts=cohorts, title=funnel_finding(cohorts)),
        data=cohorts,
        name="places-per-phase",
        key="overview_places_chart",
        caption=caption(rows=[scope("participation")]),
    )

    st.subheader("Delivery in numbers")
    period = period_control(key="overview_period")
    if period.phase == 2:
        st.warning(
            caveat_text("monitoring_recorded_differently", "monitoring_period_differs", "monitoring_not_shared"),
            icon=":material/info:",
        )
    totals_block(period, key="overview_totals")
    cohort_series_block(period, key="overview_series")

    if not withheld_from_session("reporting_completeness_summary"):
        reporting = completeness(period)
        with st.expander(f"Reporting completeness, {period.label}: {reporting.periods} reporting period(s)"):
            completeness_view(completeness=reporting, period=period, key="overview_completeness")
    page_link("data", label="Submit or review monitoring returns")

    st.subheader("Programme timeline")
    chart_block(
        chart=shared_chart(
            timeline_chart, phases=phases, title="Three phases: develop a plan, deliver it, then build a legacy"
        ),
        data=phases,
        name="programme-timeline",
        key="overview_timeline_chart",
        caption=caption(rows=[scope("phases")], caveats=["phase3_no_ceiling"]),
        table=phases[["phase", "name", "start_date", "end_date", "max_grant_gbp", "places_taking_part"]],
    )

    page_links(
        heading="Explore",
        links={
            # Every place took part in Phase 1, so its cohort is every place.
            "map": f"Place map: where the {places_text(cohorts['places'].iloc[0])} are and how far each went",
            "typology": "Typologies: which kinds of social action each place planned or delivered",
            "outcomes": "Outcomes: where the Phase 2 report gives evidence of each outcome",
            "phases": "Phases 1–3: who continued, and how the work changed",
        },
    )


guard(render)
