"""The place map as data: local outline, no basemap provider, pickable points, text tooltips."""

from __future__ import annotations

import json

import pandas as pd
import pydeck as pdk
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.maps.places import (
    LABELS_LAYER_ID,
    OTHERS_LAYER_ID,
    PLACES_LAYER_ID,
    SELECTED_LAYER_ID,
    load_outline,
    map_labels,
    places_deck,
)
from pbsa_analytics.maps.scale import binned_deck
from pbsa_analytics.periods import phase_period
from pbsa_analytics.services.scoping import run_scoped
from pbsa_analytics.store import Store
from pbsa_analytics.ui.map_view import places_map
from tests.leak_check import find_leaks, scope_terms


@pytest.fixture
def deck(store: Store) -> pdk.Deck:
    regions = queries.run(store, "regions")["region"].tolist()
    points = queries.run(
        store, "place_points", min_phase=1, regions=regions, metric="beneficiaries", **phase_period(2).params()
    )
    outline = load_outline(settings.data_dir() / "geo" / "uk_outline.geojson")
    return places_deck(points=points, outline=outline, sized_by_metric=True, metric_label="Beneficiaries")


@pytest.fixture
def deck_json(deck: pdk.Deck) -> dict:
    return json.loads(deck.to_json())


def test_deck_has_no_tile_server(deck_json: dict) -> None:
    """The deck names no map provider or remote style: nothing is fetched to draw it."""
    text = json.dumps(deck_json)
    assert "mapProvider" not in deck_json
    assert "http" not in text
    assert deck_json.get("mapStyle") in (None, "__MAP_STYLE__")


def test_outline_layer_is_the_local_uk_geojson(deck_json: dict) -> None:
    """The first layer draws the committed United Kingdom outline."""
    outline = deck_json["layers"][0]
    assert outline["@@type"] == "GeoJsonLayer"
    assert outline["data"]["features"][0]["properties"]["name"] == "United Kingdom"


def test_points_layer_holds_all_places_and_is_pickable(deck_json: dict) -> None:
    """All 20 places are pickable points, and missing figures are marked as such."""
    points = next(layer for layer in deck_json["layers"] if layer["id"] == PLACES_LAYER_ID)
    assert points["pickable"] is True
    assert len(points["data"]) == 20
    east_marsh = next(p for p in points["data"] if p["place_id"] == "east_marsh")
    assert east_marsh["value_text"] == "no figure"


def test_tooltip_is_plain_text(deck: pdk.Deck) -> None:
    """Tooltips use deck.gl's text mode so data is never interpreted as HTML."""
    # Streamlit reads the tooltip from this attribute; pydeck keeps it out of the JSON.
    tooltip = deck._tooltip
    assert "{place_name}" in tooltip["text"]
    assert "html" not in tooltip


def test_region_filter_narrows_points(store: Store) -> None:
    """Filtering to one region and Phase 3 leaves only the places there that reached Phase 3."""
    points = queries.run(
        store, "place_points", min_phase=3, regions=["North East"], metric="volunteers", **phase_period(2).params()
    )
    assert points["place_id"].tolist() == ["hartlepool"]


def test_place_and_binned_maps_share_one_outline_and_view(deck_json: dict) -> None:
    """The binned map (thousands of places) draws the very same outline layer and opening view as the place map."""
    points = pd.DataFrame({"latitude": [51.5, 53.4], "longitude": [-0.1, -2.9], "furthest_phase": [1, 3]})
    binned = json.loads(
        binned_deck(points=points, outline=load_outline(settings.data_dir() / "geo" / "uk_outline.geojson")).to_json()
    )
    assert binned["layers"][0] == deck_json["layers"][0]
    assert binned["initialViewState"] == deck_json["initialViewState"]


def test_partnership_deck_names_only_its_own_place(store: Store) -> None:
    """The deck a partnership's browser receives (points, labels, leaders, tooltip) names its own place and no other;
    the rest are grey region groups such as '3 other partnerships'."""
    regions = queries.run(store, "regions")["region"].tolist()
    principal = Principal(subject="p", display_name="P", role=Role.PARTNERSHIP, place_id="hartlepool")
    points = run_scoped(
        store, principal, "place_points", min_phase=1, regions=regions, metric="volunteers", **phase_period(2).params()
    )
    outline = load_outline(settings.data_dir() / "geo" / "uk_outline.geojson")
    for sized in (False, True):
        labels = map_labels(points, sized_by_metric=sized)
        deck = places_deck(
            points=points, outline=outline, sized_by_metric=sized, metric_label="Volunteers", labels=labels
        )
        sent = json.loads(deck.to_json())
        layers = {layer["id"]: layer for layer in sent["layers"][1:]}  # the outline is the UK, not a place
        text = json.dumps(layers) + json.dumps(deck._tooltip)
        forbidden, allowed = scope_terms(store, "hartlepool")
        assert find_leaks(text, forbidden=forbidden, allowed=allowed) == []
        assert [row["place_name"] for row in layers[PLACES_LAYER_ID]["data"]] == ["Hartlepool"]
        others = layers[OTHERS_LAYER_ID]["data"]
        assert sum(int(row["place_name"].split()[0]) for row in others) == 19
        shown = {row["text"] for row in layers[LABELS_LAYER_ID]["data"]}
        assert "Hartlepool" in shown
        assert "3 other partnerships" in shown  # London's three, as one grey point


def test_the_shared_map_sends_the_direct_decks_json_and_follows_every_input(store: Store) -> None:
    """The map the page draws is the deck built directly (same JSON, tooltip and labels); equal inputs reuse it,
    while another selection or another principal's scoped points get their own, which names no other place."""
    regions = queries.run(store, "regions")["region"].tolist()
    params = {"min_phase": 1, "regions": regions, "metric": "volunteers", **phase_period(2).params()}
    points = queries.run(store, "place_points", **params)
    outline_path = settings.data_dir() / "geo" / "uk_outline.geojson"
    choices = {"outline_path": outline_path, "sized_by_metric": True, "metric_label": "Volunteers"}
    labels, shared = places_map(points=points, selected_place_id=None, **choices)
    expected_labels = map_labels(points, sized_by_metric=True)
    direct = places_deck(points=points, outline=load_outline(outline_path), sized_by_metric=True,
                         metric_label="Volunteers", labels=expected_labels)  # fmt: skip
    assert (shared.to_json(), shared._tooltip, labels) == (direct.to_json(), direct._tooltip, expected_labels)
    assert places_map(points=points.copy(), selected_place_id=None, **choices)[1] is shared
    ringed = places_map(points=points, selected_place_id="hartlepool", **choices)[1]
    assert SELECTED_LAYER_ID in ringed.to_json()
    assert SELECTED_LAYER_ID not in shared.to_json()
    principal = Principal(subject="p", display_name="P", role=Role.PARTNERSHIP, place_id="hartlepool")
    theirs = places_map(points=run_scoped(store, principal, "place_points", **params), selected_place_id=None,
                        **choices)[1]  # fmt: skip
    forbidden, allowed = scope_terms(store, "hartlepool")
    sent = json.loads(theirs.to_json())
    assert find_leaks(json.dumps(sent["layers"][1:]), forbidden=forbidden, allowed=allowed) == []


def test_points_facts_equal_a_count_over_the_data_files(store: Store) -> None:
    """Each point's furthest phase, latest lead organisation and evidence count (made once per build) equal a pandas
    derivation from data/'s participation and evidence files."""
    regions = queries.run(store, "regions")["region"].tolist()
    points = queries.run(store, "place_points", min_phase=1, regions=regions, metric="volunteers",
                         **phase_period(2).params()).set_index("place_id")  # fmt: skip
    data = settings.data_dir()
    took = pd.read_csv(data / "phase_participation.csv").query("status == 'took_part'")
    furthest = took.groupby("place_id")["phase"].max()
    latest_leads = took.dropna(subset=["lead_organisation"]).sort_values("phase").groupby("place_id").last()
    evidence = pd.concat(pd.read_csv(path) for path in sorted((data / "evidence").glob("*.csv")))
    counts = evidence.dropna(subset=["place_id"]).groupby("place_id").size()
    assert sorted(points.index) == sorted(furthest.index)
    for place_id, point in points.iterrows():
        assert point["furthest_phase"] == furthest[place_id]
        lead = latest_leads["lead_organisation"].get(place_id)
        if lead is None:
            assert pd.isna(point["lead_organisation"])
        else:
            assert point["lead_organisation"] == lead
        assert point["evidence_records"] == counts.get(place_id, 0)
    assert points["evidence_records"].sum() > 0
    assert points["lead_organisation"].notna().sum() > 0
