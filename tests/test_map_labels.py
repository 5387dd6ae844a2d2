"""Map labels: every place named once, no drawn label over another label or a dot, crowds on leader lines."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.maps import labels as map_label_module
from pbsa_analytics.maps.labels import Placement, to_lonlat, to_pixels
from pbsa_analytics.maps.places import LABELS_LAYER_ID, LEADERS_LAYER_ID, load_outline, map_labels, places_deck
from pbsa_analytics.periods import phase_period
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
