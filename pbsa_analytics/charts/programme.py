"""Programme-level charts: phases, cohort sizes, monitoring totals, regions and grants."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pbsa_analytics.charts.theme import whole_count_axis, wrapped_title
from pbsa_analytics.palette import CATEGORICAL, PHASE_COLOURS, GssColour


def phase_colour_scale() -> alt.Scale:
    return alt.Scale(domain=list(PHASE_COLOURS), range=[str(c) for c in PHASE_COLOURS.values()])


def places_per_phase_chart(*, cohorts: pd.DataFrame, title: str) -> alt.Chart:
    """Bars of places taking part per phase, labelled with the count."""
    data = cohorts.assign(phase_label="Phase " + cohorts["phase"].astype(str))
    base = alt.Chart().encode(
        x=alt.X("places:Q", title="Places taking part", axis=whole_count_axis()),
        y=alt.Y("phase_label:N", title=None, sort=None),
        tooltip=[alt.Tooltip("phase_label:N", title="Phase"), alt.Tooltip("places:Q", title="Places")],
    )
    bars = base.mark_bar(color=str(GssColour.DARK_BLUE))
    labels = base.mark_text(align="left", dx=4, fontSize=14).encode(text=alt.Text("places:Q"))
    return alt.layer(bars, labels, data=data).properties(title=wrapped_title(title), height=160)


def timeline_chart(*, phases: pd.DataFrame, title: str) -> alt.Chart:
    """Gantt bars of the three phases with their dates."""
    data = phases.assign(
        phase_label="Phase " + phases["phase"].astype(str) + ": " + phases["name"],
        start=pd.to_datetime(phases["start_date"]),
        end=pd.to_datetime(phases["end_date"]),
    )
    base = alt.Chart(data).encode(
        y=alt.Y("phase_label:N", title=None, sort=None),
        tooltip=[
            alt.Tooltip("phase_label:N", title="Phase"),
            alt.Tooltip("start:T", title="Start", format="%b %Y"),
            alt.Tooltip("end:T", title="End", format="%b %Y"),
            alt.Tooltip("max_grant_gbp:Q", title="Grant ceiling (£)", format=",.0f"),
            alt.Tooltip("places_taking_part:Q", title="Places"),
        ],
    )
    bars = base.mark_bar(cornerRadius=2).encode(
        x=alt.X("start:T", title=None, axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1})),
        x2=alt.X2("end:T"),
        color=alt.Color("phase:O", scale=phase_colour_scale(), legend=None),
    )
    return bars.properties(title=wrapped_title(title), height=150)


def metric_by_place_chart(*, values: pd.DataFrame, metric_label: str, title: str) -> alt.Chart:
    """Horizontal bars of one metric per place; places with no figure are listed as 'not given'."""
    data = values.assign(
        shown=values["value"].fillna(0),
        value_label=values["value"].map(lambda v: "not given" if pd.isna(v) else f"{int(v):,}"),
    )
    base = alt.Chart().encode(
        y=alt.Y("place_name:N", title=None, sort="-x"),
        tooltip=[
            alt.Tooltip("place_name:N", title="Place"),
            alt.Tooltip("value_label:N", title=metric_label),
            alt.Tooltip("note:N", title="Note"),
        ],
    )
    bars = base.mark_bar(color=str(GssColour.DARK_BLUE)).encode(x=alt.X("shown:Q", title=metric_label))
    labels = base.mark_text(align="left", dx=4).encode(x=alt.X("shown:Q"), text=alt.Text("value_label:N"))
    return alt.layer(bars, labels, data=data).properties(title=wrapped_title(title))


def funnel_chart(*, cohorts: pd.DataFrame, title: str) -> alt.Chart:
    """Centred funnel bars 20 -> 10 -> 9 with the count on each."""
    data = cohorts.assign(
        phase_label="Phase " + cohorts["phase"].astype(str),
        left=-cohorts["places"] / 2,
        right=cohorts["places"] / 2,
    )
    base = alt.Chart().encode(y=alt.Y("phase_label:N", title=None, sort=None))
    bars = base.mark_bar().encode(
        x=alt.X("left:Q", axis=None),
        x2=alt.X2("right:Q"),
        color=alt.Color("phase:O", scale=phase_colour_scale(), legend=None),
        tooltip=[alt.Tooltip("phase_label:N", title="Phase"), alt.Tooltip("places:Q", title="Places")],
    )
    labels = base.mark_text(color="white", fontWeight="bold", fontSize=16).encode(
        x=alt.XDatum(0), text=alt.Text("places:Q")
    )
    return alt.layer(bars, labels, data=data).properties(title=wrapped_title(title), height=180)


def regional_chart(*, spread: pd.DataFrame, title: str) -> alt.Chart:
    """Places per ONS region, side by side for each phase."""
    data = spread.assign(phase_label="Phase " + spread["phase"].astype(str))
    return (
        alt.Chart(data, title=wrapped_title(title))
        .mark_bar()
        .encode(
            y=alt.Y("region:N", title=None),
            x=alt.X("places:Q", title="Places taking part", axis=whole_count_axis()),
            color=alt.Color(
                "phase:O",
                scale=phase_colour_scale(),
                legend=alt.Legend(title="Phase", orient="bottom"),
            ),
            yOffset=alt.YOffset("phase:O"),
            tooltip=[alt.Tooltip("phase_label:N"), alt.Tooltip("region:N"), alt.Tooltip("places:Q")],
        )
    )


def grant_chart(*, phases: pd.DataFrame, title: str) -> alt.Chart:
    """Grant ceiling per partnership by phase; a phase whose ceiling no report gives says so."""
    data = phases.assign(
        phase_label="Phase " + phases["phase"].astype(str),
        shown=phases["max_grant_gbp"].fillna(0),
        label=phases["max_grant_gbp"].map(lambda v: "not stated" if pd.isna(v) else f"£{int(v):,}"),
    )
    base = alt.Chart().encode(y=alt.Y("phase_label:N", title=None, sort=None))
    bars = base.mark_bar().encode(
        x=alt.X("shown:Q", title="Grant ceiling per partnership (£)", axis=alt.Axis(format=",.0f")),
        color=alt.Color("phase:O", scale=phase_colour_scale(), legend=None),
        tooltip=[alt.Tooltip("phase_label:N", title="Phase"), alt.Tooltip("label:N", title="Ceiling")],
    )
    labels = base.mark_text(align="left", dx=4).encode(x=alt.X("shown:Q"), text=alt.Text("label:N"))
    return alt.layer(bars, labels, data=data).properties(title=wrapped_title(title), height=150)


def cohort_shift_chart(*, shift: pd.DataFrame, title: str) -> alt.Chart:
    """Slope lines: places of the cohort with each typology, phase by phase."""
    data = shift.assign(phase_label="Phase " + shift["phase"].astype(str))
    return (
        alt.Chart(data, title=wrapped_title(title))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("phase_label:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("places:Q", title="Places with this typology", axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color(
                "typology_name:N",
                title="Typology",
                scale=alt.Scale(range=[str(c) for c in CATEGORICAL] + ["#7F7F7F", "#B3B3B3", "#1A1A1A"]),
            ),
            tooltip=[alt.Tooltip(f) for f in ("typology_name:N", "phase_label:N", "places:Q", "cohort:Q")],
        )
        .properties(height=320)
    )
