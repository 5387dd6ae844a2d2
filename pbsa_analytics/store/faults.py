"""Deterministic fault injection for the write paths, switched on only by tests through the environment.

PBSA_FAULT_KILL_AT=<step> kills the process (SIGKILL, as `kill -9` would) when it reaches that step;
PBSA_FAULT_ERROR_AT=<step>:<errno name> raises that OSError there instead (ENOSPC for a full disk, EROFS
for a read-only file system, EACCES for permission denied). Unset, every checkpoint is a dictionary lookup.
"""

from __future__ import annotations

import errno
import os
import signal

KILL_VARIABLE = "PBSA_FAULT_KILL_AT"
ERROR_VARIABLE = "PBSA_FAULT_ERROR_AT"

# Every write step of import, undo, build and the conditions store, in the order they happen.
IMPORT_STEPS = (
    "import.locked",
    "import.original.written",
    "import.original.renamed",
    "import.data.written",
    "import.data.renamed",
    "import.manifest.written",
    "import.manifest.renamed",
)
UNDO_STEPS = ("undo.locked", "undo.tombstone.written", "undo.tombstone.renamed")
BUILD_STEPS = ("build.started", "build.loaded", "build.checkpointed", "build.renamed")
CONDITIONS_SAVE_STEPS = (
    "conditions.locked",
    "conditions.data.written",
    "conditions.data.renamed",
    "conditions.original.written",
    "conditions.original.renamed",
    "conditions.manifest.written",
    "conditions.manifest.renamed",
)
CONDITIONS_UNDO_STEPS = (
    "conditions.undo.locked",
    "conditions.undo.tombstone.written",
    "conditions.undo.tombstone.renamed",
)
# Writing the materialised current-monitoring table (store/current.py), after an import or on first read.
CURRENT_STEPS = ("current.written", "current.renamed")
# Folding loose imports into a segment (store/imports.py `compact`); "compact.moved" is after the first file moved.
COMPACT_STEPS = (
    "compact.data.written",
    "compact.data.renamed",
    "compact.manifest.written",
    "compact.manifest.renamed",
    "compact.moved",
)
WRITE_STEPS = (
    IMPORT_STEPS + UNDO_STEPS + BUILD_STEPS + CURRENT_STEPS + COMPACT_STEPS + CONDITIONS_SAVE_STEPS
    + CONDITIONS_UNDO_STEPS
)  # fmt: skip


def checkpoint(step: str) -> None:
    """Die or fail here if a test asked for it."""
    if os.environ.get(KILL_VARIABLE) == step:
        os.kill(os.getpid(), signal.SIGKILL)
    wanted = os.environ.get(ERROR_VARIABLE, "")
    if wanted.partition(":")[0] == step:
        code = getattr(errno, wanted.partition(":")[2] or "ENOSPC")
        raise OSError(code, os.strerror(code))
