"""The project's one Altair theme, built on the GSS accessible colour palette."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from enum import StrEnum

import altair as alt

from pbsa_analytics.palette import CATEGORICAL, SEQUENTIAL, GssColour

__all__ = ["CATEGORICAL", "SEQUENTIAL", "GssColour", "ProjectorStyle", "pbsa_theme", "projector_style"]

THEME_NAME = "pbsa"


def wrapped_title(text: str, *, width: int = 80) -> alt.TitleParams:
    """A chart title split over lines: Vega does not wrap titles, and findings can be long."""
    return alt.TitleParams(textwrap.wrap(text, width=width) or [""])


FONT = "Arial, Helvetica, sans-serif"


def whole_count_axis() -> alt.Axis:
    """An axis counting places (or records): whole-number ticks only, so a wide chart never reads "0.5 places"."""
    return alt.Axis(format="d", tickMinStep=1)


def when(channel: type[alt.SchemaBase], predicate: object, *, then: object, otherwise: object) -> alt.SchemaBase:
    """A conditional value as a typed channel (e.g. `alt.OpacityValue`): a bare `alt.condition` dict would be
    matched by Altair against every schema class when encoded, about 17 ms a call on every cold chart."""
    return channel(**alt.condition(predicate, alt.value(then), alt.value(otherwise)))


def _config(*, title_size: int, label_size: int) -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "background": "#FFFFFF",
            "title": {"fontSize": title_size, "anchor": "start", "color": "#0B0C0C", "fontWeight": "bold"},
            "axis": {
                "labelFontSize": label_size,
                "titleFontSize": label_size,
                "labelColor": "#0B0C0C",
                "titleColor": "#0B0C0C",
                "gridColor": "#E5E5E5",
            },
            "legend": {"labelFontSize": label_size, "titleFontSize": label_size},
            "header": {"labelFontSize": label_size, "titleFontSize": label_size},
            "range": {"category": [str(c) for c in CATEGORICAL], "ramp": [str(c) for c in SEQUENTIAL]},
            "bar": {"color": str(GssColour.DARK_BLUE)},
            "text": {"fontSize": label_size},
            "point": {"color": str(GssColour.DARK_BLUE), "size": 80},
            "view": {"stroke": None},
        }
    }


# Altair's debug mode validates every schema object as it is made (each title, scale, axis, mark): about a third
# of building a chart. Charts are checked as whole specs instead: tests/test_pages.py renders every page with
# the schema check on, and tests/test_charts.py validates each builder's spec. The same for every session.
alt.utils.schemapi.disable_debug_mode()


@alt.theme.register(THEME_NAME, enable=True)
def pbsa_theme() -> alt.theme.ThemeConfig:
    return _config(title_size=16, label_size=12)


class ProjectorTheme(StrEnum):
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class ProjectorStyle:
    """Colours for one projector theme: GSS colours chosen to reach 4.5:1 against its background."""

    background: str
    text: str
    grid: str
    empty: str  # cells with nothing in them (heatmap), not a data colour
    bar: GssColour
    accent: GssColour  # the real figure, the focus
    secondary: GssColour  # the room's median and spread
    on_bar: str  # text drawn inside a bar
    phases: dict[int, GssColour]


PROJECTOR_STYLES = {
    ProjectorTheme.LIGHT: ProjectorStyle(
        background="#FFFFFF",
        text="#0B0C0C",
        grid="#D8D8D8",
        empty="#EEEEEE",
        bar=GssColour.DARK_BLUE,
        accent=GssColour.DARK_PINK,
        secondary=GssColour.MID_BLUE,
        on_bar="#FFFFFF",
        phases={1: GssColour.DARK_PINK, 2: GssColour.MID_BLUE, 3: GssColour.DARK_BLUE},
    ),
    ProjectorTheme.DARK: ProjectorStyle(
        background="#0B0C0C",
        text="#FFFFFF",
        grid="#3A3B3B",
        empty="#262727",
        bar=GssColour.LIGHT_BLUE,
        accent=GssColour.ORANGE,
        secondary=GssColour.TURQUOISE,
        on_bar="#0B0C0C",
        phases={1: GssColour.ORANGE, 2: GssColour.TURQUOISE, 3: GssColour.LIGHT_BLUE},
    ),
}
PROJECTOR_TITLE_PX = 40
PROJECTOR_LABEL_PX = 22


def projector_config(theme: ProjectorTheme) -> dict:
    """Large type and the theme's colours as a Vega-Lite config for one chart."""
    style = PROJECTOR_STYLES[theme]
    config = _config(title_size=PROJECTOR_TITLE_PX, label_size=PROJECTOR_LABEL_PX)["config"]
    config["background"] = style.background
    config["title"] |= {"color": style.text}
    config["axis"] |= {
        "labelColor": style.text,
        "titleColor": style.text,
        "gridColor": style.grid,
        "domainColor": style.text,
        "tickColor": style.text,
        "labelLimit": 0,  # never truncate a label on a slide
    }
    config["legend"] |= {"labelColor": style.text, "titleColor": style.text, "labelLimit": 0}
    config["text"] = {"fontSize": PROJECTOR_LABEL_PX + 2, "color": style.text}
    config["range"] = {"category": [str(c) for c in style.phases.values()]}
    config["bar"] = {"color": str(style.bar)}
    return config


def projector_style(chart: alt.TopLevelMixin, *, theme: ProjectorTheme) -> alt.TopLevelMixin:
    """A copy of the chart carrying the projector look in its own spec; no process-wide theme is touched."""
    styled = chart.copy(deep=False)
    # Keyword arguments, not from_dict: from_dict matches every nested dict against the schema classes.
    styled.config = alt.Config(**projector_config(theme))
    return styled
