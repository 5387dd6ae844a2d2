"""The place map's labels and deck, built and converted to JSON once per equal parameters (shared like charts).

Why: placing ~40 name labels and pydeck's JSON conversion of every layer row were most of a warm /map rerun,
though both depend only on the (already scoped) points and the choices below, never on who is looking.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pydeck as pdk

from pbsa_analytics.maps import scale
from pbsa_analytics.maps.labels import Label
from pbsa_analytics.maps.places import load_outline, map_labels, places_deck
from pbsa_analytics.ui.chart_specs import shared_view


class ConvertedDeck:
    """A deck as st.pydeck_chart reads it (its JSON, tooltip and map key), converted once.

    No layers are left for Streamlit's DataFrame-to-records step: the JSON is made, and our layers hold records.
    """

    def __init__(self, deck: pdk.Deck) -> None:
        self.layers: list = []
        self.deck_widget = getattr(deck, "deck_widget", None)
        self._tooltip = getattr(deck, "_tooltip", None)
        self.mapbox_key = getattr(deck, "mapbox_key", None)
        self._json = deck.to_json()

    def to_json(self) -> str:
        return self._json


def _build(
    *, points: pd.DataFrame, outline_path: str, sized_by_metric: bool, metric_label: str, selected_place_id: str | None
) -> tuple[list[Label], ConvertedDeck]:
    outline = load_outline(Path(outline_path))
    if len(points) > scale.BIN_THRESHOLD:  # thousands of points: bins a person can read, not a cloud
        return [], ConvertedDeck(scale.binned_deck(points=points, outline=outline))
    labels = map_labels(points, sized_by_metric=sized_by_metric)
    deck = places_deck(
        points=points, outline=outline, sized_by_metric=sized_by_metric, metric_label=metric_label, labels=labels,
        selected_place_id=selected_place_id,
    )  # fmt: skip
    return labels, ConvertedDeck(deck)


def places_map(
    *, points: pd.DataFrame, outline_path: Path, sized_by_metric: bool, metric_label: str, selected_place_id: str | None
) -> tuple[list[Label], ConvertedDeck]:
    """The name labels (empty when binned) and the deck to draw, shared by every rerun passing equal parameters."""
    return shared_view(
        _build, points=points, outline_path=str(outline_path), sized_by_metric=sized_by_metric,
        metric_label=metric_label, selected_place_id=selected_place_id,
    )  # fmt: skip
