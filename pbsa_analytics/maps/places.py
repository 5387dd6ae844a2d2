"""The place map: points over the local UK outline, coloured by furthest phase, sized by a metric."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import pandas as pd
import pydeck as pdk

from pbsa_analytics.maps.labels import Label, Placement, metres_per_pixel, place_labels
from pbsa_analytics.palette import PHASE_COLOURS

PLACES_LAYER_ID = "places"
OUTLINE_LAYER_ID = "uk-outline"
LABELS_LAYER_ID = "place-labels"
LEADERS_LAYER_ID = "label-leaders"
SELECTED_LAYER_ID = "selected-place"
OTHERS_LAYER_ID = "other-places"
OPENING_ZOOM = 4.9
TEXT_RGB = [11, 12, 12, 255]
LABEL_SIZE_PX = 13
# Quoted: pydeck turns a bare string property into an expression to evaluate.
LABEL_FONT = "'Arial, Helvetica, sans-serif'"
MISSING_COLOUR = [255, 255, 255, 255]
OTHERS_RGB = [177, 180, 182, 235]  # GOV.UK mid grey: other partnerships, grouped by region
BASE_RADIUS_M = 9000
RADIUS_MIN_PX = 5
EDGE_PX = 2
MAX_EXTRA_RADIUS_M = 30000


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


PHASE_RGB = {phase: [*_rgb(str(colour)), 235] for phase, colour in PHASE_COLOURS.items()}


@cache
def load_outline(path: Path) -> dict:
    """The committed GeoJSON outline (read once; the app never fetches geometry)."""
    return json.loads(path.read_text(encoding="utf-8"))


def outline_layer(outline: dict) -> pdk.Layer:
    """The committed UK outline as the map's base layer (the only geometry; no basemap is fetched)."""
    return pdk.Layer(
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


def opening_view() -> pdk.ViewState:
    """The map's first view: England and Wales at OPENING_ZOOM (label placement assumes this zoom)."""
    return pdk.ViewState(latitude=53.2, longitude=-2.3, zoom=OPENING_ZOOM, min_zoom=4, max_zoom=10)


def _radius(value: float | None, largest: float) -> float:
    if value is None or pd.isna(value) or largest <= 0:
        return BASE_RADIUS_M
    # Area, not radius, tracks the value, so the eye reads sizes fairly.
    return BASE_RADIUS_M + MAX_EXTRA_RADIUS_M * math.sqrt(value / largest)


def _is_group(row: dict) -> bool:
    # A point with no phase of its own stands for other partnerships grouped by region (an anonymised view,
    # services/scoping): it has no name, phase or figure to show.
    return row.get("furthest_phase") is None or pd.isna(row.get("furthest_phase"))


def _group_record(row: dict) -> dict:
    return {
        "place_id": row["place_id"],
        "place_name": row["place_name"],
        "details": f"in {row.get('region') or 'another region'}, drawn at the region's centre; other "
        "partnerships are not named and their figures are not shown",
        "value_text": "not shown",
        "position": [float(row["longitude"]), float(row["latitude"])],
        "radius": BASE_RADIUS_M * 1.4,
        "fill": OTHERS_RGB,
        "line": TEXT_RGB,
    }


def point_records(*, points: pd.DataFrame, sized_by_metric: bool) -> list[dict]:
    """Plain JSON-able rows for the deck's places: colours, radii and display text per place.

    Points that group anonymised places by region are left out (see other_records).
    """
    places = points[points["furthest_phase"].notna()]
    largest = float(places["metric_value"].max()) if sized_by_metric and places["metric_value"].notna().any() else 0
    records = []
    for row in places.to_dict("records"):
        value = row.get("metric_value")
        missing = sized_by_metric and (value is None or pd.isna(value))
        value_text = ("no figure" if missing else f"{int(value):,}") if sized_by_metric else ""
        lead = row.get("lead_organisation") or "lead not named"
        records.append(
            {
                "place_id": row["place_id"],
                "place_name": row["place_name"],
                "lead_organisation": lead,
                "local_authority": row.get("local_authority") or "",
                "furthest_phase": int(row["furthest_phase"]),
                "value_text": value_text,
                "details": f"Lead: {lead}\nLocal authority: {row.get('local_authority') or ''}\n"
                f"Furthest phase: {int(row['furthest_phase'])}",
                "position": [float(row["longitude"]), float(row["latitude"])],
                "radius": _radius(value, largest) if sized_by_metric else BASE_RADIUS_M * 1.4,
                "fill": MISSING_COLOUR if missing else PHASE_RGB[int(row["furthest_phase"])],
                "line": PHASE_RGB[int(row["furthest_phase"])],
            }
        )
    return records


def other_records(points: pd.DataFrame) -> list[dict]:
    """Deck rows for points that group other, anonymised partnerships by region: grey, unsized, unnamed."""
    return [_group_record(row) for row in points.to_dict("records") if _is_group(row)]


def drawn_radius_px(radius_m: float, lat: float, *, zoom: float = OPENING_ZOOM) -> float:
    """A dot's radius on screen: its ground radius at the zoom, never under the layer's minimum, plus half its edge."""
    return max(radius_m / metres_per_pixel(lat, zoom=zoom), RADIUS_MIN_PX) + EDGE_PX / 2


def map_labels(points: pd.DataFrame, *, sized_by_metric: bool = False) -> list[Label]:
    """Where each place's name goes at the opening zoom: beside its dot, on a leader line, or listed.

    Sized dots are measured as drawn, so no label sits on a big dot.
    """
    records = [*point_records(points=points, sized_by_metric=sized_by_metric), *other_records(points)]
    radii = {r["place_id"]: drawn_radius_px(r["radius"], r["position"][1]) for r in records}
    rows = [(r["place_id"], r["place_name"], *r["position"]) for r in records]
    return place_labels(points=rows, zoom=OPENING_ZOOM, radii_px=radii)


def _label_layers(labels: list[Label], points: pd.DataFrame) -> list[pdk.Layer]:
    drawn = [label for label in labels if label.placement is not Placement.LISTED]
    dots = points.set_index("place_id")[["longitude", "latitude"]]
    leaders = [
        {"from": [float(dots.loc[label.place_id, "longitude"]), float(dots.loc[label.place_id, "latitude"])],
         "to": list(label.anchor_lonlat)}
        for label in drawn
        if label.placement is Placement.LEADER
    ]  # fmt: skip
    text = [
        {"text": label.text, "position": list(label.anchor_lonlat), "offset": list(label.offset_px),
         "anchor": label.text_anchor}
        for label in drawn
    ]  # fmt: skip
    return [
        pdk.Layer(
            "LineLayer",
            id=LEADERS_LAYER_ID,
            data=leaders,
            get_source_position="from",
            get_target_position="to",
            get_color=[80, 90, 95, 255],
            get_width=1,
            pickable=False,
        ),
        pdk.Layer(
            "TextLayer",
            id=LABELS_LAYER_ID,
            data=text,
            get_position="position",
            get_text="text",
            get_pixel_offset="offset",
            get_text_anchor="anchor",
            get_alignment_baseline="'center'",
            get_size=LABEL_SIZE_PX,
            # Clamp to pixels: some WebGL back ends otherwise draw the glyphs a few pixels high.
            size_min_pixels=LABEL_SIZE_PX,
            size_max_pixels=LABEL_SIZE_PX,
            get_color=TEXT_RGB,
            font_family=LABEL_FONT,
            font_weight=600,
            background=True,
            get_background_color=[255, 255, 255, 215],
            background_padding=[2, 1],
            pickable=False,
        ),
    ]


def _selected_layer(points: pd.DataFrame, selected_place_id: str | None) -> list[pdk.Layer]:
    chosen = points[points["place_id"] == selected_place_id]
    if chosen.empty:
        return []
    row = chosen.iloc[0]
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id=SELECTED_LAYER_ID,
            data=[{"position": [float(row["longitude"]), float(row["latitude"])]}],
            get_position="position",
            get_radius=BASE_RADIUS_M * 2.6,
            radius_min_pixels=14,
            filled=False,
            stroked=True,
            get_line_color=TEXT_RGB,
            line_width_min_pixels=3,
            pickable=False,
        )
    ]


def places_deck(
    *,
    points: pd.DataFrame,
    outline: dict,
    sized_by_metric: bool,
    metric_label: str = "",
    labels: list[Label] | None = None,
    selected_place_id: str | None = None,
) -> pdk.Deck:
    """Deck of place points over the UK outline; points are pickable by layer id "places".

    With labels, names are drawn beside dots or on leader lines; a selected place gets a dark ring.
    """
    points_layer = pdk.Layer(
        "ScatterplotLayer",
        id=PLACES_LAYER_ID,
        data=point_records(points=points, sized_by_metric=sized_by_metric),
        get_position="position",
        get_radius="radius",
        radius_min_pixels=RADIUS_MIN_PX,
        get_fill_color="fill",
        get_line_color="line",
        stroked=True,
        line_width_min_pixels=EDGE_PX,
        pickable=True,
        auto_highlight=True,
    )
    others_layer = pdk.Layer(
        "ScatterplotLayer",
        id=OTHERS_LAYER_ID,
        data=other_records(points),
        get_position="position",
        get_radius="radius",
        radius_min_pixels=RADIUS_MIN_PX,
        get_fill_color="fill",
        get_line_color="line",
        stroked=True,
        line_width_min_pixels=1,
        pickable=True,  # for the tooltip; the page opens panels only for the places layer
    )
    value_line = f"\n{metric_label}: {{value_text}}" if sized_by_metric else ""
    return pdk.Deck(
        layers=[
            outline_layer(outline),
            *(_label_layers(labels, points)[:1] if labels else []),
            others_layer,
            points_layer,
            *_selected_layer(points, selected_place_id),
            *(_label_layers(labels, points)[1:] if labels else []),
        ],
        initial_view_state=opening_view(),
        # No provider and the default style sentinel: Streamlit then draws no basemap and fetches nothing.
        map_provider=None,
        # Text tooltips: data is never interpreted as HTML.
        tooltip={"text": "{place_name}\n{details}" + value_line},
    )
