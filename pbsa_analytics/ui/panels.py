"""Detail panels shared by pages: everything known about one place, with sources."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pbsa_analytics.analysis.cohort import STATUS_TEXT
from pbsa_analytics.periods import PER_PERIOD, RULE_SHORT
from pbsa_analytics.ui.citations import cite_row, sources_line, with_citations
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.navigation import page_link


def place_panel(*, place_id: str, key_prefix: str) -> None:
    """Place header, phases with leads, summaries, typologies, monitoring and evidence count."""
    detail = query("place_detail", place_id=place_id)
    if detail.empty:
        st.warning(f"No place with id {place_id!r}.")
        return
    place = detail.iloc[0]
    with st.container(border=True, key=f"{key_prefix}_container"):
        st.subheader(f"{place['place_name']} — {place['partnership_name'] or 'partnership not named'}")
        st.write(
            f"{place['local_authority']} ({place['lad_code']}, ONS {place['lad_year']}) · "
            f"{place['region']} · furthest phase: {place['furthest_phase']}"
        )
        st.write(place["summary"])
        phases = query("place_phases", place_id=place_id)
        for row in phases.itertuples():
            lead = row.lead_organisation or "lead not named"
            st.markdown(f"- **Phase {row.phase}** ({row.phase_name}): {STATUS_TEXT[row.status]} — {lead}")

        summaries = query("place_summaries", place_id=place_id)
        typologies = query("place_typologies", place_id=place_id)
        monitoring = query("place_monitoring", place_id=place_id)
        evidence_count = int(query("place_evidence_count", place_id=place_id)["evidence_records"].iloc[0])

        summary_tab, typology_tab, monitoring_tab = st.tabs(["Summaries", "Typologies", "Monitoring"])
        with summary_tab:
            if summaries.empty:
                st.write("The Phase 2 report gives no place-by-place summary for this place.")
            for phase, rows in summaries.groupby("phase"):
                st.markdown(f"**Phase {phase}**")
                for row in rows.itertuples():
                    st.markdown(f"- {row.summary}  \n  _{cite_row(row.source)}_")
        with typology_tab:
            for phase, rows in typologies.groupby("phase"):
                basis = rows["basis"].iloc[0]
                st.markdown(f"**Phase {phase}** ({basis}): " + ", ".join(rows["typology_name"]))
            if typologies.empty:
                st.write("No typology recorded for this place.")
            else:
                st.caption(sources_line(rows=[typologies]))
        with monitoring_tab:
            if monitoring.empty:
                st.write("No monitoring figures for this place.")
            else:
                shown = with_citations(monitoring).drop(columns="source")
                # Each figure is its own period's; the metric's rule says how periods would be combined.
                rules = shown.pop("over_time").map(RULE_SHORT)
                shown.insert(shown.columns.get_loc("value") + 1, "rule", f"{PER_PERIOD}; over periods: " + rules)
                shown["value"] = shown["value"].map(lambda v: "not given" if pd.isna(v) else f"{int(v):,}")
                st.dataframe(shown, hide_index=True, key=f"{key_prefix}_monitoring")
        st.write(f"Evidence records about this place: **{evidence_count}**")
        page_link("partnership", label="Open the partnership page", query={"place": place_id})
