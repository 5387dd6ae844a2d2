"""Map labels: every place named once, no drawn label over another label or a dot, crowds on leader lines."""

from __future__ import annotations

import itertools
import json
import math

import pandas as pd
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.maps import labels as map_label_module
from pbsa_analytics.maps.labels import Placement, to_lonlat, to_pixels
from pbsa_analytics.maps.places import (
    LABELS_LAYER_ID,
    LEADERS_LAYER_ID,
    PLACES_LAYER_ID,
    load_outline,
    map_labels,
    places_deck,
)
from pbsa_analytics.periods import parse_period, phase_period
from pbsa_analytics.store import Store
from tests.test_pages import open_page

ZOOM = 4.9


@pytest.fixture
def points(store: Store) -> pd.DataFrame:
    regions = queries.run(store, "regions")["region"].tolist()
    return queries.run(
        store, "place_points", min_phase=1, regions=regions, metric="volunteers", **phase_period(2).params()
    )


def _box(label, points: pd.DataFrame) -> tuple[float, float, float, float]:
    x, y = to_pixels(*label.anchor_lonlat, zoom=ZOOM)
    x, y = x + label.offset_px[0], y + label.offset_px[1]
    width = map_label_module.CHAR_WIDTH_PX * len(label.text)
    left = {"start": x, "end": x - width, "middle": x - width / 2}[label.text_anchor]
    half = map_label_module.LABEL_HEIGHT_PX / 2
    return left, y - half, left + width, y + half


def _overlap(a, b) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def test_every_place_has_exactly_one_label(points: pd.DataFrame) -> None:
    """Each place gets one label with its own name, whatever its placement."""
    labels = map_labels(points)
    assert sorted(label.place_id for label in labels) == sorted(points["place_id"])
    names = dict(zip(points["place_id"], points["place_name"], strict=True))
    assert all(label.text == names[label.place_id] for label in labels)


def test_drawn_labels_overlap_no_other_label_or_dot(points: pd.DataFrame) -> None:
    """No two drawn labels overlap, and no drawn label covers any place's dot, at the opening zoom."""
    drawn = [label for label in map_labels(points) if label.placement is not Placement.LISTED]
    boxes = [_box(label, points) for label in drawn]
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b)
    radius = map_label_module.DOT_RADIUS_PX
    for lon, lat in zip(points["longitude"], points["latitude"], strict=True):
        x, y = to_pixels(lon, lat, zoom=ZOOM)
        dot = (x - radius, y - radius, x + radius, y + radius)
        assert not any(_overlap(dot, box) for box in boxes)


def test_london_crowd_uses_leader_lines(points: pd.DataFrame) -> None:
    """Where dots crowd (London), some names move onto leader lines rather than overlapping."""
    london = set(points.loc[points["region"] == "London", "place_id"])
    placements = {label.place_id: label.placement for label in map_labels(points)}
    assert len(london) >= 3
    assert any(placements[place] is not Placement.NEAR for place in london)


def test_pixel_projection_round_trips() -> None:
    """Projecting to pixels and back returns the same longitude and latitude."""
    lon, lat = to_lonlat(*to_pixels(-1.2, 54.7, zoom=ZOOM), zoom=ZOOM)
    assert lon == pytest.approx(-1.2)
    assert lat == pytest.approx(54.7)


def test_deck_draws_labels_and_leaders(points: pd.DataFrame) -> None:
    """The deck carries a text layer with one entry per drawn label and a line per leader label."""
    labels = map_labels(points)
    outline = load_outline(settings.data_dir() / "geo" / "uk_outline.geojson")
    deck = json.loads(places_deck(points=points, outline=outline, sized_by_metric=False, labels=labels).to_json())
    layers = {layer["id"]: layer for layer in deck["layers"]}
    drawn = [label for label in labels if label.placement is not Placement.LISTED]
    assert sorted(row["text"] for row in layers[LABELS_LAYER_ID]["data"]) == sorted(label.text for label in drawn)
    leaders = [label for label in labels if label.placement is Placement.LEADER]
    assert len(layers[LEADERS_LAYER_ID]["data"]) == len(leaders)


@pytest.mark.usefixtures("db_env")
def test_search_box_opens_a_place_by_alias() -> None:
    """Typing an alias (Bootle) in the search box opens that place's panel and puts its id in the URL."""
    app = open_page("pages/map.py")
    app.text_input(key="map_find").input("bootle").run()
    assert app.query_params["place"] == "sefton"
    assert any("Bootle" in str(s.value) for s in app.subheader)


@pytest.mark.usefixtures("db_env")
def test_search_box_offers_several_matches() -> None:
    """A part of a name shared by several places offers each as a button."""
    app = open_page("pages/map.py")
    app.text_input(key="map_find").input("ha").run()
    assert len([b for b in app.button if b.key and b.key.startswith("map_find_")]) >= 2
    assert "place" not in app.query_params


SIZED_METRICS = ["volunteers", "beneficiaries", "activities", "public_meetings"]


def _deck_geometry(store: Store, metric: str, period) -> tuple[list[tuple], list[tuple], pd.DataFrame]:
    """(label boxes, dot circles) in screen pixels, read back from the deck the browser receives."""
    regions = queries.run(store, "regions")["region"].tolist()
    points = queries.run(store, "place_points", min_phase=1, regions=regions, metric=metric, **period.params())
    outline = load_outline(settings.data_dir() / "geo" / "uk_outline.geojson")
    labels = map_labels(points, sized_by_metric=True)
    deck = json.loads(
        places_deck(points=points, outline=outline, sized_by_metric=True, metric_label=metric, labels=labels).to_json()
    )
    layers = {layer["id"]: layer for layer in deck["layers"]}
    width, half = map_label_module.CHAR_WIDTH_PX, map_label_module.LABEL_HEIGHT_PX / 2
    boxes = []
    for text in layers[LABELS_LAYER_ID]["data"]:
        x, y = to_pixels(*text["position"], zoom=ZOOM)
        x, y = x + text["offset"][0], y + text["offset"][1]
        span = width * len(text["text"])
        left = {"start": x, "end": x - span, "middle": x - span / 2}[text["anchor"]]
        boxes.append((left, y - half, left + span, y + half, text["text"]))
    dots = []
    for dot in layers[PLACES_LAYER_ID]["data"]:
        x, y = to_pixels(*dot["position"], zoom=ZOOM)
        # As deck.gl draws it: metres to pixels at this latitude, at least radius_min_pixels, plus half the edge.
        metres_per_px = 40_075_016.686 * math.cos(math.radians(dot["position"][1])) / (512 * 2**ZOOM)
        dots.append((x, y, max(dot["radius"] / metres_per_px, 5) + 1, dot["place_name"]))
    leaders = [
        (to_pixels(*line["from"], zoom=ZOOM), to_pixels(*line["to"], zoom=ZOOM))
        for line in layers[LEADERS_LAYER_ID]["data"]
    ]
    return boxes, dots, points, leaders


def _segment_distance(point: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (px, py), (ax, ay), (bx, by) = point, a, b
    length = (bx - ax) ** 2 + (by - ay) ** 2
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / length))
    return math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)))


def _segment_crosses_box(a: tuple[float, float], b: tuple[float, float], box: tuple) -> bool:
    steps = max(2, int(math.dist(a, b) * 2))
    points = [(a[0] + (b[0] - a[0]) * i / steps, a[1] + (b[1] - a[1]) * i / steps) for i in range(steps + 1)]
    return any(box[0] < x < box[2] and box[1] < y < box[3] for x, y in points)


def _box_meets_circle(box: tuple, circle: tuple) -> bool:
    left, top, right, bottom = box[:4]
    x, y, radius = circle[:3]
    nearest_x, nearest_y = min(max(x, left), right), min(max(y, top), bottom)
    return math.hypot(x - nearest_x, y - nearest_y) < radius


@pytest.mark.parametrize("metric", SIZED_METRICS)
@pytest.mark.parametrize("period", [phase_period(2), parse_period("all")], ids=["phase-2", "all"])
def test_labels_clear_sized_dots_and_each_other(store: Store, metric: str, period) -> None:
    """With dots sized by a metric, no drawn label box touches another label or any dot as deck.gl draws it."""
    boxes, dots, points, _ = _deck_geometry(store, metric, period)
    assert len(dots) == len(points) >= 20
    assert any(dot[2] > map_label_module.DOT_RADIUS_PX + 4 for dot in dots)  # some dots really are big
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (a[4], b[4])
    for box in boxes:
        for dot in dots:
            assert not _box_meets_circle(box, dot), (box[4], dot[3])


@pytest.mark.parametrize("metric", SIZED_METRICS)
def test_london_cluster_is_named_when_sized(store: Store, metric: str) -> None:
    """London's three close places are each named, even when sized: on the map (beside the dot or on a leader)
    or, at most one of them, in the page's "too crowded to label" list, never silently left out."""
    boxes, _, points, _ = _deck_geometry(store, metric, phase_period(2))
    london = set(points.loc[points["region"] == "London", "place_name"])
    listed = {label.text for label in map_labels(points, sized_by_metric=True) if label.placement is Placement.LISTED}
    assert len(london) >= 3
    assert london <= {box[4] for box in boxes} | listed
    assert len(london & listed) <= 1


@pytest.mark.parametrize("metric", SIZED_METRICS)
def test_leader_lines_cross_no_label_or_other_dot(store: Store, metric: str) -> None:
    """Each leader line runs from its dot to its own label without crossing another label, another leader or another
    place's dot (a dot drawn over its own dot excepted), so a line never seems to point at the wrong place."""
    boxes, dots, _, leaders = _deck_geometry(store, metric, phase_period(2))
    assert leaders
    for start, end in leaders:
        for dot in dots:
            if math.hypot(dot[0] - start[0], dot[1] - start[1]) < dot[2]:
                continue  # its own dot, or a bigger dot its own sits inside
            assert _segment_distance(dot[:2], start, end) >= dot[2], dot[3]
        for box in boxes:
            if box[0] - 0.5 <= end[0] <= box[2] + 0.5 and box[1] - 0.5 <= end[1] <= box[3] + 0.5:
                continue  # its own label, which the line ends on
            assert not _segment_crosses_box(start, end, box), box[4]
    reach = map_label_module.DOT_RADIUS_PX + map_label_module.CROWD_MARGIN_PX
    for (a, b), (c, d) in itertools.combinations(leaders, 2):
        assert not _lines_cross(_beyond(a, b, reach), b, _beyond(c, d, reach), d)  # outside a crowd of touching dots


def _beyond(a, b, reach: float):
    t = min(1.0, reach / max(math.dist(a, b), 1e-9))
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _lines_cross(a, b, c, d) -> bool:
    def side(p, q, r) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0
