"""Read-only access to the built store: every query goes through Store.execute with bound parameters."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from pbsa_analytics import settings
from pbsa_analytics.errors import QueryError, ReadOnlyError, StoreConfigError, StoreMissingError
from pbsa_analytics.store.imports import ImportStore

Params = Sequence[object] | Mapping[str, object] | None


class Store:
    """A read-only DuckDB connection that many threads and processes can share."""

    def __init__(self, *, db_path: Path, store_dir: Path) -> None:
        if not db_path.exists():
            raise StoreMissingError(f"{db_path} does not exist: run `python -m pbsa_analytics build` first")
        self.db_path = db_path
        self.imports = ImportStore(store_dir)
        self._con = duckdb.connect(str(db_path), read_only=True)
        self._lock_down(store_dir)
        self._lock = threading.Lock()
        self._files: tuple[str, list[str]] = ("", [])

    def _lock_down(self, store_dir: Path) -> None:
        """Let queries read the store and its import files only, never other files or the network.

        DuckDB shares one instance per file within a process and these settings cannot be changed once
        external access is off, so a second Store on the same file must use the same imports folder.
        """
        allowed = str(store_dir.resolve()) + "/"
        if self._con.execute("select current_setting('enable_external_access')").fetchone()[0]:
            self._con.execute("set allowed_directories = ?", [[allowed]])
            self._con.execute("set enable_external_access = false")
            return
        current = self._con.execute("select current_setting('allowed_directories')").fetchone()[0]
        if allowed not in current:
            raise StoreConfigError(f"{self.db_path} is already open in this process with another imports folder")

    def _import_files(self) -> list[str]:
        version = self.imports.version()
        if self._files[0] != version:
            self._files = (version, [str(Path(f).resolve()) for f in self.imports.active_files()])
        return self._files[1]

    def version(self) -> str:
        """Changes when the built store or the committed imports change."""
        return f"{self.db_path.stat().st_mtime_ns}-{self.imports.version()}"

    def execute(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run one statement with bound parameters and return its rows as a DataFrame."""
        with self._lock:
            cursor = self._con.cursor()
            files = self._import_files()
        try:
            cursor.execute("set variable pbsa_import_files = ?", [files])
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


def open_store(*, db_path: Path, store_dir: Path | None = None) -> Store:
    """Open the built store read-only, with monitoring imports from store_dir (default: the setting)."""
    return Store(db_path=db_path, store_dir=store_dir or settings.store_dir())
