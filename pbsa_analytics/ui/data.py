"""The app's access to the store: one cached read-only connection, cached query results."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from pbsa_analytics import queries, settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.errors import PbsaError, StoreCorruptError
from pbsa_analytics.services import monitoring
from pbsa_analytics.services.scoping import forget_scoped_grids, run_scoped, withheld
from pbsa_analytics.store import Store, build_store, open_store
from pbsa_analytics.ui.auth import current_principal

log = logging.getLogger(__name__)

_MEMOS: list[Callable[[], None]] = []


def process_memo(*, maxsize: int) -> Callable[[Callable], Callable]:
    """functools.lru_cache for values that are the same for every user (a store connection, reference tables).

    Why not st.cache_resource: its lookup costs about 0.1 ms, and these are looked up dozens of times a run.
    """

    def decorate(function: Callable) -> Callable:
        memo = functools.lru_cache(maxsize=maxsize)(function)
        # lru_cache lets threads that miss at once each compute the value (two connections to one store): one
        # lock per function makes the first the only one; a hit holds it for well under a microsecond.
        lock = threading.RLock()

        @functools.wraps(function)
        def once(*args: object, **kwargs: object) -> object:
            with lock:
                return memo(*args, **kwargs)

        _MEMOS.append(memo.cache_clear)
        return once

    return decorate


def clear_caches() -> None:
    """Forget every cached value (Streamlit's caches and the process memos), as after a restart."""
    st.cache_data.clear()
    st.cache_resource.clear()
    for clear in _MEMOS:
        clear()
    forget_scoped_grids()


@process_memo(maxsize=8)
def _store(db_path: str, store_dir: str) -> Store:
    # One Store per file: it reopens itself when `build` swaps the file (see Store), and query results
    # below are keyed on store().version(), which changes with each build and each import or undo.
    return open_store(db_path=Path(db_path), store_dir=Path(store_dir))


def _file_id(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


_REBUILDING = threading.Lock()


def _rebuild_damaged(path: Path, *, seen: tuple[int, int, int] | None, damage: StoreCorruptError) -> None:
    """Rebuild a damaged store from data/ (it holds nothing else), once, even if many sessions noticed it.

    If the file changed since it was found damaged, another session has rebuilt it already. If the build
    fails too, the error names both the damage and why it could not be repaired.
    """
    with _REBUILDING:
        if _file_id(path) != seen:
            return
        log.warning("rebuilding the damaged store: %s", damage)
        try:
            build_store(data_dir=settings.data_dir(), db_path=path)
        except (PbsaError, OSError) as error:
            raise StoreCorruptError(f"{damage}. Rebuilding it from {settings.data_dir()} failed: {error}") from error


def store() -> Store:
    """The read-only store, built first if this checkout has none or its file is damaged.

    It follows a rebuilt file without a restart.
    """
    path = settings.db_path()
    seen = _file_id(path)
    if seen is None:
        build_store(data_dir=settings.data_dir(), db_path=path)
        seen = _file_id(path)
    try:
        return _store(str(path), str(settings.store_dir()))
    except StoreCorruptError as damage:
        _rebuild_damaged(path, seen=seen, damage=damage)
    return _store(str(path), str(settings.store_dir()))


@st.cache_resource(show_spinner=False, max_entries=1024)
def _cached(key: str, *, _name: str, _params: tuple, _role: str, _place_id: str | None) -> pd.DataFrame:
    # Keyed on one string made of everything the result depends on: Streamlit hashes it in microseconds,
    # where hashing the parts and unpickling a cached copy cost about a millisecond a query. The frame is
    # shared read-only; query() hands each caller its own copy.
    # Scoping depends on the role and a partnership's place only, so those (not the user) are in the key.
    scope = Principal(subject="scope", display_name="scope", role=Role(_role), place_id=_place_id)
    return run_scoped(store(), scope, _name, **dict(_params))


def _run_cached(name: str, version: str, params: tuple, role: str, place_id: str | None) -> pd.DataFrame:
    key = repr((name, version, params, role, place_id))
    return _cached(key, _name=name, _params=params, _role=role, _place_id=place_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _checked(data: bytes, file_name: str, version: str) -> monitoring.Validated:
    return monitoring.check_file(store(), data=data, file_name=file_name)


def checked_file(data: bytes, file_name: str) -> monitoring.Validated:
    """Validation of an uploaded file, reused across reruns until the file or the store changes."""
    return _checked(data, file_name, store().version())


def deferred(name: str, /, **params: object) -> Callable[[], pd.DataFrame]:
    """A named query to run later (e.g. when a download is clicked), outside Streamlit's script thread.

    The principal is taken now, in the script thread, so the later run is scoped like every other query.
    """
    current, principal = store(), current_principal()
    return lambda: run_scoped(current, principal, name, **params)


def query(name: str, /, **params: object) -> pd.DataFrame:
    """Run a named query for this session's principal, scoped in the data layer; cached until the store changes."""
    principal = current_principal()
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    current, seen = store(), _file_id(settings.db_path())
    try:
        result = _run_cached(name, _data_version(current, name), frozen, principal.role.value, principal.place_id)
    except StoreCorruptError as damage:  # the file was damaged while the app was running
        _rebuild_damaged(settings.db_path(), seen=seen, damage=damage)
        result = _run_cached(name, _data_version(store(), name), frozen, principal.role.value, principal.place_id)
    return result.copy()


def withheld_from_session(name: str) -> bool:
    """Whether this session's principal gets no rows from a named query by its role (see scoping.withheld)."""
    return withheld(current_principal(), name)


def _data_version(current: Store, name: str) -> str:
    """What a named query's result depends on: the built store, and the imports only if it reads monitoring.

    So an import re-runs the monitoring queries alone (places, typologies, evidence and sources stay cached), and
    a rerun lists the imports folder only for queries that read it.
    """
    return current.version() if queries.reads_imports(name) else current.build_version()
