"""The place map for thousands of places: points binned on a grid server-side, so the browser gets hundreds of bins.

Why: 10,000 individual points are unreadable on a UK map and cost megabytes per visit; a grid of counts
shows where places are. Used by the map page only above BIN_THRESHOLD, so the programme's 20 places keep
their own pickable points and panels.
"""

from __future__ import annotations

import math

import pandas as pd
import pydeck as pdk

from pbsa_analytics.maps.places import PHASE_RGB, opening_view, outline_layer

BIN_THRESHOLD = 500
BINS_LAYER_ID = "place-bins"
CELL_DEGREES = 0.25
MIN_RADIUS_M = 4000
MAX_RADIUS_M = 14000


def bin_points(points: pd.DataFrame, *, cell_degrees: float = CELL_DEGREES) -> pd.DataFrame:
    """One row per occupied grid cell: centre, number of places, how many reached each phase, and the modal phase."""
    cells = pd.DataFrame(
        {
            "row": (points["latitude"] // cell_degrees).astype(int),
            "column": (points["longitude"] // cell_degrees).astype(int),
            "furthest_phase": points["furthest_phase"].astype(int),
        }
    )
    counts = pd.crosstab([cells["row"], cells["column"]], cells["furthest_phase"])
    counts = counts.reindex(columns=[1, 2, 3], fill_value=0)
    binned = pd.DataFrame(
        {
            "places": counts.sum(axis=1),
            "phase_1_only": counts[1],
            "reached_phase_2": counts[2],
            "reached_phase_3": counts[3],
            "modal_phase": counts.idxmax(axis=1),
        }
    ).reset_index()
    binned["latitude"] = (binned["row"] + 0.5) * cell_degrees
    binned["longitude"] = (binned["column"] + 0.5) * cell_degrees
    return binned.drop(columns=["row", "column"])


def _bin_records(binned: pd.DataFrame) -> list[dict]:
    largest = max(int(binned["places"].max()), 1) if len(binned) else 1
    return [
        {
            "position": [float(row.longitude), float(row.latitude)],
            "places": int(row.places),
            "mix": f"Phase 1 only {row.phase_1_only:,} · reached Phase 2 {row.reached_phase_2:,} · "
            f"reached Phase 3 {row.reached_phase_3:,}",
            # Area, not radius, tracks the count.
            "radius": MIN_RADIUS_M + (MAX_RADIUS_M - MIN_RADIUS_M) * math.sqrt(row.places / largest),
            "fill": PHASE_RGB[int(row.modal_phase)],
        }
        for row in binned.itertuples()
    ]


def binned_deck(*, points: pd.DataFrame, outline: dict) -> pdk.Deck:
    """Deck of grid cells sized by how many places they hold, coloured by the most common furthest phase."""
    bins_layer = pdk.Layer(
        "ScatterplotLayer",
        id=BINS_LAYER_ID,
        data=_bin_records(bin_points(points)),
        get_position="position",
        get_radius="radius",
        radius_min_pixels=3,
        get_fill_color="fill",
        pickable=True,
    )
    return pdk.Deck(
        layers=[outline_layer(outline), bins_layer],
        initial_view_state=opening_view(),
        map_provider=None,
        tooltip={"text": "{places} places in this area\n{mix}"},
    )
