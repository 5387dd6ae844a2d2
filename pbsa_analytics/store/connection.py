"""Read-only access to the built store: every query goes through Store.execute with bound parameters."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from pbsa_analytics import settings
from pbsa_analytics.errors import (
    QueryError,
    ReadOnlyError,
    StoreConfigError,
    StoreCorruptError,
    StoreMissingError,
    StoreStaleError,
)
from pbsa_analytics.store.build import STORE_CODE_TABLE, store_code_version
from pbsa_analytics.store.current import CurrentMonitoring, bind_import_files, current_key
from pbsa_analytics.store.imports import ImportStore

Params = Sequence[object] | Mapping[str, object] | None

MONITORING_WORD = "monitoring"
# Cursors kept open between queries, each with the current-monitoring files it is bound to, so a monitoring query
# on an unchanged store skips binding them again (two statements: about 0.5 ms of a 1.7 ms query).
IDLE_CURSORS = 16


def _first_line(error: BaseException, *, limit: int | None = 160) -> str:
    """An error's first line (at most `limit` characters), or its type when it has no message."""
    lines = str(error).splitlines()
    return lines[0][:limit] if lines else type(error).__name__


def _damage_of(error: duckdb.Error, db_path: Path) -> str | None:
    """The first line of a DuckDB error if it says the store file itself is damaged (not a query's fault)."""
    first = _first_line(error)
    if "Corrupt database file" in first or (isinstance(error, duckdb.IOException) and str(db_path) in first):
        return first
    return None


def corrupt_store_error(db_path: Path, detail: str) -> StoreCorruptError:
    """One line naming the damaged file and the fix; the CLI prints it as is and the app shows it."""
    return StoreCorruptError(
        f"{db_path} is damaged and cannot be read ({detail}); rebuild it with `python -m pbsa_analytics build`"
    )


def _missing(db_path: Path) -> StoreMissingError:
    return StoreMissingError(f"{db_path} does not exist: run `python -m pbsa_analytics build` first")


def _has_text(column: pa.ChunkedArray) -> bool:
    kind = column.type
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    return text and column.null_count < len(column)


def _frame_via_arrow(cursor: duckdb.DuckDBPyConnection, sql: str, params: Params) -> pd.DataFrame:
    """The same DataFrame as `cursor.execute(sql, params).df()`, with its text columns taken from Arrow.

    Why: DuckDB's own conversion makes one Python string per text cell, which pandas then turns back into an
    Arrow-backed column; on results of tens of thousands of rows that is most of a query's time. Text columns
    (with at least one value; an all-null one stays DuckDB's) come straight from the Arrow result, every other
    column through DuckDB's conversion, so dtypes and values are DuckDB's (tests/test_queries_at_scale.py compares).
    """
    table = cursor.sql(sql, params=params).to_arrow_table()
    names = table.column_names
    text = [i for i, column in enumerate(table.columns) if _has_text(column)]
    if not text or len(set(names)) != len(names):
        return cursor.from_arrow(table).df()
    rest = [i for i in range(len(names)) if i not in text]
    frame = cursor.from_arrow(table.select(rest)).df() if rest else pd.DataFrame(index=pd.RangeIndex(len(table)))
    for i in text:
        frame.insert(i, names[i], table.column(i).to_pandas())
    return frame


def _file_id(path: Path) -> tuple[int, int, int]:
    """Identity of one build of the file: `build` swaps in a new inode."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


class Store:
    """A read-only DuckDB connection that many threads share; it follows the file when `build` replaces it.

    DuckDB keeps one database instance per path in a process, so a rebuilt file is only seen once every
    connection to the old one is closed. Each query therefore checks the file's identity first; when it
    changed, the store waits for queries in flight, closes its connection and opens the new file.
    """

    def __init__(self, *, db_path: Path, store_dir: Path) -> None:
        if not db_path.exists():
            raise _missing(db_path)
        self.db_path = db_path
        self.store_dir = store_dir
        self.imports = ImportStore(store_dir)
        self.current = CurrentMonitoring(store_dir)
        self._lock = threading.Condition()
        self._in_flight = 0
        self._files: tuple[str, list[str], list[str]] = ("", [], [])
        self._con: duckdb.DuckDBPyConnection | None = None
        self._idle: list[tuple[duckdb.DuckDBPyConnection, tuple[Path, Path] | None]] = []
        self._con, self._opened, self._places = self._connect()

    def _connect(self) -> tuple[duckdb.DuckDBPyConnection, tuple[int, int, int], int]:
        """A locked-down connection to the file, its identity and how many places it holds."""
        try:
            opened = _file_id(self.db_path)
            con = duckdb.connect(str(self.db_path), read_only=True)
        except FileNotFoundError as error:
            raise _missing(self.db_path) from error
        except duckdb.Error as error:
            raise corrupt_store_error(self.db_path, _first_line(error)) from error
        self._lock_down(con)
        self._check_built_by_this_code(con)
        try:
            places = con.execute("select count(*) from places").fetchone()[0]
        except duckdb.Error as error:  # this code's build always has places: an error here is damage
            con.close()
            raise corrupt_store_error(self.db_path, _first_line(error)) from error
        return con, opened, places

    def _check_built_by_this_code(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            built_by = con.execute(f"select version from {STORE_CODE_TABLE}").fetchone()[0]
        except duckdb.CatalogException:
            built_by = "an older version"
        except duckdb.Error as error:  # damaged blocks show at the first read
            con.close()
            raise corrupt_store_error(self.db_path, _first_line(error)) from error
        if built_by != store_code_version():
            con.close()
            raise StoreStaleError(
                f"{self.db_path} was built by other code than this app's (its views differ); "
                "rebuild it with `python -m pbsa_analytics build`"
            )

    def _lock_down(self, con: duckdb.DuckDBPyConnection) -> None:
        """Let queries read the store and its import files only, never other files or the network.

        DuckDB shares one instance per file within a process and these settings cannot be changed once
        external access is off, so a second Store on the same file must use the same imports folder.
        """
        allowed = str(self.store_dir.resolve()) + "/"
        if con.execute("select current_setting('enable_external_access')").fetchone()[0]:
            # Keep each Parquet file's footer between queries: every Parquet file the store writes is replaced
            # only by renaming a new file over it (a new inode and time, which DuckDB checks), never edited.
            con.execute("set parquet_metadata_cache = true")
            con.execute("set allowed_directories = ?", [[allowed]])
            con.execute("set enable_external_access = false")
            return
        current = con.execute("select current_setting('allowed_directories')").fetchone()[0]
        if allowed not in current:
            raise StoreConfigError(f"{self.db_path} is already open in this process with another imports folder")

    def _rebuilt(self) -> bool:
        """Whether `build` has put another file in place of the open one (a missing file is not one yet)."""
        try:
            return _file_id(self.db_path) != self._opened
        except FileNotFoundError:
            return False

    def _follow_rebuild(self) -> None:
        """Called holding the lock with no query in flight: reopen if `build` swapped the file.

        If the new file cannot be opened (damaged), the error is raised and the next query tries again, so
        the store recovers as soon as a good file is built in its place.
        """
        # A missing file keeps the open snapshot served (a build is about to put one back); with no connection,
        # _connect names the missing file.
        if self._con is None or self._rebuilt():
            self._close_connection()
            self._con, self._opened, self._places = self._connect()

    def _close_connection(self) -> None:
        """Called holding the lock with no query in flight: close the idle cursors, then the connection."""
        for cursor, _ in self._idle:
            cursor.close()
        self._idle = []
        if self._con is not None:
            self._con.close()
            self._con = None

    def _import_files(self) -> tuple[str, list[str], list[str]]:
        """The imports folder's version, its active data files (resolved) and the import ids to leave out of them,
        re-listed when the version changes."""
        version = self.imports.version()
        if self._files[0] != version:
            files, excluded = self.imports.read_plan()
            self._files = (version, [str(Path(f).resolve()) for f in files], excluded)
        return self._files

    def _bind_current(
        self, cursor: duckdb.DuckDBPyConnection, build_id: str, bound: tuple[Path, Path] | None
    ) -> tuple[Path, Path] | None:
        """Point `monitoring` at the current-monitoring table of this build and imports state, making it if needed;
        return the files the cursor is now bound to (`bound`: what it was bound to before, if anything).

        If they cannot be written (full or read-only disk), this cursor reads the derivation directly instead,
        through temporary views, and None is returned: such a cursor is never reused.
        """
        version, files, excluded = self._import_files()
        made = self.current.ensure(cursor, current_key(build_id, version), files, excluded)
        if made is None:
            bind_import_files(cursor, files, excluded)
            cursor.execute("create or replace temp view monitoring as select * from monitoring_from_imports")
            cursor.execute(
                "create or replace temp view monitoring_rollup as select * from monitoring_rollup_from_current"
            )
            return None
        if made != bound:
            table, rollup = made
            cursor.execute("set variable pbsa_monitoring_file = ?", [str(table.resolve())])
            cursor.execute("set variable pbsa_monitoring_rollup_file = ?", [str(rollup.resolve())])
        return made

    def refresh_current(self) -> None:
        """Materialise the current-monitoring table now (after an import, undo or repair) rather than on first read.

        The change is already committed, so a failure here is not the caller's: the next reader makes the table.
        """
        with contextlib.suppress(QueryError):
            self.execute("select count(*) from monitoring")

    def place_count(self) -> int:
        """How many places the open build holds (read once per build), for sizing what a query will return."""
        return self._places

    def build_version(self) -> str:
        """Changes when the built store changes (one stat): for what comes from data/ alone, such as the sources."""
        try:
            return "-".join(str(part) for part in _file_id(self.db_path))
        except FileNotFoundError:
            return "missing"

    def version(self) -> str:
        """Changes when the built store or the committed imports change."""
        return f"{self.build_version()}-{self.imports.version()}"

    def execute(self, sql: str, params: Params = None, *, large: bool = False) -> pd.DataFrame:
        """Run one statement with bound parameters and return its rows as a DataFrame.

        large: a SELECT expected to return many rows, whose text columns are converted through Arrow (faster,
        same frame; see _frame_via_arrow).
        """
        return self._run(sql, params, large=large, reuse=True)

    def _run(self, sql: str, params: Params, *, large: bool, reuse: bool) -> pd.DataFrame:
        """Run one statement on an idle cursor (or a new one), and keep the cursor for the next query only if this
        one succeeded and `reuse` allows it. Kept cursors always belong to the open connection: it is only replaced
        (and the idle cursors closed) while no query is in flight."""
        with self._lock:
            if self._rebuilt():
                # Let the queries in flight finish on the old file rather than start more on it: under steady load
                # the count of queries in flight might otherwise never fall to zero.
                self._lock.wait_for(lambda: self._in_flight == 0)
            if self._in_flight == 0:
                self._follow_rebuild()
            self._in_flight += 1
            cursor, bound = self._idle.pop() if reuse and self._idle else (self._con.cursor(), None)
            build_id = "-".join(str(part) for part in self._opened)
        keep = False
        try:
            # Binding lists the imports folder; only statements naming monitoring can read it (every view and
            # macro over it is named monitoring*, which tests/test_store_lifecycle.py checks).
            if MONITORING_WORD in sql.lower():
                bound = self._bind_current(cursor, build_id, bound)
                reuse = reuse and bound is not None
            frame = _frame_via_arrow(cursor, sql, params) if large else cursor.execute(sql, params).df()
            keep = reuse
            return frame
        except duckdb.Error as error:
            damage = _damage_of(error, self.db_path)
            if damage:
                raise corrupt_store_error(self.db_path, damage) from error
            raise QueryError(_first_line(error, limit=None)) from error
        finally:
            with self._lock:
                if keep and len(self._idle) < IDLE_CURSORS:
                    self._idle.append((cursor, bound))
                else:
                    cursor.close()
                self._in_flight -= 1
                self._lock.notify_all()

    def check_readable(self) -> int:
        """Read every table of the built store in full (every column of every row); return how many there are.

        A damaged file raises StoreCorruptError naming it and the fix. Table names come from DuckDB's own
        catalogue and are quoted.
        """
        tables = self.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        )
        for schema, table in tables.itertuples(index=False):
            quoted = ".".join('"' + name.replace('"', '""') + '"' for name in (schema, table))
            self.execute(f"select sum(hash(t)) from {quoted} as t")
        return len(tables)

    def execute_read(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run user-supplied SQL only if it is a single SELECT; anything else is refused."""
        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as error:
            raise QueryError(_first_line(error, limit=None)) from error
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise ReadOnlyError("only a single SELECT statement is allowed")
        # Someone else's SQL runs on a cursor of its own, never kept for our queries.
        return self._run(sql, params, large=False, reuse=False)

    def close(self) -> None:
        """Close the connection once the queries in flight have finished."""
        with self._lock:
            self._lock.wait_for(lambda: self._in_flight == 0)
            self._close_connection()


def open_store(*, db_path: Path, store_dir: Path | None = None) -> Store:
    """Open the built store read-only, with monitoring imports from store_dir (default: the setting)."""
    return Store(db_path=db_path, store_dir=store_dir or settings.store_dir())
