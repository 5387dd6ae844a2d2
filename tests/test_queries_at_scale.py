"""Faster paths for large query results give exactly the frames DuckDB's own conversion gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import queries
from pbsa_analytics.periods import phase_period, quarter
from pbsa_analytics.services.demo import load_demo
from pbsa_analytics.store import Store
from tests.imports_support import fresh_store

COMPLETENESS = {"due_days": 30, "received_ids": [], "received_on": []}


def _cases(store: Store) -> list[tuple[str, dict]]:
    """Every large-result query with the parameters the pages pass, for every phase."""
    cases = [("typology_matrix", {"phase": phase, "place_ids": None}) for phase in (1, 2, 3)]
    cases += [("typology_places", {"phase": phase}) for phase in (1, 2, 3)]
    cases += [("outcome_matrix", {"phase": phase}) for phase in (1, 2, 3)]
    cases += [("cohort_profiles", {"cohort_phase": phase, "first": 0, "count": None}) for phase in (1, 2, 3)]
    pairs = ((1, 2), (1, 3), (2, 3))
    cases += [("typology_change", {"from_phase": a, "to_phase": b, "first": 0, "count": None}) for a, b in pairs]
    cases += [("typology_change_places", {"from_phase": a, "to_phase": b}) for a, b in pairs]
    periods = [phase_period(phase).params() for phase in (1, 2, 3)] + [quarter(2024, 1).params()]
    cases += [("monitoring_by_place", period) for period in periods]
    metrics = store.execute("select metric from metrics")["metric"].tolist()
    regions = store.execute("select distinct region from places")["region"].tolist()
    cases += [("place_points", {**period, "min_phase": 1, "regions": regions, "metric": metric})
              for period in periods for metric in metrics]  # fmt: skip
    cases += [(name, {**period, **COMPLETENESS}) for period in periods
              for name in ("reporting_completeness", "reporting_completeness_summary")]  # fmt: skip
    return cases


@pytest.fixture(scope="module")
def demo_store(built_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A private store copy with the seeded synthetic demo returns (quarterly Phase 3 figures from imports)."""
    store = fresh_store(built_db, tmp_path_factory.mktemp("large-results-demo"))
    load_demo(store)
    yield store
    store.close()


def _assert_same_frames(store: Store) -> None:
    cases = _cases(store)
    assert {name for name, _ in cases} == queries.LARGE_RESULTS
    for name, params in cases:
        sql = queries.load_sql(name)
        expected = store.execute(sql, params)
        pd.testing.assert_frame_equal(store.execute(sql, params, large=True), expected, obj=name)
        pd.testing.assert_frame_equal(queries.run(store, name, **params), expected, obj=name)


def test_large_results_equal_duckdbs_own_frames_on_the_programme_store(store: Store) -> None:
    """Every large-result query gives, through Arrow, the frame `.df()` gives: columns, dtypes, values, order."""
    _assert_same_frames(store)


def test_large_results_equal_duckdbs_own_frames_with_imported_quarters(demo_store: Store) -> None:
    """The same holds with imported quarterly figures, where import ids and received dates are filled in."""
    _assert_same_frames(demo_store)
    received = demo_store.execute("select distinct import_id from monitoring where import_id is not null")
    ids = received["import_id"].tolist()
    params = {**phase_period(3).params(), "due_days": 10, "received_ids": ids, "received_on": ["2024-01-20"] * len(ids)}
    sql = queries.load_sql("reporting_completeness")
    pd.testing.assert_frame_equal(demo_store.execute(sql, params, large=True), demo_store.execute(sql, params))


@pytest.mark.parametrize(
    "sql",
    [
        "select 'a' as x, null::varchar as y, 1 as z union all select null, null, 2",  # text, all-null text, int
        "select 'a' as x, 'b' as y",  # text columns only
        "select 1 as z, date '2024-01-01' as d",  # no text column
        "select 'a' as x where false",  # no rows
        "select 'a' as x, 'b' as x",  # duplicate column names
    ],
)
def test_arrow_conversion_handles_edge_shapes(store: Store, sql: str) -> None:
    """All-null, text-only, text-free, empty and duplicate-named results convert exactly as `.df()` does."""
    pd.testing.assert_frame_equal(store.execute(sql, large=True), store.execute(sql))


def test_quarter_windows_convert_the_same(demo_store: Store) -> None:
    """A one-quarter window (few rows, many nulls) gives the same frames through either conversion."""
    period = quarter(2023, 10).params()
    for name in ("monitoring_by_place", "reporting_completeness"):
        params = {**period, **COMPLETENESS} if name == "reporting_completeness" else period
        sql = queries.load_sql(name)
        pd.testing.assert_frame_equal(demo_store.execute(sql, params, large=True), demo_store.execute(sql, params))


@pytest.fixture
def conversion_routes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each query the store runs from now on takes the Arrow conversion (True) or DuckDB's own."""
    routes: list[bool] = []
    real_execute = Store.execute

    def spy(self: Store, sql: str, params: object = None, *, large: bool = False) -> pd.DataFrame:
        routes.append(large)
        return real_execute(self, sql, params, large=large)

    monkeypatch.setattr(Store, "execute", spy)
    return routes


def test_grid_queries_take_arrow_only_when_the_store_holds_many_places(
    store: Store, monkeypatch: pytest.MonkeyPatch, conversion_routes: list[bool]
) -> None:
    """The programme's 20-odd places use DuckDB's own conversion (faster for few rows); a store of many, Arrow's."""
    few = queries.run(store, "typology_matrix", phase=1, place_ids=None)
    # As if the store held just enough places for this grid to reach the crossover.
    monkeypatch.setattr(queries, "ARROW_FROM_ROWS", store.place_count() * queries.ROWS_PER_PLACE["typology_matrix"])
    many = queries.run(store, "typology_matrix", phase=1, place_ids=None)
    queries.run(store, "places_list")  # not a grid: never Arrow's route
    assert conversion_routes == [False, True, False]
    pd.testing.assert_frame_equal(many, few)


def test_a_page_of_a_grid_is_sized_by_its_places_not_the_stores(
    store: Store, monkeypatch: pytest.MonkeyPatch, conversion_routes: list[bool]
) -> None:
    """A page of 3 places stays on DuckDB's own conversion where the whole grid would take Arrow's."""
    monkeypatch.setattr(queries, "ARROW_FROM_ROWS", store.place_count() * queries.ROWS_PER_PLACE["cohort_profiles"])
    queries.run(store, "cohort_profiles", cohort_phase=2, first=0, count=None)
    queries.run(store, "cohort_profiles", cohort_phase=2, first=0, count=3)
    assert conversion_routes == [True, False]


def test_the_store_counts_its_places_once_per_build(store: Store) -> None:
    """place_count() is the number of rows in places, which sizes what a grid query returns."""
    assert store.place_count() == len(store.execute("select place_id from places"))
