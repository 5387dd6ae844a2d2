"""Chart builders as data: every chart renders to a valid Vega-Lite spec with a finding for a title."""

from __future__ import annotations

import re
from collections.abc import Callable

import altair as alt
import pandas as pd
import pytest

from pbsa_analytics import exports, queries
from pbsa_analytics.analysis.findings import outcome_coverage
from pbsa_analytics.analysis.ordering import marks_per_typology
from pbsa_analytics.charts import outcomes, programme, typology
from pbsa_analytics.charts.theme import THEME_NAME, GssColour
from pbsa_analytics.periods import phase_period
from pbsa_analytics.store import Store


def _typology_heatmap(store: Store) -> alt.TopLevelMixin:
    matrix = queries.run(store, "typology_matrix", phase=1, place_ids=None)
    order = sorted(matrix["place_name"].unique())
    counts = marks_per_typology(places=queries.run(store, "typology_places", phase=1), matrix=matrix)
    return typology.typology_heatmap(matrix=matrix, place_order=order, counts=counts, title="Typologies in Phase 1")


def _change(store: Store) -> alt.TopLevelMixin:
    change = queries.run(store, "typology_change", from_phase=1, to_phase=2, first=0, count=None)
    return typology.typology_change_heatmap(change=change, place_order=[], title="Change")


EXAMPLES: dict[str, Callable[[Store], alt.TopLevelMixin]] = {
    "places_per_phase": lambda s: programme.places_per_phase_chart(
        cohorts=queries.run(s, "phase_cohorts"), title="Places per phase"
    ),
    "timeline": lambda s: programme.timeline_chart(phases=queries.run(s, "phases_timeline"), title="Timeline"),
    "metric_by_place": lambda s: programme.metric_by_place_chart(
        values=queries.run(s, "monitoring_by_place", **phase_period(2).params()).query("metric == 'volunteers'"),
        metric_label="Volunteers",
        title="Volunteers",
    ),
    "funnel": lambda s: programme.funnel_chart(cohorts=queries.run(s, "phase_cohorts"), title="Funnel"),
    "regional": lambda s: programme.regional_chart(spread=queries.run(s, "regional_spread"), title="Regions"),
    "grants": lambda s: programme.grant_chart(phases=queries.run(s, "phases_timeline"), title="Grants"),
    "cohort_shift": lambda s: programme.cohort_shift_chart(
        shift=queries.run(s, "cohort_shift", cohort_phase=2), title="Shift"
    ),
    "typology_heatmap": _typology_heatmap,
    "typology_change": _change,
    "profile_small_multiples": lambda s: typology.profile_small_multiples(
        profiles=queries.run(s, "cohort_profiles", cohort_phase=2, first=0, count=None), title="Profiles"
    ),
    "outcome_grid": lambda s: outcomes.outcome_grid(
        matrix=queries.run(s, "outcome_matrix", phase=2), title="Outcome evidence"
    ),
    "coverage": lambda s: outcomes.coverage_chart(
        coverage=outcome_coverage(queries.run(s, "outcome_matrix", phase=2)), title="Coverage"
    ),
}


def _title_text(spec: dict) -> str:
    title = spec.get("title")
    if title is None and "facet" in spec:
        title = spec.get("title")
    text = title["text"] if isinstance(title, dict) else title
    return " ".join(text) if isinstance(text, list) else str(text)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_chart_is_valid_vega_lite_with_title(store: Store, name: str) -> None:
    """Each builder returns a chart that validates against the Vega-Lite schema and carries its title."""
    chart = EXAMPLES[name](store)
    spec = chart.to_dict(validate=True)
    assert _title_text(spec)
    assert spec.get("datasets"), "the chart embeds its data"


def test_theme_is_registered_with_gss_palette() -> None:
    """The project theme is active and its category range is the GSS palette, dark blue first."""
    assert alt.theme.active == THEME_NAME
    config = alt.theme.get()()["config"]
    assert config["range"]["category"][0] == GssColour.DARK_BLUE.value


def test_typology_heatmap_offers_a_cell_selection(store: Store) -> None:
    """The heatmap declares the point selection the page reads to drill down."""
    spec = _typology_heatmap(store).to_dict()
    params = [p for p in spec.get("params", []) if p["name"] == typology.CELL_SELECTION]
    assert params
    assert params[0]["select"]["fields"] == ["place_id", "typology_id"]


def test_long_titles_are_wrapped_onto_lines(store: Store) -> None:
    """A long finding becomes a multi-line title instead of being cut off."""
    finding = "word " * 40
    chart = programme.funnel_chart(cohorts=queries.run(store, "phase_cohorts"), title=finding)
    text = chart.to_dict()["title"]["text"]
    assert isinstance(text, list)
    assert len(text) > 1
    assert all(len(line) <= 80 for line in text)


def test_missing_monitoring_value_is_labelled_not_given(store: Store) -> None:
    """A place whose figure was not shared is drawn with the label 'not given', not as a zero."""
    values = queries.run(store, "monitoring_by_place", **phase_period(2).params()).query("metric == 'volunteers'")
    spec = programme.metric_by_place_chart(values=values, metric_label="Volunteers", title="t").to_dict()
    rows = next(iter(spec["datasets"].values()))
    east_marsh = [row for row in rows if row["place_id"] == "east_marsh"]
    assert east_marsh[0]["value_label"] == "not given"


@pytest.mark.parametrize("width", [400, 1200])
def test_timeline_labels_each_year_once_in_order(store: Store, width: int) -> None:
    """Rendered (by vl-convert, as the chart downloads are) at a narrow and a page-wide width, the timeline's axis
    names each year at most once and in order: quarter ticks formatted as years read "2018 2018 2018 2018"."""
    phases = queries.run(store, "phases_timeline")
    chart = programme.timeline_chart(phases=phases, title="Timeline").properties(width=width)
    years = [
        int(year) for year in re.findall(r">((?:19|20)\d\d)<", exports.chart_image(chart, image_format="svg").decode())
    ]
    first, last = pd.to_datetime(phases["start_date"]).min().year, pd.to_datetime(phases["end_date"]).max().year
    assert years == sorted(set(years)), years
    assert len(years) >= 3
    assert first <= years[0]
    assert years[-1] <= last


COUNT_CHARTS: dict[str, Callable[[Store], alt.TopLevelMixin]] = {
    name: EXAMPLES[name] for name in ("coverage", "places_per_phase", "regional")
}


@pytest.mark.parametrize("name", sorted(COUNT_CHARTS))
def test_place_count_axes_tick_whole_places(store: Store, name: str) -> None:
    """Rendered page-wide (by vl-convert), a chart counting places labels its ticks in whole places: at 1,200 px
    Vega's default ticks read 0.5 or 0.1 places."""
    chart = COUNT_CHARTS[name](store).properties(width=1200)
    ticks = re.findall(r"<text[^>]*>(\d+(?:\.\d+)?)</text>", exports.chart_image(chart, image_format="svg").decode())
    assert len(ticks) >= 3, ticks
    assert all("." not in tick for tick in ticks), ticks
