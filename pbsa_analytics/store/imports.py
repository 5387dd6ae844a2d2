"""Durable monitoring imports: one immutable Parquet file and one manifest per import, written atomically.

Why this design: every import writes only files with a fresh unique name, each made complete under a
temporary name and then renamed into place (an atomic step on POSIX file systems). The manifest is
renamed last, so an import exists exactly when its manifest does. Writers (import, undo) take one
cross-process file lock (`filelock`) around check-then-commit, so two importers of the same key cannot
both believe it is new. A process killed mid-import leaves at most an orphan temporary file or a Parquet
file with no manifest, which readers ignore. Undo is a separate tombstone file, so history is never
rewritten, and the original upload is kept so any import can be inspected or redone.

A damaged folder degrades instead of breaking: an import whose manifest is unreadable, whose data file
is missing, truncated or not the one recorded (SHA-256) is quarantined: left out of every figure and
named by `quarantined()`, while every other import still counts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pbsa_analytics.errors import PbsaError

# The durable-file helpers are shared with the conditions store (store/durable.py).
from pbsa_analytics.store.durable import LOCK_FILE, prepare_folder, writer_lock
from pbsa_analytics.store.durable import atomic_write as _atomic_write
from pbsa_analytics.store.durable import fsync_dir as _fsync_dir
from pbsa_analytics.store.durable import safe_name as _safe_name
from pbsa_analytics.store.durable import sha256_file as _sha256
from pbsa_analytics.store.durable import temporary as _temporary
from pbsa_analytics.store.faults import checkpoint

IMPORT_SCHEMA = pa.schema(
    [
        ("import_id", pa.string()),
        ("import_seq", pa.int64()),
        ("place_id", pa.string()),
        ("phase", pa.int32()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("metric", pa.string()),
        ("value", pa.int64()),
        ("note", pa.string()),
        ("source", pa.string()),
    ]
)
IMPORT_ID = re.compile(r"\d{20}-[0-9a-f]{8}")


class ImportStoreError(PbsaError):
    """An import could not be recorded, found or undone."""


@dataclass(frozen=True)
class ImportRecord:
    import_id: str
    committed_at: str
    file_name: str
    sha256: str
    rows_added: int
    rows_replaced: int
    rows_unchanged: int
    submitted_by: str
    original: str
    data_sha256: str | None = None
    undone_at: str | None = None
    undone_by: str | None = None
    # The day the return reached the programme (defaults to the commit day), for late-return reporting.
    received_on: str | None = None


@dataclass(frozen=True)
class Quarantined:
    """An import left out of every figure because its files are damaged."""

    import_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.import_id}: quarantined ({self.reason})"


MANIFEST_FIELDS = {f.name for f in fields(ImportRecord)} - {"undone_at", "undone_by"}
REQUIRED_FIELDS = MANIFEST_FIELDS - {"data_sha256", "received_on"}


def write_empty_parquet(path: Path) -> None:
    """An empty file with the import schema: readers always have at least one file to scan."""
    pq.write_table(IMPORT_SCHEMA.empty_table(), path)


def _read_manifest(path: Path) -> ImportRecord:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not set(data) >= REQUIRED_FIELDS:
        raise ValueError("manifest lacks required fields")
    record = ImportRecord(**{k: v for k, v in data.items() if k in MANIFEST_FIELDS})
    if record.import_id != path.stem:
        raise ValueError("manifest names another import")
    if Path(record.original).name != record.original or record.original in ("", ".", ".."):
        raise ValueError("manifest points outside the originals folder")
    return record


class ImportStore:
    """The imports folder: list, commit and undo monitoring imports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.imports_dir = root / "imports"
        self.originals_dir = root / "originals"
        self.undone_dir = root / "undone"
        self.empty_file = prepare_folder(root, subfolders=("imports", "originals", "undone"), schema=IMPORT_SCHEMA)
        self._scan_cache: tuple[str, list[ImportRecord], list[Quarantined]] = ("", [], [])

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the folder's cross-process write lock (released by the OS if the process dies)."""
        with writer_lock(self.root / LOCK_FILE, error=ImportStoreError, what="import"):
            yield

    def version(self) -> str:
        """Changes whenever an import is committed, undone or its files change; used to invalidate caches.

        Runs before every query, so it lists each folder once (os.scandir) and stats only the files that count.
        """
        digest = hashlib.sha256()
        for folder, suffixes in ((self.imports_dir, (".json", ".parquet")), (self.undone_dir, (".json",))):
            entries = []
            with os.scandir(folder) as listing:
                for entry in listing:
                    if entry.name.startswith(".") or not entry.name.endswith(suffixes):
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        stat = entry.stat()
                        entries.append(f"{folder.name}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
            digest.update("\n".join(sorted(entries)).encode())
        return digest.hexdigest()[:16]

    def _scan(self) -> tuple[list[ImportRecord], list[Quarantined]]:
        """Every readable import (with undo details) and every damaged one, checked once per version."""
        version = self.version()
        if self._scan_cache[0] == version:
            return self._scan_cache[1], self._scan_cache[2]
        records, quarantined = [], []
        for manifest in sorted(self.imports_dir.glob("*.json")):
            try:
                record = _read_manifest(manifest)
            except (OSError, ValueError, TypeError) as error:
                quarantined.append(Quarantined(manifest.stem[:40], f"unreadable manifest: {type(error).__name__}"))
                continue
            tombstone = self.undone_dir / manifest.name
            if tombstone.exists():
                try:
                    undone = json.loads(tombstone.read_text(encoding="utf-8"))
                    record = ImportRecord(**{**asdict(record), "undone_at": undone["undone_at"],
                                             "undone_by": undone["undone_by"]})  # fmt: skip
                except (OSError, ValueError, TypeError, KeyError):
                    quarantined.append(Quarantined(record.import_id, "unreadable undo record"))
                    continue
            problem = None if record.undone_at else self._data_problem(record)
            if problem:
                quarantined.append(Quarantined(record.import_id, problem))
            records.append(record)
        self._scan_cache = (version, records, quarantined)
        return records, quarantined

    def _data_problem(self, record: ImportRecord) -> str | None:
        path = self.imports_dir / f"{record.import_id}.parquet"
        if not path.exists():
            return "data file missing"
        if record.data_sha256 is not None and _sha256(path) != record.data_sha256:
            return "data file does not match its recorded SHA-256"
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except (OSError, pa.ArrowException) as error:
            return f"data file unreadable ({type(error).__name__})"
        if names != IMPORT_SCHEMA.names:
            return "data file has the wrong columns"
        return None

    def records(self) -> list[ImportRecord]:
        """Every committed import with a readable manifest, oldest first, with undo details where undone."""
        return list(self._scan()[0])

    def quarantined(self) -> list[Quarantined]:
        """Imports left out of the figures because a file is damaged; the rest still count."""
        return list(self._scan()[1])

    def active_files(self) -> list[str]:
        """Parquet files of committed, not undone, undamaged imports, after the always-present empty file."""
        records, quarantined = self._scan()
        bad = {q.import_id for q in quarantined}
        files = [str(self.empty_file)]
        for record in records:
            if record.undone_at is None and record.import_id not in bad:
                files.append(str(self.imports_dir / f"{record.import_id}.parquet"))
        return files

    def commit(
        self,
        *,
        rows: pd.DataFrame,
        original: bytes,
        file_name: str,
        submitted_by: str,
        counts: dict[str, int],
        received_on: str | None = None,
    ) -> ImportRecord:
        """Record one import: original, data and manifest, each written whole and renamed into place.

        Call it holding `writing()`, after checking the rows against the figures in force. If anything
        fails before the manifest lands, the files already written are removed: nothing half-made stays.
        """
        import_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        digest = hashlib.sha256(original).hexdigest()
        original_path = self.originals_dir / f"{import_id}-{_safe_name(file_name)}"
        data_path = self.imports_dir / f"{import_id}.parquet"
        try:
            _atomic_write(original_path, original, step="import.original")
            data_digest = self.write_rows(import_id, rows)
            record = ImportRecord(
                import_id=import_id,
                committed_at=pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
                file_name=file_name,
                sha256=digest,
                rows_added=counts.get("new", 0),
                rows_replaced=counts.get("replace", 0),
                rows_unchanged=counts.get("unchanged", 0),
                submitted_by=submitted_by or "unknown",
                original=original_path.name,
                data_sha256=data_digest,
            )
            record = dataclasses.replace(record, received_on=received_on or record.committed_at[:10])
            # The manifest goes last: its arrival is the commit.
            self._write_manifest(record, step="import.manifest")
        except BaseException:
            if not (self.imports_dir / f"{import_id}.json").exists():
                original_path.unlink(missing_ok=True)
                data_path.unlink(missing_ok=True)
            raise
        _fsync_dir(self.imports_dir)
        return record

    def _write_manifest(self, record: ImportRecord, *, step: str) -> None:
        manifest = {k: v for k, v in asdict(record).items() if k in MANIFEST_FIELDS}
        data = json.dumps(manifest, indent=2).encode("utf-8")
        _atomic_write(self.imports_dir / f"{record.import_id}.json", data, step=step)

    def write_rows(self, import_id: str, rows: pd.DataFrame) -> str:
        """(Re)write one import's data file atomically and return its SHA-256; its sequence comes from its id."""
        seq = int(import_id.split("-", 1)[0])
        table = pa.Table.from_pandas(
            rows.assign(import_id=import_id, import_seq=seq)[IMPORT_SCHEMA.names],
            schema=IMPORT_SCHEMA,
            preserve_index=False,
        )
        parquet_path = self.imports_dir / f"{import_id}.parquet"
        tmp = _temporary(parquet_path)
        try:
            pq.write_table(table, tmp)
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
            digest = _sha256(tmp)
            checkpoint("import.data.written")
            os.replace(tmp, parquet_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        checkpoint("import.data.renamed")
        return digest

    def rewrite_rows(self, record: ImportRecord, rows: pd.DataFrame) -> None:
        """Re-derive a lost or damaged data file and record its new hash in the manifest."""
        with self.writing():
            digest = self.write_rows(record.import_id, rows)
            self._write_manifest(ImportRecord(**{**asdict(record), "data_sha256": digest}), step="rebuild.manifest")

    def undo(self, import_id: str, *, by: str) -> None:
        """Mark an import undone; its files stay, so the history keeps what happened."""
        if not IMPORT_ID.fullmatch(import_id) or not (self.imports_dir / f"{import_id}.json").exists():
            raise ImportStoreError(f"no import with id {import_id[:40]!r}")
        with self.writing():
            checkpoint("undo.locked")
            tombstone = self.undone_dir / f"{import_id}.json"
            if tombstone.exists():
                raise ImportStoreError(f"import {import_id} was already undone")
            stamp = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
            body = json.dumps({"undone_at": stamp, "undone_by": by or "unknown"}).encode("utf-8")
            _atomic_write(tombstone, body, step="undo.tombstone")

    def original_bytes(self, import_id: str) -> bytes:
        record = next((r for r in self.records() if r.import_id == import_id), None)
        if record is None:
            raise ImportStoreError(f"no import with id {import_id[:40]!r}")
        return (self.originals_dir / record.original).read_bytes()

    def verify(self) -> list[str]:
        """Problems with the kept files: quarantined imports, then missing or changed originals."""
        problems = []
        records, quarantined = self._scan()
        for item in quarantined:
            # The plain "data file missing" wording is what rebuild-imports answers to.
            problems.append(f"{item.import_id}: {item.reason}" if item.reason == "data file missing" else str(item))
        for record in records:
            original = self.originals_dir / record.original
            if not original.exists():
                problems.append(f"{record.import_id}: original file missing")
            elif _sha256(original) != record.sha256:
                problems.append(f"{record.import_id}: original file changed since import")
        return problems
