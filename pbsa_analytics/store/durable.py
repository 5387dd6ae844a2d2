"""Durable files shared by every store folder (imports, conditions, pulse): atomic writes and one writer lock.

A file is made whole under a unique temporary name, flushed to disk, then renamed over its final name (an
atomic step on POSIX file systems), so a reader sees the old file or the new one, never a part. On any
failure, including a kill signal delivered as an exception, the temporary file is removed; after kill -9 at
most an orphan `.tmp` file stays, which no reader looks at. Check-then-write sequences run under one
cross-process lock (`filelock`, an flock the kernel releases when the process dies). The fault hooks of
`faults.py` sit between the steps, so tests can stop a writer at each one.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from pbsa_analytics.errors import PbsaError
from pbsa_analytics.store.faults import checkpoint

EMPTY_FILE = "empty.parquet"
LOCK_FILE = ".write.lock"  # in each store folder: held by whoever writes there
LOCK_TIMEOUT_S = 60


def temporary(path: Path) -> Path:
    """A unique hidden name beside `path`, so concurrent writers (threads or processes) never share one."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


def atomic_write(path: Path, data: bytes, *, step: str | None = None) -> None:
    """Write whole under a unique temporary name, then rename; on any failure the temporary file goes.

    With a step name, the fault checkpoints `<step>.written` (before the rename) and `<step>.renamed`
    (after it) are passed.
    """
    tmp = temporary(path)
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if step:
            checkpoint(f"{step}.written")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if step:
        checkpoint(f"{step}.renamed")


def prepare_folder(root: Path, *, subfolders: tuple[str, ...], schema: pa.Schema) -> Path:
    """Create a store folder's sub-folders and its empty Parquet file of `schema`; return that file.

    Readers always have at least that one file to scan, so a view over the folder binds even when it is empty.
    """
    for name in subfolders:
        (root / name).mkdir(parents=True, exist_ok=True)
    empty = root / EMPTY_FILE
    if not empty.exists():
        buffer = io.BytesIO()
        pq.write_table(schema.empty_table(), buffer)
        atomic_write(empty, buffer.getvalue())
    return empty


def fsync_dir(path: Path) -> None:
    """Make the renames inside a folder durable (the folder's own entry list is flushed)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def safe_name(file_name: str) -> str:
    """A hostile upload name reduced to a short, harmless file name (no folders, no odd characters)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(file_name).name)[-80:] or "upload"


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks so a large file needs little memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def writer_lock(
    lock_path: Path, *, error: type[PbsaError], what: str, timeout: float = LOCK_TIMEOUT_S
) -> Iterator[None]:
    """Hold a folder's cross-process write lock; `error` names `what` held it when it is not freed in time."""
    lock = FileLock(lock_path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout as timed_out:
        raise error(f"another {what} held the folder for over {timeout:g} s; try again") from timed_out
    try:
        yield
    finally:
        lock.release()
