"""Read-only access to the built store: every query goes through Store.execute with bound parameters."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from pbsa_analytics.errors import QueryError, ReadOnlyError, StoreMissingError

Params = Sequence[object] | Mapping[str, object] | None


class Store:
    """A read-only DuckDB connection that many threads and processes can share."""

    def __init__(self, *, db_path: Path) -> None:
        if not db_path.exists():
            raise StoreMissingError(f"{db_path} does not exist: run `python -m pbsa_analytics build` first")
        self.db_path = db_path
        self._con = duckdb.connect(str(db_path), read_only=True)
        # Queries read only the store, never the file system or the network.
        self._con.execute("set enable_external_access = false")
        self._lock = threading.Lock()

    def execute(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run one statement with bound parameters and return its rows as a DataFrame."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            return cursor.execute(sql, params).df()
        except duckdb.Error as error:
            raise QueryError(str(error).splitlines()[0]) from error
        finally:
            cursor.close()

    def execute_read(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run user-supplied SQL only if it is a single SELECT; anything else is refused."""
        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as error:
            raise QueryError(str(error).splitlines()[0]) from error
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise ReadOnlyError("only a single SELECT statement is allowed")
        return self.execute(sql, params)

    def close(self) -> None:
        self._con.close()


def open_store(*, db_path: Path) -> Store:
    return Store(db_path=db_path)
