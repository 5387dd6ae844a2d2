"""The partnership view's content, built once per place and anonymise setting, so pages and tests share it."""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import streamlit as st

from pbsa_analytics.analysis.cohort import (
    monitoring_comparison,
    nearest_peers,
    outcome_contrast,
    typology_contrast,
)
from pbsa_analytics.analysis.trends import cohort_band, has_several_periods, quarterly_rows
from pbsa_analytics.charts.monitoring import cohort_band_chart
from pbsa_analytics.charts.partnership import (
    cohort_strip,
    outcome_contrast_chart,
    profile_sheet,
    typology_contrast_chart,
)
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.periods import RULE_SHORT, Period, phase_period
from pbsa_analytics.services.scoping import anonymiser
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.citations import caption, scope, sources_line
from pbsa_analytics.ui.data import query, store
from pbsa_analytics.ui.panels import STATUS_TEXT

MONITORING_PHASE = 2
PEER_PHASE = 1
TYPOLOGY_CAVEATS = {1: "typology_phase1_planned", 2: "typology_phase2_derived", 3: "typology_phase3_derived"}


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
    sources: str = ""

    def page_data(self) -> pd.DataFrame:
        """Every table on the page stacked with a 'section' column, for the CSV/XLSX export."""
        frames = [self.monitoring.assign(section="monitoring")]
        frames += [section.data.assign(section=section.name) for section in self.sections]
        frames.append(self.peers.assign(section="nearest_peers"))
        return pd.concat(frames, ignore_index=True, sort=False)

    def profile_chart(self) -> alt.VConcatChart:
        """One page with the headline facts and every chart, for PNG/PDF export."""
        lines = [*self.facts, *self.phase_lines, *self._headline_figures(), *self._source_lines()]
        return profile_sheet(heading=self.heading, lines=lines, charts=[s.chart for s in self.sections])

    def _source_lines(self) -> list[str]:
        # One citation per line: the profile's text column is narrow.
        return [line for line in self.sources.split(". ") if line]

    def _headline_figures(self) -> list[str]:
        lines = []
        for row in self.monitoring.itertuples():
            value = "not given" if pd.isna(row.value) else f"{int(row.value):,}"
            stated = f"; {row.period}, {row.rule}" if "period" in self.monitoring else ""
            lines.append(f"{row.label}: {value} ({_median_text(pd.Series(row._asdict()))}){stated}")
        return lines


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _median_text(row: pd.Series) -> str:
    return "no cohort figure" if pd.isna(row["cohort_median"]) else f"cohort median {row['cohort_median']:,.0f}"


def monitoring_sentence(row: pd.Series, *, stated: str = "") -> str:
    """One line per metric: value, rank, share and the cohort median, with missing said plainly; `stated`
    (the period and rule) ends the line."""
    tail = f"; {stated}" if stated else ""
    if pd.isna(row["value"]):
        return f"{row['label']}: not given ({_median_text(row)}){tail}"
    rank = f"{_ordinal(int(row['rank']))} of {row['reporting']} reporting"
    return (
        f"{row['label']}: {int(row['value']):,}, {rank}, "
        f"{row['share_of_total']:.0%} of the programme total ({_median_text(row)}){tail}"
    )


def _phase_line(row, text) -> str:
    lead = row.lead_organisation or "not named"
    return text(f"Phase {row.phase}: {STATUS_TEXT.get(row.status, row.status)}; lead: {lead}")


def build_view(*, place_id: str, anonymise: bool, period: Period | None = None) -> PartnershipView:
    """Everything the partnership page shows for a period (default Phase 2), other places relabelled when
    anonymise is set."""
    period = period or phase_period(MONITORING_PHASE)
    detail = query("place_detail", place_id=place_id)
    if detail.empty:
        raise UnknownPlaceError(f"No partnership with id {place_id!r}.")
    place = detail.iloc[0]
    scrub = anonymiser(store(), focus_place_id=place_id) if anonymise else None

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
    _add_monitoring(view, place_id=place_id, period=period, safe=safe)
    _add_time_series(view, place_id=place_id, period=period)
    _add_typologies(view, place_id=place_id, took_part=took_part, safe=safe)
    _add_outcomes(view, place_id=place_id, took_part=took_part, safe=safe)
    _add_peers(view, place_id=place_id, safe=safe)
    figures = [scope("monitoring", phase=MONITORING_PHASE)] if MONITORING_PHASE in took_part else []
    view.sources = sources_line(rows=[phases, *figures])
    return view


@st.cache_resource(show_spinner=False, max_entries=32)
def _shared_view(place_id: str, anonymise: bool, period: Period, version: str, principal: tuple) -> PartnershipView:
    return build_view(place_id=place_id, anonymise=anonymise, period=period)


def page_view(*, place_id: str, anonymise: bool, period: Period) -> PartnershipView:
    """build_view, shared by reruns and sessions until the store changes (so are its charts' converted specs).

    The key holds everything the view depends on, including who is asking; callers must not mutate the view.
    """
    principal = current_principal()
    who = (principal.subject, str(principal.role), principal.place_id)
    return _shared_view(place_id, anonymise, period, store().version(), who)


def _add_monitoring(view: PartnershipView, *, place_id: str, period: Period, safe) -> None:
    values = safe(query("monitoring_by_place", **period.params()))
    if place_id not in set(values["place_id"]):
        view.monitoring_note = f"No monitoring figures for this partnership in {period.label}. " + caption(
            note="No return from it is held for this period.", caveats=["monitoring_phase2_only"]
        )
        return
    view.monitoring = monitoring_comparison(values, place_id=place_id)
    rules = values.drop_duplicates("metric").set_index("metric")["over_time"]
    view.monitoring = view.monitoring.assign(
        period=period.label, rule=view.monitoring["metric"].map(rules).map(RULE_SHORT)
    )
    view.monitoring_note = (
        f"{period.label}. Each place's figures in the period are combined per metric (activities and meetings "
        "summed; people never summed over periods: latest or peak period); ranks and shares compare places."
    )
    if period.phase == MONITORING_PHASE:
        view.monitoring_note += " " + caption(
            rows=[scope("monitoring", phase=MONITORING_PHASE)],
            caveats=["monitoring_recorded_differently", "monitoring_period_differs", "monitoring_not_shared"],
        )
    own_note = values.loc[values["place_id"] == place_id, "note"].dropna()
    if len(own_note):
        view.monitoring_note += f" This partnership: {own_note.iloc[0]}"
    for metric, group in values.groupby("metric", sort=False):
        label = group["label"].iloc[0]
        comparison = view.monitoring.set_index("metric").loc[metric]
        stated = f"{period.label}, {comparison['rule']}"
        view.sections.append(
            Section(
                title=label,
                chart=cohort_strip(
                    values=group,
                    focus_place_id=place_id,
                    metric_label=label,
                    title=monitoring_sentence(comparison, stated=stated),
                ),
                data=group[["place_id", "place_name", "metric", "label", "value", "periods_reported", "note"]].assign(
                    period=period.label, rule=comparison["rule"]
                ),
                name=f"monitoring_{metric}",
                caption=caption(
                    note="Each dot is a partnership; the axis is logarithmic (0, 10, 100, …); the dashed line is "
                    "the cohort median.",
                    rows=[scope("monitoring", phase=MONITORING_PHASE)],
                ),
            )
        )


def _add_time_series(view: PartnershipView, *, place_id: str, period: Period) -> None:
    """Once the period holds more than one quarter, this place's quarterly figures over the cohort band."""
    series = query("cohort_monitoring_series", **period.params())
    if not has_several_periods(series):
        return
    band = cohort_band(series)
    own = quarterly_rows(series[series["place_id"] == place_id])
    view.sections.append(
        Section(
            title="Quarter by quarter",
            chart=cohort_band_chart(
                band=band, focus=own, title=f"This partnership per quarter against the cohort, {period.label}"
            ),
            data=band.merge(own[["metric", "period_start", "value"]], on=["metric", "period_start"], how="left").assign(
                period=period.label, rule="per quarter (not combined)"
            ),
            name="monitoring_over_time",
            caption=caption(
                note="Orange: this partnership's quarterly figure; band: the cohort's 25th to 75th percentile; "
                "dashed: the cohort median. Only returns covering exactly one quarter are shown.",
                rows=[scope("monitoring")],
            ),
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
                caption=caption(
                    note=f"Bars: share of the {cohort} Phase {phase} places with each type. Distinctive = this "
                    "partnership has it and at most 30% of the cohort do; lacks = at least 60% do and it does not.",
                    caveats=[TYPOLOGY_CAVEATS[phase]],
                ),
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
            caption=caption(
                note="Bars: this partnership's evidence records per outcome; ticks: the cohort median.",
                caveats=["outcome_counts_are_examples"],
            ),
        )
    )


def _add_peers(view: PartnershipView, *, place_id: str, safe) -> None:
    matrix = safe(query("typology_matrix", phase=PEER_PHASE))
    view.peers = nearest_peers(matrix, place_id=place_id)
    view.peer_note = "Similarity is the Jaccard index. " + caption(caveats=["peer_similarity_phase1"])
