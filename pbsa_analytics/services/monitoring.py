"""Monitoring returns end to end: validate, preview, commit all-or-nothing, undo, export."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from pbsa_analytics import exports, queries, settings
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.imports.reading import UnreadableFileError, read_table
from pbsa_analytics.imports.validation import KEY, Problem, ReferenceData, Validated, validate
from pbsa_analytics.store import Store
from pbsa_analytics.store.imports import ImportRecord

PREVIEW_ORDER = {"replace": 0, "new": 1, "unchanged": 2}


class ImportRefusedError(PbsaError):
    """The file is valid but would replace existing figures without the explicit replace choice."""


class InvalidFileError(PbsaError):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s); nothing was imported:\n{listed}{more}")


@dataclass
class Preview:
    """What an import would do: each row marked new, replace or unchanged, with the current value."""

    validated: Validated
    changes: pd.DataFrame

    def counts(self) -> dict[str, int]:
        return {status: int((self.changes["status"] == status).sum()) for status in PREVIEW_ORDER}


def reference_data(store: Store) -> ReferenceData:
    return ReferenceData.build(
        aliases=queries.run(store, "place_aliases_all"),
        partnerships=queries.run(store, "place_name_variants"),
        metrics=queries.run(store, "metrics_list"),
        phases=queries.run(store, "phases_timeline"),
    )


def check_file(store: Store, *, data: bytes, file_name: str) -> Validated:
    """Read and validate a file; unreadable files come back as a single problem, never an exception."""
    try:
        table = read_table(data, file_name=file_name, max_bytes=settings.max_upload_bytes())
    except UnreadableFileError as error:
        return Validated(rows=pd.DataFrame(columns=KEY), problems=[Problem(0, "file", str(error))])
    return validate(table, reference_data(store), file_name=file_name)


def preview(store: Store, validated: Validated) -> Preview:
    """Compare validated rows with the figures in force now."""
    current = queries.run(store, "monitoring_all")[[*KEY, "value"]].rename(columns={"value": "current_value"})
    rows = validated.rows.copy()
    for column in ("period_start", "period_end"):
        rows[column] = pd.to_datetime(rows[column])
        current[column] = pd.to_datetime(current[column])
    merged = rows.merge(current, on=KEY, how="left", indicator=True)
    same = (merged["value"].astype("Float64") == merged["current_value"].astype("Float64")).fillna(False)
    both_missing = merged["value"].isna() & merged["current_value"].isna()
    merged["status"] = "replace"
    merged.loc[merged["_merge"] == "left_only", "status"] = "new"
    merged.loc[(merged["_merge"] == "both") & (same | both_missing), "status"] = "unchanged"
    changes = merged.drop(columns="_merge").sort_values("status", key=lambda s: s.map(PREVIEW_ORDER), kind="stable")
    return Preview(validated=validated, changes=changes.reset_index(drop=True))


def import_file(store: Store, *, data: bytes, file_name: str, replace: bool, submitted_by: str) -> ImportRecord:
    """Validate, preview and commit in one step; refuses (changing nothing) on any problem."""
    validated = check_file(store, data=data, file_name=file_name)
    if not validated.ok:
        raise InvalidFileError(validated.problems)
    plan = preview(store, validated)
    counts = plan.counts()
    if counts["new"] == 0 and counts["replace"] == 0:
        raise ImportRefusedError(f"every value in {file_name} is already held; nothing was imported")
    if counts["replace"] and not replace:
        raise ImportRefusedError(
            f"{counts['replace']} value(s) would replace figures already held; nothing was imported. "
            "Choose replace to overwrite them."
        )
    return store.imports.commit(
        rows=_dated(validated.rows), original=data, file_name=file_name, submitted_by=submitted_by, counts=counts
    )


def _dated(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    for column in ("period_start", "period_end"):
        rows[column] = pd.to_datetime(rows[column]).dt.date
    return rows


def rebuild_imports(store: Store, *, force: bool = False) -> list[str]:
    """Re-derive each import's data file from its kept original (missing files only, unless forced)."""
    rebuilt = []
    for record in store.imports.records():
        data_file = store.imports.imports_dir / f"{record.import_id}.parquet"
        if data_file.exists() and not force:
            continue
        validated = check_file(store, data=store.imports.original_bytes(record.import_id), file_name=record.file_name)
        if not validated.ok:
            raise InvalidFileError(validated.problems)
        store.imports.write_rows(record.import_id, _dated(validated.rows))
        rebuilt.append(record.import_id)
    return rebuilt


def history(store: Store) -> pd.DataFrame:
    columns = ["import_id", "committed_at", "file_name", "sha256", "rows_added", "rows_replaced", "rows_unchanged",
               "submitted_by", "original", "undone_at", "undone_by"]  # fmt: skip
    return pd.DataFrame([record.__dict__ for record in store.imports.records()], columns=columns)


def undo(store: Store, *, import_id: str, by: str) -> None:
    store.imports.undo(import_id, by=by)


def export_monitoring(store: Store, *, file_format: str) -> bytes:
    """All monitoring figures in force, with formula-looking cells neutralised."""
    frame = queries.run(store, "monitoring_all")
    if file_format == "csv":
        return exports.to_csv_bytes(frame)
    if file_format == "xlsx":
        return exports.to_xlsx_bytes(frame, sheet_name="monitoring")
    if file_format == "parquet":
        buffer = io.BytesIO()
        exports.neutralise_formulas(frame).to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise PbsaError(f"unknown export format {file_format!r}: use csv, xlsx or parquet")
