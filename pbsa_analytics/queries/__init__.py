"""Named queries: one .sql file each, run through the store with bound parameters only."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from pbsa_analytics.errors import UnknownQueryError
from pbsa_analytics.store import Store
from pbsa_analytics.store.connection import MONITORING_WORD

# Queries returning a row per place, or per place x typology, outcome, metric or period, mostly text, with about how
# many rows each gives per place. Converting their text to pandas through Arrow halves their time at scale
# (benchmarks/bench_scale.py) but costs about 6 ms however few the rows, so a query takes that route only when the
# store's places times its rows per place reach ARROW_FROM_ROWS (the crossover, measured at 3,000-10,000 rows): never
# on the programme's 20-odd places, where it doubled these queries' time.
ROWS_PER_PLACE: dict[str, int] = {
    "cohort_profiles": 20,  # typologies x the phases a place took part in
    "monitoring_by_place": 4,  # metrics
    "outcome_matrix": 9,  # outcomes
    "place_points": 1,
    "reporting_completeness": 20,  # reporting periods
    "reporting_completeness_summary": 3,  # statuses a place's periods had
    "typology_change": 9,  # typologies
    "typology_change_places": 1,
    "typology_matrix": 9,  # typologies
    "typology_places": 1,  # the place's profile
}
LARGE_RESULTS = frozenset(ROWS_PER_PLACE)
ARROW_FROM_ROWS = 5_000


@cache
def load_sql(name: str) -> str:
    """Return the text of queries/sql/<name>.sql."""
    sql_file = resources.files("pbsa_analytics.queries").joinpath("sql", f"{name}.sql")
    if not sql_file.is_file():
        raise UnknownQueryError(f"no query named {name!r}")
    return sql_file.read_text(encoding="utf-8")


@cache
def reads_imports(name: str) -> bool:
    """Whether the named query can read imported monitoring: only statements naming it are bound to the imports
    (tests/test_store_lifecycle.py checks every view and macro over them is named monitoring*), so any other
    query's result depends on the built store and its parameters alone."""
    return MONITORING_WORD in load_sql(name).lower()


def _expected_rows(store: Store, name: str, params: dict) -> int:
    """About how many rows a grid query returns: its rows per place times the places it covers (a page's $count or
    $place_ids)."""
    places = store.place_count()
    if params.get("count") is not None:
        places = min(places, int(params["count"]))
    if params.get("place_ids") is not None:
        places = min(places, len(params["place_ids"]))
    return places * ROWS_PER_PLACE.get(name, 0)


def run(store: Store, name: str, /, **params: object) -> pd.DataFrame:
    """Run a named query; keyword arguments bind to its $name parameters."""
    large = _expected_rows(store, name, params) >= ARROW_FROM_ROWS
    return store.execute(load_sql(name), params or None, large=large)
