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

Compaction keeps the folder small however many quarterly returns arrive: `compact()` folds the loose imports
into one segment (`segments/<id>.parquet`, all their rows with their import ids, and `segments/<id>.json`, their
manifests and the segment's SHA-256; the manifest is the commit). Only then are the loose files moved, not
deleted, to `compacted/`. Readers list and stat a handful of files instead of two per import, so a query's cost
no longer grows with the number of imports. Undo still works per import (a tombstone names the import; its rows
in a segment are left out by id), and a damaged or unreadable segment falls back to the kept loose files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
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


def _write_parquet(table: pa.Table, path: Path, *, step: str) -> str:
    """Write a table as one Parquet file through the store's atomic write; return the file's SHA-256."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    _atomic_write(path, data, step=step)
    return hashlib.sha256(data).hexdigest()


def _file_problem(path: Path, recorded_sha: str | None) -> str | None:
    """Why a data file cannot be read as recorded, or None when it can."""
    if not path.exists():
        return "data file missing"
    if recorded_sha is not None and _sha256(path) != recorded_sha:
        return "data file does not match its recorded SHA-256"
    try:
        names = pq.ParquetFile(path).schema_arrow.names
    except (OSError, pa.ArrowException) as error:
        return f"data file unreadable ({type(error).__name__})"
    if names != IMPORT_SCHEMA.names:
        return "data file has the wrong columns"
    return None


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


@dataclass(frozen=True)
class _Scan:
    """What one look at the folder found: the imports, where each one's rows are, and what is damaged."""

    records: list[ImportRecord]
    quarantined: list[Quarantined]
    data_files: dict[str, Path]  # import id -> the file holding its rows (its own file or a segment)
    segment_ids: frozenset[str]  # imports whose rows are read from a whole, valid segment
    segment_problems: list[str]


_NOTHING = _Scan([], [], {}, frozenset(), [])


def _read_segment(manifest: Path) -> tuple[str, list[ImportRecord]]:
    """A segment manifest's recorded data SHA-256 and the manifests of the imports it holds."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    shaped = isinstance(data, dict) and isinstance(data.get("imports"), list)
    if not shaped or data.get("segment_id") != manifest.stem:
        raise ValueError("segment manifest lacks its fields")
    records = []
    for item in data["imports"]:
        if not isinstance(item, dict) or not set(item) >= REQUIRED_FIELDS:
            raise ValueError("segment manifest holds an incomplete import")
        records.append(ImportRecord(**{k: v for k, v in item.items() if k in MANIFEST_FIELDS}))
    return str(data["data_sha256"]), records


class ImportStore:
    """The imports folder: list, commit, undo and compact monitoring imports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.imports_dir = root / "imports"
        self.originals_dir = root / "originals"
        self.undone_dir = root / "undone"
        self.segments_dir = root / "segments"
        self.compacted_dir = root / "compacted"
        self.empty_file = prepare_folder(
            root, subfolders=("imports", "originals", "undone", "segments", "compacted"), schema=IMPORT_SCHEMA
        )
        self._scan_cache: tuple[str, _Scan] = ("", _NOTHING)

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
        watched = ((self.imports_dir, (".json", ".parquet")), (self.segments_dir, (".json", ".parquet")),
                   (self.undone_dir, (".json",)))  # fmt: skip
        for folder, suffixes in watched:
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

    def _scan(self) -> _Scan:
        """Every readable import (with undo details), where its rows are and what is damaged; once per version."""
        version = self.version()
        if self._scan_cache[0] == version:
            return self._scan_cache[1]
        found: dict[str, ImportRecord] = {}
        data_files: dict[str, Path] = {}
        segment_problems: list[str] = []
        for record, path in self._segments(segment_problems):
            found[record.import_id], data_files[record.import_id] = record, path
        segment_ids = frozenset(found)
        quarantined = []
        loose = sorted(self.imports_dir.glob("*.json"))
        # Loose manifests win over a segment's copy (a repair writes one); the kept copies in compacted/ count
        # only for imports no whole segment holds (the segment was damaged or its manifest is unreadable).
        kept = [m for m in sorted(self.compacted_dir.glob("*.json"))
                if m.stem not in segment_ids and not (self.imports_dir / m.name).exists()]  # fmt: skip
        for manifest in loose + kept:
            try:
                found[manifest.stem] = _read_manifest(manifest)
            except (OSError, ValueError, TypeError) as error:
                quarantined.append(Quarantined(manifest.stem[:40], f"unreadable manifest: {type(error).__name__}"))
                continue
            if manifest.stem not in segment_ids:
                own = self.imports_dir / f"{manifest.stem}.parquet"
                data_files[manifest.stem] = own if own.exists() else self.compacted_dir / own.name
        records = []
        for import_id in sorted(found):
            record = found[import_id]
            tombstone = self.undone_dir / f"{import_id}.json"
            if tombstone.exists():
                try:
                    undone = json.loads(tombstone.read_text(encoding="utf-8"))
                    record = ImportRecord(**{**asdict(record), "undone_at": undone["undone_at"],
                                             "undone_by": undone["undone_by"]})  # fmt: skip
                except (OSError, ValueError, TypeError, KeyError):
                    quarantined.append(Quarantined(record.import_id, "unreadable undo record"))
                    continue
            problem = None
            if not record.undone_at and import_id not in segment_ids:
                problem = self._data_problem(record, data_files[import_id])
            if problem:
                quarantined.append(Quarantined(record.import_id, problem))
            records.append(record)
        scan = _Scan(records, quarantined, data_files, segment_ids, segment_problems)
        self._scan_cache = (version, scan)
        return scan

    def _segments(self, problems: list[str]) -> Iterator[tuple[ImportRecord, Path]]:
        """The imports held by each whole, valid segment, with its data file; a bad segment is named in `problems`."""
        for manifest in sorted(self.segments_dir.glob("*.json")):
            data = manifest.with_suffix(".parquet")
            try:
                recorded_sha, records = _read_segment(manifest)
            except (OSError, ValueError, TypeError, KeyError) as error:
                problems.append(f"segment {manifest.stem[:40]}: unreadable manifest ({type(error).__name__})")
                continue
            problem = _file_problem(data, recorded_sha)
            if problem:
                problems.append(f"segment {manifest.stem[:40]}: {problem}; its imports are read from compacted/")
                continue
            for record in records:
                yield record, data

    def _data_problem(self, record: ImportRecord, path: Path) -> str | None:
        return _file_problem(path, record.data_sha256)

    def records(self) -> list[ImportRecord]:
        """Every committed import with a readable manifest, oldest first, with undo details where undone."""
        return list(self._scan().records)

    def quarantined(self) -> list[Quarantined]:
        """Imports left out of the figures because a file is damaged; the rest still count."""
        return list(self._scan().quarantined)

    def active_files(self) -> list[str]:
        """Parquet files holding rows of committed, not undone, undamaged imports, after the always-present empty
        file; a segment's rows of undone imports are left out by `excluded_ids()`."""
        return self.read_plan()[0]

    def excluded_ids(self) -> list[str]:
        """Imports whose rows sit in an active segment file but must not count (they were undone)."""
        return self.read_plan()[1]

    def read_plan(self) -> tuple[list[str], list[str]]:
        """The files to read and the import ids to leave out of them: what `monitoring_from_imports` binds."""
        scan = self._scan()
        bad = {q.import_id for q in scan.quarantined}
        files, excluded = [str(self.empty_file)], []
        for record in scan.records:
            if record.import_id in bad:
                continue
            path = str(scan.data_files[record.import_id])
            if record.undone_at is not None:
                if record.import_id in scan.segment_ids:
                    excluded.append(record.import_id)
            elif path not in files:
                files.append(path)
        return files, excluded

    def loose_count(self) -> int:
        """How many imports still have their own data file in the folder (what compaction folds)."""
        return sum(1 for _ in self.imports_dir.glob("*.json"))

    def compact(self, *, at_least: int = 2) -> int:
        """Fold the loose imports into one segment when there are at least `at_least`; return how many were folded.

        Under the write lock: the segment's data, then its manifest (the commit), then the loose files are moved to
        compacted/. A crash at any step leaves figures unchanged: before the manifest lands the segment is ignored;
        after it, loose files not yet moved are ignored in favour of the segment and moved by the next compaction.
        """
        with self.writing():
            scan = self._scan()
            bad = {q.import_id for q in scan.quarantined}
            folding, tables = [], []
            for record in scan.records:
                own = self.imports_dir / f"{record.import_id}.parquet"
                if record.import_id in bad or record.import_id in scan.segment_ids or not own.exists():
                    continue
                try:
                    tables.append(pq.read_table(own, schema=IMPORT_SCHEMA))
                except (OSError, pa.ArrowException):
                    continue
                folding.append(record)
            if len(folding) < at_least:
                folding = []
            else:
                self._write_segment(folding, pa.concat_tables(tables))
            # Also finishes a compaction that was stopped after its segment landed.
            self._move_folded(scan.segment_ids | {record.import_id for record in folding})
        return len(folding)

    def _write_segment(self, records: list[ImportRecord], table: pa.Table) -> None:
        segment_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        data_path = self.segments_dir / f"{segment_id}.parquet"
        digest = _write_parquet(table, data_path, step="compact.data")
        manifests = [{k: v for k, v in asdict(r).items() if k in MANIFEST_FIELDS} for r in records]
        body = json.dumps({"segment_id": segment_id, "data_sha256": digest, "imports": manifests}, indent=1)
        try:
            _atomic_write(self.segments_dir / f"{segment_id}.json", body.encode("utf-8"), step="compact.manifest")
        except BaseException:
            data_path.unlink(missing_ok=True)
            raise
        _fsync_dir(self.segments_dir)

    def _move_folded(self, folded: frozenset[str]) -> None:
        """Move loose files of imports a segment now holds into compacted/: kept, no longer listed per query."""
        moved = False
        for path in sorted(self.imports_dir.iterdir()):
            if path.stem in folded and path.suffix in (".parquet", ".json"):
                os.replace(path, self.compacted_dir / path.name)
                moved = True
                checkpoint("compact.moved")
        if moved:
            _fsync_dir(self.compacted_dir)
            _fsync_dir(self.imports_dir)

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
        return _write_parquet(table, self.imports_dir / f"{import_id}.parquet", step="import.data")

    def rewrite_rows(self, record: ImportRecord, rows: pd.DataFrame) -> None:
        """Re-derive a lost or damaged data file and record its new hash in the manifest."""
        with self.writing():
            digest = self.write_rows(record.import_id, rows)
            self._write_manifest(ImportRecord(**{**asdict(record), "data_sha256": digest}), step="rebuild.manifest")

    def undo(self, import_id: str, *, by: str) -> None:
        """Mark an import undone; its files stay, so the history keeps what happened."""
        if not IMPORT_ID.fullmatch(import_id) or all(r.import_id != import_id for r in self.records()):
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
        scan = self._scan()
        problems.extend(scan.segment_problems)
        records, quarantined = scan.records, scan.quarantined
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
