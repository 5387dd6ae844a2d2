"""The project's one Altair theme, built on the GSS accessible colour palette."""

from __future__ import annotations

from enum import StrEnum

import altair as alt

THEME_NAME = "pbsa"
PRESENT_THEME_NAME = "pbsa_present"


class GssColour(StrEnum):
    """Government Statistical Service accessible palette (categorical order, then sequential)."""

    DARK_BLUE = "#12436D"
    TURQUOISE = "#28A197"
    DARK_PINK = "#801650"
    ORANGE = "#F46A25"
    DARK_GREY = "#3D3D3D"
    LIGHT_PURPLE = "#A285D1"
    MID_BLUE = "#2073BC"
    LIGHT_BLUE = "#6BACE6"
    FOCUS_GREY = "#BFBFBF"


CATEGORICAL = [
    GssColour.DARK_BLUE,
    GssColour.TURQUOISE,
    GssColour.DARK_PINK,
    GssColour.ORANGE,
    GssColour.DARK_GREY,
    GssColour.LIGHT_PURPLE,
]
SEQUENTIAL = [GssColour.LIGHT_BLUE, GssColour.MID_BLUE, GssColour.DARK_BLUE]

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
