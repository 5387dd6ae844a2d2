"""The learning-event pulse about conditions: which one is your partnership missing most?"""

from __future__ import annotations

from pbsa_analytics.conditions_scales import ESA, workshop_label
from pbsa_analytics.presentation.deck import MISSING_CONDITION, Question

QUESTION_ID = MISSING_CONDITION
PROMPT = "Which condition is your partnership missing most?"


def missing_condition_question(*, conditions: list[tuple[str, int, str]]) -> Question:
    """A single-choice pulse question whose options are the workshop's conditions, in the report's order.

    conditions: (framework, position, text) of each condition; checklist questions are ignored.
    """
    workshop = sorted((position, text) for framework, position, text in conditions if framework == ESA)
    options = tuple(workshop_label(text) for _, text in workshop)
    return Question(id=QUESTION_ID, kind="single_choice", prompt=PROMPT, options=options)
