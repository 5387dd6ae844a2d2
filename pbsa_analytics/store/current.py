"""The current-monitoring table and its rollup, materialised once per store version into two Parquet files.

Why: deriving the figures in force (published figures overlaid by the latest active import per place × period ×
metric) re-reads every import file and ranks every row with a window; doing that per query made every query's cost
grow with the number of imports. Instead the derivation (`monitoring_from_imports` in store/sql/views.sql) runs
once per store version and its result is written to `current/monitoring-<key>.parquet`, which the `monitoring`
view reads, with its rollup (each place's figures combined per whole phase and over the whole programme, and its
values and rows per period and import) in `current/rollup-<key>.parquet`, which `monitoring_combined` reads when a
view covers whole phases and reporting completeness always reads. The key hashes
the build's identity and the imports folder's version (every manifest, data file and undo record, with size and
modification time), so any import, undo, replacement, repair or rebuild changes it.

Durability: the file is derived data only; the import files stay the record. It is written whole under a unique
temporary name, fsynced, renamed into place and the folder fsynced, so a reader (in any process) sees either no
file or a whole one, and a process killed mid-write (kill -9) leaves at most an orphan temporary file, which a
later refresh removes. A file that is lost, damaged or made for another version is simply made again from the
imports. When the folder cannot be written (full or read-only disk) queries still answer from the derivation
itself, only slower. Older files are removed after a grace period so a reader in another process that has just
chosen one can still read it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pbsa_analytics.store.faults import checkpoint

FOLDER = "current"
PREFIX = "monitoring-"
ROLLUP_PREFIX = "rollup-"
KEY_FIELD = b"pbsa_current_key"
# Bumped whenever the file's layout changes, so old files are never read as new ones.
LAYOUT = "3"
GRACE_S = 120
ROW_GROUP_ROWS = 32_768
DERIVE_SQL = "select * from monitoring_from_imports order by place_id, metric, period_start, period_end"
ROLLUP_SQL = "select * from monitoring_rollup_from_current"


def current_key(build_id: str, imports_version: str) -> str:
    """The name of the current table for one build and one state of the imports folder."""
    return hashlib.sha256(f"{LAYOUT}|{build_id}|{imports_version}".encode()).hexdigest()[:24]


def bind_import_files(cursor: duckdb.DuckDBPyConnection, files: list[str], excluded: list[str]) -> None:
    """Bind what `monitoring_from_imports` reads: the import data files, and the undone imports to leave out."""
    cursor.execute("set variable pbsa_import_files = ?", [files])
    cursor.execute("set variable pbsa_excluded_imports = ?::varchar[]", [excluded])


def _keyed(table: pa.Table, key: str) -> pa.Table:
    """The table with the key it was made for in its metadata, which readers check before trusting the file."""
    return table.replace_schema_metadata({**(table.schema.metadata or {}), KEY_FIELD: key.encode()})


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class CurrentMonitoring:
    """Finds or makes the current-monitoring file for a key; safe across threads and processes."""

    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER
        self._lock = threading.Lock()
        self._checked: dict[Path, tuple[int, int, int]] = {}

    def path(self, key: str) -> Path:
        return self.folder / f"{PREFIX}{key}.parquet"

    def rollup_path(self, key: str) -> Path:
        return self.folder / f"{ROLLUP_PREFIX}{key}.parquet"

    def _valid(self, key: str, path: Path) -> bool:
        """The file exists, is whole and was made for this key; read once per process until the file changes."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._checked.get(path) == identity:
            return True
        try:
            metadata = pq.read_metadata(path).metadata or {}
        except (OSError, pa.ArrowException):
            return False
        if metadata.get(KEY_FIELD) != key.encode():
            return False
        kept = {known: seen for known, seen in self._checked.items() if key in known.name}
        self._checked = {**kept, path: identity}
        return True

    def ensure(
        self, cursor: duckdb.DuckDBPyConnection, key: str, import_files: list[str], excluded: list[str]
    ) -> tuple[Path, Path] | None:
        """The current table and its rollup for `key`, each made again if missing, damaged or stale; None if they
        cannot be written.

        `cursor` must be open on the build the key names; the derivation reads the files bound here. The rollup is
        made from the current table's file, after it, so a process killed between the two leaves a whole table
        and no rollup, which the next reader makes.
        """
        path, rollup = self.path(key), self.rollup_path(key)
        if self._valid(key, path) and self._valid(key, rollup):
            return path, rollup
        with self._lock:
            try:
                if not self._valid(key, path):
                    bind_import_files(cursor, import_files, excluded)
                    self._write(_keyed(cursor.sql(DERIVE_SQL).to_arrow_table(), key), path)
                if not self._valid(key, rollup):
                    cursor.execute("set variable pbsa_monitoring_file = ?", [str(path.resolve())])
                    self._write(_keyed(cursor.sql(ROLLUP_SQL).to_arrow_table(), key), rollup)
            except OSError:
                return None
            self._collect(keep={path, rollup})
        return path, rollup

    def _write(self, table: pa.Table, path: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS)
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
            checkpoint("current.written")
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(self.folder)
        checkpoint("current.renamed")

    def _collect(self, *, keep: set[Path]) -> None:
        """Remove older current files and orphan temporary files once no reader can still be choosing them."""
        cutoff = time.time() - GRACE_S
        for path in self.folder.iterdir():
            if path in keep:
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
