"""Durable monitoring imports: one immutable Parquet file and one manifest per import, written atomically.

Why this design: every import writes only files with a fresh unique name, each made complete under a
temporary name and then renamed into place (an atomic step on POSIX file systems). The manifest is
renamed last, so an import exists exactly when its manifest does. Two processes importing at once
never touch the same file, so both land; a process killed mid-import leaves at most an orphan temporary
file or a Parquet file with no manifest, which readers ignore. Undo is a separate tombstone file, so
history is never rewritten, and the original upload is kept so any import can be inspected or redone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pbsa_analytics.errors import PbsaError

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
EMPTY_FILE = "empty.parquet"


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
    undone_at: str | None = None
    undone_by: str | None = None


def write_empty_parquet(path: Path) -> None:
    """An empty file with the import schema: readers always have at least one file to scan."""
    pq.write_table(IMPORT_SCHEMA.empty_table(), path)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _safe_name(file_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(file_name).name)[-80:] or "upload"


class ImportStore:
    """The imports folder: list, commit and undo monitoring imports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.imports_dir = root / "imports"
        self.originals_dir = root / "originals"
        self.undone_dir = root / "undone"
        for folder in (self.imports_dir, self.originals_dir, self.undone_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.empty_file = root / EMPTY_FILE
        if not self.empty_file.exists():
            tmp = root / f".{EMPTY_FILE}.{uuid.uuid4().hex}.tmp"
            write_empty_parquet(tmp)
            os.replace(tmp, self.empty_file)

    def version(self) -> str:
        """Changes whenever an import is committed or undone; used to invalidate caches."""
        names = sorted(p.name for p in self.imports_dir.glob("*.json"))
        names += sorted("undone:" + p.name for p in self.undone_dir.glob("*.json"))
        return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]

    def records(self) -> list[ImportRecord]:
        """Every committed import, oldest first, with undo details where undone."""
        records = []
        for manifest in sorted(self.imports_dir.glob("*.json")):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            tombstone = self.undone_dir / manifest.name
            if tombstone.exists():
                undone = json.loads(tombstone.read_text(encoding="utf-8"))
                data |= {"undone_at": undone["undone_at"], "undone_by": undone["undone_by"]}
            records.append(ImportRecord(**data))
        return records

    def active_files(self) -> list[str]:
        """Parquet files of committed, not undone imports, after the always-present empty file."""
        files = [str(self.empty_file)]
        for record in self.records():
            if record.undone_at is None:
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
    ) -> ImportRecord:
        """Record one import: original, data and manifest, each written whole and renamed into place."""
        import_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        digest = hashlib.sha256(original).hexdigest()
        original_path = self.originals_dir / f"{import_id}-{_safe_name(file_name)}"
        _atomic_write(original_path, original)

        self.write_rows(import_id, rows)

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
        )
        manifest = {k: v for k, v in asdict(record).items() if k not in ("undone_at", "undone_by")}
        # The manifest goes last: its arrival is the commit.
        _atomic_write(self.imports_dir / f"{import_id}.json", json.dumps(manifest, indent=2).encode("utf-8"))
        _fsync_dir(self.imports_dir)
        return record

    def write_rows(self, import_id: str, rows: pd.DataFrame) -> None:
        """(Re)write one import's data file atomically; its sequence number comes from its id."""
        seq = int(import_id.split("-", 1)[0])
        table = pa.Table.from_pandas(
            rows.assign(import_id=import_id, import_seq=seq)[IMPORT_SCHEMA.names],
            schema=IMPORT_SCHEMA,
            preserve_index=False,
        )
        parquet_path = self.imports_dir / f"{import_id}.parquet"
        tmp = parquet_path.with_name(f".{parquet_path.name}.{uuid.uuid4().hex}.tmp")
        pq.write_table(table, tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, parquet_path)

    def undo(self, import_id: str, *, by: str) -> None:
        """Mark an import undone; its files stay, so the history keeps what happened."""
        if not (self.imports_dir / f"{import_id}.json").exists():
            raise ImportStoreError(f"no import with id {import_id!r}")
        tombstone = self.undone_dir / f"{import_id}.json"
        if tombstone.exists():
            raise ImportStoreError(f"import {import_id} was already undone")
        stamp = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
        _atomic_write(tombstone, json.dumps({"undone_at": stamp, "undone_by": by or "unknown"}).encode("utf-8"))

    def original_bytes(self, import_id: str) -> bytes:
        record = next((r for r in self.records() if r.import_id == import_id), None)
        if record is None:
            raise ImportStoreError(f"no import with id {import_id!r}")
        return (self.originals_dir / record.original).read_bytes()

    def verify(self) -> list[str]:
        """Problems with the kept files: a missing Parquet file or original, or an original whose hash changed."""
        problems = []
        for record in self.records():
            if not (self.imports_dir / f"{record.import_id}.parquet").exists():
                problems.append(f"{record.import_id}: data file missing")
            original = self.originals_dir / record.original
            if not original.exists():
                problems.append(f"{record.import_id}: original file missing")
            elif hashlib.sha256(original.read_bytes()).hexdigest() != record.sha256:
                problems.append(f"{record.import_id}: original file changed since import")
        return problems
