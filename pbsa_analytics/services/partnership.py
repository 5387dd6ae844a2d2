"""The partnership use case: one place against the cohort for a period, shared by the page and the CLI.

`build_view` takes a query runner (every query already scoped for the principal asking) and returns a plain
`PartnershipView`: ranks, shares of the programme, the cohort median, quarterly cohort bands, typology and
outcome contrasts, nearest peers, each monitoring figure with its period and rule, and citations rendered
from the rows behind it. The page renders it (ui/partnership.py); `python -m pbsa_analytics partnership`
prints `summary_lines(view)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from pbsa_analytics.access import Principal, Role
from pbsa_analytics.analysis.cohort import (
    STATUS_TEXT,
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
    strip_is_binned,
    typology_contrast_chart,
)
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.periods import PER_QUARTER, RULE_SHORT, Period, parse_period, phase_period
from pbsa_analytics.services.citing import Citer, QueryRunner
from pbsa_analytics.services.scoping import anonymiser, run_scoped
from pbsa_analytics.store import Store

MONITORING_PHASE = 2
PEER_PHASE = 1
TYPOLOGY_CAVEATS = {1: "typology_phase1_planned", 2: "typology_phase2_derived", 3: "typology_phase3_derived"}


class UnknownPlaceError(PbsaError):
    """The requested place id is not one of the programme's places (or not one the principal may see)."""


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
    period: Period
    monitoring: pd.DataFrame
    monitoring_note: str
    monitoring_lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    typology_notes: list[str] = field(default_factory=list)
    peers: pd.DataFrame = field(default_factory=pd.DataFrame)
    peer_note: str = ""
    sources: str = ""
    anonymised: bool = False
    anonymity_note: str = ""

    def page_data(self) -> pd.DataFrame:
        """Every table on the page stacked with a 'section' column, for the CSV/XLSX export."""
        frames = [self.monitoring.assign(section="monitoring")]
        frames += [section.data.assign(section=section.name) for section in self.sections]
        frames.append(self.peers.assign(section="nearest_peers"))
        return pd.concat(frames, ignore_index=True, sort=False)

    def profile_chart(self) -> alt.VConcatChart:
        """One page with the headline facts and every chart, for PNG/PDF export."""
        lines = [*self.facts, *self.phase_lines, *self.monitoring_lines, *self._source_lines()]
        return profile_sheet(heading=self.heading, lines=lines, charts=[s.chart for s in self.sections])

    def _source_lines(self) -> list[str]:
        # One citation per line: the profile's text column is narrow.
        return [line for line in self.sources.split(". ") if line]


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _median_text(row: pd.Series) -> str:
    return "no cohort figure" if pd.isna(row["cohort_median"]) else f"cohort median {row['cohort_median']:,.0f}"


def share_text(share: float) -> str:
    """A share of the programme total in whole percentages, never rounded to what it is not: a positive share too
    small to show reads "under 1%" (one place of thousands would otherwise read "0%", as if it gave nothing), one
    short of the whole "over 99%"; with no total to share (NaN) it says so."""
    if pd.isna(share):
        return "no share: the programme total is 0"
    whole = f"{share:.0%}"
    if whole == "0%" and share > 0:
        return "under 1% of the programme total"
    if whole == "100%" and share < 1:
        return "over 99% of the programme total"
    return f"{whole} of the programme total"


def monitoring_sentence(row: pd.Series, *, stated: str = "") -> str:
    """One line per metric: value, rank, share and the cohort median, with missing said plainly; `stated`
    (the period and rule) ends the line."""
    tail = f"; {stated}" if stated else ""
    if pd.isna(row["value"]):
        return f"{row['label']}: not given ({_median_text(row)}){tail}"
    rank = f"{_ordinal(int(row['rank']))} of {row['reporting']} reporting"
    return (
        f"{row['label']}: {int(row['value']):,}, {rank}, "
        f"{share_text(row['share_of_total'])} ({_median_text(row)}){tail}"
    )


def _phase_line(row, text: Callable[[str], str]) -> str:
    lead = row.lead_organisation or "not named"
    return text(f"Phase {row.phase}: {STATUS_TEXT.get(row.status, row.status)}; lead: {lead}")


def scoped_runner(store: Store, principal: Principal) -> QueryRunner:
    """A query runner for one principal (the CLI's; the app passes its cached, equally scoped ui.data.query)."""
    return lambda name, /, **params: run_scoped(store, principal, name, **params)


@dataclass
class _Builder:
    run: QueryRunner
    cite: Citer
    place_id: str
    period: Period
    scrub: Callable[[pd.DataFrame], pd.DataFrame]


def _anonymity_note(*, principal: Principal, anonymise: bool) -> str:
    """What the page says about other partnerships' labels (and, for a partnership, their rounded figures)."""
    if principal.role is Role.PARTNERSHIP:
        return (
            "Other partnerships are shown as Partnership A, B, … (labels in no particular order, drawn afresh for "
            "each monitoring figure, so Partnership A in one chart need not be Partnership A in the next); their "
            "figures are rounded to the nearest 5, or to two significant figures from 100."
        )
    if anonymise:
        return "Other partnerships are shown as Partnership A, B, … (labels in no particular order)."
    return ""


NOT_RECORDED = "not recorded"


def _given(value: object) -> str | None:
    """A detail's text, or None when the sources give none (shown as missing, never as 'None' or 'nan')."""
    return None if value is None or pd.isna(value) else str(value)


def heading_line(place: pd.Series) -> str:
    partnership = _given(place["partnership_name"])
    return f"{place['place_name']}: {partnership}" if partnership else str(place["place_name"])


def local_authority_line(place: pd.Series) -> str:
    name, code, year = (_given(place[column]) for column in ("local_authority", "lad_code", "lad_year"))
    if name is None and code is None:
        return f"Local authority: {NOT_RECORDED}"
    codes = ", ".join(part for part in (code, f"ONS {year}" if year else None) if part)
    return f"Local authority: {name or NOT_RECORDED}" + (f" ({codes})" if codes else "")


def build_view(
    *,
    run: QueryRunner,
    store: Store,
    principal: Principal,
    place_id: str,
    anonymise: bool,
    period: Period | None = None,
) -> PartnershipView:
    """Everything the partnership page shows for a period (default Phase 2), other places relabelled when
    anonymise is set; a partnership principal sees only its own place (already anonymised by `run`)."""
    period = period or phase_period(MONITORING_PHASE)
    if principal.role is Role.PARTNERSHIP and place_id != principal.place_id:
        raise UnknownPlaceError(f"No partnership with id {place_id!r} for {principal.audit_name}.")
    detail = run("place_detail", place_id=place_id)
    if detail.empty:
        raise UnknownPlaceError(f"No partnership with id {place_id!r}.")
    place = detail.iloc[0]
    scrubber = anonymiser(store, focus_place_id=place_id) if anonymise else None
    build = _Builder(
        run=run,
        cite=Citer.build(run=run, store=store),
        place_id=place_id,
        period=period,
        scrub=scrubber.frame if scrubber else (lambda frame: frame),
    )
    text = scrubber.text if scrubber else (lambda value: value)
    phases = run("place_phases", place_id=place_id)
    took_part = phases[phases["status"] == "took_part"]["phase"].tolist()
    view = PartnershipView(
        place_id=place_id,
        heading=heading_line(place),
        facts=[
            local_authority_line(place),
            f"Region: {place['region']}",
            "Phases taken part in: " + ", ".join(f"Phase {p}" for p in took_part),
        ],
        phase_lines=[_phase_line(row, text) for row in phases.itertuples()],
        period=period,
        monitoring=pd.DataFrame(),
        monitoring_note="",
        anonymised=anonymise or principal.role is Role.PARTNERSHIP,
        anonymity_note=_anonymity_note(principal=principal, anonymise=anonymise),
    )
    _add_monitoring(view, build)
    _add_time_series(view, build)
    _add_typologies(view, build, took_part=took_part)
    _add_outcomes(view, build, took_part=took_part)
    _add_peers(view, build)
    figures = [build.run("monitoring_sources", **period.params())] if not view.monitoring.empty else []
    view.sources = build.cite.sources_line(rows=[phases, *figures])
    return view


def _add_monitoring(view: PartnershipView, build: _Builder) -> None:
    period, place_id, cite = build.period, build.place_id, build.cite
    values = build.scrub(build.run("monitoring_by_place", **period.params()))
    if not (values["place_id"] == place_id).any():
        view.monitoring_note = f"No monitoring figures for this partnership in {period.label}. " + cite.caption(
            note="No return from it is held for this period.", caveats=["monitoring_phase2_only"]
        )
        return
    rows = [build.run("monitoring_sources", **period.params())]
    comparison = monitoring_comparison(values, place_id=place_id)
    rules = values.drop_duplicates("metric").set_index("metric")["over_time"]
    view.monitoring = comparison.assign(period=period.label, rule=comparison["metric"].map(rules).map(RULE_SHORT))
    view.monitoring_note = (
        f"{period.label}. Each place's figures in the period are combined per metric (activities and meetings "
        "summed; people never summed over periods: latest or peak period); ranks and shares compare places."
    )
    if period.phase == MONITORING_PHASE:
        view.monitoring_note += " " + cite.caption(
            rows=rows,
            caveats=["monitoring_recorded_differently", "monitoring_period_differs", "monitoring_not_shared"],
        )
    own_note = values.loc[values["place_id"] == place_id, "note"].dropna()
    if len(own_note):
        view.monitoring_note += f" This partnership: {own_note.iloc[0]}"
    by_metric = view.monitoring.set_index("metric")
    for metric, group in values.groupby("metric", sort=False):
        label = group["label"].iloc[0]
        compared = by_metric.loc[metric]
        sentence = monitoring_sentence(compared, stated=f"{period.label}, {compared['rule']}")
        view.monitoring_lines.append(sentence)
        view.sections.append(
            Section(
                title=label,
                chart=cohort_strip(values=group, focus_place_id=place_id, metric_label=label, title=sentence),
                data=group[["place_id", "place_name", "metric", "label", "value", "periods_reported", "note"]].assign(
                    period=period.label, rule=compared["rule"]
                ),
                name=f"monitoring_{metric}",
                caption=cite.caption(
                    note=f"{_strip_reading(group)} The axis is logarithmic (0, 10, 100, …); the dashed line is "
                    f"the cohort median. {period.label}, {compared['rule']}.",
                    rows=rows,
                ),
            )
        )


def _strip_reading(group: pd.DataFrame) -> str:
    """How to read a cohort strip: one dot per partnership, or (large cohorts) bars counting them per range."""
    if strip_is_binned(group):
        return (
            "The bars count the other partnerships in each range of values (taller: more of them); the orange "
            "dot is this partnership."
        )
    return "Each dot is a partnership."


def _add_time_series(view: PartnershipView, build: _Builder) -> None:
    """Once the period holds more than one quarter, this place's quarterly figures over the cohort band."""
    period = build.period
    series = build.scrub(build.run("cohort_monitoring_series", **period.params()))
    if not has_several_periods(series):
        return
    band = cohort_band(series)
    own = quarterly_rows(series[series["place_id"] == build.place_id])
    view.sections.append(
        Section(
            title="Quarter by quarter",
            chart=cohort_band_chart(
                band=band, focus=own, title=f"This partnership per quarter against the cohort, {period.label}"
            ),
            data=band.merge(own[["metric", "period_start", "value"]], on=["metric", "period_start"], how="left").assign(
                period=period.label, rule=PER_QUARTER
            ),
            name="monitoring_over_time",
            caption=build.cite.caption(
                note="Orange: this partnership's quarterly figure; band: the cohort's 25th to 75th percentile; "
                f"dashed: the cohort median. Only returns covering exactly one quarter are shown. {period.label}, "
                f"{PER_QUARTER}.",
                rows=[build.run("monitoring_sources", **period.params())],
            ),
        )
    )


def _add_typologies(view: PartnershipView, build: _Builder, *, took_part: list[int]) -> None:
    for phase in took_part:
        matrix = build.scrub(build.run("typology_matrix", phase=phase, place_ids=None))
        contrast = typology_contrast(matrix, place_id=build.place_id)
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
                caption=build.cite.caption(
                    note=f"Bars: share of the {cohort} Phase {phase} places with each type. Distinctive = this "
                    "partnership has it and at most 30% of the cohort do; lacks = at least 60% do and it does not.",
                    caveats=[TYPOLOGY_CAVEATS[phase]],
                ),
            )
        )


def _add_outcomes(view: PartnershipView, build: _Builder, *, took_part: list[int]) -> None:
    if MONITORING_PHASE not in took_part:
        return
    matrix = build.scrub(build.run("outcome_matrix", phase=MONITORING_PHASE))
    contrast = outcome_contrast(matrix, place_id=build.place_id)
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
            caption=build.cite.caption(
                note="Bars: this partnership's evidence records per outcome; ticks: the cohort median.",
                caveats=["outcome_counts_are_examples"],
            ),
        )
    )


def _add_peers(view: PartnershipView, build: _Builder) -> None:
    matrix = build.scrub(build.run("typology_matrix", phase=PEER_PHASE, place_ids=None))
    view.peers = nearest_peers(matrix, place_id=build.place_id)
    view.peer_note = "Similarity is the Jaccard index. " + build.cite.caption(caveats=["peer_similarity_phase1"])


def summary_lines(view: PartnershipView) -> list[str]:
    """The page's content as plain text lines (the CLI prints these): the same figures, period and rules."""
    lines = [view.heading, *view.facts, *view.phase_lines, "", f"Monitoring against the cohort: {view.period.label}"]
    lines += [f"- {line}" for line in view.monitoring_lines] or ["- " + view.monitoring_note]
    lines += ["", "Typology profile against the cohort", *(f"- {note}" for note in view.typology_notes)]
    lines += ["", "Nearest peers"]
    lines += [f"- {row.place_name}: {row.similarity:.2f}" for row in view.peers.itertuples()]
    if view.anonymity_note:
        lines += ["", view.anonymity_note]
    if view.sources:
        lines += ["", view.sources]
    return lines


def partnership_summary(
    store: Store, *, principal: Principal, place: str, period_token: str = "", anonymise: bool = False
) -> list[str]:
    """The CLI's entry: resolve a place (id, name or alias) and a period token, then the summary lines."""
    run = scoped_runner(store, principal)
    matches = run("place_by_alias", text=place[:200])
    if matches.empty:
        raise UnknownPlaceError(f"no place has the id, name or alias {place!r}")
    period = parse_period(period_token) if period_token else None
    view = build_view(
        run=run,
        store=store,
        principal=principal,
        place_id=str(matches["place_id"].iloc[0]),
        anonymise=anonymise,
        period=period,
    )
    return summary_lines(view)
