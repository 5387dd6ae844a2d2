"""Conditions saves under faults: kill -9 and disk errors at every write step, the shared lock, damaged files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from filelock import FileLock

from pbsa_analytics import cli, settings
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.services import conditions as service
from pbsa_analytics.store import Store
from pbsa_analytics.store.durable import LOCK_FILE
from pbsa_analytics.store.faults import CONDITIONS_SAVE_STEPS, CONDITIONS_UNDO_STEPS, ERROR_VARIABLE, KILL_VARIABLE
from tests.conditions_support import private_store
from tests.test_conditions_store import ROUND, filled_template

# What the round file says, written by hand: the expected stored values are derived from this, not the code.
ANSWERS = {"e1-mission-1": "Yes", "e1-resources-4": "No", "esa-2": "3", "esa-7": "1"}
EXPECTED = {"e1-mission-1": ("yes", None), "e1-resources-4": ("no", None), "esa-2": (None, 3), "esa-7": (None, 1)}


@pytest.fixture
def store(built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return private_store(built_db, tmp_path / "store", monkeypatch)


@pytest.fixture
def round_file(store: Store, tmp_path: Path) -> Path:
    return filled_template(store, tmp_path / "round.csv", place="Hartlepool", answers=ANSWERS)


def folder(store: Store) -> Path:
    return store.imports.root / "conditions"


def run(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbsa_analytics", *args], cwd=settings.REPO_ROOT, env={**os.environ, **(extra or {})},
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def in_process(*args: str, capsys: pytest.CaptureFixture[str], extra: dict[str, str] | None = None):
    """Run the CLI in this process with extra environment; returns (exit code, stderr)."""
    saved = {name: os.environ.get(name) for name in extra or {}}
    os.environ.update(extra or {})
    try:
        capsys.readouterr()
        code = cli.main(list(args))
        return code, capsys.readouterr().err
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def manifests_on_disk(root: Path) -> list[dict]:
    """The saves that exist, read straight from the manifest files (not through the store's code)."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((root / "entries").glob("*.json"))]


def tombstones_on_disk(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "undone").glob("*.json"))


def answers_in_file(root: Path, entry_id: str) -> dict[str, tuple]:
    """The answered rows of one save, read straight from its Parquet file."""
    table = pq.read_table(root / "entries" / f"{entry_id}.parquet").to_pylist()
    return {
        row["condition_id"]: (row["answer"], row["rating"])
        for row in table
        if row["answer"] is not None or row["rating"] is not None
    }


def answers_in_force(store: Store) -> dict[str, tuple] | None:
    state = service.round_state(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id=ROUND)
    if state.in_force is None:
        return None
    frame = service.entry_answers(store, principal=LOCAL_ADMIN, entry=state.in_force)
    answers = {}
    for row in frame.itertuples():
        answer = None if pd.isna(row.answer) else row.answer
        rating = None if pd.isna(row.rating) else int(row.rating)
        if answer is not None or rating is not None:
            answers[row.condition_id] = (answer, rating)
    return answers


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("step", CONDITIONS_SAVE_STEPS)
def test_save_killed_at_each_write_step_is_all_or_nothing_and_can_be_redone(
    store: Store, round_file: Path, step: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """kill -9 at a chosen step of `conditions import`: the round is wholly saved or absent, and saving again works."""
    victim = run("conditions", "import", str(round_file), extra={KILL_VARIABLE: step})
    assert victim.returncode == -signal.SIGKILL, victim.stderr
    root = folder(store)
    landed = manifests_on_disk(root)
    assert len(landed) == (1 if step == "conditions.manifest.renamed" else 0)
    if landed:
        assert answers_in_file(root, landed[0]["entry_id"]) == EXPECTED
        assert answers_in_force(store) == EXPECTED
    else:
        assert answers_in_force(store) is None
    # The lock died with the process: the next save is decided at once, and nothing half-made shows.
    again = ["conditions", "import", str(round_file), *(["--correct"] if landed else [])]
    code, err = in_process(*again, capsys=capsys)
    assert code == 0, err
    assert answers_in_force(store) == EXPECTED
    assert len(manifests_on_disk(root)) == len(landed) + 1
    assert service.conditions_store(store).verify() == []


UNDO = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from pbsa_analytics.access import LOCAL_ADMIN
    from pbsa_analytics.services import conditions
    from pbsa_analytics.store import open_store

    store = open_store(db_path=Path(sys.argv[1]), store_dir=Path(sys.argv[2]))
    conditions.undo_last(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id="2025-Q1", name="killed")
    """
)


@pytest.mark.parametrize("step", CONDITIONS_UNDO_STEPS)
def test_undo_killed_at_each_write_step_is_all_or_nothing(
    store: Store, round_file: Path, step: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """kill -9 during undo: the submission is still in force or undone (one tombstone), and undo can finish."""
    assert in_process("conditions", "import", str(round_file), capsys=capsys)[0] == 0
    (entry,) = manifests_on_disk(folder(store))
    victim = subprocess.run(
        [sys.executable, "-c", UNDO, os.environ["PBSA_DB_PATH"], os.environ["PBSA_STORE_DIR"]],
        cwd=settings.REPO_ROOT, env={**os.environ, KILL_VARIABLE: step}, capture_output=True, text=True,
        check=False, timeout=300,
    )  # fmt: skip
    assert victim.returncode == -signal.SIGKILL, victim.stderr
    undone = tombstones_on_disk(folder(store))
    assert undone == ([entry["entry_id"]] if step == "conditions.undo.tombstone.renamed" else [])
    assert (answers_in_force(store) is None) == bool(undone)
    if not undone:
        service.undo_last(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id=ROUND)
    assert tombstones_on_disk(folder(store)) == [entry["entry_id"]]
    assert answers_in_force(store) is None


DISK_ERRORS = [(step, "ENOSPC") for step in CONDITIONS_SAVE_STEPS[1:-1]] + [
    ("conditions.data.written", "EROFS"),
    ("conditions.original.written", "EACCES"),
]


@pytest.mark.parametrize(("step", "error"), DISK_ERRORS)
def test_save_failing_with_a_disk_error_is_one_line_and_leaves_nothing(
    store: Store, round_file: Path, step: str, error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Full disk, read-only disk or permission denied at a save step: one line, exit 2, not one file left over."""
    root = service.conditions_store(store).root  # the folder layout exists before the failing save
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name != LOCK_FILE)
    code, err = in_process("conditions", "import", str(round_file), capsys=capsys,
                           extra={ERROR_VARIABLE: f"{step}:{error}"})  # fmt: skip
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name != LOCK_FILE) == before
    assert leftovers(root) == []
    assert answers_in_force(store) is None
    assert in_process("conditions", "import", str(round_file), capsys=capsys)[0] == 0
    assert answers_in_force(store) == EXPECTED


def test_a_save_waits_for_the_shared_filelock_held_by_another_process(store: Store) -> None:
    """While another process holds the folder's filelock a submission waits; it lands once the lock is freed."""
    root = service.conditions_store(store).root
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from filelock import FileLock\n"
         "with FileLock(sys.argv[1]):\n    print('locked', flush=True); sys.stdin.readline()",
         str(root / LOCK_FILE)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"
    done: list[object] = []
    worker = threading.Thread(
        target=lambda: done.append(
            service.submit(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id=ROUND, values={})
        )
    )
    worker.start()
    worker.join(timeout=2)
    still_waiting, saved_while_locked = worker.is_alive(), manifests_on_disk(root)
    holder.communicate("go\n", timeout=60)
    worker.join(timeout=60)
    assert still_waiting
    assert saved_while_locked == []
    assert [m["kind"] for m in manifests_on_disk(root)] == ["submission"]
    assert FileLock(root / LOCK_FILE, timeout=0).acquire()  # and it is free again afterwards


@pytest.mark.parametrize(
    "damage",
    [b"{not json", b"[]", b'{"entry_id": 1}', None],
    ids=["garbled", "not an object", "missing fields", "wrong id"],
)
def test_a_damaged_manifest_is_left_out_and_named_while_other_rounds_still_show(
    store: Store, damage: bytes | None
) -> None:
    """One unreadable or foreign manifest: every other round still reads, the damaged save is named by verify."""
    for place in ("hartlepool", "lincoln"):
        service.submit(store, principal=LOCAL_ADMIN, place_id=place, round_id=ROUND, values={"esa-1": {"rating": "2"}})
    root = folder(store)
    victim = next(m for m in manifests_on_disk(root) if m["place_id"] == "lincoln")
    path = root / "entries" / f"{victim['entry_id']}.json"
    if damage is None:
        path.write_text(json.dumps({**victim, "entry_id": "00000000000000000001-deadbeef"}), encoding="utf-8")
    else:
        path.write_bytes(damage)
    conditions = service.conditions_store(store)
    assert [(e.place_id, e.round) for e in conditions.entries()] == [("hartlepool", ROUND)]
    assert service.cohort(store, principal=LOCAL_ADMIN).rounds == [ROUND]
    problems = conditions.verify()
    assert len(problems) == 1
    assert problems[0].startswith(f"{victim['entry_id']}: left out")


def test_a_lost_data_file_is_named_and_other_rounds_still_show(store: Store) -> None:
    """A submission whose Parquet file vanished is kept out of the queries and named by verify; the rest reads."""
    for place in ("hartlepool", "lincoln"):
        service.submit(store, principal=LOCAL_ADMIN, place_id=place, round_id=ROUND, values={"esa-1": {"rating": "2"}})
    root = folder(store)
    victim = next(m for m in manifests_on_disk(root) if m["place_id"] == "lincoln")
    (root / "entries" / f"{victim['entry_id']}.parquet").unlink()
    assert service.conditions_store(store).verify() == [f"{victim['entry_id']}: data file missing"]
    exported = service.export_rounds(store, principal=LOCAL_ADMIN, file_format="csv").decode("utf-8")
    assert "hartlepool" in exported
    assert "lincoln" not in exported
