"""The store's life: overlap rule, damaged imports quarantined, rebuilds picked up, concurrent builds, real disks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from pbsa_analytics import queries, settings
from pbsa_analytics.errors import QueryError
from pbsa_analytics.periods import phase_period
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store, build_store, connection, open_store
from pbsa_analytics.store.connection import MONITORING_WORD, _first_line
from pbsa_analytics.ui import data as ui_data
from tests.imports_support import csv_bytes, fresh_store

HEADER = ["place", "period_start", "period_end", "metric", "value"]


@pytest.fixture
def store(built_db: Path, tmp_path: Path) -> Store:
    return fresh_store(built_db, tmp_path / "store")


def land(store: Store, rows: list[list[str]], *, replace: bool = False):
    return monitoring.import_file(store, data=csv_bytes([HEADER, *rows]), file_name="r.csv", replace=replace,
                                  submitted_by="t")  # fmt: skip


def phase2_total(store: Store, metric: str) -> int:
    totals = queries.run(store, "monitoring_totals", **phase_period(2).params())
    return int(totals.set_index("metric").loc[metric, "total"])


# Overlap rule -------------------------------------------------------------------------------------------


def test_import_overlapping_a_published_period_is_refused_not_summed(store: Store) -> None:
    """Hartlepool's published Phase 2 volunteers plus an overlapping 2021 import (old: summed into the total)."""
    before = phase2_total(store, "volunteers")
    with pytest.raises(monitoring.InvalidFileError, match="overlaps the published figure") as caught:
        land(store, [["Hartlepool", "2021-01-01", "2021-12-31", "volunteers", "12"]])
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "period_start")]
    assert phase2_total(store, "volunteers") == before
    assert store.imports.records() == []


def test_import_overlapping_an_earlier_import_is_refused(store: Store) -> None:
    """A half-year return over a quarter already imported for the same place and metric is refused, naming it."""
    first = land(store, [["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3"]])
    with pytest.raises(monitoring.InvalidFileError, match=f"overlaps the imported \\({first.import_id}\\)"):
        land(store, [["Lincoln", "2022-01-01", "2022-06-30", "volunteers", "9"]])


def test_rows_of_one_file_with_overlapping_periods_are_refused(store: Store) -> None:
    """Two rows of one file whose periods overlap for one place and metric: the second names the first."""
    with pytest.raises(monitoring.InvalidFileError, match="overlaps row 2"):
        land(store, [["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3"],
                     ["Lincoln", "2022-02-01", "2022-04-30", "volunteers", "4"]])  # fmt: skip


def test_same_period_replaces_and_adjacent_periods_add_up(store: Store) -> None:
    """The exact published period is a replacement; touching-but-disjoint quarters both count.

    Activities combine over time by summing (metrics.csv), so two adjacent quarters add up.
    """
    record = land(store, [["Lincoln", "2019-01-01", "2022-01-31", "volunteers", "26"]], replace=True)
    assert record.rows_replaced == 1
    land(store, [["Lincoln", "2022-04-01", "2022-06-30", "activities", "5"],
                 ["Lincoln", "2022-07-01", "2022-09-30", "activities", "6"]])  # fmt: skip
    phase3 = queries.run(store, "monitoring_totals", **phase_period(3).params()).set_index("metric")
    assert int(phase3.loc["activities", "total"]) == 11


def test_other_phase_may_overlap_the_published_coverage(store: Store) -> None:
    """A Phase 3 quarter overlapping the report's coverage (to January 2022) is a different phase's figure."""
    before = phase2_total(store, "volunteers")
    land(store, [["Hartlepool", "2022-01-01", "2022-03-31", "volunteers", "12"]])
    assert phase2_total(store, "volunteers") == before


# Damaged imports folder ---------------------------------------------------------------------------------


def _two_imports(store: Store):
    good = land(store, [["Coventry", "2022-01-01", "2022-03-31", "volunteers", "17"]])
    bad = land(store, [["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3"]])
    return good, bad


def _damage_manifest(store: Store, import_id: str) -> None:
    (store.imports.imports_dir / f"{import_id}.json").write_text("{not json", encoding="utf-8")


def _delete_data(store: Store, import_id: str) -> None:
    (store.imports.imports_dir / f"{import_id}.parquet").unlink()


def _truncate_data(store: Store, import_id: str) -> None:
    path = store.imports.imports_dir / f"{import_id}.parquet"
    path.write_bytes(path.read_bytes()[:100])


def _swap_data(store: Store, import_id: str) -> None:
    path = store.imports.imports_dir / f"{import_id}.parquet"
    table = pq.read_table(path)
    pq.write_table(
        table.set_column(table.schema.get_field_index("value"), "value", pa.array([999_999], pa.int64())), path
    )


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_damage_manifest, "unreadable manifest"),
        (_delete_data, "data file missing"),
        (_truncate_data, "data file"),
        (_swap_data, "SHA-256"),
    ],
)
def test_damaged_import_is_quarantined_and_every_other_figure_shows(store: Store, damage, reason: str) -> None:
    """One damaged import is left out and named; queries still run and the other import still counts."""
    good, bad = _two_imports(store)
    damage(store, bad.import_id)
    frame = queries.run(store, "monitoring_all")
    assert frame[frame["import_id"].notna()]["import_id"].tolist() == [good.import_id]
    assert len(frame) == 40 + 1
    named = [(q.import_id, q.reason) for q in monitoring.quarantined(store)]
    assert len(named) == 1
    assert named[0][0] == bad.import_id
    assert reason in named[0][1]
    assert any(bad.import_id in problem for problem in store.imports.verify())


def test_malformed_manifest_does_not_break_the_sql_command(store: Store, tmp_path: Path) -> None:
    """The issue's reproduction: a bad manifest made `sql "select count(*) from places"` fail; now 20, and verify names it."""
    _, bad = _two_imports(store)
    _damage_manifest(store, bad.import_id)
    env = {"PBSA_DB_PATH": str(store.db_path), "PBSA_STORE_DIR": str(store.imports.root)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "pbsa_analytics", *args], capture_output=True, text=True,  # noqa: E731
                                       env={**os.environ, **env}, cwd=settings.REPO_ROOT, check=False)  # fmt: skip
    result = run("sql", "select count(*) as n from places")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "20"]
    verify = run("verify")
    assert f"{bad.import_id}: quarantined (unreadable manifest" in verify.stdout


def test_rebuild_imports_repairs_a_quarantined_data_file(store: Store) -> None:
    """A truncated data file is re-derived from the kept original and counts again."""
    _, bad = _two_imports(store)
    before = queries.run(store, "monitoring_all")
    _truncate_data(store, bad.import_id)
    assert monitoring.rebuild_imports(store) == [bad.import_id]
    assert monitoring.quarantined(store) == []
    pd.testing.assert_frame_equal(before, queries.run(store, "monitoring_all"))


# Store lifecycle ----------------------------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(settings.data_dir(), tmp_path / "data"))


def _rename_place(data: Path, new_name: str) -> None:
    places = pd.read_csv(data / "places.csv", dtype=str, keep_default_na=False)
    places.loc[places["place_id"] == "hartlepool", "place_name"] = new_name
    places.to_csv(data / "places.csv", index=False)


def _name(store: Store) -> str:
    return store.execute("select place_name from places where place_id = 'hartlepool'")["place_name"].iloc[0]


def test_open_store_picks_up_a_rebuild_without_restart(data_copy: Path, tmp_path: Path) -> None:
    """After `build` swaps the file, the same Store answers from the new build (old: the old file until restart)."""
    db_path = build_store(data_dir=data_copy, db_path=tmp_path / "pbsa.duckdb")
    store = open_store(db_path=db_path, store_dir=tmp_path / "imports")
    version = store.version()
    assert _name(store) == "Hartlepool"
    _rename_place(data_copy, "Hartlepool (rebuilt)")
    build_store(data_dir=data_copy, db_path=db_path)
    assert _name(store) == "Hartlepool (rebuilt)"
    assert store.version() != version


def test_a_rebuild_is_followed_while_other_queries_are_running(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query arriving after `build` swapped the file waits for the queries in flight, then answers from the new
    build (old: a server never without a query in flight kept reading the old file)."""
    db_path = build_store(data_dir=data_copy, db_path=tmp_path / "pbsa.duckdb")
    store = open_store(db_path=db_path, store_dir=tmp_path / "imports")
    assert _name(store) == "Hartlepool"
    started, release = threading.Event(), threading.Event()
    convert = connection._frame_via_arrow

    def held(*args: object) -> pd.DataFrame:
        started.set()
        release.wait(30)
        return convert(*args)

    monkeypatch.setattr(connection, "_frame_via_arrow", held)
    busy = threading.Thread(target=lambda: store.execute("select 1 as x", large=True))
    busy.start()
    started.wait(30)
    _rename_place(data_copy, "Hartlepool (rebuilt)")
    build_store(data_dir=data_copy, db_path=db_path)
    threading.Timer(0.3, release.set).start()
    try:
        assert _name(store) == "Hartlepool (rebuilt)"
    finally:
        release.set()
        busy.join(30)


def test_app_store_follows_a_rebuild(data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's cached store and cached queries show a rebuilt store on the next run (old: kept the old one)."""
    db_path = build_store(data_dir=data_copy, db_path=tmp_path / "pbsa.duckdb")
    monkeypatch.setenv("PBSA_DB_PATH", str(db_path))
    monkeypatch.setenv("PBSA_DATA_DIR", str(data_copy))
    monkeypatch.setenv("PBSA_STORE_DIR", str(tmp_path / "imports"))
    names = lambda: ui_data.query("places_list").set_index("place_id").loc["hartlepool", "place_name"]  # noqa: E731
    assert names() == "Hartlepool"
    _rename_place(data_copy, "Hartlepool (rebuilt)")
    build_store(data_dir=data_copy, db_path=db_path)
    assert names() == "Hartlepool (rebuilt)"


def test_an_import_reruns_only_the_app_queries_that_read_monitoring(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an import the app's monitoring queries show the new figure, while queries that never read monitoring
    (places, sources) are served from the cache rather than run again."""
    db_path = build_store(data_dir=data_copy, db_path=tmp_path / "pbsa.duckdb")
    monkeypatch.setenv("PBSA_DB_PATH", str(db_path))
    monkeypatch.setenv("PBSA_DATA_DIR", str(data_copy))
    monkeypatch.setenv("PBSA_STORE_DIR", str(tmp_path / "imports"))
    ran: list[str] = []
    real_run = queries.run
    monkeypatch.setattr(
        queries, "run", lambda store, name, /, **params: ran.append(name) or real_run(store, name, **params)
    )
    places, sources = ui_data.query("places_list"), ui_data.query("sources")
    before = ui_data.query("monitoring_all")
    assert ran == ["places_list", "sources", "monitoring_all"]
    land(ui_data.store(), [["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3", ""]])
    ran.clear()  # the import reads places itself; from here on only the app's queries count
    assert ui_data.query("places_list").equals(places)
    assert ui_data.query("sources").equals(sources)
    after = ui_data.query("monitoring_all")
    assert ran == ["monitoring_all"]
    assert len(after) == len(before) + 1
    assert queries.reads_imports("monitoring_all")
    assert not queries.reads_imports("places_list")


def test_threads_building_at_first_start_leave_one_complete_store(tmp_path: Path) -> None:
    """Three threads build the same missing store at once (old: shared temp file, no database left)."""
    db_path = tmp_path / "pbsa.duckdb"
    errors: list[BaseException] = []

    def build() -> None:
        try:
            build_store(data_dir=settings.data_dir(), db_path=db_path)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=build) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (
        open_store(db_path=db_path, store_dir=tmp_path / "imports")
        .execute("select count(*) as n from places")["n"]
        .iloc[0]
        == 20
    )
    assert [p.name for p in tmp_path.iterdir() if p.name != "imports"] == ["pbsa.duckdb"]


def test_processes_building_at_once_leave_one_complete_store(tmp_path: Path) -> None:
    """Three `build` processes at once: all succeed and one complete store remains, with no temporary file."""
    db_path = tmp_path / "pbsa.duckdb"
    env = {**os.environ, "PBSA_DB_PATH": str(db_path)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "pbsa_analytics", "build"],
            env=env,
            cwd=settings.REPO_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    assert [p.wait(timeout=300) for p in processes] == [0, 0, 0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pbsa.duckdb"]
    store = open_store(db_path=db_path, store_dir=tmp_path / "imports")
    assert store.execute("select count(*) as n from places")["n"].iloc[0] == 20


def test_data_page_names_a_quarantined_import_and_still_shows_the_rest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/data runs without error, says an import is quarantined and lists it with its reason (old: every page broke)."""
    good, bad = _two_imports(store)
    _damage_manifest(store, bad.import_id)
    monkeypatch.setenv("PBSA_DB_PATH", str(store.db_path))
    monkeypatch.setenv("PBSA_STORE_DIR", str(store.imports.root))
    app = AppTest.from_file(str(settings.REPO_ROOT / "app.py"), default_timeout=120)
    app.run()
    app.switch_page("pages/data.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("1 import(s) are quarantined" in str(e.value) for e in app.error)
    tables = [frame.value for frame in app.dataframe]
    quarantine = next(t for t in tables if list(t.columns) == ["import", "problem"])
    assert quarantine["import"].tolist() == [bad.import_id]
    assert quarantine["problem"].str.startswith("unreadable manifest").all()
    history = next(t for t in tables if "import_id" in t.columns)
    assert history["import_id"].tolist() == [good.import_id]


def test_every_view_and_macro_over_monitoring_is_named_for_it(built_db: Path) -> None:
    """Store binds the current-monitoring table only for statements naming monitoring, so anything that reads it
    must carry the word in its own name; a statement reading it without binding would fail, not mislead."""
    con = duckdb.connect(str(built_db), read_only=True)
    views = con.execute("select view_name, sql from duckdb_views() where not internal").fetchall()
    macros = con.execute(
        "select function_name, macro_definition from duckdb_functions() where function_type like '%macro%' "
        "and not internal"
    ).fetchall()
    readers = {name for name, body in [*views, *macros] if body and MONITORING_WORD in str(body).lower()}
    assert readers  # the control: the monitoring views exist and are found
    assert {name for name in readers if MONITORING_WORD not in name.lower()} == set()


def test_a_statement_without_monitoring_runs_and_one_with_it_sees_the_imports(store: Store) -> None:
    """Evidence and places queries run without the imports binding; monitoring queries still see a new import."""
    assert not queries.run(store, "places_list").empty
    land(store, [["Coventry", "2022-01-01", "2022-03-31", "volunteers", "17"]])
    assert not queries.run(store, "places_list").empty
    shown = queries.run(store, "place_monitoring_series", place_id="coventry")
    assert ((shown["metric"] == "volunteers") & (shown["value"] == 17)).any()


def test_a_failed_query_is_named_by_its_first_line_even_without_a_message(store: Store) -> None:
    """A query error reaches the caller as QueryError with the first line of DuckDB's message; an error with no
    message at all is named by its type rather than failing inside the error handling."""
    with pytest.raises(QueryError) as failed:
        store.execute("select no_such_column from places")
    assert "no_such_column" in str(failed.value)
    assert "\n" not in str(failed.value)
    assert _first_line(duckdb.Error(""), limit=None) == "Error"
    assert _first_line(ValueError("first\nsecond"), limit=3) == "fir"
