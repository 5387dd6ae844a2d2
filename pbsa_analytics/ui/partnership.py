"""The partnership view's content, built once per place and anonymise setting, so pages and tests share it."""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from pbsa_analytics.analysis.anonymise import Anonymiser
from pbsa_analytics.analysis.cohort import (
    monitoring_comparison,
    nearest_peers,
    outcome_contrast,
    typology_contrast,
)
from pbsa_analytics.charts.monitoring import time_series_chart
from pbsa_analytics.charts.partnership import (
    cohort_strip,
    outcome_contrast_chart,
    profile_sheet,
    typology_contrast_chart,
)
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.panels import STATUS_TEXT

MONITORING_PHASE = 2
PEER_PHASE = 1


class UnknownPlaceError(PbsaError):
    """The requested place id is not one of the programme's places."""


@dataclass
class Section:
    title: str
    chart: alt.TopLevelMixin
    data: pd.DataFrame
    name: str
    caption: str


@dataclass
class PartnershipView:
    place_id: str
    heading: str
    facts: list[str]
    phase_lines: list[str]
    monitoring: pd.DataFrame
    monitoring_note: str
    sections: list[Section] = field(default_factory=list)
    typology_notes: list[str] = field(default_factory=list)
    peers: pd.DataFrame = field(default_factory=pd.DataFrame)
    peer_note: str = ""

    def page_data(self) -> pd.DataFrame:
        """Every table on the page stacked with a 'section' column, for the CSV/XLSX export."""
        frames = [self.monitoring.assign(section="monitoring")]
        frames += [section.data.assign(section=section.name) for section in self.sections]
        frames.append(self.peers.assign(section="nearest_peers"))
        return pd.concat(frames, ignore_index=True, sort=False)

    def profile_chart(self) -> alt.VConcatChart:
        """One page with the headline facts and every chart, for PNG/PDF export."""
        lines = [*self.facts, *self.phase_lines, *self._headline_figures()]
        return profile_sheet(heading=self.heading, lines=lines, charts=[s.chart for s in self.sections])

    def _headline_figures(self) -> list[str]:
        lines = []
        for row in self.monitoring.itertuples():
            value = "not given" if pd.isna(row.value) else f"{int(row.value):,}"
            lines.append(f"{row.label}: {value} (cohort median {row.cohort_median:,.0f})")
        return lines


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def monitoring_sentence(row: pd.Series) -> str:
    """One line per metric: value, rank, share and the cohort median, with missing said plainly."""
    if pd.isna(row["value"]):
        return f"{row['label']}: not given (cohort median {row['cohort_median']:,.0f})"
    rank = f"{_ordinal(int(row['rank']))} of {row['reporting']} reporting"
    return (
        f"{row['label']}: {int(row['value']):,}, {rank}, "
        f"{row['share_of_total']:.0%} of the programme total (cohort median {row['cohort_median']:,.0f})"
    )


def _phase_line(row, text) -> str:
    lead = row.lead_organisation or "not named"
    return text(f"Phase {row.phase}: {STATUS_TEXT.get(row.status, row.status)}; lead: {lead}")


def build_view(*, place_id: str, anonymise: bool) -> PartnershipView:
    """Everything the partnership page shows, with other places relabelled when anonymise is set."""
    detail = query("place_detail", place_id=place_id)
    if detail.empty:
        raise UnknownPlaceError(f"No partnership with id {place_id!r}.")
    place = detail.iloc[0]
    variants = query("place_name_variants")
    scrub = Anonymiser.build(focus_place_id=place_id, variants=variants) if anonymise else None

    def safe(frame: pd.DataFrame) -> pd.DataFrame:
        return scrub.frame(frame) if scrub else frame

    def text(value: str) -> str:
        return scrub.text(value) if scrub else value

    phases = query("place_phases", place_id=place_id)
    took_part = phases[phases["status"] == "took_part"]["phase"].tolist()
    view = PartnershipView(
        place_id=place_id,
        heading=f"{place['place_name']}: {place['partnership_name']}",
        facts=[
            f"Local authority: {place['local_authority']} ({place['lad_code']}, ONS {place['lad_year']})",
            f"Region: {place['region']}",
            "Phases taken part in: " + ", ".join(f"Phase {p}" for p in took_part),
        ],
        phase_lines=[_phase_line(row, text) for row in phases.itertuples()],
        monitoring=pd.DataFrame(),
        monitoring_note="",
    )
    _add_monitoring(view, place_id=place_id, took_part=took_part, safe=safe)
    _add_time_series(view, place_id=place_id)
    _add_typologies(view, place_id=place_id, took_part=took_part, safe=safe)
    _add_outcomes(view, place_id=place_id, took_part=took_part, safe=safe)
    _add_peers(view, place_id=place_id, safe=safe)
    return view


def _add_monitoring(view: PartnershipView, *, place_id: str, took_part: list[int], safe) -> None:
    if MONITORING_PHASE not in took_part:
        view.monitoring_note = "No monitoring figures: the reports publish figures only for the Phase 2 partnerships."
        return
    values = safe(query("monitoring_by_place", phase=MONITORING_PHASE))
    view.monitoring = monitoring_comparison(values, place_id=place_id)
    view.monitoring_note = (
        "Phase 2 figures from the Phase 2 report. Partnerships recorded in different ways, so figures may "
        "not be directly comparable; one partnership's period was Nov 2021 – Feb 2022 and one partnership's "
        "figures were not shared (shown as missing, not zero)."
    )
    own_note = values.loc[values["place_id"] == place_id, "note"].dropna()
    if len(own_note):
        view.monitoring_note += f" This partnership: {own_note.iloc[0]}"
    for metric, group in values.groupby("metric", sort=False):
        label = group["label"].iloc[0]
        comparison = view.monitoring.set_index("metric").loc[metric]
        view.sections.append(
            Section(
                title=label,
                chart=cohort_strip(
                    values=group,
                    focus_place_id=place_id,
                    metric_label=label,
                    title=monitoring_sentence(comparison),
                ),
                data=group[["place_id", "place_name", "metric", "label", "value", "note"]],
                name=f"monitoring_{metric}",
                caption="Each dot is a partnership (log-like scale); the dashed line is the cohort median.",
            )
        )


def _add_time_series(view: PartnershipView, *, place_id: str) -> None:
    """Once a place has reported more than one period, its figures over time."""
    series = query("place_monitoring_series", place_id=place_id)
    if series.groupby("metric")["period_end"].nunique().max() > 1 if not series.empty else False:
        view.sections.append(
            Section(
                title="Over time",
                chart=time_series_chart(series=series, title="This partnership's figures by reporting period"),
                data=series,
                name="monitoring_over_time",
                caption="Each point is one reporting period, placed at its end date. Periods differ in length.",
            )
        )


def _add_typologies(view: PartnershipView, *, place_id: str, took_part: list[int], safe) -> None:
    for phase in took_part:
        matrix = safe(query("typology_matrix", phase=phase))
        contrast = typology_contrast(matrix, place_id=place_id)
        distinctive = contrast.loc[contrast["kind"].str.startswith("distinctive"), "typology_name"].tolist()
        missing = contrast.loc[contrast["kind"].str.startswith("missing"), "typology_name"].tolist()
        cohort = matrix["place_id"].nunique()
        finding = (
            f"Phase {phase}: distinctive — {', '.join(distinctive) or 'none'}; "
            f"common types it lacks — {', '.join(missing) or 'none'}"
        )
        view.typology_notes.append(finding)
        view.sections.append(
            Section(
                title=f"Typologies, Phase {phase}",
                chart=typology_contrast_chart(contrast=contrast, title=finding),
                data=contrast.assign(phase=phase, cohort=cohort),
                name=f"typologies_phase_{phase}",
                caption=f"Bars: share of the {cohort} Phase {phase} places with each type. Distinctive = this "
                "partnership has it and at most 30% of the cohort do; lacks = at least 60% do and it does not.",
            )
        )


def _add_outcomes(view: PartnershipView, *, place_id: str, took_part: list[int], safe) -> None:
    if MONITORING_PHASE not in took_part:
        return
    matrix = safe(query("outcome_matrix", phase=MONITORING_PHASE))
    contrast = outcome_contrast(matrix, place_id=place_id)
    above = contrast.loc[contrast["this_place"] > contrast["cohort_median"], "outcome"].tolist()
    view.sections.append(
        Section(
            title="Outcome evidence",
            chart=outcome_contrast_chart(
                contrast=contrast,
                title=f"More named examples than the cohort median for: {', '.join(above) or 'no outcome'}",
            ),
            data=contrast,
            name="outcome_evidence",
            caption="Bars: this partnership's evidence records per outcome in the Phase 2 report; ticks: the "
            "cohort median. Counts show where the report gives examples, not how much changed.",
        )
    )


def _add_peers(view: PartnershipView, *, place_id: str, safe) -> None:
    matrix = safe(query("typology_matrix", phase=PEER_PHASE))
    view.peers = nearest_peers(matrix, place_id=place_id)
    view.peer_note = (
        "Similarity is the Jaccard index of Phase 1 typology profiles (Table 3 of the Phase 1 report, the one "
        "classification all 20 places share): types both places planned divided by types either planned."
    )
