"""The place map: points over the local UK outline, coloured by furthest phase, sized by a metric."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import pandas as pd
import pydeck as pdk

from pbsa_analytics.palette import PHASE_COLOURS

PLACES_LAYER_ID = "places"
OUTLINE_LAYER_ID = "uk-outline"
MISSING_COLOUR = [255, 255, 255, 255]
BASE_RADIUS_M = 9000
MAX_EXTRA_RADIUS_M = 30000


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


PHASE_RGB = {phase: [*_rgb(str(colour)), 235] for phase, colour in PHASE_COLOURS.items()}


@cache
def load_outline(path: Path) -> dict:
    """The committed GeoJSON outline (read once; the app never fetches geometry)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _radius(value: float | None, largest: float) -> float:
    if value is None or pd.isna(value) or largest <= 0:
        return BASE_RADIUS_M
    # Area, not radius, tracks the value, so the eye reads sizes fairly.
    return BASE_RADIUS_M + MAX_EXTRA_RADIUS_M * math.sqrt(value / largest)


def point_records(*, points: pd.DataFrame, sized_by_metric: bool) -> list[dict]:
    """Plain JSON-able rows for the deck: colours, radii and display text per place."""
    largest = float(points["metric_value"].max()) if sized_by_metric and points["metric_value"].notna().any() else 0
    records = []
    for row in points.to_dict("records"):
        value = row.get("metric_value")
        missing = sized_by_metric and (value is None or pd.isna(value))
        records.append(
            {
                "place_id": row["place_id"],
                "place_name": row["place_name"],
                "lead_organisation": row.get("lead_organisation") or "lead not named",
                "local_authority": row.get("local_authority") or "",
                "furthest_phase": int(row["furthest_phase"]),
                "value_text": ("no figure" if missing else f"{int(value):,}") if sized_by_metric else "",
                "position": [float(row["longitude"]), float(row["latitude"])],
                "radius": _radius(value, largest) if sized_by_metric else BASE_RADIUS_M * 1.4,
                "fill": MISSING_COLOUR if missing else PHASE_RGB[int(row["furthest_phase"])],
                "line": PHASE_RGB[int(row["furthest_phase"])],
            }
        )
    return records


def places_deck(*, points: pd.DataFrame, outline: dict, sized_by_metric: bool, metric_label: str = "") -> pdk.Deck:
    """Deck of place points over the UK outline; points are pickable by layer id "places"."""
    outline_layer = pdk.Layer(
        "GeoJsonLayer",
        id=OUTLINE_LAYER_ID,
        data=outline,
        stroked=True,
        filled=True,
        get_fill_color=[243, 242, 241, 255],
        get_line_color=[80, 90, 95, 255],
        line_width_min_pixels=1,
        pickable=False,
    )
    points_layer = pdk.Layer(
        "ScatterplotLayer",
        id=PLACES_LAYER_ID,
        data=point_records(points=points, sized_by_metric=sized_by_metric),
        get_position="position",
        get_radius="radius",
        radius_min_pixels=5,
        get_fill_color="fill",
        get_line_color="line",
        stroked=True,
        line_width_min_pixels=2,
        pickable=True,
        auto_highlight=True,
    )
    value_line = f"\n{metric_label}: {{value_text}}" if sized_by_metric else ""
    return pdk.Deck(
        layers=[outline_layer, points_layer],
        initial_view_state=pdk.ViewState(latitude=53.2, longitude=-2.3, zoom=4.9, min_zoom=4, max_zoom=10),
        # No provider and the default style sentinel: Streamlit then draws no basemap and fetches nothing.
        map_provider=None,
        # Text tooltips: data is never interpreted as HTML.
        tooltip={
            "text": "{place_name}\nLead: {lead_organisation}\nLocal authority: {local_authority}\n"
            "Furthest phase: {furthest_phase}" + value_line
        },
    )
