"""Data tests over the built views: unique keys, not null, accepted values, relationships."""

from __future__ import annotations

import pandas as pd
import pytest

from pbsa_analytics.store import VIEWS, Store

PLACE_IDS = {
    "andover", "banbury", "sefton", "bristol", "halifax", "colchester", "coventry", "east_marsh",
    "hackney", "hammersmith", "hartlepool", "havant", "islington", "lincoln", "poole", "portsmouth",
    "townstal", "thurrock", "watchet", "wirral",
}  # fmt: skip
TYPOLOGY_IDS = {
    "advocacy_social_movements", "befriending_helping", "community_asset_ownership",
    "community_organising", "cooperatively_owned_services", "co_production", "formal_volunteering",
    "peer_support_learning", "time_credits",
}  # fmt: skip

UNIQUE_KEYS = [
    ("places", "place_id"),
    ("place_aliases", "place_id, alias"),
    ("phase_participation", "place_id, phase"),
    ("phases", "phase"),
    ("typologies", "typology_id"),
    ("place_typology", "place_id, phase, typology_id"),
    ("activities", "activity_id"),
    ("activity_typology", "activity_id, typology_id"),
    ("place_activity", "place_id, phase, activity_id"),
    ("metrics", "metric"),
    ("monitoring", "place_id, phase, period_start, period_end, metric"),
    ("outcomes", "outcome_id"),
    ("evidence", "evidence_id"),
    ("enablers", "enabler_id"),
    ("conditions", "condition_id"),
    ("sources", "document_id"),
    ("caveats", "caveat_id"),
]

NOT_NULL = [
    ("places", "place_name"), ("places", "lad_code"), ("places", "lad_year"), ("places", "region"),
    ("places", "latitude"), ("places", "longitude"), ("places", "summary"),
    ("phase_participation", "status"), ("phases", "name"), ("typologies", "name"),
    ("typologies", "description"), ("metrics", "definition"), ("metrics", "unit"),
    ("monitoring", "period_start"), ("outcomes", "title"), ("evidence", "summary"),
    ("enablers", "name"), ("conditions", "text"), ("outcomes", "statement"), ("sources", "author"),
    ("sources", "short_title"), ("caveats", "text"),
]  # fmt: skip

ACCEPTED = [
    ("places", "place_id", PLACE_IDS),
    ("typologies", "typology_id", TYPOLOGY_IDS),
    ("places", "scale", {"neighbourhood", "ward", "town_city_borough", None}),
    ("phase_participation", "status", {"took_part", "not_selected", "not_progressed", "withdrew"}),
    ("place_typology", "basis", {"planned", "delivered"}),
    ("metrics", "metric", {"volunteers", "beneficiaries", "activities", "public_meetings"}),
    ("outcomes", "level", {"place", "programme"}),
    ("conditions", "framework", {"nef_e1_checklist", "esa_workshop"}),
    ("conditions", "group_name", {"mission", "resources", "relationships", None}),
    ("sources", "kind", {"report", "project", "dataset"}),
]

# (child view, column, parent view, key)
RELATIONSHIPS = [
    (view, "place_id", "places", "place_id")
    for view in (
        "place_aliases",
        "phase_participation",
        "place_typology",
        "place_activity",
        "monitoring",
        "evidence",
    )
] + [
    ("place_typology", "typology_id", "typologies", "typology_id"),
    ("activity_typology", "typology_id", "typologies", "typology_id"),
    ("evidence", "typology_id", "typologies", "typology_id"),
    ("evidence", "outcome_id", "outcomes", "outcome_id"),
    ("evidence", "enabler_id", "enablers", "enabler_id"),
    ("place_activity", "activity_id", "activities", "activity_id"),
    ("activity_typology", "activity_id", "activities", "activity_id"),
    ("monitoring", "metric", "metrics", "metric"),
    ("monitoring", "phase", "phases", "phase"),
    ("phase_participation", "phase", "phases", "phase"),
]


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_has_rows_and_a_source(store: Store, view: str) -> None:
    """Every view holds rows, and every row names the document it comes from."""
    frame = store.execute(f'select * from "{view}"')
    assert len(frame) > 0
    assert "source" in frame.columns
    assert frame["source"].notna().all()
    assert (frame["source"].str.len() > 10).all()


@pytest.mark.parametrize(("view", "key"), UNIQUE_KEYS)
def test_keys_are_unique(store: Store, view: str, key: str) -> None:
    """No key value appears twice in its view."""
    dupes = store.execute(f"select {key}, count(*) as n from {view} group by all having count(*) > 1")
    assert dupes.empty, dupes.to_string()


@pytest.mark.parametrize(("view", "column"), NOT_NULL)
def test_required_columns_are_filled(store: Store, view: str, column: str) -> None:
    """Columns the app relies on are never null."""
    nulls = store.execute(f"select count(*) as n from {view} where {column} is null")["n"].iloc[0]
    assert nulls == 0


@pytest.mark.parametrize(("view", "column", "accepted"), ACCEPTED)
def test_values_are_accepted(store: Store, view: str, column: str, accepted: set) -> None:
    """Coded columns hold only the documented codes."""
    values = store.execute(f"select distinct {column} as v from {view}")["v"]
    seen = {None if pd.isna(value) else value for value in values}
    assert seen <= accepted, seen - accepted


def test_all_twenty_places_are_present(store: Store) -> None:
    """The places view has exactly the 20 Phase 1 place ids."""
    assert set(store.execute("select place_id from places")["place_id"]) == PLACE_IDS


@pytest.mark.parametrize(("child", "column", "parent", "key"), RELATIONSHIPS)
def test_references_resolve(store: Store, child: str, column: str, parent: str, key: str) -> None:
    """Every id used in one view exists in the view that defines it."""
    orphans = store.execute(
        f"select distinct c.{column} from {child} c anti join {parent} p on c.{column} = p.{key} "
        f"where c.{column} is not null"
    )
    assert orphans.empty, orphans.to_string()


def test_each_place_is_reachable_by_its_own_id_and_name(store: Store) -> None:
    """Lookups of user input through place_aliases find every place by its id and its name."""
    missing = store.execute(
        "select place_id from places p where not exists (select 1 from place_aliases a "
        "where a.place_id = p.place_id and a.alias_key = lower(p.place_id)) "
        "or not exists (select 1 from place_aliases a where a.place_id = p.place_id "
        "and a.alias_key = lower(p.place_name))"
    )
    assert missing.empty, missing.to_string()


def test_each_alias_names_one_place(store: Store) -> None:
    """An alias, compared case-insensitively, never points at two places."""
    ambiguous = store.execute(
        "select alias_key from place_aliases group by alias_key having count(distinct place_id) > 1"
    )
    assert ambiguous.empty, ambiguous.to_string()
