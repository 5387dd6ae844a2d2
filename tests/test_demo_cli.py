"""The `demo` and `import --received` commands: a separate synthetic store, and received dates recorded."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from pbsa_analytics import settings
from pbsa_analytics.demo.returns import DEMO_AUTHOR, quarterly_returns
from pbsa_analytics.store.imports import ImportStore
from tests.test_cli import run_cli


def test_demo_loads_every_synthetic_return_into_its_own_folder(built_db: Path, tmp_path: Path) -> None:
    """One command imports each generated return with its received day, and a second run is refused."""
    target = tmp_path / "demo-store"
    result = run_cli("demo", "--store-dir", str(target), db_path=built_db)
    assert result.returncode == 0, result.stderr
    manifests = [asdict(record) for record in ImportStore(target).records()]
    expected = quarterly_returns(place_ids=["bristol", "colchester", "coventry", "hackney", "halifax",
                                            "hartlepool", "lincoln", "sefton", "watchet"])  # fmt: skip
    assert len(manifests) == len(expected)
    assert {m["submitted_by"] for m in manifests} == {DEMO_AUTHOR}
    by_file = {m["file_name"]: m["received_on"] for m in manifests}
    assert by_file == {r.file_name: r.received_on.isoformat() for r in expected}
    again = run_cli("demo", "--store-dir", str(target), db_path=built_db)
    assert again.returncode == 2
    assert "already holds imports" in again.stderr


def test_demo_refuses_the_programme_imports_folder(built_db: Path) -> None:
    """The default imports folder is never a demo target; nothing is written there."""
    default = settings.REPO_ROOT / "var" / "store"
    before = sorted(default.rglob("*")) if default.exists() else []
    result = run_cli("demo", "--store-dir", str(default), db_path=built_db)
    assert result.returncode == 2
    assert "programme's imports folder" in result.stderr
    assert (sorted(default.rglob("*")) if default.exists() else []) == before


def test_import_records_the_received_day(built_db: Path, tmp_path: Path, monkeypatch) -> None:
    """`import --received` stores that day in the manifest; a malformed day is refused with exit 2."""
    monkeypatch.setenv("PBSA_STORE_DIR", str(tmp_path / "store"))
    data = tmp_path / "q.csv"
    data.write_text("place,period_start,period_end,metric,value\nHartlepool,2023-04-01,2023-06-30,volunteers,12\n")
    bad = run_cli("import", str(data), "--received", "31/07/2023", db_path=built_db)
    assert bad.returncode == 2
    assert "YYYY-MM-DD" in bad.stderr
    good = run_cli("import", str(data), "--received", "2023-08-15", db_path=built_db)
    assert good.returncode == 0, good.stderr
    manifest = json.loads(next((tmp_path / "store" / "imports").glob("*.json")).read_text())
    assert manifest["received_on"] == "2023-08-15"
