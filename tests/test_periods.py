"""Period maths: two imported quarters and the seeded demo store against independent pandas computations."""

from __future__ import annotations

import io
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.analysis.cohort import monitoring_comparison
from pbsa_analytics.analysis.trends import completeness_summary
from pbsa_analytics.charts.monitoring import STATUS_COLOURS
from pbsa_analytics.demo.returns import DEMO_AUTHOR, DEMO_NOTE, quarterly_returns
from pbsa_analytics.maps.places import BASE_RADIUS_M, MAX_EXTRA_RADIUS_M, point_records
from pbsa_analytics.periods import (
    DUE_DAYS,
    WHOLE_PROGRAMME,
    Period,
    UnknownPeriodError,
    parse_period,
    period_label,
    period_options,
    phase_period,
)
from pbsa_analytics.services import monitoring
from pbsa_analytics.services.demo import DemoStoreError, check_demo_target, load_demo
from tests.imports_support import fresh_store

DATA = settings.REPO_ROOT / "data"
QUARTERS = [(date(2023, 4, 1), date(2023, 6, 30)), (date(2023, 7, 1), date(2023, 9, 30))]
ALL_REGIONS = [
    "North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West",
]  # fmt: skip


def _rules() -> pd.Series:
    return pd.read_csv(DATA / "metrics.csv").set_index("metric")["over_time"]


def _published() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "monitoring.csv", parse_dates=["period_start", "period_end"])
    return frame[["place_id", "phase", "period_start", "period_end", "metric", "value"]]


def _phase3_places() -> list[str]:
    participation = pd.read_csv(DATA / "phase_participation.csv")
    return sorted(participation.query("phase == 3 and status == 'took_part'")["place_id"])


def _cohort(phases: set[int]) -> set[str]:
    participation = pd.read_csv(DATA / "phase_participation.csv")
    return set(
        participation[participation["phase"].isin(phases) & (participation["status"] == "took_part")]["place_id"]
    )


def _combine(rows: pd.DataFrame) -> pd.DataFrame:
    """Independent reference: per place and metric, the declared rule over the period's rows."""
    rules = _rules()
    out = []
    for (place_id, metric), group in rows.groupby(["place_id", "metric"]):
        given = group.dropna(subset=["value"])
        rule = rules[metric]
        if given.empty:
            value = np.nan
        elif rule == "sum":
            value = given["value"].sum()
        elif rule == "peak":
            value = given["value"].max()
        else:
            value = given.sort_values("period_end")["value"].iloc[-1]
        out.append({"place_id": place_id, "metric": metric, "value": value})
    return pd.DataFrame(out, columns=["place_id", "metric", "value"])


def _in_period(rows: pd.DataFrame, period: Period) -> pd.DataFrame:
    keep = (rows["period_start"] >= pd.Timestamp(period.start)) & (rows["period_end"] <= pd.Timestamp(period.end))
    if period.phase is not None:
        keep &= rows["phase"] == period.phase
    return rows[keep]


def _two_quarters() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for start, end in QUARTERS:
        for place_id in _phase3_places():
            for metric in ("volunteers", "beneficiaries", "activities", "public_meetings"):
                value = None if rng.random() < 0.1 else int(rng.integers(0, 400))
                rows.append({"place_id": place_id, "phase": 3, "period_start": pd.Timestamp(start),
                             "period_end": pd.Timestamp(end), "metric": metric, "value": value})  # fmt: skip
    return pd.DataFrame(rows)


def _as_csv(rows: pd.DataFrame) -> bytes:
    out = rows.assign(
        place=rows["place_id"],
        period_start=rows["period_start"].dt.date.astype(str),
        period_end=rows["period_end"].dt.date.astype(str),
        value=rows["value"].astype("Int64"),
    )[["place", "period_start", "period_end", "metric", "value"]]
    return out.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def two_quarter_store(built_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A store copy with two quarterly returns (Apr–Jun and Jul–Sep 2023) for the nine Phase 3 places."""
    store = fresh_store(built_db, tmp_path_factory.mktemp("two-quarters"))
    quarters = _two_quarters()
    for start, _ in QUARTERS:
        chunk = quarters[quarters["period_start"] == pd.Timestamp(start)]
        monitoring.import_file(store, data=_as_csv(chunk), file_name=f"q-{start}.csv", replace=False,
                               submitted_by="test")  # fmt: skip
    yield store, pd.concat([_published(), quarters], ignore_index=True)
    store.close()


PERIODS = [phase_period(2), phase_period(3), parse_period("q-2023-04"), parse_period("q-2023-07"),
           parse_period("fy-2023"), WHOLE_PROGRAMME]  # fmt: skip


@pytest.mark.parametrize("period", PERIODS, ids=[p.code for p in PERIODS])
def test_totals_ranks_shares_and_map_sizes_follow_the_declared_rules(two_quarter_store, period: Period) -> None:
    """Every total, per-place value, rank, share and map size for the period equals an independent pandas
    computation that applies each metric's rule over periods and sums over places."""
    store, rows = two_quarter_store
    expected = _combine(_in_period(rows, period))
    by_place = queries.run(store, "monitoring_by_place", **period.params())
    phases = {period.phase} if period.phase else set(_in_period(rows, period)["phase"])
    assert set(by_place["place_id"]) == _cohort(phases)
    got = by_place.merge(expected, on=["place_id", "metric"], how="left", suffixes=("", "_expected"))
    pd.testing.assert_series_equal(
        got["value"].astype(float), got["value_expected"].astype(float), check_names=False, check_index=False
    )

    totals = queries.run(store, "monitoring_totals", **period.params()).set_index("metric")
    for metric, group in expected.groupby("metric"):
        given = group["value"].dropna()
        assert totals.loc[metric, "total"] == given.sum()
        assert totals.loc[metric, "reporting"] == len(given)

    for place_id in _phase3_places():
        comparison = monitoring_comparison(by_place, place_id=place_id).set_index("metric")
        for metric, group in expected.groupby("metric"):
            given = group.dropna(subset=["value"]).set_index("place_id")["value"]
            if place_id not in given.index:
                continue
            own = given[place_id]
            assert comparison.loc[metric, "rank"] == 1 + (given > own).sum()
            assert comparison.loc[metric, "share_of_total"] == pytest.approx(own / given.sum())

    points = queries.run(store, "place_points", min_phase=1, regions=ALL_REGIONS, metric="volunteers",
                         **period.params())  # fmt: skip
    volunteers = expected[expected["metric"] == "volunteers"].set_index("place_id")["value"].dropna()
    sized = points.set_index("place_id")["metric_value"].dropna()
    pd.testing.assert_series_equal(sized.sort_index().astype(float), volunteers.sort_index().astype(float),
                                   check_names=False)  # fmt: skip
    radii = {r["place_id"]: r["radius"] for r in point_records(points=points, sized_by_metric=True)}
    for place_id, value in volunteers.items():
        # Area tracks the value: the extra radius is sqrt(value / largest) of the maximum.
        assert radii[place_id] == pytest.approx(
            BASE_RADIUS_M + MAX_EXTRA_RADIUS_M * math.sqrt(value / volunteers.max())
        )


def test_phase_2_still_reproduces_the_published_total_row(two_quarter_store) -> None:
    """After two Phase 3 quarters land, the Phase 2 totals still equal the printed Total row."""
    store, _ = two_quarter_store
    totals = queries.run(store, "monitoring_totals", **phase_period(2).params()).set_index("metric")
    printed = pd.read_csv(DATA / "monitoring_published_totals.csv").set_index("metric")
    for metric, row in printed.iterrows():
        assert totals.loc[metric, "total"] == row["value"]
        assert totals.loc[metric, "reporting"] == row["partnerships_reporting"]


def test_people_are_never_summed_over_periods() -> None:
    """Every metric counting people declares latest or peak, never sum; events are summed."""
    metrics = pd.read_csv(DATA / "metrics.csv")
    people = metrics[metrics["measures"] == "people_in_period"]
    assert set(people["metric"]) == {"volunteers", "beneficiaries"}
    assert not (people["over_time"] == "sum").any()
    assert set(metrics.loc[metrics["measures"] == "events_in_period", "over_time"]) == {"sum"}


def test_period_tokens_round_trip_and_unknown_ones_are_refused() -> None:
    """Each period's URL code parses back to the same period; anything else is an UnknownPeriodError."""
    for period in PERIODS:
        assert parse_period(period.code) == period
    assert parse_period("fy-2023").start == date(2023, 4, 1)
    assert parse_period("fy-2023").end == date(2024, 3, 31)
    for bad in ("", "q-2023-05", "phase-x", "fy-23", "all; drop"):
        with pytest.raises(UnknownPeriodError):
            parse_period(bad)


def test_period_label_formats_each_distinct_period_like_a_per_row_formatter() -> None:
    """The vectorised labels equal a row-by-row strftime formatting of the same dates."""
    starts = pd.Series(pd.to_datetime(["2023-04-01", "2021-11-01", "2023-04-01", "2022-05-01", None]))
    ends = pd.Series(pd.to_datetime(["2023-06-30", "2022-02-28", "2023-06-30", "2022-05-31", None]))
    labels = period_label(starts, ends)
    assert labels.tolist() == ["Apr–Jun 2023", "Nov 2021 – Feb 2022", "Apr–Jun 2023", "May 2022", ""]
    assert labels.index.equals(starts.index)


def test_period_options_offer_only_periods_that_contain_figures() -> None:
    """Quarters and financial years are offered only when a reporting period fits inside them."""
    periods = pd.DataFrame({"phase": [2, 3, 3], "period_start": pd.to_datetime(["2019-01-01", "2023-04-01",
                            "2023-07-01"]), "period_end": pd.to_datetime(["2022-01-31", "2023-06-30", "2023-09-30"])})  # fmt: skip
    codes = [p.code for p in period_options(periods)]
    assert codes == ["all", "phase-2", "phase-3", "fy-2023", "q-2023-07", "q-2023-04"]


def _demo_rows(returns) -> pd.DataFrame:
    frames = []
    for demo_return in returns:
        frame = pd.read_csv(io.BytesIO(demo_return.data), parse_dates=["period_start", "period_end"])
        frames.append(frame.assign(received_on=pd.Timestamp(demo_return.received_on)))
    rows = pd.concat(frames, ignore_index=True).rename(columns={"place": "place_id"})
    return rows.assign(phase=3)


@pytest.fixture(scope="module")
def demo_store(built_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A store copy loaded with the seeded demo returns, and those returns' rows read back independently."""
    store = fresh_store(built_db, tmp_path_factory.mktemp("demo"))
    records = load_demo(store)
    rows = _demo_rows(quarterly_returns(place_ids=_phase3_places()))
    yield store, records, pd.concat([_published(), rows], ignore_index=True)
    store.close()


DEMO_PERIODS = ["phase-3", "fy-2022", "fy-2023", "q-2022-04", "q-2023-10", "q-2024-01", "all"]


@pytest.mark.parametrize("code", DEMO_PERIODS)
def test_demo_period_totals_match_an_independent_computation(demo_store, code: str) -> None:
    """On the demo store, each period's totals equal the declared rules applied with pandas to the CSV files."""
    store, _, rows = demo_store
    period = parse_period(code)
    expected = _combine(_in_period(rows, period))
    totals = queries.run(store, "monitoring_totals", **period.params()).set_index("metric")
    for metric, group in expected.groupby("metric"):
        assert totals.loc[metric, "total"] == group["value"].dropna().sum()
        assert totals.loc[metric, "reporting"] == group["value"].notna().sum()


def test_demo_completeness_counts_late_missing_and_partial_returns(demo_store) -> None:
    """Late = received more than 30 days after the quarter; missing = no return; partial = a blank value."""
    store, _, rows = demo_store
    grid = queries.run(store, "reporting_completeness", **phase_period(3).params(), due_days=DUE_DAYS,
                       **monitoring.received_dates(store))  # fmt: skip
    returns = (
        rows[rows["phase"] == 3]
        .groupby(["place_id", "period_start", "period_end"], as_index=False)
        .agg(given=("value", "count"), received_on=("received_on", "max"))
    )
    quarters = rows.loc[rows["phase"] == 3, "period_start"].nunique()
    counts = grid["status"].value_counts()
    assert len(grid) == quarters * len(_phase3_places())
    assert counts.get("missing", 0) == len(grid) - len(returns) + (returns["given"] == 0).sum()
    partial = (returns["given"] > 0) & (returns["given"] < 4)
    assert counts.get("partial", 0) == partial.sum()
    late = returns["received_on"] > returns["period_end"] + timedelta(days=DUE_DAYS)
    assert counts.get("late", 0) == (late & (returns["given"] == 4)).sum()
    assert counts.get("on time", 0) == (~late & (returns["given"] == 4)).sum()
    assert counts.get("late", 0) > 0
    assert counts.get("missing", 0) > 0


@pytest.mark.parametrize("code", ["phase-3", "all", "q-2023-10"])
def test_completeness_counts_equal_a_count_over_the_grid(demo_store, code: str) -> None:
    """The per-period and per-place status counts (what a large cohort is shown) equal pandas' counts of the grid."""
    store, _, _ = demo_store
    params = {**parse_period(code).params(), "due_days": DUE_DAYS, **monitoring.received_dates(store)}
    grid = queries.run(store, "reporting_completeness", **params)
    counts, by_place = completeness_summary(
        queries.run(store, "reporting_completeness_summary", **params), statuses=list(STATUS_COLOURS)
    )
    expected_counts = grid.groupby(["period_start", "period_end", "status"]).size().rename("places").reset_index()
    pd.testing.assert_frame_equal(
        counts.sort_values(["period_start", "period_end", "status"], ignore_index=True), expected_counts
    )
    expected_by_place = pd.crosstab([grid["place_id"], grid["place_name"]], grid["status"])
    for (place_id, place_name), row in expected_by_place.iterrows():
        shown = by_place[by_place["place_id"] == place_id].iloc[0]
        assert shown["place_name"] == place_name
        assert {status: shown.get(status, 0) for status in row.index} == row.to_dict()
    assert len(by_place) == grid["place_id"].nunique()
    assert not grid.empty
    if code == "phase-3":  # the demo's late, partial and missing returns are all counted
        assert grid["status"].nunique() >= 3


def test_demo_returns_are_seeded_labelled_and_real_imports(demo_store) -> None:
    """The same seed gives the same files; every row and import says it is synthetic."""
    store, records, rows = demo_store
    again = quarterly_returns(place_ids=_phase3_places())
    assert [r.data for r in again] == [r.data for r in quarterly_returns(place_ids=_phase3_places())]
    assert len(records) == len(again)
    assert {r.submitted_by for r in records} == {DEMO_AUTHOR}
    assert all(r.file_name.startswith("synthetic-demo-") for r in records)
    imported = queries.run(store, "monitoring_all").dropna(subset=["import_id"])
    assert imported["note"].str.contains(DEMO_NOTE, regex=False).all()
    assert rows.loc[rows["phase"] == 3, "period_start"].min() == pd.Timestamp("2022-04-01")
    assert rows.loc[rows["phase"] == 3, "period_end"].max() == pd.Timestamp("2024-03-31")


def test_demo_refuses_the_programme_store_and_a_used_folder(demo_store, tmp_path: Path) -> None:
    """The demo never writes into the default imports folder or on top of existing imports."""
    store, _, _ = demo_store
    with pytest.raises(DemoStoreError):
        check_demo_target(settings.REPO_ROOT / "var" / "store")
    with pytest.raises(DemoStoreError):
        check_demo_target(store.imports.root)
    check_demo_target(tmp_path / "empty")
