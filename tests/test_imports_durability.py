"""Durability: two processes importing different files at once both land."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pbsa_analytics import settings
from tests.imports_support import METRICS, PHASE3_PLACES, csv_bytes, fresh_store

HEADER = ["place", "period_start", "period_end", "metric", "value"]


def quarterly_file(path: Path, *, years: range, seed: int) -> Path:
    """A valid return: every Phase 3 place x quarter x metric, with values derived from the seed."""
    rows = [HEADER]
    for year in years:
        for month in (1, 4, 7, 10):
            start, end = date(year, month, 1), date(year, month + 2, 30 if month + 2 in (6, 9) else 31)
            for i, place in enumerate(PHASE3_PLACES):
                for j, metric in enumerate(METRICS):
                    rows.append([place, start.isoformat(), end.isoformat(), metric, str((seed + i * 7 + j * 3) % 97)])
    path.write_bytes(csv_bytes(rows))
    return path


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pbsa_analytics", *args],
        cwd=settings.REPO_ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def environment(built_db: Path, tmp_path: Path) -> dict[str, str]:
    store = fresh_store(built_db, tmp_path / "store")
    store.close()
    return {
        "PBSA_DB_PATH": str(tmp_path / "store" / "pbsa.duckdb"),
        "PBSA_STORE_DIR": str(tmp_path / "store" / "imports"),
    }


def imported_values(environment: dict[str, str]) -> dict[tuple, int]:
    # A new process sees the files as another replica would.
    code = (
        "import json,sys; from pathlib import Path; from pbsa_analytics import queries;"
        "from pbsa_analytics.store import open_store;"
        f"s=open_store(db_path=Path({environment['PBSA_DB_PATH']!r}), store_dir=Path({environment['PBSA_STORE_DIR']!r}));"
        "f=queries.run(s,'monitoring_all'); f=f[f.import_id.notna()];"
        "print(json.dumps([[r.place_id,str(r.period_start)[:10],r.metric,int(r.value),r.import_id] for r in f.itertuples()]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.REPO_ROOT, capture_output=True, text=True, check=True
    )
    return {(p, s, m): (v, i) for p, s, m, v, i in json.loads(out.stdout)}


def test_two_processes_importing_at_once_both_land(environment: dict[str, str], tmp_path: Path) -> None:
    """Two replicas import different files at the same moment: every value of both is present, once."""
    first = quarterly_file(tmp_path / "first.csv", years=range(2022, 2024), seed=1)
    second = quarterly_file(tmp_path / "second.csv", years=range(2024, 2026), seed=2)
    processes = [cli("import", str(path), "--by", path.stem, env=environment) for path in (first, second)]
    results = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    values = imported_values(environment)
    assert len(values) == 2 * 2 * 4 * len(PHASE3_PLACES) * len(METRICS)
    assert len({import_id for _, import_id in values.values()}) == 2
    history = cli("history", env=environment).communicate(timeout=60)[0].splitlines()
    assert len(history) == 3


# kill -9 during an import is tested at every write step, chosen deterministically by the fault hook, in
# tests/test_store_faults.py (it replaced a test that killed after a timed sleep).
