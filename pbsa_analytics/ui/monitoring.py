"""Monitoring over time on the pages: the period control, totals for a period, quarterly small multiples
and the reporting completeness view (a grid for a small cohort, a distribution and a paged table for any)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from pbsa_analytics.analysis.trends import (
    above_median_finding,
    band_finding,
    cohort_band,
    completeness_summary,
    has_several_periods,
    with_band,
)
from pbsa_analytics.charts.monitoring import (
    GRID_MAX_PLACES,
    STATUS_COLOURS,
    cohort_band_chart,
    completeness_chart,
    completeness_distribution_chart,
    place_small_multiples,
)
from pbsa_analytics.demo.returns import DEMO_AUTHOR
from pbsa_analytics.periods import DUE_DAYS, PER_PERIOD, PER_QUARTER, RULE_SHORT, Period, period_options, rules_caption
from pbsa_analytics.services import monitoring
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.chart_specs import shared_chart, shared_view
from pbsa_analytics.ui.data import deferred, query, store
from pbsa_analytics.ui.layout import chart_block

DEFAULT_PERIOD = "phase-2"
PAGE_ROWS = 25
SMALL_MULTIPLES_MAX_PLACES = 24


@st.cache_data(show_spinner=False, max_entries=8)
def _history(version: str) -> pd.DataFrame:
    return monitoring.history(store())


@st.cache_data(show_spinner=False, max_entries=8)
def _received(version: str) -> dict[str, list]:
    return monitoring.received_dates(store())


def demo_banner() -> None:
    """Say plainly when the figures in force include synthetic demo returns."""
    history = _history(store().version())
    active = history[history["undone_at"].isna()]
    demo = int((active["submitted_by"] == DEMO_AUTHOR).sum())
    if demo:
        st.warning(
            f"Demo store: {demo} of the imported returns are SYNTHETIC, made by the seeded demo generator. "
            "They are not the programme's figures.",
            icon=":material/science:",
        )


def period_control(*, key: str, default: str = DEFAULT_PERIOD) -> Period:
    """The period selectbox, held in the URL as ?period=all | phase-N | fy-YYYY | q-YYYY-MM."""
    options = shared_view(period_options, periods=query("monitoring_periods"))
    by_token = {option.code: option for option in options}
    tokens = list(by_token)
    token = url_state.choice(
        st.selectbox, "Period", tokens, key=key, param="period",
        default=default if default in by_token else tokens[0], format_func=lambda t: by_token[t].label,
        help="Figures inside the period are combined per metric by its declared rule: counts of activities and "
        "meetings are summed; counts of people are never summed over periods (latest or peak period).",
    )  # fmt: skip
    demo_banner()
    return by_token[token]


def stated(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """A monitoring table with its period and each row's combining rule, so a download says what it is."""
    rules = frame["over_time"].map(RULE_SHORT) if "over_time" in frame else PER_PERIOD
    return frame.assign(period=period.label, rule=rules)


def totals_block(period: Period, *, key: str) -> None:
    """Headline figures for the period: each metric combined by its rule and summed over places."""
    totals = query("monitoring_totals", **period.params())
    reporting, partnerships = int(totals["reporting"].max()), int(totals["partnerships"].max())
    # The label comes from the validated option list, never from the URL's raw text.
    st.markdown(f"**{period.label}**: {reporting} of {partnerships} partnerships reporting.")
    columns = st.columns(len(totals))
    for column, row in zip(columns, totals.itertuples(), strict=True):
        shown = "not given" if pd.isna(row.total) else f"{int(row.total):,}"
        column.metric(row.label, shown, help=f"{row.definition} Combined over the period: {RULE_SHORT[row.over_time]}.")
    st.caption(rules_caption(totals, period))
    differing = totals[totals["published_total"].notna() & (totals["published_total"] != totals["total"])]
    if totals["published_total"].notna().any():
        if differing.empty:
            st.caption("These equal the published Total row for the phase.")
        else:
            lines = [f"{r.label}: published {int(r.published_total):,}" for r in differing.itertuples()]
            st.caption("Differs from the published Total row after imported returns — " + "; ".join(lines) + ".")


def _series(period: Period) -> pd.DataFrame:
    return query("cohort_monitoring_series", **period.params())


def cohort_series_block(period: Period, *, key: str) -> None:
    """Quarterly small multiples for the cohort, shown only once the period holds more than one quarter."""
    series = _series(period)
    if not shared_view(has_several_periods, series=series):
        return
    band = cohort_band(series)
    st.subheader(f"Quarter by quarter: {period.label}")
    chart_block(
        chart=cohort_band_chart(band=band, focus=None, title=band_finding(band)),
        data=stated(band, period),
        name="cohort-quarterly",
        key=f"{key}_cohort",
        caption="Band: 25th to 75th percentile of the places reporting that quarter; dashed line: median. "
        f"Only returns covering exactly one quarter are shown. {period.label}, {PER_QUARTER}.",
    )
    places = series["place_id"].nunique()
    if places > SMALL_MULTIPLES_MAX_PLACES:
        return
    labels = series.drop_duplicates("metric").set_index("metric")["metric_label"].to_dict()
    metric = url_state.choice(
        st.selectbox, "Metric per place", list(labels), key=f"{key}_metric", param="series",
        default=next(iter(labels)), format_func=labels.get,
    )  # fmt: skip
    per_place = with_band(series[series["metric"] == metric], band)
    chart_block(
        chart=place_small_multiples(
            series=per_place,
            metric_label=labels[metric],
            title=above_median_finding(per_place, metric_label=labels[metric]),
        ),
        data=stated(per_place, period),
        name=f"places-quarterly-{metric}",
        key=f"{key}_places",
        caption="Orange: the place's quarterly figure; band and dashed line: the cohort's middle half and median. "
        f"{period.label}, {PER_QUARTER}.",
    )


@dataclass(frozen=True)
class Completeness:
    """What the completeness view shows of a period: counts per period and status, and per place and status;
    the places x periods grid itself only for a cohort small enough to draw it (None otherwise)."""

    counts: pd.DataFrame
    by_place: pd.DataFrame
    grid: pd.DataFrame | None

    @property
    def periods(self) -> int:
        return len(self.counts[["period_start", "period_end"]].drop_duplicates())


def _completeness_params(period: Period) -> dict:
    return {**period.params(), "due_days": DUE_DAYS, **_received(store().version())}


def completeness(period: Period) -> Completeness:
    """Places x reporting periods in the period, graded on time / late / partial / missing, as counts; at 10,000
    places the whole programme's grid is 133,000 rows nobody reads, so it is fetched only for a small cohort (and
    for a download)."""
    params = _completeness_params(period)
    summary = query("reporting_completeness_summary", **params)
    counts, by_place = shared_view(completeness_summary, summary=summary, statuses=list(STATUS_COLOURS))
    return Completeness(
        counts=counts,
        by_place=by_place,
        grid=query("reporting_completeness", **params) if len(by_place) <= GRID_MAX_PLACES else None,
    )


def completeness_view(*, completeness: Completeness, period: Period, key: str) -> None:
    """Small cohorts get the places x periods grid; every cohort gets the distribution and a paged table."""
    caption = (
        f"Period: {period.label}. A quarterly return is due {DUE_DAYS} days after its quarter ends; late = "
        "received after that; missing = nothing received for a quarter the place was expected to report; "
        "partial = some of the four metrics. Expected quarters run from a phase's first to its last quarterly "
        "return. 'Reported' = a published (non-quarterly) figure."
    )
    if completeness.counts.empty:
        st.text(f"No reporting periods in {period.label}.")
        return
    if completeness.grid is not None:
        title = "Who has reported for each period"
        chart = shared_chart(completeness_chart, completeness=completeness.grid, title=title)
        chart_block(chart=chart, data=stated(completeness.grid, period), name="reporting-completeness", key=key,
                    caption=caption, stretch=False)  # fmt: skip
    else:  # the chart and its table view show the counts; the download of every place x period is made on click
        whole = deferred("reporting_completeness", **_completeness_params(period))
        chart = shared_chart(
            completeness_distribution_chart, counts=completeness.counts, title="Returns per period by status"
        )
        chart_block(chart=chart, data=lambda: stated(whole(), period), name="reporting-completeness", key=key,
                    caption=caption, table=stated(completeness.counts, period))  # fmt: skip
    _paged_table(completeness.by_place, key=f"{key}_places")


def _paged_table(table: pd.DataFrame, *, key: str) -> None:
    search = st.text_input("Find a place", key=f"{key}_search", max_chars=80)
    if search:
        table = table[table["place_name"].str.contains(search, case=False, regex=False)]
    pages = max(1, -(-len(table) // PAGE_ROWS))
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key=f"{key}_page"))
    shown = table.iloc[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    st.text(f"{len(table)} place(s); periods per status:")
    st.dataframe(shown, hide_index=True, key=f"{key}_table")
