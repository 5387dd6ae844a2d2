"""A damaged database file: the CLI says so in one line with the fix (exit 2); the app rebuilds it or says why not."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pbsa_analytics import settings
from pbsa_analytics.errors import StoreStaleError
from pbsa_analytics.store import open_store
from pbsa_analytics.ui import data as ui_data

BLOCK = 262_144  # DuckDB's block size; blocks start after three 4 KiB headers
HEADERS = 3 * 4096


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100_000])


def garble_headers(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for start in range(0, HEADERS, 4096):
        data[start + 8 : start + 40] = b"\xff" * 32
    path.write_bytes(bytes(data))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def not_duckdb(path: Path) -> None:
    path.write_text("place_id,place_name\nhartlepool,Hartlepool\n", encoding="utf-8")


def garble_blocks(path: Path) -> None:
    """Headers intact, every data block's checksum wrong: it opens, and the damage shows at the first read."""
    data = bytearray(path.read_bytes())
    for start in range(HEADERS + BLOCK, len(data), BLOCK):
        data[start : start + 8] = b"\x5a" * 8
    path.write_bytes(bytes(data))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": truncate,
    "garbled headers": garble_headers,
    "empty": empty,
    "a CSV file": not_duckdb,
    "garbled data blocks": garble_blocks,
}


def places_in_data() -> int:
    """The number of places, counted from data/places.csv itself (not through the store)."""
    with (settings.data_dir() / "places.csv").open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def run(*args: str, db_path: Path, store_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PBSA_DB_PATH": str(db_path), "PBSA_STORE_DIR": str(store_dir)}
    return subprocess.run(
        [sys.executable, "-m", "pbsa_analytics", *args],
        cwd=settings.REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@pytest.fixture
def damaged_copy(built_db: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    path = tmp_path / "pbsa.duckdb"
    shutil.copyfile(built_db, path)
    DAMAGE[request.param](path)
    return path


@pytest.mark.parametrize("damaged_copy", list(DAMAGE), indirect=True)
@pytest.mark.parametrize("command", [["tables"], ["sql", "select * from places"], ["verify"]], ids=lambda c: c[0])
def test_cli_on_a_damaged_store_prints_one_line_naming_it_and_the_fix(
    damaged_copy: Path, tmp_path: Path, command: list[str]
) -> None:
    """Every damage (truncated, garbled, empty, not DuckDB): one stderr line naming the file and `build`, exit 2."""
    result = run(*command, db_path=damaged_copy, store_dir=tmp_path / "imports")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {damaged_copy} is damaged and cannot be read (")
    assert lines[0].endswith("rebuild it with `python -m pbsa_analytics build`")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("damaged_copy", ["garbled headers", "garbled data blocks"], indirect=True)
def test_build_repairs_a_damaged_store(damaged_copy: Path, tmp_path: Path) -> None:
    """The fix the message names works: after `build`, `tables` counts every place in data/places.csv."""
    assert run("build", db_path=damaged_copy, store_dir=tmp_path / "imports").returncode == 0
    result = run("tables", db_path=damaged_copy, store_dir=tmp_path / "imports")
    assert result.returncode == 0, result.stderr
    assert f"places,{places_in_data()}" in result.stdout.splitlines()


def _app_env(monkeypatch: pytest.MonkeyPatch, db_path: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("PBSA_DB_PATH", str(db_path))
    monkeypatch.setenv("PBSA_STORE_DIR", str(tmp_path / "imports"))


def count_places(db_path: Path, tmp_path: Path) -> int:
    store = open_store(db_path=db_path, store_dir=tmp_path / "imports")
    try:
        return int(store.execute("select count(*) as n from places")["n"].iloc[0])
    finally:
        store.close()


@pytest.mark.parametrize("damaged_copy", ["truncated", "garbled data blocks"], indirect=True)
def test_app_rebuilds_a_damaged_store_and_shows_the_overview(
    damaged_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app started on a damaged file rebuilds it from data/ and draws the overview without an error."""
    _app_env(monkeypatch, damaged_copy, tmp_path)
    app = AppTest.from_file(str(settings.REPO_ROOT / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert count_places(damaged_copy, tmp_path) == places_in_data()


def test_app_rebuilds_a_store_damaged_while_it_runs(built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A store garbled under a running app: the next query rebuilds it and answers with every place."""
    db_path = tmp_path / "pbsa.duckdb"
    shutil.copyfile(built_db, db_path)
    _app_env(monkeypatch, db_path, tmp_path)
    assert len(ui_data.query("places_list")) == places_in_data()
    garble_blocks(db_path)
    assert len(ui_data.query("places_list")) == places_in_data()
    assert count_places(db_path, tmp_path) == places_in_data()


@pytest.mark.parametrize("damaged_copy", ["garbled headers"], indirect=True)
def test_app_that_cannot_rebuild_shows_one_clear_error(
    damaged_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no data to rebuild from, the page shows the damage, the fix and why the rebuild failed; no traceback."""
    _app_env(monkeypatch, damaged_copy, tmp_path)
    monkeypatch.setenv("PBSA_DATA_DIR", str(tmp_path / "no-data"))
    (tmp_path / "no-data").mkdir()
    app = AppTest.from_file(str(settings.REPO_ROOT / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    messages = [str(e.value) for e in app.error]
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"{damaged_copy} is damaged and cannot be read")
    assert "python -m pbsa_analytics build" in messages[0]
    assert "Rebuilding it from" in messages[0]


@pytest.fixture
def store_of_other_code(built_db: Path, tmp_path: Path) -> Path:
    """A copy of the store as another version of the app would have built it: its recorded code differs."""
    db_path = tmp_path / "other.duckdb"
    shutil.copyfile(built_db, db_path)
    with duckdb.connect(str(db_path)) as con:
        con.execute("update store_code set version = 'other code'")
    return db_path


def test_store_built_by_other_code_is_refused_naming_the_fix(store_of_other_code: Path, tmp_path: Path) -> None:
    """Its views may differ from this code's queries, so opening it raises one error naming the file and `build`."""
    with pytest.raises(StoreStaleError, match=r"built by other code.*rebuild it with `python -m pbsa_analytics build`"):
        open_store(db_path=store_of_other_code, store_dir=tmp_path / "imports")


def test_app_rebuilds_a_store_built_by_other_code(
    store_of_other_code: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app rebuilds such a file from data/ as it does a damaged one, and answers with every place."""
    _app_env(monkeypatch, store_of_other_code, tmp_path)
    ui_data.clear_caches()
    assert len(ui_data.query("places_list")) == places_in_data()
    assert count_places(store_of_other_code, tmp_path) == places_in_data()
