"""Overview (/): headline figures, the programme timeline and links into every page."""

import pandas as pd
import streamlit as st

from pbsa_analytics.analysis.findings import funnel_finding
from pbsa_analytics.charts.programme import places_per_phase_chart, timeline_chart
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.layout import chart_block, guard
from pbsa_analytics.ui.navigation import page_link
from pbsa_analytics.ui.panels import completeness_block


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
        column.metric(f"Phase {row.phase}", f"{row.places} places")
    chart_block(
        chart=places_per_phase_chart(cohorts=cohorts, title=funnel_finding(cohorts)),
        data=cohorts,
        name="places-per-phase",
        key="overview_places_chart",
        caption="Source: Renaisi, Learning from Phase 1 (2019), Appendix 1; Renaisi, Learning from Phase 2 "
        "(2022), Phase 3 decisions.",
    )

    st.subheader("Phase 2 delivery in numbers")
    totals = query("monitoring_totals", phase=2)
    reporting = int(totals["reporting"].max())
    partnerships = int(totals["partnerships"].max())
    st.warning(
        f"{reporting} of {partnerships} partnerships reporting. The report warns that partnerships recorded "
        "in different ways, so figures may not be directly comparable; one partnership's reporting period "
        "differs (Nov 2021 – Feb 2022) and one partnership's figures were not shared.",
        icon=":material/info:",
    )
    columns = st.columns(len(totals))
    for column, row in zip(columns, totals.itertuples(), strict=True):
        shown = "not given" if pd.isna(row.total) else f"{int(row.total):,}"
        column.metric(row.label, shown, help=row.definition)
    st.caption(
        "Source: Renaisi, Learning from Phase 2 of the PBSA programme (2022), 'Phase 2 delivery in numbers' "
        "(the published Total row matches the sum of the partnerships' figures)."
    )

    completeness = query("reporting_completeness")
    periods = completeness[["period_start", "period_end"]].drop_duplicates()
    with st.expander(f"Reporting completeness: {len(periods)} reporting period(s) so far"):
        completeness_block(completeness=completeness, key="overview_completeness")
    page_link("data", label="Submit or review monitoring returns")

    st.subheader("Programme timeline")
    chart_block(
        chart=timeline_chart(phases=phases, title="Three phases: develop a plan, deliver it, then build a legacy"),
        data=phases,
        name="programme-timeline",
        key="overview_timeline_chart",
        caption="Source: Renaisi, Learning from Phase 1 (2019), Table 1; Phase 3 from the Phase 2 report. "
        "The Phase 3 grant ceiling is not stated in the reports.",
        table=phases[["phase", "name", "start_date", "end_date", "max_grant_gbp", "places_taking_part"]],
    )

    st.subheader("Explore")
    page_link("map", label="Place map: where the 20 places are and how far each went")
    page_link("typology", label="Typologies: which kinds of social action each place planned or delivered")
    page_link("outcomes", label="Outcomes: where the Phase 2 report gives evidence of each outcome")
    page_link("phases", label="Phases 1–3: who continued, and how the work changed")


guard(render)
