"""Writers under races and faults: a cross-process lock, kill -9 at every write step, full and read-only disks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pbsa_analytics import cli, queries, settings
from pbsa_analytics.store import open_store
from pbsa_analytics.store.faults import BUILD_STEPS, ERROR_VARIABLE, IMPORT_STEPS, KILL_VARIABLE, UNDO_STEPS
from pbsa_analytics.store.imports import LOCK_FILE
from tests.imports_support import csv_bytes, fresh_store
from tests.test_imports_durability import quarterly_file

HEADER = ["place", "period_start", "period_end", "metric", "value"]
IMPORTERS = 3


def run(*args: str, env: dict[str, str], extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbsa_analytics", *args],
        cwd=settings.REPO_ROOT, env={**os.environ, **env, **(extra or {})}, capture_output=True, text=True,
        check=False, timeout=300,
    )  # fmt: skip


def start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pbsa_analytics", *args],
        cwd=settings.REPO_ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in this process (fast) with extra environment; returns (exit code, stdout, stderr)."""

    def invoke(*args: str, env: dict[str, str], extra: dict[str, str] | None = None) -> tuple[int, str, str]:
        with monkeypatch.context() as patch:
            for name, value in {**env, **(extra or {})}.items():
                patch.setenv(name, value)
            capsys.readouterr()
            code = cli.main(list(args))
            out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def environment(built_db: Path, tmp_path: Path) -> dict[str, str]:
    """A private store and imports folder, as environment variables for CLI processes."""
    fresh_store(built_db, tmp_path / "store").close()
    return {
        "PBSA_DB_PATH": str(tmp_path / "store" / "pbsa.duckdb"),
        "PBSA_STORE_DIR": str(tmp_path / "store" / "imports"),
    }


def reopen(environment: dict[str, str]):
    return open_store(db_path=Path(environment["PBSA_DB_PATH"]), store_dir=Path(environment["PBSA_STORE_DIR"]))


def leftovers(*folders: Path) -> list[Path]:
    """Temporary files a failed write might leave behind."""
    return [p for folder in folders for p in folder.rglob("*") if p.name.endswith((".tmp", ".building", ".wal"))]


def one_value_file(path: Path, value: int) -> Path:
    path.write_bytes(csv_bytes([HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", str(value)]]))
    return path


def imported(environment: dict[str, str]) -> list[tuple]:
    store = reopen(environment)
    try:
        frame = queries.run(store, "monitoring_all")
        return sorted(
            frame[frame["import_id"].notna()][["place_id", "metric", "value", "import_id"]].itertuples(index=False)
        )
    finally:
        store.close()


def test_concurrent_importers_of_one_key_one_lands_others_get_a_named_conflict(
    environment: dict[str, str], tmp_path: Path
) -> None:
    """N processes import the same key with different values: exactly one lands, the rest name the key (old: all 'added')."""
    files = [one_value_file(tmp_path / f"v{n}.csv", 10 + n) for n in range(IMPORTERS)]
    processes = [start("import", str(path), env=environment) for path in files]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in processes]
    codes = sorted(code for code, _ in results)
    assert codes == [0] + [2] * (IMPORTERS - 1), results
    for code, err in results:
        if code == 2:
            assert "lincoln 2022-01-01 to 2022-03-31 volunteers" in err
            assert len(err.strip().splitlines()) == 1
    assert len(imported(environment)) == 1


def test_concurrent_replacing_importers_last_committed_wins_and_history_shows_all(
    environment: dict[str, str], tmp_path: Path
) -> None:
    """With --replace every import lands in turn; the value in force is the last committed one's."""
    files = [one_value_file(tmp_path / f"v{n}.csv", 20 + n) for n in range(IMPORTERS)]
    processes = [start("import", str(path), "--replace", "--by", path.stem, env=environment) for path in files]
    assert [p.wait(timeout=300) for p in processes] == [0] * IMPORTERS
    store = reopen(environment)
    records = store.imports.records()
    store.close()
    assert len(records) == IMPORTERS
    last = max(records, key=lambda r: r.import_id)
    in_force = imported(environment)
    assert [(row.import_id, row.value) for row in in_force] == [(last.import_id, 20 + int(last.submitted_by[1:]))]
    assert sum(r.rows_added for r in records) == 1
    assert sum(r.rows_replaced for r in records) == IMPORTERS - 1


def _assert_all_or_nothing_and_redo(environment: dict[str, str], path: Path, expected: int, in_process) -> None:
    present = imported(environment)
    assert len(present) in (0, expected), f"partial import: {len(present)} of {expected}"
    code, _, err = in_process("import", str(path), env=environment)
    if present:
        assert code == 2
        assert "already held" in err
    else:
        assert code == 0, err
    assert len(imported(environment)) == expected
    store = reopen(environment)
    assert store.imports.verify() == []
    store.close()


@pytest.mark.parametrize("step", IMPORT_STEPS)
def test_import_killed_at_each_write_step_is_all_or_nothing(
    environment: dict[str, str], tmp_path: Path, step: str, in_process
) -> None:
    """kill -9 at a chosen step (not by timing): nothing partial counts, and the next import works."""
    path = quarterly_file(tmp_path / "q.csv", years=range(2022, 2023), seed=3)
    victim = run("import", str(path), env=environment, extra={KILL_VARIABLE: step})
    assert victim.returncode == -signal.SIGKILL
    _assert_all_or_nothing_and_redo(environment, path, expected=4 * 9 * 4, in_process=in_process)


@pytest.mark.parametrize("step", UNDO_STEPS)
def test_undo_killed_at_each_write_step_is_all_or_nothing(
    environment: dict[str, str], tmp_path: Path, step: str, in_process
) -> None:
    """kill -9 during undo: the import is either still counted or undone, and undo can be run again."""
    path = one_value_file(tmp_path / "one.csv", 7)
    assert in_process("import", str(path), env=environment)[0] == 0
    (import_id,) = {row.import_id for row in imported(environment)}
    victim = run("undo", import_id, env=environment, extra={KILL_VARIABLE: step})
    assert victim.returncode == -signal.SIGKILL
    code, _, err = in_process("undo", import_id, env=environment)
    assert code == 0 or "already undone" in err, err
    assert imported(environment) == []
    assert in_process("import", str(path), "--replace", env=environment)[0] == 0


@pytest.mark.parametrize("step", BUILD_STEPS)
def test_build_killed_at_each_write_step_keeps_a_complete_store(
    environment: dict[str, str], step: str, in_process
) -> None:
    """kill -9 during build: the store in place is whole (old or new), and the next build works."""
    victim = run("build", env=environment, extra={KILL_VARIABLE: step})
    assert victim.returncode == -signal.SIGKILL
    code, out, err = in_process("tables", env=environment)
    assert code == 0, err
    assert "places,20" in out
    # A killed build leaves its uniquely named temporary file; it never shadows or damages the store.
    assert in_process("build", env=environment)[0] == 0
    code, out, _ = in_process("tables", env=environment)
    assert "places,20" in out


DISK_ERRORS = [(step, "ENOSPC") for step in IMPORT_STEPS[1:-1]] + [
    ("import.original.written", "EROFS"),
    ("import.data.written", "EACCES"),
]


@pytest.mark.parametrize(("step", "error"), DISK_ERRORS)
def test_import_failing_with_a_disk_error_is_one_line_and_leaves_nothing(
    environment: dict[str, str], tmp_path: Path, step: str, error: str, in_process
) -> None:
    """Full disk, read-only file system or permission denied at a write step: one line, exit 2, nothing left."""
    path = one_value_file(tmp_path / "one.csv", 5)
    store_dir = Path(environment["PBSA_STORE_DIR"])
    # The materialised current-monitoring table (current/) is a read cache the import's check may make; only the
    # import's own files count here (leftovers() still checks it for temporary files).
    kept = lambda: sorted(p.name for p in store_dir.rglob("*") if p.name != LOCK_FILE and "current" not in p.parts)  # noqa: E731
    before = kept()
    code, _, err = in_process("import", str(path), env=environment, extra={ERROR_VARIABLE: f"{step}:{error}"})
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    assert kept() == before
    assert leftovers(store_dir) == []
    assert imported(environment) == []
    assert in_process("import", str(path), env=environment)[0] == 0
    assert len(imported(environment)) == 1


@pytest.mark.parametrize("error", ["ENOSPC", "EROFS"])
def test_build_failing_on_a_disk_error_keeps_the_store_and_leaves_no_temp_file(
    environment: dict[str, str], error: str, in_process
) -> None:
    """A build that cannot finish keeps the old store and leaves no temporary file; one line, exit 2."""
    db_path = Path(environment["PBSA_DB_PATH"])
    before = db_path.read_bytes()
    code, _, err = in_process("build", env=environment, extra={ERROR_VARIABLE: f"build.checkpointed:{error}"})
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert db_path.read_bytes() == before
    assert leftovers(db_path.parent) == []


@pytest.mark.parametrize("output", ["out.csv", "out.xlsx"])
def test_export_to_a_full_disk_leaves_no_temp_file(
    environment: dict[str, str], tmp_path: Path, output: str, in_process
) -> None:
    """An export that cannot be written is one line, exit 2, and leaves neither the file nor a temp file."""
    target = tmp_path / "exports"
    target.mkdir()
    (target / "blocker").mkdir()
    # Writing into a path whose parent is a file fails like a vanished or read-only folder would.
    (target / "file").write_text("x", encoding="utf-8")
    code, _, err = in_process("export", "--output", str(target / "file" / output), env=environment)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in target.rglob("*")) == ["blocker", "file"]


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 1 MB tmpfs (the suite runs as root, as CI does), unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], check=True)
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def test_real_full_disk_and_read_only_disk_refuse_with_one_line_and_recover(
    environment: dict[str, str], tmp_path: Path, small_disk: Path, in_process
) -> None:
    """On a real full tmpfs and then a read-only one, import fails cleanly; once space and writes return, it works."""
    env = {**environment, "PBSA_STORE_DIR": str(small_disk / "imports")}
    path = quarterly_file(tmp_path / "q.csv", years=range(2022, 2024), seed=4)
    assert in_process("history", env=env)[0] == 0  # creates the folder layout
    filler = small_disk / "filler"
    # Writing more than the disk holds fills it, which is the point.
    with contextlib.suppress(OSError), filler.open("wb") as handle:
        handle.write(b"\0" * (2 * 1024 * 1024))
    code, _, err = in_process("import", str(path), env=env)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "No space left on device" in err
    assert leftovers(small_disk) == []
    filler.unlink()

    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, _, err = in_process("import", str(path), env=env)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Read-only file system" in err
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)

    code, _, err = in_process("import", str(path), env=env)
    assert code == 0, err
    assert leftovers(small_disk) == []
