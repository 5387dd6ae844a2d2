"""Slide content for the presentation mode: chart builders by name, anonymisable, and the pulse store."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.analysis.anonymise import Anonymiser
from pbsa_analytics.analysis.findings import outcome_coverage
from pbsa_analytics.analysis.ordering import PlaceOrder, place_order
from pbsa_analytics.charts.outcomes import coverage_chart
from pbsa_analytics.charts.programme import funnel_chart, metric_by_place_chart
from pbsa_analytics.charts.pulse import answer_counts_chart, guesses_chart
from pbsa_analytics.charts.typology import typology_heatmap
from pbsa_analytics.presentation.deck import DeckError, Question, Slide
from pbsa_analytics.store.pulse import PulseStore
from pbsa_analytics.ui.data import query


@st.cache_resource(show_spinner=False)
def _pulse_store(root: str) -> PulseStore:
    return PulseStore(settings.store_dir())


def pulse_store() -> PulseStore:
    return _pulse_store(str(settings.store_dir()))


def _anonymised(frame: pd.DataFrame, anonymise: bool) -> pd.DataFrame:
    if not anonymise:
        return frame
    # No focus place: every place becomes a label.
    return Anonymiser.build(focus_place_id="", variants=query("place_name_variants")).frame(frame)


def real_figure(question: Question) -> float | None:
    """The programme figure a 'guess the number' question is answered by, from the data in force."""
    spec = question.answer
    if spec.get("query") != "monitoring_totals":
        return None
    totals = query("monitoring_totals", phase=int(spec["phase"]))
    row = totals[totals["metric"] == spec["metric"]]
    return None if row.empty or pd.isna(row["total"].iloc[0]) else float(row["total"].iloc[0])


def pulse_frame(question: Question, answers: pd.DataFrame) -> pd.DataFrame:
    if question.kind == "guess_number":
        guesses = pd.to_numeric(answers["value"].str.replace(",", ""), errors="coerce").dropna()
        return pd.DataFrame({"guess": guesses})
    values = answers["value"].str.lower() if question.kind == "word" else answers["value"]
    return values.value_counts().rename_axis("value").reset_index(name="answers")


def pulse_chart(question: Question, answers: pd.DataFrame, *, revealed: bool) -> alt.TopLevelMixin:
    frame = pulse_frame(question, answers)
    if question.kind == "guess_number":
        return guesses_chart(guesses=frame, actual=real_figure(question) if revealed else None)
    return answer_counts_chart(counts=frame, options=list(question.options))


def slide_chart(slide: Slide, *, anonymise: bool) -> tuple[alt.TopLevelMixin, pd.DataFrame]:
    """The chart a slide names, built from current data; place names relabelled when anonymising."""
    params = slide.params
    if slide.chart == "funnel":
        cohorts = query("phase_cohorts")
        return funnel_chart(cohorts=cohorts, title=""), cohorts
    if slide.chart == "typology_heatmap":
        matrix = _anonymised(query("typology_matrix", phase=int(params.get("phase", 1))), anonymise)
        order = place_order(matrix=matrix, by=PlaceOrder.COUNT)
        return typology_heatmap(matrix=matrix, place_order=order, title=""), matrix
    if slide.chart == "metric_by_place":
        values = query("monitoring_by_place", phase=int(params.get("phase", 2)))
        values = _anonymised(values[values["metric"] == params.get("metric", "volunteers")], anonymise)
        label = values["label"].iloc[0] if len(values) else ""
        return metric_by_place_chart(values=values, metric_label=label, title=""), values
    if slide.chart == "outcome_coverage":
        coverage = outcome_coverage(query("outcome_matrix", phase=2))
        return coverage_chart(coverage=coverage, title=""), coverage
    raise DeckError(f"unknown slide chart {slide.chart!r}")
