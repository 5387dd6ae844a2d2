"""Slide content for the presentation mode: projector charts by name, anonymisable, and the pulse store."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.analysis.findings import outcome_coverage
from pbsa_analytics.analysis.ordering import PlaceOrder, place_order
from pbsa_analytics.charts import slides as slide_charts
from pbsa_analytics.charts.conditions import COHORT, missing_condition_reveal_chart
from pbsa_analytics.charts.pulse import answer_counts_chart, guesses_chart, option_counts, word_counts
from pbsa_analytics.charts.theme import PROJECTOR_LABEL_PX, ProjectorTheme, projector_style
from pbsa_analytics.periods import RULE_SHORT, phase_period
from pbsa_analytics.presentation.deck import MISSING_CONDITION, Deck, DeckError, Question, Slide
from pbsa_analytics.services import conditions as conditions_service
from pbsa_analytics.services.scoping import PROGRAMME_WIDE, anonymiser
from pbsa_analytics.store.pulse import PulseLimits, PulseStore
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.data import query, store

STATEMENT_PX = 2 * PROJECTOR_LABEL_PX  # the period-and-rule line under a slide's monitoring figures


@st.cache_resource(show_spinner=False)
def _pulse_store(root: str, hours: str, answers: str, interval: str) -> PulseStore:
    limits = PulseLimits(code_hours=float(hours), max_answers_per_code=int(answers),
                         participant_interval_s=float(interval))  # fmt: skip
    return PulseStore(settings.store_dir(), limits=limits)


def pulse_store() -> PulseStore:
    """One store object per process and settings, so its incremental readers persist between refreshes."""
    return _pulse_store(
        str(settings.store_dir()),
        settings.get("PBSA_PULSE_CODE_HOURS"),
        settings.get("PBSA_PULSE_MAX_ANSWERS"),
        settings.get("PBSA_PULSE_INTERVAL_S"),
    )


def _anonymised(frame: pd.DataFrame, anonymise: bool) -> pd.DataFrame:
    if not anonymise:
        return frame
    # No focus place: every place becomes a label.
    return anonymiser(store(), focus_place_id=PROGRAMME_WIDE).frame(frame)


def real_figure(question: Question) -> float | None:
    """The programme figure a 'guess the number' question is answered by, from the data in force."""
    spec = question.answer
    if spec.get("query") != "monitoring_totals":
        return None
    totals = query("monitoring_totals", **phase_period(int(spec["phase"])).params())
    row = totals[totals["metric"] == spec["metric"]]
    return None if row.empty or pd.isna(row["total"].iloc[0]) else float(row["total"].iloc[0])


def question_of(deck: Deck, question_id: str) -> Question:
    """A deck's question by id; a built-in question (the conditions pulse) takes its options from the store."""
    if question_id == MISSING_CONDITION:
        return conditions_service.missing_condition_question(store())
    return deck.questions[question_id]


@st.cache_data(show_spinner=False, max_entries=64)
def _against(version: str, role: str, place_id: str | None) -> conditions_service.MissingConditionReveal | None:
    # Scoped by role and place only (like ui/data.py's query cache), so those and the store version are the key.
    scope = Principal(subject="scope", display_name="scope", role=Role(role), place_id=place_id)
    try:
        return conditions_service.missing_condition_pulse(store(), principal=scope)
    except conditions_service.ConditionsAccessError:
        return None


def conditions_cohort() -> conditions_service.MissingConditionReveal | None:
    """What the conditions pulse is revealed against for this viewer; None when the cohort is not theirs to see."""
    principal = current_principal()
    return _against(conditions_service.version(store()), principal.role.value, principal.place_id)


def cohort_note() -> str:
    """One line under the title of the revealed conditions pulse: what the cohort bars are, or why there are none."""
    against = conditions_cohort()
    if against is None:
        return "The cohort's self-assessments are not shared with this account: only the room's answers are shown."
    if not against.places:
        return (
            "No partnership has submitted a self-assessment, so there is no cohort to compare the room with "
            "(the programme's published reports contain none)."
        )
    label = "SYNTHETIC DEMO DATA · " if against.synthetic else ""
    return (
        f"{label}Cohort bars: share of the {against.places} partnerships rating each condition lowest in their latest "
        "round (a tie counts for each tied condition)."
    )


def missing_condition_reveal(
    answers: pd.DataFrame, *, width: int, height: int, theme: ProjectorTheme
) -> alt.TopLevelMixin:
    """The room's answers to the conditions pulse beside the cohort's lowest-rated conditions (counts, no names)."""
    against = conditions_cohort()
    question = conditions_service.missing_condition_question(store())
    options = list(question.options)
    cohort = against.cohort if against is not None else pd.DataFrame({"label": [], "places": []})
    synthetic = against is not None and against.synthetic
    chart = missing_condition_reveal_chart(
        room=option_counts(answers=answers["value"], options=options), cohort=cohort,
        cohort_places=against.places if against is not None else 0, options=options, revealed=True,
        width=width, height=height, theme=theme, cohort_name=f"{COHORT}, SYNTHETIC" if synthetic else COHORT,
    )  # fmt: skip
    return projector_style(chart, theme=theme)


def real_figure_statement(question: Question) -> str:
    """Which period and rule the real figure of a 'guess the number' question is, for the revealed slide."""
    spec = question.answer
    period = phase_period(int(spec["phase"]))
    totals = query("monitoring_totals", **period.params())
    row = totals[totals["metric"] == spec["metric"]]
    if row.empty:
        return ""
    return f"Real figure: {row['label'].iloc[0]}, {period.label}, {RULE_SHORT[row['over_time'].iloc[0]]}; places summed"


def pulse_chart(
    question: Question, answers: pd.DataFrame, *, revealed: bool, width: int, height: int, theme: ProjectorTheme
) -> alt.TopLevelMixin:
    """The room's answers: guesses with median and spread (and the real figure once revealed), options, words."""
    if question.id == MISSING_CONDITION:
        return missing_condition_reveal(answers, width=width, height=height, theme=theme)
    if question.kind == "guess_number":
        guesses = pd.to_numeric(answers["value"].str.replace(",", ""), errors="coerce").dropna()
        actual = real_figure(question) if revealed else None
        stated = real_figure_statement(question) if actual is not None else ""
        chart = guesses_chart(guesses=pd.DataFrame({"guess": guesses}), actual=actual, width=width,
                              height=height - STATEMENT_PX if stated else height, theme=theme)  # fmt: skip
        if stated:
            chart = chart.properties(
                title=alt.TitleParams(stated, orient="bottom", anchor="start", fontSize=PROJECTOR_LABEL_PX)
            )
    elif question.kind == "word":
        chart = answer_counts_chart(counts=word_counts(answers=answers["value"]), width=width, height=height,
                                    theme=theme)  # fmt: skip
    else:
        counts = option_counts(answers=answers["value"], options=list(question.options))
        chart = answer_counts_chart(counts=counts, width=width, height=height, theme=theme)
    return projector_style(chart, theme=theme)


def slide_chart(
    slide: Slide, *, anonymise: bool, width: int, height: int, theme: ProjectorTheme
) -> tuple[alt.TopLevelMixin, pd.DataFrame]:
    """The chart a slide names, built from current data and sized for the screen; places relabelled if anonymised."""
    params = slide.params
    size = {"width": width, "height": height, "theme": theme}
    if slide.chart == "funnel":
        cohorts = query("phase_cohorts")[["phase", "places"]]  # the names column never reaches a slide
        chart = slide_charts.funnel(cohorts=cohorts, **size)
        return projector_style(chart, theme=theme), cohorts
    if slide.chart == "typology_heatmap":
        phase = int(params.get("phase", 1))
        matrix = _anonymised(query("typology_matrix", phase=phase, place_ids=None), anonymise)
        order = place_order(places=_anonymised(query("typology_places", phase=phase), anonymise), by=PlaceOrder.COUNT)
        chart = slide_charts.typology_grid(matrix=matrix, place_order=order, **size)
        return projector_style(chart, theme=theme), matrix
    if slide.chart == "metric_by_place":
        period = phase_period(int(params.get("phase", 2)))
        values = query("monitoring_by_place", **period.params())
        values = _anonymised(values[values["metric"] == params.get("metric", "volunteers")], anonymise)
        values = values.assign(period=period.label, rule=values["over_time"].map(RULE_SHORT))
        # The projected figures say which period and rule they are, in a line under the bars.
        stated = f"{values['label'].iloc[0]}: {period.label}, {values['rule'].iloc[0]}" if len(values) else ""
        size["height"] = max(height - STATEMENT_PX, STATEMENT_PX)
        chart = slide_charts.value_bars(values=values, category="place_name", value="value", **size).properties(
            title=alt.TitleParams(stated, orient="bottom", anchor="start", fontSize=PROJECTOR_LABEL_PX)
        )
        return projector_style(chart, theme=theme), values[["place_name", "value", "period", "rule"]]
    if slide.chart == "outcome_coverage":
        coverage = outcome_coverage(query("outcome_matrix", phase=int(params.get("phase", 2))))
        return projector_style(slide_charts.coverage(coverage=coverage, **size), theme=theme), coverage
    if slide.chart == "cohort_typologies":
        shift = query("cohort_shift", cohort_phase=int(params.get("cohort_phase", 2)))  # counts only, no places
        shift = shift[shift["phase"].isin([int(p) for p in params.get("phases", [1, 2, 3])])]
        shift = shift[["typology_name", "typology_position", "phase", "places"]].reset_index(drop=True)
        return projector_style(slide_charts.cohort_typologies(shift=shift, **size), theme=theme), shift
    raise DeckError(f"unknown slide chart {slide.chart!r}")
