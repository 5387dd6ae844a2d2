"""Charts for the room's answers, sized for the projector: every option with its count (zeros too),
guesses against the real figure with the room's median and spread, and the words the room gave.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import PROJECTOR_LABEL_PX, PROJECTOR_STYLES, ProjectorTheme

BIG_PX = 30
MAX_WORDS = 12


def option_counts(*, answers: pd.Series, options: list[str]) -> pd.DataFrame:
    """Answers per option in the options' own order, options nobody chose included with 0."""
    counts = answers.value_counts()
    return pd.DataFrame({"value": options, "answers": [int(counts.get(option, 0)) for option in options]})


def word_counts(*, answers: pd.Series, limit: int = MAX_WORDS) -> pd.DataFrame:
    """The most given words (case-folded, trimmed) with their counts, most first, ties alphabetical."""
    words = answers.str.strip().str.lower()
    counts = words[words != ""].value_counts().rename_axis("value").reset_index(name="answers")
    return counts.sort_values(["answers", "value"], ascending=[False, True]).head(limit).reset_index(drop=True)


def guess_summary(*, guesses: pd.Series) -> dict[str, float]:
    """Median and interquartile range of the room's guesses."""
    return {
        "median": float(guesses.median()),
        "q1": float(guesses.quantile(0.25)),
        "q3": float(guesses.quantile(0.75)),
    }


def answer_counts_chart(
    *, counts: pd.DataFrame, width: int = 900, height: int = 400, theme: ProjectorTheme = ProjectorTheme.LIGHT
) -> alt.LayerChart:
    """Bars of answers per option or word, in the given row order, each labelled with its count."""
    style = PROJECTOR_STYLES[theme]
    top = max(int(counts["answers"].max()) if len(counts) else 0, 1)
    base = alt.Chart().encode(
        y=alt.Y(
            "value:N", sort=counts["value"].tolist(), title=None, axis=alt.Axis(labelLimit=0, labelFontSize=BIG_PX)
        ),
        x=alt.X("answers:Q", axis=None, scale=alt.Scale(domain=[0, top * 1.15])),
    )
    bars = base.mark_bar(color=str(style.bar), cornerRadiusEnd=3)
    labels = base.mark_text(align="left", dx=10, fontSize=BIG_PX, fontWeight="bold", color=style.text).encode(
        text=alt.Text("answers:Q")
    )
    return alt.layer(bars, labels, data=counts).properties(width=width, height=height)


def guesses_chart(
    *,
    guesses: pd.DataFrame,
    actual: float | None,
    width: int = 900,
    height: int = 400,
    theme: ProjectorTheme = ProjectorTheme.LIGHT,
) -> alt.LayerChart:
    """Each guess as a tall tick, the room's interquartile band and median, and once revealed the real figure."""
    style = PROJECTOR_STYLES[theme]
    values = guesses["guess"].astype(float)
    span = [*values.tolist(), *([actual] if actual is not None else [])] or [0.0]
    low, high = min(span), max(span)
    pad = max((high - low) * 0.08, 1.0)
    x_scale = alt.Scale(domain=[max(low - pad, 0) if low >= 0 else low - pad, high + pad], nice=False)
    axis = alt.Axis(format=",d", labelFontSize=PROJECTOR_LABEL_PX, title=None, grid=False)
    layers: list[alt.Chart] = []
    if len(values):
        summary = guess_summary(guesses=values)
        band = pd.DataFrame([summary | {"label": f"Room's median: {summary['median']:,.0f}"}])
        layers.append(
            alt.Chart(band)
            .mark_rect(color=str(style.secondary), opacity=0.18)
            .encode(x=alt.X("q1:Q"), x2=alt.X2("q3:Q"))
        )
        layers.append(
            alt.Chart(band)
            .mark_rule(color=str(style.secondary), strokeWidth=6, strokeDash=[14, 8])
            .encode(x=alt.X("median:Q"))
        )
        layers.append(
            alt.Chart(band)
            .mark_text(color=str(style.secondary), fontSize=BIG_PX, fontWeight="bold", y=height - 24,
                       align=_align(summary["median"], x_scale), dx=_dx(summary["median"], x_scale))
            .encode(x=alt.X("median:Q"), text=alt.Text("label:N"))
        )  # fmt: skip
    ticks = (
        alt.Chart(guesses)
        .mark_tick(color=str(style.bar), thickness=5, size=height * 0.45, opacity=0.8)
        .encode(x=alt.X("guess:Q", scale=x_scale, axis=axis))
    )
    layers.insert(0, ticks)
    if actual is not None:
        truth = pd.DataFrame({"actual": [actual], "label": [f"Real figure: {actual:,.0f}"]})
        layers.append(alt.Chart(truth).mark_rule(color=str(style.accent), strokeWidth=10).encode(x=alt.X("actual:Q")))
        layers.append(
            alt.Chart(truth)
            .mark_text(color=str(style.accent), fontSize=BIG_PX + 8, fontWeight="bold", y=24,
                       align=_align(actual, x_scale), dx=_dx(actual, x_scale))
            .encode(x=alt.X("actual:Q"), text=alt.Text("label:N"))
        )  # fmt: skip
    return alt.layer(*layers).properties(width=width, height=height)


def _side(value: float, scale: alt.Scale) -> bool:
    """True when a value sits in the right half of the axis, so its label goes to its left (never clipped)."""
    low, high = scale.domain
    return value > (low + high) / 2


def _align(value: float, scale: alt.Scale) -> str:
    return "right" if _side(value, scale) else "left"


def _dx(value: float, scale: alt.Scale) -> int:
    return -14 if _side(value, scale) else 14
