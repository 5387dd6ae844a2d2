"""The audit trail records the signed-in principal and time; only an admin may change figures; history is inert."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store
from tests.imports_support import csv_bytes, fresh_store, snapshot

HEADER = ["Place", "Period start", "Period end", "Metric", "Value", "Note"]
ROW = ["Lincoln", "2019-01-01", "2022-01-31", "volunteers", "26", "corrected"]
ADMIN = Principal(subject="ada@funder.example", display_name="Ada", role=Role.FUNDER_ADMIN)
HOSTILE_NAME = '=HYPERLINK("http:evil.example",x).csv'


@pytest.fixture
def store(built_db: Path, tmp_path: Path) -> Store:
    return fresh_store(built_db, tmp_path / "store")


def test_import_and_undo_record_the_signed_in_principal_and_time(store: Store) -> None:
    """The history names the admin's account for the import and the undo, each with a timestamp."""
    record = monitoring.import_file(
        store, data=csv_bytes([HEADER, ROW]), file_name="fix.csv", replace=True, principal=ADMIN
    )
    monitoring.undo(store, import_id=record.import_id, principal=ADMIN)
    row = monitoring.history(store).iloc[0]
    assert row["submitted_by"] == ADMIN.audit_name == "ada@funder.example (Ada)"
    assert row["undone_by"] == ADMIN.audit_name
    assert pd.notna(pd.to_datetime(row["committed_at"]))
    assert pd.notna(pd.to_datetime(row["undone_at"]))


@pytest.mark.parametrize("role", [Role.FUNDER, Role.PARTNERSHIP, Role.PUBLIC, Role.PARTICIPANT])
def test_only_an_admin_may_import_or_undo(store: Store, role: Role) -> None:
    """Any other role is refused by the service itself, and nothing changes."""
    principal = Principal(subject="x@example.org", display_name="X", role=role, place_id="hartlepool")
    before = snapshot(store)
    with pytest.raises(monitoring.NotAllowedError):
        monitoring.import_file(
            store, data=csv_bytes([HEADER, ROW]), file_name="a.csv", replace=True, principal=principal
        )
    record = monitoring.import_file(
        store, data=csv_bytes([HEADER, ROW]), file_name="b.csv", replace=True, principal=ADMIN
    )
    with pytest.raises(monitoring.NotAllowedError):
        monitoring.undo(store, import_id=record.import_id, principal=principal)
    assert before[0] + 1 == snapshot(store)[0]
    assert pd.isna(monitoring.history(store).iloc[0]["undone_at"])


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbsa_analytics", *args],
        capture_output=True, text=True, env=env, check=False, cwd=settings.REPO_ROOT,
    )  # fmt: skip


def test_cli_history_neutralises_file_names_and_names(store: Store) -> None:
    """`history` prints a hostile file name and --by as inert text, never a formula a spreadsheet would run."""
    env = {**os.environ, "PBSA_DB_PATH": str(store.db_path), "PBSA_STORE_DIR": str(store.imports.root)}
    source = store.db_path.parent / "upload.csv"
    source.write_bytes(csv_bytes([HEADER, ROW]))
    hostile = source.with_name(HOSTILE_NAME)
    hostile.write_bytes(source.read_bytes())
    imported = _cli("import", str(hostile), "--replace", "--by", "@SUM(1+1)", env=env)
    assert imported.returncode == 0, imported.stderr
    history = _cli("history", env=env)
    assert history.returncode == 0, history.stderr
    rows = list(csv.DictReader(io.StringIO(history.stdout)))
    assert rows[0]["file_name"] == "'" + HOSTILE_NAME
    assert rows[0]["submitted_by"] == "'@SUM(1+1)"
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell and cell[0] in "=+-@"]


def test_streamlit_table_export_is_replaced_by_neutralised_downloads() -> None:
    """Streamlit's own table download (no formula neutralising) is switched off in the app's config."""
    config = tomllib.loads((settings.REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
