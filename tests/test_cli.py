"""The command line: build, tables and read-only sql, including its error paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pbsa_analytics import settings
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.services import conditions, monitoring
from tests.conditions_support import private_store
from tests.imports_support import csv_bytes


def run_cli(*args: str, db_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env or {}), "PBSA_DB_PATH": str(db_path)}
    return subprocess.run(
        [sys.executable, "-m", "pbsa_analytics", *args],
        capture_output=True, text=True, env=env, check=False, cwd=settings.REPO_ROOT,
    )  # fmt: skip


def test_sql_prints_places_per_phase_as_csv(built_db: Path) -> None:
    """The issue's example query prints a header and 1,20 / 2,10 / 3,9."""
    result = run_cli(
        "sql",
        "select phase, count(*) from phase_participation where status = 'took_part' group by 1 order by 1",
        db_path=built_db,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["1,20", "2,10", "3,9"]
    assert result.stdout.splitlines()[0].startswith("phase,")


def test_tables_lists_every_view_with_its_count(built_db: Path) -> None:
    """`tables` prints one line per view with a positive row count."""
    result = run_cli("tables", db_path=built_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "view,rows"
    counts = dict(line.split(",") for line in lines[1:])
    assert counts["places"] == "20"
    assert all(int(n) > 0 for n in counts.values())


@pytest.mark.parametrize(
    "statement",
    [
        "delete from raw_places",
        "insert into raw_phases values (9)",
        "create table x (a int)",
        "select 1; drop table raw_places",
        "copy places to '/tmp/leak.csv'",
        "attach '/tmp/other.duckdb'",
    ],
)
def test_sql_refuses_writes_with_one_line_and_exit_2(built_db: Path, statement: str) -> None:
    """Anything but a single SELECT gives a one-line error on stderr and exit code 2."""
    result = run_cli("sql", statement, db_path=built_db)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error:")


@pytest.mark.parametrize("statement", ["selec * from places", "select nope from places", "select"])
def test_sql_reports_bad_sql_with_one_line_and_exit_2(built_db: Path, statement: str) -> None:
    """Syntax errors and unknown columns give a one-line error and exit code 2."""
    result = run_cli("sql", statement, db_path=built_db)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_sql_cannot_read_files_outside_the_store(built_db: Path, tmp_path: Path) -> None:
    """A SELECT that reaches for the file system is refused."""
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    result = run_cli("sql", f"select * from read_csv('{secret}')", db_path=built_db)
    assert result.returncode == 2
    assert "a\n1" not in result.stdout


def test_commands_without_a_store_say_how_to_build_it(tmp_path: Path) -> None:
    """Reading before building names the build command instead of a traceback."""
    result = run_cli("tables", db_path=tmp_path / "missing.duckdb")
    assert result.returncode == 2
    assert "python -m pbsa_analytics build" in result.stderr


def test_build_writes_a_store_that_tables_can_read(tmp_path: Path) -> None:
    """`build` creates the store at PBSA_DB_PATH from data/."""
    db_path = tmp_path / "fresh.duckdb"
    assert run_cli("build", db_path=db_path).returncode == 0
    assert db_path.exists()
    assert run_cli("tables", db_path=db_path).returncode == 0


def test_verify_exits_0_when_all_is_good_1_naming_each_problem_and_2_when_it_cannot_check(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify: 0 and nothing on stdout when clean; 1 and one stdout line per damaged file; 2 for usage or no store."""
    store = private_store(built_db, tmp_path / "store", monkeypatch)
    env = {"PBSA_STORE_DIR": os.environ["PBSA_STORE_DIR"]}
    clean = run_cli("verify", db_path=store.db_path, env=env)
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stderr
    assert clean.stderr.startswith("verified the store (")
    assert clean.stderr.strip().endswith("0 import(s) and 0 self-assessment save(s): no problems")

    rows = [
        ["place", "period_start", "period_end", "metric", "value"],
        ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "4"],
    ]
    record = monitoring.import_file(store, data=csv_bytes(rows), file_name="r.csv", replace=False, submitted_by="t")
    entry = conditions.submit(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id="2025-Q1",
                              values={"esa-1": {"rating": "2"}})  # fmt: skip
    # Damage one file of each kind, found by listing the folders (not through the store's code).
    store_dir = Path(env["PBSA_STORE_DIR"])
    (original,) = (store_dir / "originals").glob(f"{record.import_id}-*")
    original.write_bytes(b"changed")
    (store_dir / "conditions" / "entries" / f"{entry.entry_id}.parquet").unlink()
    found = run_cli("verify", db_path=store.db_path, env=env)
    assert found.returncode == 1, found.stderr
    assert found.stdout.splitlines() == [
        f"{record.import_id}: original file changed since import",
        f"conditions {entry.entry_id}: data file missing",
    ]
    assert found.stderr.startswith("2 problem(s) found checking the store (")

    assert run_cli("verify", "--unknown", db_path=store.db_path, env=env).returncode == 2
    missing = run_cli("verify", db_path=tmp_path / "missing.duckdb", env=env)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert len(missing.stderr.strip().splitlines()) == 1
