"""Build the DuckDB store from the CSV files in data/, atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from pbsa_analytics.errors import BuildError
from pbsa_analytics.store.current import bind_import_files
from pbsa_analytics.store.faults import checkpoint
from pbsa_analytics.store.imports import write_empty_parquet
from pbsa_analytics.store.search_index import build_search_index


@dataclass(frozen=True)
class RawSource:
    table: str
    pattern: str  # file name or glob, relative to the data directory
    keeps_file_name: bool = False  # for globs: record which file each row came from


# Load order follows the foreign keys: referenced tables first.
RAW_SOURCES: tuple[RawSource, ...] = (
    RawSource("raw_phases", "phases.csv"),
    RawSource("raw_places", "places.csv"),
    RawSource("raw_place_aliases", "place_aliases.csv"),
    RawSource("raw_phase_participation", "phase_participation.csv"),
    RawSource("raw_typologies", "typologies.csv"),
    RawSource("raw_table3_planned_typologies", "table3_planned_typologies.csv"),
    RawSource("raw_activities", "activities.csv"),
    RawSource("raw_activity_typology", "activity_typology.csv"),
    RawSource("raw_place_activity", "place_activity.csv"),
    RawSource("raw_metrics", "metrics.csv"),
    RawSource("raw_monitoring", "monitoring.csv"),
    RawSource("raw_monitoring_published_totals", "monitoring_published_totals.csv"),
    RawSource("raw_outcomes", "outcomes.csv"),
    RawSource("raw_enablers", "enablers.csv"),
    RawSource("raw_evidence", "evidence/*.csv", keeps_file_name=True),
    RawSource("raw_conditions", "conditions.csv"),
    RawSource("raw_sources", "sources.csv"),
    RawSource("raw_caveats", "caveats.csv"),
)

VIEWS: tuple[str, ...] = (
    "phases",
    "places",
    "place_aliases",
    "phase_participation",
    "typologies",
    "place_typology",
    "activities",
    "activity_typology",
    "place_activity",
    "metrics",
    "monitoring",
    "monitoring_published_totals",
    "outcomes",
    "evidence",
    "enablers",
    "conditions",
    "cohort_places",
    "sources",
    "caveats",
)

# views.sql defines the derivation of the current figures before this line and the views reading them after it.
CURRENT_VIEW_MARKER = "-- The current monitoring figures:"
# ... and the rollup of the current figures after this one.
ROLLUP_VIEW_MARKER = "-- The rollup of the current table"

_LOAD_SQL = "insert into {table} by name select * from read_csv(?, header = true, all_varchar = true{extra})"
# Records which code built the file: views, macros and the search index are stored in it, so a file built by
# other code would answer with other views (or fail on a column they lack).
STORE_CODE_TABLE = "store_code"
_STORE_CODE_FILES = ("sql/schema.sql", "sql/views.sql", "search_index.py")


def store_code_version() -> str:
    """A digest of what shapes a built store: its schema and views, and the search index's build."""
    digest = hashlib.sha256()
    for name in _STORE_CODE_FILES:
        digest.update(resources.files("pbsa_analytics.store").joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def _sql_file(name: str) -> str:
    return resources.files("pbsa_analytics.store").joinpath("sql", name).read_text(encoding="utf-8")


def _load(con: duckdb.DuckDBPyConnection, *, source: RawSource, data_dir: Path) -> None:
    files = sorted(data_dir.glob(source.pattern))
    if not files:
        raise BuildError(f"{source.pattern}: no such file in {data_dir}")
    for path in files:
        try:
            # Table names come from RAW_SOURCES, never from input; the path is bound.
            extra = ", filename = true" if source.keeps_file_name else ""
            con.execute(_LOAD_SQL.format(table=source.table, extra=extra), [str(path)])
        except duckdb.Error as error:
            raise BuildError(f"{path.name}: {error}".splitlines()[0]) from error


def build_store(*, data_dir: Path, db_path: Path) -> Path:
    """Build every raw table and view into a fresh file, then swap it in place of db_path.

    Readers holding the old file keep a consistent snapshot; a failed build leaves the old file untouched.
    The temporary file's name is unique per call, so builds running at once in threads or processes never
    share it: each makes a complete store and the last rename wins.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = db_path.with_name(f".{db_path.name}.{os.getpid()}.{uuid.uuid4().hex}.building")
    try:
        checkpoint("build.started")
        with duckdb.connect(str(tmp_path)) as con, tempfile.TemporaryDirectory() as scratch:
            con.execute(_sql_file("schema.sql"))
            for source in RAW_SOURCES:
                _load(con, source=source, data_dir=data_dir)
            checkpoint("build.loaded")
            # Views over import files bind at creation, so give them an empty file of the right shape, and the
            # current-monitoring view the published figures (the same shape as the table materialised later).
            placeholder = Path(scratch) / "empty.parquet"
            write_empty_parquet(placeholder)
            bind_import_files(con, [str(placeholder)], [])
            current = Path(scratch) / "current.parquet"
            con.execute("set variable pbsa_monitoring_file = ?", [str(current)])
            views = _sql_file("views.sql")
            derived, marker, rest = views.partition(CURRENT_VIEW_MARKER)
            con.execute(derived)
            con.execute("copy (select * from monitoring_from_imports) to ? (format parquet)", [str(current)])
            current_views, rollup_marker, rollup_views = (marker + rest).partition(ROLLUP_VIEW_MARKER)
            con.execute(current_views)
            rollup = Path(scratch) / "rollup.parquet"
            con.execute("copy (select * from monitoring_rollup_from_current) to ? (format parquet)", [str(rollup)])
            con.execute("set variable pbsa_monitoring_rollup_file = ?", [str(rollup)])
            con.execute(rollup_marker + rollup_views)
            build_search_index(con)
            con.execute(f"create table {STORE_CODE_TABLE} as select ?::varchar as version", [store_code_version()])
            con.execute("checkpoint")
        checkpoint("build.checkpointed")
        os.replace(tmp_path, db_path)
        checkpoint("build.renamed")
    except duckdb.Error as error:
        raise BuildError(f"the store could not be written: {str(error).splitlines()[0]}") from error
    finally:
        tmp_path.unlink(missing_ok=True)
        Path(f"{tmp_path}.wal").unlink(missing_ok=True)
    return db_path
