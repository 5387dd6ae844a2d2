"""Durable conditions self-assessments: one immutable Parquet file and one manifest per save, like imports.

A save is a draft, a submission or a correction of one place's round. Each writes only new files, each made
complete under a temporary name and renamed into place (store/durable.py, shared with the imports store); the
manifest goes last, so a save exists exactly when its manifest does and a process killed mid-save leaves
nothing a reader counts. A save that fails before its manifest lands (full disk, permission denied) removes
the files it wrote. Undo writes a tombstone and deletes nothing. Deciding whether a round is already
submitted and then writing is done under the same cross-process lock as imports (`filelock`, released by
the kernel even on kill -9), so two replicas can never both submit the same round. Every write step passes
a fault checkpoint (store/faults.py), so tests kill or fail a save at each one.

A damaged folder degrades instead of breaking: a manifest or tombstone that cannot be read is left out of
every round and named by `verify()`, and a save whose data file is missing is not offered to queries.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pbsa_analytics.errors import PbsaError
from pbsa_analytics.store.durable import (
    LOCK_FILE,
    atomic_write,
    fsync_dir,
    prepare_folder,
    safe_name,
    sha256_file,
    writer_lock,
)
from pbsa_analytics.store.faults import checkpoint

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
ROUND_PATTERN = re.compile(r"\d{4}-Q[1-4]")
PLACE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,40}")
ENTRY_ID = re.compile(r"\d{20}-[0-9a-f]{8}")
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


ENTRY_FIELDS = {f.name for f in fields(Entry)} - {"undone_at", "undone_by"}
OPTIONAL_FIELDS = {"original"}


def _read_entry(manifest: Path, tombstone: Path) -> Entry:
    """One save from its manifest (and tombstone, if undone); anything malformed raises ValueError."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not set(data) >= ENTRY_FIELDS - OPTIONAL_FIELDS:
        raise ValueError("manifest lacks required fields")
    entry = Entry(**{k: v for k, v in data.items() if k in ENTRY_FIELDS})
    text_fields = (entry.entry_id, entry.kind, entry.place_id, entry.round, entry.saved_at, entry.saved_by)
    if not all(isinstance(value, str) for value in text_fields) or not isinstance(entry.answered, int):
        raise ValueError("manifest has fields of the wrong type")
    if entry.entry_id != manifest.stem or not ENTRY_ID.fullmatch(entry.entry_id):
        raise ValueError("manifest names another save")
    if entry.kind not in set(EntryKind) or not PLACE_PATTERN.fullmatch(entry.place_id):
        raise ValueError("manifest has an unknown kind or place")
    if not ROUND_PATTERN.fullmatch(entry.round):
        raise ValueError("manifest has a malformed round")
    if entry.original is not None and (
        not isinstance(entry.original, str) or Path(entry.original).name != entry.original
    ):
        raise ValueError("manifest points outside the originals folder")
    if tombstone.exists():
        undone = json.loads(tombstone.read_text(encoding="utf-8"))
        if not isinstance(undone, dict) or not all(isinstance(undone.get(k), str) for k in ("undone_at", "undone_by")):
            raise ValueError("unreadable undo record")
        entry = Entry(**{**asdict(entry), "undone_at": undone["undone_at"], "undone_by": undone["undone_by"]})
    return entry


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")


class ConditionsStore:
    """The conditions folder: save drafts, submissions and corrections; undo; read rounds and their history."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries_dir = root / "entries"
        self.undone_dir = root / "undone"
        self.originals_dir = root / "originals"
        self.empty_file = prepare_folder(root, subfolders=("entries", "undone", "originals"), schema=ANSWER_SCHEMA)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The folder's cross-process write lock (filelock, as the imports store; freed by the kernel on kill -9)."""
        with writer_lock(self.root / LOCK_FILE, error=ConditionsStoreError, what="self-assessment save"):
            yield

    @property
    def synthetic(self) -> bool:
        """True when this folder was filled by the demo loader: every page then labels it synthetic."""
        return (self.root / SYNTHETIC_MARKER).exists()

    def mark_synthetic(self, note: str) -> None:
        atomic_write(self.root / SYNTHETIC_MARKER, note.encode("utf-8"))

    def version(self) -> str:
        """Changes whenever a save or an undo lands; used to invalidate caches."""
        names = sorted(p.name for p in self.entries_dir.glob("*.json"))
        names += sorted("undone:" + p.name for p in self.undone_dir.glob("*.json"))
        return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]

    def _scan(self) -> tuple[list[Entry], list[str]]:
        """Every readable save, oldest first, and a problem line for each manifest or tombstone that is not."""
        entries, problems = [], []
        for manifest in sorted(self.entries_dir.glob("*.json")):
            try:
                entries.append(_read_entry(manifest, self.undone_dir / manifest.name))
            except (OSError, ValueError, TypeError) as error:
                problems.append(f"{manifest.stem[:40]}: left out (unreadable manifest or undo record: {error})")
        return entries, problems

    def entries(self) -> list[Entry]:
        """Every committed save, oldest first, with undo details where undone; damaged saves are left out."""
        return self._scan()[0]

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
                path = self.entries_dir / f"{state.in_force.entry_id}.parquet"
                if path.exists():  # a lost data file is named by verify(); the other rounds still show
                    files.append(str(path))
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
            checkpoint("conditions.locked")
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
            entry_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
            table = pa.Table.from_pandas(
                rows[ROW_COLUMNS].assign(entry_id=entry_id, entry_seq=int(entry_id.split("-", 1)[0]),
                                         place_id=place_id, round=round_id)[ANSWER_SCHEMA.names],
                schema=ANSWER_SCHEMA,
                preserve_index=False,
            )  # fmt: skip
            buffer = io.BytesIO()
            pq.write_table(table, buffer)
            answered = int((rows["answer"].notna() | rows["rating"].notna()).sum())
            entry = Entry(
                entry_id=entry_id, kind=str(kind), place_id=place_id, round=round_id, saved_at=_now(),
                saved_by=(saved_by or "unknown")[:120], answered=answered,
                sha256=hashlib.sha256(buffer.getvalue()).hexdigest(), source=source[:200],
                original=f"{entry_id}-{safe_name(original[0])}" if original is not None else None,
            )  # fmt: skip
            self._write(entry, data=buffer.getvalue(), original=original[1] if original is not None else None)
            return entry

    def _write(self, entry: Entry, *, data: bytes, original: bytes | None) -> None:
        """Data file, original, then the manifest; if the manifest never lands, the files written go again."""
        data_path = self.entries_dir / f"{entry.entry_id}.parquet"
        original_path = self.originals_dir / entry.original if entry.original else None
        manifest = {k: v for k, v in asdict(entry).items() if k in ENTRY_FIELDS}
        try:
            atomic_write(data_path, data, step="conditions.data")
            if original_path is not None and original is not None:
                atomic_write(original_path, original, step="conditions.original")
            # The manifest goes last: its arrival is the commit.
            atomic_write(self.entries_dir / f"{entry.entry_id}.json", json.dumps(manifest, indent=2).encode("utf-8"),
                         step="conditions.manifest")  # fmt: skip
        except BaseException:
            if not (self.entries_dir / f"{entry.entry_id}.json").exists():
                data_path.unlink(missing_ok=True)
                if original_path is not None:
                    original_path.unlink(missing_ok=True)
            raise
        fsync_dir(self.entries_dir)

    def undo_last(self, *, place_id: str, round_id: str, by: str) -> Entry:
        """Undo the round's latest submission or correction: the one before it (or the draft) is back in force."""
        with self._locked():
            checkpoint("conditions.undo.locked")
            state = self.round_state(place_id=place_id, round_id=round_id)
            if state.in_force is None:
                raise ConditionsStoreError(f"{round_id} for {place_id} has no submitted answers to undo")
            target = state.in_force
            stamp = json.dumps({"undone_at": _now(), "undone_by": (by or "unknown")[:120]}).encode("utf-8")
            atomic_write(self.undone_dir / f"{target.entry_id}.json", stamp, step="conditions.undo.tombstone")
            fsync_dir(self.undone_dir)
        return target

    def verify(self) -> list[str]:
        """Problems with kept files: an unreadable manifest, a missing data file, or one whose hash changed."""
        entries, problems = self._scan()
        for entry in entries:
            path = self.entries_dir / f"{entry.entry_id}.parquet"
            if not path.exists():
                problems.append(f"{entry.entry_id}: data file missing")
            elif sha256_file(path) != entry.sha256:
                problems.append(f"{entry.entry_id}: data file changed since it was saved")
        return problems
