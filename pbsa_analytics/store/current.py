"""The current-monitoring table, materialised once per store version into one Parquet file.

Why: deriving the figures in force (published figures overlaid by the latest active import per place × period ×
metric) re-reads every import file and ranks every row with a window; doing that per query made every query's cost
grow with the number of imports. Instead the derivation (`monitoring_from_imports` in store/sql/views.sql) runs
once per store version and its result is written to `current/monitoring-<key>.parquet`, which the `monitoring`
view reads. The key hashes the build's identity and the imports folder's version (every manifest, data file and
undo record, with size and modification time), so any import, undo, replacement, repair or rebuild changes it.

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
KEY_FIELD = b"pbsa_current_key"
# Bumped whenever the file's layout changes, so old files are never read as new ones.
LAYOUT = "1"
GRACE_S = 120
ROW_GROUP_ROWS = 32_768
DERIVE_SQL = "select * from monitoring_from_imports order by place_id, metric, period_start, period_end"


def current_key(build_id: str, imports_version: str) -> str:
    """The name of the current table for one build and one state of the imports folder."""
    return hashlib.sha256(f"{LAYOUT}|{build_id}|{imports_version}".encode()).hexdigest()[:24]


def bind_import_files(cursor: duckdb.DuckDBPyConnection, files: list[str], excluded: list[str]) -> None:
    """Bind what `monitoring_from_imports` reads: the import data files, and the undone imports to leave out."""
    cursor.execute("set variable pbsa_import_files = ?", [files])
    cursor.execute("set variable pbsa_excluded_imports = ?::varchar[]", [excluded])


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
        self._checked: dict[str, tuple[int, int, int]] = {}

    def path(self, key: str) -> Path:
        return self.folder / f"{PREFIX}{key}.parquet"

    def _valid(self, key: str, path: Path) -> bool:
        """The file exists, is whole and was made for this key; read once per process until the file changes."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._checked.get(key) == identity:
            return True
        try:
            metadata = pq.read_metadata(path).metadata or {}
        except (OSError, pa.ArrowException):
            return False
        if metadata.get(KEY_FIELD) != key.encode():
            return False
        self._checked = {key: identity}
        return True

    def ensure(
        self, cursor: duckdb.DuckDBPyConnection, key: str, import_files: list[str], excluded: list[str]
    ) -> Path | None:
        """The file for `key`, made from the import files if missing, damaged or stale; None if it cannot be written.

        `cursor` must be open on the build the key names; the derivation reads the files bound here.
        """
        path = self.path(key)
        if self._valid(key, path):
            return path
        with self._lock:
            if self._valid(key, path):
                return path
            bind_import_files(cursor, import_files, excluded)
            table = cursor.sql(DERIVE_SQL).to_arrow_table()
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), KEY_FIELD: key.encode()})
            try:
                self._write(table, path)
            except OSError:
                return None
            self._collect(keep=path)
        return path

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

    def _collect(self, *, keep: Path) -> None:
        """Remove older current files and orphan temporary files once no reader can still be choosing them."""
        cutoff = time.time() - GRACE_S
        for path in self.folder.iterdir():
            if path == keep:
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
