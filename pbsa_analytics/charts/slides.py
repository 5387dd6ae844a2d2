"""Projector charts for slides: sized to the screen they are shown on, large type, no truncated label.

Every builder takes the plot size in pixels (from the viewer's screen) and a projector style, and puts only
what the slide needs in the chart's data: no place names unless the slide shows places.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import PROJECTOR_LABEL_PX, PROJECTOR_STYLES, ProjectorTheme

LABEL_PX = PROJECTOR_LABEL_PX
BIG_PX = 30  # counts written on bars


def _bars(data: pd.DataFrame, *, category: str, value: str, label: str, order: list[str] | str, style, width, height):
    base = alt.Chart().encode(
        y=alt.Y(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelFontSize=LABEL_PX, labelLimit=0)),
        x=alt.X(f"{value}:Q", axis=None, scale=alt.Scale(domainMin=0, nice=False)),
    )
    bars = base.mark_bar(color=str(style.bar), cornerRadiusEnd=3)
    labels = base.mark_text(align="left", dx=10, fontSize=BIG_PX, fontWeight="bold", color=style.text).encode(
        text=alt.Text(f"{label}:N")
    )
    return alt.layer(bars, labels, data=data).properties(width=width, height=height)


def funnel(*, cohorts: pd.DataFrame, width: int, height: int, theme: ProjectorTheme) -> alt.LayerChart:
    """Places per phase as centred bars; only phase numbers and counts in the data."""
    style = PROJECTOR_STYLES[theme]
    data = pd.DataFrame(
        {
            "phase_label": "Phase " + cohorts["phase"].astype(str),
            "phase": cohorts["phase"].astype(int),
            "left": -cohorts["places"] / 2,
            "right": cohorts["places"] / 2,
            "label": cohorts["places"].astype(int).astype(str) + " places",
        }
    )
    base = alt.Chart().encode(
        y=alt.Y("phase_label:N", sort=None, title=None, axis=alt.Axis(labelFontSize=LABEL_PX + 6, labelLimit=0))
    )
    colours = alt.Scale(domain=list(style.phases), range=[str(c) for c in style.phases.values()])
    bars = base.mark_bar().encode(
        x=alt.X("left:Q", axis=None), x2=alt.X2("right:Q"), color=alt.Color("phase:O", scale=colours, legend=None)
    )
    labels = base.mark_text(color=style.on_bar, fontSize=BIG_PX + 6, fontWeight="bold").encode(
        x=alt.XDatum(0), text=alt.Text("label:N")
    )
    return alt.layer(bars, labels, data=data).properties(width=width, height=height)


def value_bars(
    *, values: pd.DataFrame, category: str, value: str, width: int, height: int, theme: ProjectorTheme
) -> alt.LayerChart:
    """One bar per row, largest first, each labelled with its figure ("not given" where the source has none)."""
    data = pd.DataFrame(
        {
            category: values[category].astype(str),
            "shown": values[value].fillna(0).astype(float),
            "label": values[value].map(lambda v: "not given" if pd.isna(v) else f"{v:,.0f}"),
        }
    )
    order = data.sort_values("shown", ascending=False)[category].tolist()
    style = PROJECTOR_STYLES[theme]
    return _bars(data, category=category, value="shown", label="label", order=order, style=style, width=width,
                 height=height)  # fmt: skip


def coverage(*, coverage: pd.DataFrame, width: int, height: int, theme: ProjectorTheme) -> alt.LayerChart:
    """Places with evidence per outcome, labelled 'n of m places', in the outcomes' own order."""
    data = coverage[["outcome", "places_with_evidence", "label"]].copy()
    style = PROJECTOR_STYLES[theme]
    return _bars(data, category="outcome", value="places_with_evidence", label="label",
                 order=data["outcome"].tolist(), style=style, width=width, height=height)  # fmt: skip


def typology_grid(
    *, matrix: pd.DataFrame, place_order: list[str], width: int, height: int, theme: ProjectorTheme
) -> alt.Chart:
    """Typologies (rows, full names) by places (columns): a filled cell is a typology the place marked."""
    style = PROJECTOR_STYLES[theme]
    data = matrix[["place_name", "typology_name", "typology_position", "marked"]].assign(
        state=matrix["marked"].map({True: "Marked", False: "Not marked"})
    )
    typologies = data.drop_duplicates("typology_name").sort_values("typology_position")["typology_name"].tolist()
    return (
        alt.Chart(data)
        .mark_rect(stroke=style.background, strokeWidth=3)
        .encode(
            x=alt.X(
                "place_name:N",
                sort=place_order,
                title=None,
                axis=alt.Axis(orient="top", labelAngle=-45, labelAlign="left", labelLimit=0, labelFontSize=LABEL_PX),
            ),
            y=alt.Y("typology_name:N", sort=typologies, title=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=["Marked", "Not marked"], range=[str(style.bar), style.empty]),
                legend=alt.Legend(title=None, orient="bottom", symbolSize=400),
            ),
        )
        .properties(width=width, height=height)
    )


def cohort_typologies(*, shift: pd.DataFrame, width: int, height: int, theme: ProjectorTheme) -> alt.LayerChart:
    """Places of a cohort marking each typology (cohort_shift's counts), one bar per phase, labelled with the count."""
    style = PROJECTOR_STYLES[theme]
    counts = shift[["typology_name", "typology_position", "phase", "places"]].assign(
        phase_label=lambda f: "Phase " + f["phase"].astype(str)
    )
    typologies = counts.drop_duplicates("typology_name").sort_values("typology_position")["typology_name"].tolist()
    phases = sorted(counts["phase"].unique())
    colours = alt.Scale(domain=[f"Phase {p}" for p in phases], range=[str(style.phases[p]) for p in phases])
    base = alt.Chart().encode(
        y=alt.Y("typology_name:N", sort=typologies, title=None, axis=alt.Axis(labelLimit=0)),
        yOffset=alt.YOffset("phase_label:N", sort=[f"Phase {p}" for p in phases]),
        x=alt.X("places:Q", axis=None, scale=alt.Scale(domainMin=0)),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("phase_label:N", scale=colours, legend=alt.Legend(title=None, orient="top", symbolSize=400))
    )
    labels = base.mark_text(align="left", dx=8, fontSize=LABEL_PX, color=style.text).encode(text=alt.Text("places:Q"))
    return alt.layer(bars, labels, data=counts).properties(width=width, height=height)
