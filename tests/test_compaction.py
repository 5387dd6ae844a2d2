"""Compaction: many small imports folded into one segment file, keeping every figure, the history, undo and the
durability guarantees, so a query lists a handful of files however many returns arrived."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import queries
from pbsa_analytics.store.faults import COMPACT_STEPS, KILL_VARIABLE
from tests.imports_support import csv_bytes
from tests.test_imports_durability import quarterly_file
from tests.test_store_faults import (  # noqa: F401 (fixtures)
    HEADER,
    environment,
    in_process,
    one_value_file,
    reopen,
    run,
)


def figures(env: dict[str, str]) -> pd.DataFrame:
    """Every monitoring figure in force, in a stable order."""
    store = reopen(env)
    try:
        frame = queries.run(store, "monitoring_all")
    finally:
        store.close()
    return frame.sort_values(["place_id", "metric", "period_start", "period_end"]).reset_index(drop=True)


def folder(env: dict[str, str], name: str) -> list[str]:
    """Names of the data and manifest files in one sub-folder of the imports folder."""
    path = Path(env["PBSA_STORE_DIR"]) / name
    return sorted(p.name for p in path.iterdir() if p.suffix in (".json", ".parquet"))


def import_several(environment: dict[str, str], tmp_path: Path, in_process) -> list[str]:  # noqa: F811
    """Two years of quarterly returns, then one key imported and replaced; returns the import ids, oldest first."""
    for year in (2023, 2024):
        path = quarterly_file(tmp_path / f"q{year}.csv", years=range(year, year + 1), seed=year)
        assert in_process("import", str(path), env=environment)[0] == 0
    assert in_process("import", str(one_value_file(tmp_path / "a.csv", 7)), env=environment)[0] == 0
    code, _, err = in_process("import", str(one_value_file(tmp_path / "b.csv", 9)), "--replace", env=environment)
    assert code == 0, err
    store = reopen(environment)
    try:
        return [record.import_id for record in store.imports.records()]
    finally:
        store.close()


def lincoln_q1(env: dict[str, str]) -> list[int]:
    frame = figures(env)
    chosen = frame[(frame["place_id"] == "lincoln") & (frame["metric"] == "volunteers")]
    return chosen[chosen["period_start"] == pd.Timestamp("2022-01-01")]["value"].tolist()


def test_compaction_keeps_every_figure_and_the_history_and_leaves_no_loose_file(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
    in_process,  # noqa: F811
) -> None:
    """`compact` folds the four imports into one segment: figures and history are unchanged, the files are kept."""
    ids = import_several(environment, tmp_path, in_process)
    before, history = figures(environment), in_process("history", env=environment)[1]
    code, out, err = in_process("compact", env=environment)
    assert code == 0, err
    assert "folded 4 import(s)" in out
    pd.testing.assert_frame_equal(figures(environment), before)
    assert in_process("history", env=environment)[1] == history
    assert folder(environment, "imports") == []
    assert folder(environment, "compacted") == sorted([f"{i}.json" for i in ids] + [f"{i}.parquet" for i in ids])
    (segment,) = [name for name in folder(environment, "segments") if name.endswith(".json")]
    held = json.loads((Path(environment["PBSA_STORE_DIR"]) / "segments" / segment).read_text(encoding="utf-8"))
    assert [item["import_id"] for item in held["imports"]] == ids
    assert in_process("verify", env=environment)[0] == 0
    assert in_process("compact", env=environment)[1].startswith("folded 0 import(s)")


def test_undo_after_compaction_brings_back_the_value_it_replaced(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
    in_process,  # noqa: F811
) -> None:
    """Undo still works per import inside a segment: undoing the replacement restores 7, undoing that leaves none."""
    ids = import_several(environment, tmp_path, in_process)
    assert in_process("compact", env=environment)[0] == 0
    assert lincoln_q1(environment) == [9]
    assert in_process("undo", ids[-1], env=environment)[0] == 0
    assert lincoln_q1(environment) == [7]
    assert in_process("undo", ids[-2], env=environment)[0] == 0
    assert lincoln_q1(environment) == []
    code, _, err = in_process("undo", ids[-2], env=environment)
    assert code == 2
    assert "already undone" in err


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "garbled data": lambda segments: _garble(next(segments.glob("*.parquet"))),
    "truncated data": lambda segments: next(segments.glob("*.parquet")).write_bytes(b"PAR1"),
    "lost data": lambda segments: next(segments.glob("*.parquet")).unlink(),
    "unreadable manifest": lambda segments: next(segments.glob("*.json")).write_text("{not json", encoding="utf-8"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_segment_falls_back_to_the_kept_files_and_verify_names_it(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
    in_process,  # noqa: F811
    damage: str,
) -> None:
    """Whatever happens to the segment, every figure still counts (read from compacted/), and verify exits 1."""
    import_several(environment, tmp_path, in_process)
    before = figures(environment)
    assert in_process("compact", env=environment)[0] == 0
    DAMAGE[damage](Path(environment["PBSA_STORE_DIR"]) / "segments")
    pd.testing.assert_frame_equal(figures(environment), before)
    code, out, _ = in_process("verify", env=environment)
    assert code == 1
    assert out.startswith("segment ")


@pytest.mark.parametrize("step", COMPACT_STEPS)
def test_compaction_killed_at_each_step_changes_no_figure_and_the_next_one_finishes(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
    in_process,  # noqa: F811
    step: str,
) -> None:
    """kill -9 anywhere in a compaction: figures and history as before, and `compact` again leaves no loose file."""
    import_several(environment, tmp_path, in_process)
    before, history = figures(environment), in_process("history", env=environment)[1]
    victim = run("compact", env=environment, extra={KILL_VARIABLE: step})
    assert victim.returncode == -signal.SIGKILL
    pd.testing.assert_frame_equal(figures(environment), before)
    assert in_process("history", env=environment)[1] == history
    assert in_process("compact", env=environment)[0] == 0
    pd.testing.assert_frame_equal(figures(environment), before)
    assert folder(environment, "imports") == []
    assert in_process("verify", env=environment)[0] == 0


def test_imports_compact_the_folder_once_the_setting_is_reached(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
    in_process,  # noqa: F811
) -> None:
    """With PBSA_COMPACT_AFTER_IMPORTS=3 the third import folds all three; a fourth stays loose until the sixth."""
    due = {**environment, "PBSA_COMPACT_AFTER_IMPORTS": "3"}
    quarters = [("2023-01-01", "2023-03-31"), ("2023-04-01", "2023-06-30"), ("2023-07-01", "2023-09-30"),
                ("2023-10-01", "2023-12-31")]  # fmt: skip
    for n, (start, end) in enumerate(quarters):
        path = tmp_path / f"{n}.csv"
        path.write_bytes(csv_bytes([HEADER, ["Lincoln", start, end, "volunteers", str(n)]]))
        code, _, err = in_process("import", str(path), env=due)
        assert code == 0, err
        loose = len(folder(environment, "imports")) // 2
        assert loose == (0 if n == 2 else n + 1 if n < 2 else 1)
    frame = figures(environment)
    imported = frame[frame["import_id"].notna()]
    assert sorted(imported["value"]) == [0, 1, 2, 3]
