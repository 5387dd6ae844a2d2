"""The app's access to the store: one cached read-only connection, cached query results."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from pbsa_analytics import queries, settings
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store, build_store, open_store


@st.cache_resource(show_spinner=False)
def _store(db_path: str, store_dir: str, _modified_ns: int) -> Store:
    return open_store(db_path=settings.db_path(), store_dir=settings.store_dir())


def store() -> Store:
    """The read-only store, built first if this checkout has none; reopened when the file is rebuilt."""
    path = settings.db_path()
    if not path.exists():
        build_store(data_dir=settings.data_dir(), db_path=path)
    return _store(str(path), str(settings.store_dir()), path.stat().st_mtime_ns)


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(name: str, version: str, params: tuple) -> pd.DataFrame:
    return queries.run(store(), name, **dict(params))


@st.cache_data(show_spinner=False, max_entries=16)
def _checked(data: bytes, file_name: str, version: str) -> monitoring.Validated:
    return monitoring.check_file(store(), data=data, file_name=file_name)


def checked_file(data: bytes, file_name: str) -> monitoring.Validated:
    """Validation of an uploaded file, reused across reruns until the file or the store changes."""
    return _checked(data, file_name, store().version())


def deferred(name: str, /, **params: object) -> Callable[[], pd.DataFrame]:
    """A named query to run later (e.g. when a download is clicked), outside Streamlit's script thread."""
    current = store()
    return lambda: queries.run(current, name, **params)


def query(name: str, /, **params: object) -> pd.DataFrame:
    """Run a named query; results are cached until the store is rebuilt or an import lands or is undone."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    result = _cached(name, store().version(), frozen)
    return result.copy()
