"""The whole-programme report: the key chart of each funder page, with sources and caveats, in one document."""

from __future__ import annotations

from pbsa_analytics.analysis.findings import (
    change_finding,
    funnel_finding,
    outcome_coverage,
    outcome_finding,
    typology_finding,
)
from pbsa_analytics.analysis.ordering import PlaceOrder, marks_per_typology, place_order
from pbsa_analytics.charts.outcomes import coverage_chart, outcome_grid
from pbsa_analytics.charts.programme import funnel_chart, grant_chart, timeline_chart
from pbsa_analytics.charts.typology import typology_change_heatmap, typology_heatmap
from pbsa_analytics.exports.report import Report, ReportSection
from pbsa_analytics.ui.citations import caption, scope
from pbsa_analytics.ui.data import query

TITLE = "Place Based Social Action programme: what the evidence shows"
TYPOLOGY_CAVEATS = ["typology_phase1_planned", "typology_phase2_derived", "typology_phase3_derived"]


def _phase_sources() -> str:
    return caption(rows=[scope("participation")])


def _typology_caveat() -> str:
    return caption(rows=[scope("place_typology")], caveats=[*TYPOLOGY_CAVEATS, "typology_methods_differ"])


def _outcome_caveat() -> str:
    return caption(caveats=["outcome_counts_are_examples"])


def _typology_sections() -> list[ReportSection]:
    sections = []
    for phase in (1, 2, 3):
        matrix = query("typology_matrix", phase=phase, place_ids=None)
        places = query("typology_places", phase=phase)
        counts = marks_per_typology(places=places, matrix=matrix)
        chart = typology_heatmap(
            matrix=matrix,
            place_order=place_order(places=places, by=PlaceOrder.NAME),
            counts=counts,
            title=typology_finding(counts, phase=phase),
        )
        sections.append(ReportSection(caption=_typology_caveat(), chart=chart, heading=f"Typologies, Phase {phase}"))
    change = query("typology_change", from_phase=1, to_phase=3, first=0, count=None)
    sections.append(
        ReportSection(
            caption="Kept, added, dropped; 'no data' where the sources list no typology for a place in a phase "
            "(missing, not dropped). " + _typology_caveat(),
            chart=typology_change_heatmap(
                change=change,
                place_order=sorted(change["place_name"].unique()),
                title=change_finding(
                    query("typology_change_places", from_phase=1, to_phase=3), from_phase=1, to_phase=3
                ),
            ),
            heading="What changed from Phase 1 to Phase 3",
        )
    )
    return sections


def programme_report(*, link: str) -> Report:
    """Programme shape, typologies by phase and their change, and outcome evidence, each with its sources."""
    cohorts = query("phase_cohorts")
    phases = query("phases_timeline")
    matrix = query("outcome_matrix", phase=2)
    coverage = outcome_coverage(matrix)
    sections = [
        ReportSection(
            caption=_phase_sources(),
            chart=funnel_chart(cohorts=cohorts, title=funnel_finding(cohorts)),
            heading="Places",
        ),
        ReportSection(
            caption=_phase_sources(),
            chart=timeline_chart(phases=phases, title="Three phases: develop a plan, deliver it, then build a legacy"),
        ),
        ReportSection(
            caption=_phase_sources(), chart=grant_chart(phases=phases, title="Grant ceiling per partnership")
        ),
        *_typology_sections(),
        ReportSection(
            caption=_outcome_caveat(),
            chart=outcome_grid(matrix=matrix, title=outcome_finding(coverage)),
            heading="Outcome evidence, Phase 2",
        ),
        ReportSection(
            caption=_outcome_caveat(),
            chart=coverage_chart(coverage=coverage, title="Places with at least one example, per outcome"),
        ),
    ]
    return Report(title=TITLE, sections=tuple(sections), link=link)
