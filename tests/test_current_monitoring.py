"""The materialised current-monitoring table: the same figures as an independent pandas derivation over the raw
import files after imports, replacements and undo; rebuilt when lost, damaged or stale; never read half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.periods import WHOLE_PROGRAMME
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store, open_store
from pbsa_analytics.store.faults import CURRENT_STEPS, ERROR_VARIABLE, KILL_VARIABLE
from tests.imports_support import METRICS, PHASE3_PLACES, csv_bytes, fresh_store

HEADER = ["place", "period_start", "period_end", "metric", "value"]
KEY = ["place_id", "period_start", "period_end", "metric"]
COLUMNS = [*KEY, "value", "import_id"]


@pytest.fixture
def store(built_db: Path, tmp_path: Path) -> Store:
    return fresh_store(built_db, tmp_path / "store")


def quarter_rows(places: list[str], quarters: list[tuple[str, str]], seed: int) -> list[list[str]]:
    return [
        [place, start, end, metric, str((seed * 31 + i * 7 + j * 3 + k) % 211)]
        for k, (start, end) in enumerate(quarters)
        for i, place in enumerate(places)
        for j, metric in enumerate(METRICS)
    ]


def land(store: Store, rows: list[list[str]], *, replace: bool = False):
    return monitoring.import_file(store, data=csv_bytes([HEADER, *rows]), file_name="r.csv", replace=replace,
                                  submitted_by="t")  # fmt: skip


def expected_from_files(store: Store, *, columns: list[str] = COLUMNS) -> pd.DataFrame:
    """Independently of the store's SQL: published CSV overlaid by the latest not-undone import file per key."""
    published = pd.read_csv(settings.data_dir() / "monitoring.csv", dtype={"value": "Int64"})
    imports_dir = store.imports.root / "imports"
    undone = {path.stem for path in (store.imports.root / "undone").glob("*.json")}
    frames = []
    for manifest in sorted(imports_dir.glob("*.json")):
        record = json.loads(manifest.read_text(encoding="utf-8"))
        if record["import_id"] not in undone:
            frames.append(pd.read_parquet(imports_dir / f"{record['import_id']}.parquet"))
    for frame in (published,):
        for column in ("period_start", "period_end"):
            frame[column] = pd.to_datetime(frame[column])
    published["import_id"] = None
    if not frames:
        return published[columns]
    imported = pd.concat(frames, ignore_index=True)
    for column in ("period_start", "period_end"):
        imported[column] = pd.to_datetime(imported[column])
    latest = imported.sort_values("import_seq").drop_duplicates(KEY, keep="last")
    kept = published.merge(latest[KEY], on=KEY, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([kept[columns], latest[columns]], ignore_index=True)


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[COLUMNS].copy()
    for column in ("period_start", "period_end"):
        out[column] = pd.to_datetime(out[column]).dt.normalize().astype("datetime64[ns]")
    out["value"] = out["value"].astype("Int64")
    out["import_id"] = out["import_id"].astype(object).where(out["import_id"].notna(), None)
    return out.sort_values(KEY).reset_index(drop=True)


def assert_matches_files(store: Store) -> None:
    pd.testing.assert_frame_equal(
        normalised(queries.run(store, "monitoring_all")), normalised(expected_from_files(store))
    )


def current_files(store: Store, *, prefix: str = "monitoring-") -> list[Path]:
    return sorted(store.current.folder.glob(f"{prefix}*.parquet"))


def test_materialised_table_matches_pandas_over_the_import_files_after_import_replace_undo(store: Store) -> None:
    """Each step changes the figures (checked against the raw files, not the store's own SQL) and the file."""
    quarters = [("2022-01-01", "2022-03-31"), ("2022-04-01", "2022-06-30")]
    first = land(store, quarter_rows(PHASE3_PLACES, quarters, seed=1))
    assert_matches_files(store)
    land(store, quarter_rows(PHASE3_PLACES[:3], quarters[:1], seed=2), replace=True)
    assert_matches_files(store)
    third = land(store, quarter_rows(PHASE3_PLACES[2:5], [("2022-07-01", "2022-09-30")], seed=3))
    assert_matches_files(store)
    monitoring.undo(store, import_id=first.import_id, by="t")
    assert_matches_files(store)
    imported = queries.run(store, "monitoring_all").dropna(subset=["import_id"])
    assert first.import_id not in set(imported["import_id"])
    assert third.import_id in set(imported["import_id"])
    # The replacement outlives the undone import it replaced: 3 places x 4 metrics x 1 quarter, plus the third.
    assert len(imported) == 3 * 4 + 3 * 4
    # Totals read the same table: each metric combined per place by its rule, then summed, as pandas does it.
    totals = queries.run(store, "monitoring_totals", **WHOLE_PROGRAMME.params()).set_index("metric")
    expected = expected_from_files(store).dropna(subset=["value"]).sort_values("period_end")
    rules = pd.read_csv(settings.data_dir() / "metrics.csv").set_index("metric")["over_time"]
    for metric, rule in rules.items():
        per_place = expected[expected["metric"] == metric].groupby("place_id")["value"]
        combined = {"sum": per_place.sum(), "peak": per_place.max(), "latest": per_place.last()}[rule]
        assert int(totals.loc[metric, "total"]) == int(combined.sum()), metric


def test_one_materialised_file_per_store_version_reused_until_something_changes(store: Store) -> None:
    land(store, quarter_rows(PHASE3_PLACES, [("2022-01-01", "2022-03-31")], seed=4))
    files = current_files(store)
    stamp = files[-1].stat().st_mtime_ns
    for _ in range(3):
        queries.run(store, "monitoring_all")
    assert current_files(store) == files
    assert files[-1].stat().st_mtime_ns == stamp
    land(store, quarter_rows(PHASE3_PLACES, [("2022-04-01", "2022-06-30")], seed=5))
    assert len(current_files(store)) == len(files) + 1  # the old one stays for a grace period, then goes


COMBINED_WINDOWS = {
    "whole programme (every phase from the rollup)": (None, "0001-01-01", "9999-12-31"),
    "Phase 3 whole (from the rollup)": (3, "0001-01-01", "9999-12-31"),
    "one quarter (from the rows)": (3, "2022-04-01", "2022-06-30"),
    "Phase 2 whole and Phase 3 cut short (from the rows)": (None, "2018-01-01", "2022-06-30"),
}


@pytest.mark.parametrize("window", COMBINED_WINDOWS)
def test_combined_figures_equal_pandas_whether_read_from_the_rollup_or_the_rows(store: Store, window: str) -> None:
    """Each place's combined figure per metric (sum, peak or latest by its rule), its count of periods reported and
    span equal a pandas computation over the raw files, for windows the rollup answers (whole phases, the whole
    programme) and windows that cut a phase and are combined from the rows; so do the phases with figures inside."""
    quarters = [("2022-01-01", "2022-03-31"), ("2022-04-01", "2022-06-30"), ("2022-07-01", "2022-09-30")]
    land(store, quarter_rows(PHASE3_PLACES, quarters, seed=11))
    land(store, quarter_rows(PHASE3_PLACES[:4], quarters[1:2], seed=12), replace=True)
    phase, start, end = COMBINED_WINDOWS[window]
    ours = store.execute(
        "select place_id, metric, value, periods_reported, period_start, period_end"
        " from monitoring_combined($phase, $start::date, $end::date)",
        {"phase": phase, "start": start, "end": end},
    )
    rows = expected_from_files(store, columns=[*COLUMNS, "phase"])
    inside = rows[(rows["period_start"] >= start) & (rows["period_end"] <= end)]
    inside = inside[inside["phase"] == phase] if phase is not None else inside
    rules = pd.read_csv(settings.data_dir() / "metrics.csv").set_index("metric")["over_time"]
    expected = []
    for (place_id, metric), group in inside.groupby(["place_id", "metric"]):
        valued = group.dropna(subset=["value"]).sort_values("period_end")
        figure = {"sum": valued["value"].sum(), "peak": valued["value"].max(),
                  "latest": valued["value"].iloc[-1] if len(valued) else None}[rules[metric]]  # fmt: skip
        expected.append({"place_id": place_id, "metric": metric,
                         "value": None if not len(valued) else int(figure), "periods_reported": len(valued),
                         "period_start": group["period_start"].min(), "period_end": group["period_end"].max()})  # fmt: skip
    assert len(ours) == len(expected) > 0
    windowed = store.execute("select phase from monitoring_windowed_phases($phase, $start::date, $end::date)",
                             {"phase": phase, "start": start, "end": end})  # fmt: skip
    assert sorted(windowed["phase"]) == sorted(inside["phase"].unique())
    got = ours.sort_values(["place_id", "metric"]).reset_index(drop=True)
    want = pd.DataFrame(expected).sort_values(["place_id", "metric"]).reset_index(drop=True)
    assert got["value"].astype("Int64").tolist() == want["value"].astype("Int64").tolist()
    assert got["periods_reported"].tolist() == want["periods_reported"].tolist()
    for column in ("period_start", "period_end"):
        assert pd.to_datetime(got[column]).tolist() == pd.to_datetime(want[column]).tolist()


def test_place_period_import_counts_equal_pandas_over_the_import_files(store: Store) -> None:
    """The rollup's per place, period and import counts, which reporting completeness reads instead of the rows,
    equal a pandas count over the raw files after an import and a partial replacement: values given per import
    (published figures under no import)."""
    quarters = [("2022-01-01", "2022-03-31"), ("2022-04-01", "2022-06-30")]
    land(store, quarter_rows(PHASE3_PLACES, quarters, seed=5))
    land(store, quarter_rows(PHASE3_PLACES[:3], quarters[1:], seed=6), replace=True)
    ours = store.execute(
        "select place_id, phase, period_start, period_end, import_id, periods_reported"
        " from monitoring_rollup where grain = 'place_period_import'"
    )
    rows = expected_from_files(store, columns=[*COLUMNS, "phase"])
    rows["import_id"] = rows["import_id"].fillna("(published)")
    counted = rows.groupby(["place_id", "phase", "period_start", "period_end", "import_id"], as_index=False).agg(
        periods_reported=("value", "count")
    )
    keys = ["place_id", "phase", "period_start", "period_end", "import_id"]
    got = ours.assign(import_id=ours["import_id"].fillna("(published)"))
    for frame in (got, counted):
        for column in ("period_start", "period_end"):
            frame[column] = pd.to_datetime(frame[column])
    got = got.sort_values(keys).reset_index(drop=True)
    want = counted.sort_values(keys).reset_index(drop=True)
    assert len(got) == len(want) > len(PHASE3_PLACES) * len(quarters)
    assert got[keys].astype(str).values.tolist() == want[keys].astype(str).values.tolist()
    assert got["periods_reported"].tolist() == want["periods_reported"].tolist()


@pytest.mark.parametrize("prefix", ["monitoring-", "rollup-"])
@pytest.mark.parametrize("damage", ["delete", "truncate", "other_key"])
def test_lost_damaged_or_foreign_table_is_rebuilt_from_the_imports(store: Store, damage: str, prefix: str) -> None:
    """The current table or its rollup, lost, cut short or swapped for another state's, is made again: the same
    process and a fresh one read the figures the import files say."""
    land(store, quarter_rows(PHASE3_PLACES, [("2022-01-01", "2022-03-31")], seed=6))
    # The import's check made one for the state before it (published figures only), the commit one for after.
    foreign, path = sorted(current_files(store, prefix=prefix), key=lambda p: p.stat().st_mtime_ns)
    before = queries.run(store, "monitoring_all")
    totals = queries.run(store, "monitoring_totals", **WHOLE_PROGRAMME.params())
    assert before["import_id"].notna().sum() == len(PHASE3_PLACES) * len(METRICS)
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:200])
    else:
        path.write_bytes(foreign.read_bytes())  # a whole file, made for another state, under this state's name
    # The same process (which had checked the file) and a fresh one both notice and rebuild.
    pd.testing.assert_frame_equal(queries.run(store, "monitoring_all"), before)
    pd.testing.assert_frame_equal(queries.run(store, "monitoring_totals", **WHOLE_PROGRAMME.params()), totals)
    fresh = open_store(db_path=store.db_path, store_dir=store.imports.root)
    try:
        pd.testing.assert_frame_equal(queries.run(fresh, "monitoring_all"), before)
        pd.testing.assert_frame_equal(queries.run(fresh, "monitoring_totals", **WHOLE_PROGRAMME.params()), totals)
    finally:
        fresh.close()
    assert_matches_files(store)


def test_full_disk_while_materialising_still_answers_and_leaves_no_temp_file(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(store, quarter_rows(PHASE3_PLACES, [("2022-01-01", "2022-03-31")], seed=7))
    for path in current_files(store):
        path.unlink()
    monkeypatch.setenv(ERROR_VARIABLE, "current.written:ENOSPC")
    fresh = open_store(db_path=store.db_path, store_dir=store.imports.root)
    try:
        assert_matches_files(fresh)
    finally:
        fresh.close()
    assert current_files(store) == []
    assert [p for p in store.current.folder.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("step", CURRENT_STEPS)
def test_reader_killed_while_materialising_never_leaves_a_half_table(store: Store, step: str) -> None:
    """kill -9 at each write step of the table: the next reader gets the whole, right figures."""
    land(store, quarter_rows(PHASE3_PLACES, [("2022-01-01", "2022-03-31")], seed=8))
    for path in current_files(store):
        path.unlink()
    env = {**os.environ, "PBSA_DB_PATH": str(store.db_path), "PBSA_STORE_DIR": str(store.imports.root),
           KILL_VARIABLE: step}  # fmt: skip
    victim = subprocess.run([sys.executable, "-m", "pbsa_analytics", "sql", "select count(*) from monitoring"],
                            cwd=settings.REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)  # fmt: skip
    assert victim.returncode == -signal.SIGKILL
    assert len(current_files(store)) == (1 if step == "current.renamed" else 0)
    fresh = open_store(db_path=store.db_path, store_dir=store.imports.root)
    try:
        assert_matches_files(fresh)
    finally:
        fresh.close()


def test_cursor_that_read_the_derivation_on_a_full_disk_is_not_kept(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cursors are kept between queries, but not one that answered through temporary views while the disk was full:
    once it has room again, every kept cursor reads the newest materialised files, and the figures stay right."""
    land(store, quarter_rows(PHASE3_PLACES, [("2022-01-01", "2022-03-31")], seed=7))
    for path in current_files(store):
        path.unlink()
    monkeypatch.setenv(ERROR_VARIABLE, "current.written:ENOSPC")
    assert_matches_files(store)
    monkeypatch.delenv(ERROR_VARIABLE)
    land(store, quarter_rows(PHASE3_PLACES, [("2022-04-01", "2022-06-30")], seed=8))
    assert_matches_files(store)
    newest = [str(max(current_files(store, prefix=prefix), key=lambda path: path.stat().st_mtime_ns).resolve())
              for prefix in ("monitoring-", "rollup-")]  # fmt: skip
    kept = [cursor for cursor, _ in store._idle]
    assert kept
    for cursor in kept:
        own_views = "select count(*) from duckdb_views() where temporary and not internal"
        assert cursor.execute(own_views).fetchall() == [(0,)]
        bound = "select getvariable('pbsa_monitoring_file'), getvariable('pbsa_monitoring_rollup_file')"
        assert cursor.execute(bound).fetchall() == [tuple(newest)]
