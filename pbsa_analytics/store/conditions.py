"""Durable conditions self-assessments: one immutable Parquet file and one manifest per save, like imports.

A save is a draft, a submission or a correction of one place's round. Each writes only new files, each made
complete under a temporary name and renamed into place; the manifest goes last, so a save exists exactly when
its manifest does and a process killed mid-save leaves nothing a reader counts. Undo writes a tombstone and
deletes nothing. Deciding whether a round is already submitted and then writing is done under a
cross-process lock (flock, released by the kernel even on kill -9), so two replicas can never both submit
the same round.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pbsa_analytics.errors import PbsaError

ANSWER_SCHEMA = pa.schema(
    [
        ("entry_id", pa.string()),
        ("entry_seq", pa.int64()),
        ("place_id", pa.string()),
        ("round", pa.string()),
        ("condition_id", pa.string()),
        ("answer", pa.string()),
        ("rating", pa.int32()),
        ("note", pa.string()),
    ]
)
ROW_COLUMNS = ["condition_id", "answer", "rating", "note"]
EMPTY_FILE = "empty.parquet"
ROUND_PATTERN = re.compile(r"\d{4}-Q[1-4]")
PLACE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,40}")
SYNTHETIC_MARKER = "SYNTHETIC"


class ConditionsStoreError(PbsaError):
    """A self-assessment could not be saved, found or undone."""


class EntryKind(StrEnum):
    DRAFT = "draft"
    SUBMISSION = "submission"
    CORRECTION = "correction"


@dataclass(frozen=True)
class Entry:
    """One save of one place's round: what kind, when, by whom, and whether it was later undone."""

    entry_id: str
    kind: str
    place_id: str
    round: str
    saved_at: str
    saved_by: str
    answered: int
    sha256: str
    source: str
    original: str | None = None
    undone_at: str | None = None
    undone_by: str | None = None

    @property
    def seq(self) -> int:
        return int(self.entry_id.split("-", 1)[0])

    @property
    def active(self) -> bool:
        return self.undone_at is None


@dataclass(frozen=True)
class RoundState:
    """A round's submitted answers in force (if any), a newer unsubmitted draft (if any), and every save."""

    place_id: str
    round: str
    in_force: Entry | None
    draft: Entry | None
    history: list[Entry]

    @property
    def status(self) -> str:
        if self.in_force is None:
            return "draft" if self.draft else "not started"
        return "submitted, correction in draft" if self.draft else "submitted"


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


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")


class ConditionsStore:
    """The conditions folder: save drafts, submissions and corrections; undo; read rounds and their history."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries_dir = root / "entries"
        self.undone_dir = root / "undone"
        self.originals_dir = root / "originals"
        for folder in (self.entries_dir, self.undone_dir, self.originals_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.empty_file = root / EMPTY_FILE
        if not self.empty_file.exists():
            buffer = io.BytesIO()
            pq.write_table(ANSWER_SCHEMA.empty_table(), buffer)
            _atomic_write(self.empty_file, buffer.getvalue())

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def synthetic(self) -> bool:
        """True when this folder was filled by the demo loader: every page then labels it synthetic."""
        return (self.root / SYNTHETIC_MARKER).exists()

    def mark_synthetic(self, note: str) -> None:
        _atomic_write(self.root / SYNTHETIC_MARKER, note.encode("utf-8"))

    def version(self) -> str:
        """Changes whenever a save or an undo lands; used to invalidate caches."""
        names = sorted(p.name for p in self.entries_dir.glob("*.json"))
        names += sorted("undone:" + p.name for p in self.undone_dir.glob("*.json"))
        return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]

    def entries(self) -> list[Entry]:
        """Every committed save, oldest first, with undo details where undone."""
        entries = []
        for manifest in sorted(self.entries_dir.glob("*.json")):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            tombstone = self.undone_dir / manifest.name
            if tombstone.exists():
                data |= json.loads(tombstone.read_text(encoding="utf-8"))
            entries.append(Entry(**data))
        return entries

    def round_state(self, *, place_id: str, round_id: str, entries: list[Entry] | None = None) -> RoundState:
        """The state of one round, derived from its saves alone."""
        mine = [e for e in (entries or self.entries()) if e.place_id == place_id and e.round == round_id]
        active = [e for e in mine if e.active]
        submitted = [e for e in active if e.kind != EntryKind.DRAFT]
        in_force = submitted[-1] if submitted else None
        after = in_force.seq if in_force else 0
        drafts = [e for e in active if e.kind == EntryKind.DRAFT and e.seq > after]
        return RoundState(place_id, round_id, in_force, drafts[-1] if drafts else None, mine)

    def rounds(self) -> list[RoundState]:
        """Every place × round that has at least one save."""
        entries = self.entries()
        keys = sorted({(e.place_id, e.round) for e in entries})
        return [self.round_state(place_id=p, round_id=r, entries=entries) for p, r in keys]

    def in_force_files(self) -> list[str]:
        """The empty schema file, then each round's submitted answers in force."""
        files = [str(self.empty_file)]
        for state in self.rounds():
            if state.in_force is not None:
                files.append(str(self.entries_dir / f"{state.in_force.entry_id}.parquet"))
        return files

    def rows(self, entry_id: str) -> pd.DataFrame:
        """The answers of one save."""
        path = self.entries_dir / f"{entry_id}.parquet"
        if not (self.entries_dir / f"{entry_id}.json").exists() or not path.exists():
            raise ConditionsStoreError(f"no saved self-assessment with id {entry_id!r}")
        return pq.read_table(path).to_pandas()

    def save(
        self,
        *,
        place_id: str,
        round_id: str,
        kind: EntryKind,
        rows: pd.DataFrame,
        saved_by: str,
        source: str,
        original: tuple[str, bytes] | None = None,
    ) -> Entry:
        """Record one save, all or nothing; a submission needs an unsubmitted round, a correction a submitted one."""
        if not PLACE_PATTERN.fullmatch(place_id) or not ROUND_PATTERN.fullmatch(round_id):
            raise ConditionsStoreError(f"bad place {place_id!r} or round {round_id!r} (rounds look like 2025-Q1)")
        with self._locked():
            state = self.round_state(place_id=place_id, round_id=round_id)
            if kind == EntryKind.SUBMISSION and state.in_force is not None:
                raise ConditionsStoreError(
                    f"{round_id} for {place_id} was already submitted on {state.in_force.saved_at}; "
                    "submit a correction instead"
                )
            if kind == EntryKind.CORRECTION and state.in_force is None:
                raise ConditionsStoreError(
                    f"{round_id} for {place_id} has not been submitted, so there is nothing to correct"
                )
            return self._write(place_id=place_id, round_id=round_id, kind=kind, rows=rows, saved_by=saved_by,
                               source=source, original=original)  # fmt: skip

    def _write(
        self,
        *,
        place_id: str,
        round_id: str,
        kind: EntryKind,
        rows: pd.DataFrame,
        saved_by: str,
        source: str,
        original: tuple[str, bytes] | None,
    ) -> Entry:
        entry_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        table = pa.Table.from_pandas(
            rows[ROW_COLUMNS].assign(entry_id=entry_id, entry_seq=int(entry_id.split("-", 1)[0]),
                                     place_id=place_id, round=round_id)[ANSWER_SCHEMA.names],
            schema=ANSWER_SCHEMA,
            preserve_index=False,
        )  # fmt: skip
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        data = buffer.getvalue()
        _atomic_write(self.entries_dir / f"{entry_id}.parquet", data)
        original_name = None
        if original is not None:
            original_name = f"{entry_id}-{_safe_name(original[0])}"
            _atomic_write(self.originals_dir / original_name, original[1])
        answered = int((rows["answer"].notna() | rows["rating"].notna()).sum())
        entry = Entry(
            entry_id=entry_id, kind=str(kind), place_id=place_id, round=round_id, saved_at=_now(),
            saved_by=(saved_by or "unknown")[:120], answered=answered, sha256=hashlib.sha256(data).hexdigest(),
            source=source[:200], original=original_name,
        )  # fmt: skip
        manifest = {k: v for k, v in asdict(entry).items() if k not in ("undone_at", "undone_by")}
        # The manifest goes last: its arrival is the commit.
        _atomic_write(self.entries_dir / f"{entry_id}.json", json.dumps(manifest, indent=2).encode("utf-8"))
        _fsync_dir(self.entries_dir)
        return entry

    def undo_last(self, *, place_id: str, round_id: str, by: str) -> Entry:
        """Undo the round's latest submission or correction: the one before it (or the draft) is back in force."""
        with self._locked():
            state = self.round_state(place_id=place_id, round_id=round_id)
            if state.in_force is None:
                raise ConditionsStoreError(f"{round_id} for {place_id} has no submitted answers to undo")
            target = state.in_force
            stamp = json.dumps({"undone_at": _now(), "undone_by": (by or "unknown")[:120]}).encode("utf-8")
            _atomic_write(self.undone_dir / f"{target.entry_id}.json", stamp)
            _fsync_dir(self.undone_dir)
        return target

    def verify(self) -> list[str]:
        """Problems with kept files: a missing data file, or one whose hash no longer matches its manifest."""
        problems = []
        for entry in self.entries():
            path = self.entries_dir / f"{entry.entry_id}.parquet"
            if not path.exists():
                problems.append(f"{entry.entry_id}: data file missing")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != entry.sha256:
                problems.append(f"{entry.entry_id}: data file changed since it was saved")
        return problems
