"""Named queries: one .sql file each, run through the store with bound parameters only."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from pbsa_analytics.errors import UnknownQueryError
from pbsa_analytics.store import Store
from pbsa_analytics.store.connection import MONITORING_WORD

# Queries returning a row per place x typology, outcome or metric (tens of thousands at scale), mostly text: converting
# their text columns to pandas through Arrow halves their time at scale (measured: benchmarks/bench_scale.py), but
# doubles it for the programme's few hundred rows, so only a store holding many places takes that route.
LARGE_RESULTS = frozenset(
    {
        "cohort_profiles",
        "monitoring_by_place",
        "outcome_matrix",
        "place_points",
        "reporting_completeness",
        "typology_change",
        "typology_matrix",
    }
)


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


def run(store: Store, name: str, /, **params: object) -> pd.DataFrame:
    """Run a named query; keyword arguments bind to its $name parameters."""
    return store.execute(load_sql(name), params or None, large=name in LARGE_RESULTS and store.holds_many_places())
