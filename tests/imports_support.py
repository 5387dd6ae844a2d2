"""Helpers for monitoring-import tests: fresh stores and files built in code."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd

from pbsa_analytics import queries
from pbsa_analytics.store import Store, open_store

PHASE3_PLACES = [
    "Hartlepool",
    "Lincoln",
    "Bootle",
    "Colchester",
    "Coventry",
    "Hackney",
    "Halifax",
    "Bristol",
    "Watchet",
]
METRICS = ["volunteers", "beneficiaries", "activities", "public_meetings"]


def fresh_store(built_db: Path, folder: Path) -> Store:
    """A private copy of the built store with an empty imports folder (DuckDB shares one instance per file)."""
    folder.mkdir(parents=True, exist_ok=True)
    db_copy = folder / "pbsa.duckdb"
    shutil.copyfile(built_db, db_copy)
    return open_store(db_path=db_copy, store_dir=folder / "imports")


def csv_bytes(rows: list[list[object]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def snapshot(store: Store) -> tuple[int, pd.DataFrame]:
    """What an import could change: the number of imports and every monitoring figure in force."""
    return len(store.imports.records()), queries.run(store, "monitoring_all")
