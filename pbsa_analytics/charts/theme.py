"""The project's one Altair theme, built on the GSS accessible colour palette."""

from __future__ import annotations

import textwrap

import altair as alt

from pbsa_analytics.palette import CATEGORICAL, SEQUENTIAL, GssColour

__all__ = ["CATEGORICAL", "SEQUENTIAL", "GssColour", "pbsa_present_theme", "pbsa_theme"]

THEME_NAME = "pbsa"
PRESENT_THEME_NAME = "pbsa_present"


def wrapped_title(text: str, *, width: int = 80) -> alt.TitleParams:
    """A chart title split over lines: Vega does not wrap titles, and findings can be long."""
    return alt.TitleParams(textwrap.wrap(text, width=width) or [""])


FONT = "Arial, Helvetica, sans-serif"


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


@alt.theme.register(THEME_NAME, enable=True)
def pbsa_theme() -> alt.theme.ThemeConfig:
    return _config(title_size=16, label_size=12)


@alt.theme.register(PRESENT_THEME_NAME, enable=False)
def pbsa_present_theme() -> alt.theme.ThemeConfig:
    """High-contrast, large-type variant for projectors."""
    return _config(title_size=40, label_size=22)
