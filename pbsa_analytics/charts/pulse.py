"""Charts for the room's answers: counts per option, and guesses against the real figure."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.palette import GssColour


def answer_counts_chart(*, counts: pd.DataFrame, options: list[str]) -> alt.LayerChart:
    """Bars of answers per option (options in their own order), each labelled with its count."""
    base = alt.Chart(counts).encode(
        y=alt.Y("value:N", sort=options or "-x", title=None),
        x=alt.X("answers:Q", title="Answers", axis=alt.Axis(format="d", tickMinStep=1)),
    )
    bars = base.mark_bar(color=str(GssColour.DARK_BLUE))
    labels = base.mark_text(align="left", dx=8, fontSize=24).encode(text="answers:Q")
    return (bars + labels).properties(height=alt.Step(60))


def guesses_chart(*, guesses: pd.DataFrame, actual: float | None) -> alt.LayerChart:
    """Each guess as a dot; once revealed, the real figure as a thick rule with its value."""
    dots = (
        alt.Chart(guesses)
        .mark_tick(color=str(GssColour.MID_BLUE), thickness=4, size=60)
        .encode(x=alt.X("guess:Q", title="Guesses", axis=alt.Axis(format=",d")))
    )
    layers = [dots]
    if actual is not None:
        truth = pd.DataFrame({"actual": [actual], "label": [f"Real figure: {actual:,.0f}"]})
        layers.append(alt.Chart(truth).mark_rule(color=str(GssColour.ORANGE), strokeWidth=8).encode(x="actual:Q"))
        layers.append(
            alt.Chart(truth)
            .mark_text(color=str(GssColour.ORANGE), fontSize=28, fontWeight="bold", dy=-50, align="right", dx=-8)
            .encode(x="actual:Q", text="label:N")
        )
    return alt.layer(*layers).properties(height=160)
