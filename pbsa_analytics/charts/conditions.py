"""Conditions charts: the places × conditions heatmap (typology conventions), what is missing, and the pulse reveal."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import (
    PROJECTOR_LABEL_PX,
    PROJECTOR_STYLES,
    GssColour,
    ProjectorTheme,
    when,
    wrapped_title,
)
from pbsa_analytics.conditions_scales import E1, E1_STATES, ESA_STATES

CELL_SELECTION = "cell"
ABSENT = "#F3F2F1"
E1_COLOURS = [str(GssColour.DARK_BLUE), str(GssColour.LIGHT_BLUE), str(GssColour.ORANGE), ABSENT]
ESA_COLOURS = [str(GssColour.DARK_BLUE), str(GssColour.MID_BLUE), str(GssColour.LIGHT_BLUE), str(GssColour.ORANGE),
               ABSENT]  # fmt: skip
ROOM = "The room's answers"
COHORT = "Cohort self-assessments (rated lowest)"


def _condition_sort(answers: pd.DataFrame) -> list[str]:
    return answers.drop_duplicates("condition_id").sort_values("position")["label"].tolist()


def conditions_heatmap(
    *, answers: pd.DataFrame, framework: str, place_order: list[str], title: str
) -> alt.VConcatChart:
    """Places × conditions in one round, coloured by answer, with places-reporting-missing bars above.

    Same conventions as the typology heatmap: white-stroked cells, bottom legend, 44 × 24 px steps, and a
    point selection named "cell" carrying place_id and condition_id for the drill-down to notes.
    """
    conditions = _condition_sort(answers)
    states, colours = (E1_STATES, E1_COLOURS) if framework == E1 else (ESA_STATES, ESA_COLOURS)
    cell = alt.selection_point(name=CELL_SELECTION, fields=["place_id", "condition_id"], on="click")
    x = alt.X("label:N", sort=conditions, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=220))
    heat = (
        alt.Chart(answers)
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("place_name:N", sort=place_order, title=None),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=states, range=colours),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            opacity=when(alt.OpacityValue, cell, then=1.0, otherwise=0.55),
            tooltip=[
                alt.Tooltip("place_name:N", title="Place"),
                alt.Tooltip("text:N", title="Condition"),
                alt.Tooltip("state:N", title="Answer"),
            ],
        )
        .add_params(cell)
        # Named, so Altair does not name the view by hashing its spec and data (the frame's repr).
        .properties(name="condition_cells", width=alt.Step(44), height=alt.Step(24))
    )
    missing = answers[answers["missing"]]
    top = (
        alt.Chart(missing)
        .mark_bar(color=str(GssColour.ORANGE))
        .encode(
            x=alt.X("label:N", sort=conditions, axis=None, scale=alt.Scale(domain=conditions)),
            y=alt.Y("count():Q", title="Missing", axis=alt.Axis(format="d", tickMinStep=1)),
            tooltip=[alt.Tooltip("label:N", title="Condition"), alt.Tooltip("count():Q", title="Places missing it")],
        )
        .properties(width=alt.Step(44), height=80)
    )
    return alt.vconcat(top, heat, spacing=4, title=wrapped_title(title)).resolve_scale(color="independent")


def missing_bars(*, missing: pd.DataFrame, title: str) -> alt.Chart:
    """Places reporting each condition missing in one round, most often missing first."""
    return (
        alt.Chart(missing, title=wrapped_title(title))
        .mark_bar(color=str(GssColour.ORANGE))
        .encode(
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("missing:Q", title="Places reporting it missing", axis=alt.Axis(format="d", tickMinStep=1)),
            tooltip=[
                alt.Tooltip("text:N", title="Condition"),
                alt.Tooltip("missing:Q", title="Missing"),
                alt.Tooltip("not_sure:Q", title="Not sure"),
                alt.Tooltip("answered:Q", title="Answered"),
                alt.Tooltip("places:Q", title="Places submitted"),
            ],
        )
        .properties(height=alt.Step(22))
    )


def reveal_frame(*, room: pd.DataFrame, cohort: pd.DataFrame, cohort_places: int, options: list[str]) -> pd.DataFrame:
    """Room answers (value, answers) as shares of the answers, and cohort lowest ratings (label, places) as shares of
    the cohort_places partnerships that rated any condition.

    A partnership whose lowest rating is tied counts once for each tied condition, so the cohort's shares are each of
    the partnerships and may add up to more than 100%; shares of the tied mentions would understate every one.
    """
    counts = room.set_index("value")["answers"].reindex(options, fill_value=0)
    lowest = cohort.set_index("label")["places"].reindex(options, fill_value=0)
    frames = []
    for series, who, total in ((counts, ROOM, counts.sum()), (lowest, COHORT, cohort_places)):
        frames.append(
            pd.DataFrame(
                {
                    "condition": options,
                    "who": who,
                    "count": series.to_numpy(),
                    "share": series.to_numpy() / total if total else 0.0,
                    "of": total,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _reveal_label(count: int, share: float, who: str, of: int) -> str:
    if who == ROOM:
        return f"{share:.0%} ({count} answer{'' if count == 1 else 's'})"
    return f"{share:.0%} ({count} of {of} places)"


def missing_condition_reveal_chart(
    *,
    room: pd.DataFrame,
    cohort: pd.DataFrame,
    cohort_places: int,
    options: list[str],
    revealed: bool,
    width: int = 900,
    height: int = 500,
    theme: ProjectorTheme = ProjectorTheme.LIGHT,
    cohort_name: str = COHORT,
) -> alt.LayerChart:
    """The pulse 'which condition is your partnership missing most?': the room's shares, then the cohort's beside.

    Sized for the projector (the plot's pixels, labels at projector size, each bar labelled with its share and
    count). Before the reveal only the room's bars are drawn, so the cohort's answer cannot be read off the slide;
    with no self-assessments at all no cohort bar is drawn (a zero would read as a finding).
    """
    style = PROJECTOR_STYLES[theme]
    data = reveal_frame(room=room, cohort=cohort, cohort_places=cohort_places, options=options)
    if not revealed or not int(cohort["places"].sum() if len(cohort) else 0):
        data = data[data["who"] == ROOM]
    data = data.replace({"who": {COHORT: cohort_name}})
    data = data.assign(
        label=[
            _reveal_label(int(c), float(s), w, int(of))
            for c, s, w, of in zip(data["count"], data["share"], data["who"], data["of"], strict=True)
        ]
    )
    shown = [ROOM, cohort_name] if (data["who"] == cohort_name).any() else [ROOM]
    top = max(float(data["share"].max()) if len(data) else 0.0, 0.01)
    base = alt.Chart().encode(
        y=alt.Y("condition:N", sort=options, title=None, axis=alt.Axis(labelLimit=0, labelFontSize=PROJECTOR_LABEL_PX)),
        yOffset=alt.YOffset("who:N", sort=shown),
        x=alt.X("share:Q", axis=None, scale=alt.Scale(domain=[0, top * 1.6], nice=False)),
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.Color(
            "who:N",
            scale=alt.Scale(domain=shown, range=[str(style.bar), str(style.accent)][: len(shown)]),
            legend=alt.Legend(title=None, orient="top", symbolSize=400, labelFontSize=PROJECTOR_LABEL_PX),
        ),
        tooltip=[
            alt.Tooltip("condition:N", title="Condition"),
            alt.Tooltip("who:N", title="Who"),
            alt.Tooltip("count:Q", title="Count"),
            alt.Tooltip("share:Q", title="Share", format=".0%"),
        ],
    )
    labels = base.mark_text(align="left", dx=8, fontSize=PROJECTOR_LABEL_PX, color=style.text).encode(
        text=alt.Text("label:N")
    )
    return alt.layer(bars, labels, data=data).properties(width=width, height=height)
