"""The GSS accessible colour palette and the project's fixed colour meanings, shared by charts and maps."""

from __future__ import annotations

from enum import StrEnum


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

PHASE_COLOURS = {1: GssColour.ORANGE, 2: GssColour.TURQUOISE, 3: GssColour.DARK_BLUE}
