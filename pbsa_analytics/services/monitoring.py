"""Monitoring returns end to end: validate, preview, commit all-or-nothing, undo, export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pbsa_analytics import exports, queries, settings
from pbsa_analytics.access import Principal
from pbsa_analytics.analysis import citations
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.imports.reading import ReadLimits, UnreadableFileError, read_table
from pbsa_analytics.imports.validation import KEY, Problem, ReferenceData, Validated, validate
from pbsa_analytics.store import Store
from pbsa_analytics.store.faults import checkpoint
from pbsa_analytics.store.imports import ImportRecord, ImportStoreError, Quarantined

PREVIEW_ORDER = {"replace": 0, "new": 1, "unchanged": 2}
SOURCE_ROW = re.compile(r"row (\d+)$")
KEYS_NAMED = 5


class ImportRefusedError(PbsaError):
    """The file is valid but would replace existing figures without the explicit replace choice."""


class NotAllowedError(PbsaError):
    """The principal may not change monitoring figures (only funder_admin may)."""


def _audit_name(principal: Principal | None, fallback: str) -> str:
    """Who the audit trail records: the signed-in principal when there is one (checked for admin rights)."""
    if principal is None:
        return fallback
    if not principal.can_administer:
        raise NotAllowedError(f"{principal.audit_name} may not import or undo monitoring returns.")
    return principal.audit_name


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


def read_limits() -> ReadLimits:
    """The bounds on one return, from the settings table."""
    megabyte = 1024 * 1024
    return ReadLimits(
        max_bytes=settings.max_upload_bytes(),
        max_unpacked_bytes=settings.int_setting("PBSA_XLSX_MAX_UNPACKED_MB") * megabyte,
        max_ratio=settings.int_setting("PBSA_XLSX_MAX_RATIO"),
        max_sheets=settings.int_setting("PBSA_XLSX_MAX_SHEETS"),
        max_rows=settings.int_setting("PBSA_MAX_ROWS"),
        max_columns=settings.int_setting("PBSA_MAX_COLUMNS"),
        max_cell_chars=settings.int_setting("PBSA_MAX_CELL_CHARS"),
    )


def check_file(store: Store, *, data: bytes, file_name: str) -> Validated:
    """Read and validate a file, overlap rule included; unreadable files come back as a single problem."""
    return _refuse_overlaps(store, _validate_original(store, data=data, file_name=file_name))


def _row_number(source: str) -> int:
    found = SOURCE_ROW.search(source or "")
    return int(found.group(1)) if found else 0


def _describe(row: pd.Series, suffix: str = "") -> str:
    start, end = (pd.Timestamp(row[f"period_start{suffix}"]).date(), pd.Timestamp(row[f"period_end{suffix}"]).date())
    return f"{start} to {end}"


def overlap_problems(current: pd.DataFrame, rows: pd.DataFrame) -> list[Problem]:
    """The overlap rule: every total adds figures up within one phase, so within one phase, for one place and
    metric, periods either match exactly (a replacement) or do not overlap at all. Anything else would be
    counted twice, so the row is refused, naming the figure it overlaps (published or imported) or the
    other row of the file. Figures of different phases are never added together, so they may overlap (the
    Phase 2 report's coverage runs to January 2022, into Phase 3's first quarter)."""
    if rows.empty:
        return []
    mine = rows.assign(row=rows["source"].map(_row_number))
    for frame in (mine, current):
        for column in ("period_start", "period_end"):
            frame[column] = pd.to_datetime(frame[column])
    problems = []
    mine["phase"] = mine["phase"].astype("Int64")
    current = current.assign(phase=current["phase"].astype("Int64"))
    held = mine.merge(current, on=["place_id", "metric", "phase"], suffixes=("", "_held"))
    clash = (held["period_start"] <= held["period_end_held"]) & (held["period_start_held"] <= held["period_end"])
    same = (held["period_start"] == held["period_start_held"]) & (held["period_end"] == held["period_end_held"])
    for _, hit in held[clash & ~same].iterrows():
        origin = "published" if pd.isna(hit["import_id"]) else f"imported ({hit['import_id']})"
        phase = f"phase {hit['phase']} "
        problems.append(Problem(int(hit["row"]), "period_start",
            f"{hit['place_id']} {hit['metric']} {_describe(hit)} overlaps the {origin} figure for "
            f"{phase}{_describe(hit, '_held')}; periods must match it exactly (to replace it) "
            "or not overlap"))  # fmt: skip
    pairs = mine.merge(mine, on=["place_id", "metric", "phase"], suffixes=("", "_other"))
    pairs = pairs[pairs["row"] < pairs["row_other"]]
    inner = (pairs["period_start"] <= pairs["period_end_other"]) & (pairs["period_start_other"] <= pairs["period_end"])
    for _, hit in pairs[inner].iterrows():
        problems.append(Problem(int(hit["row_other"]), "period_start",
            f"{hit['place_id']} {hit['metric']} {_describe(hit, '_other')} overlaps row {int(hit['row'])} "
            f"({_describe(hit)}); one figure per place, metric and period"))  # fmt: skip
    return sorted(problems, key=lambda p: p.row)


def _refuse_overlaps(store: Store, validated: Validated, current: pd.DataFrame | None = None) -> Validated:
    if not validated.ok:
        return validated
    current = queries.run(store, "monitoring_all") if current is None else current
    problems = overlap_problems(current[[*KEY, "phase", "import_id"]].copy(), validated.rows)
    if not problems:
        return validated
    return Validated(rows=validated.rows.iloc[0:0], problems=problems, total_rows=validated.total_rows,
                     layout=validated.layout)  # fmt: skip


def preview(store: Store, validated: Validated, current: pd.DataFrame | None = None) -> Preview:
    """Compare validated rows with the figures in force now (`current`: monitoring_all, if already read)."""
    current = queries.run(store, "monitoring_all") if current is None else current
    current = current[[*KEY, "value"]].rename(columns={"value": "current_value"})
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


def import_file(
    store: Store,
    *,
    data: bytes,
    file_name: str,
    replace: bool,
    submitted_by: str = "",
    principal: Principal | None = None,
    received_on: date | None = None,
) -> ImportRecord:
    """Validate, preview and commit in one step; refuses (changing nothing) on any problem or without admin rights.

    received_on: the day the return reached the programme when that was before today (default: today).
    """
    submitted_by = _audit_name(principal, submitted_by)
    if received_on and received_on > date.today():
        raise ImportRefusedError(f"received on {received_on} is in the future; nothing was imported")
    validated = _validate_original(store, data=data, file_name=file_name)
    if not validated.ok:
        raise InvalidFileError(validated.problems)
    # Check-then-commit under the folder's cross-process lock: another importer may have landed since.
    with store.imports.writing():
        checkpoint("import.locked")
        current = queries.run(store, "monitoring_all")
        validated = _refuse_overlaps(store, validated, current)
        if not validated.ok:
            raise InvalidFileError(validated.problems)
        plan = preview(store, validated, current)
        counts = plan.counts()
        if counts["new"] == 0 and counts["replace"] == 0:
            raise ImportRefusedError(f"every value in {file_name} is already held; nothing was imported")
        if counts["replace"] and not replace:
            raise ImportRefusedError(
                f"{counts['replace']} value(s) would replace figures already held ({_keys(plan)}); "
                "nothing was imported. Choose replace to overwrite them."
            )
        record = store.imports.commit(
            rows=_dated(validated.rows), original=data, file_name=file_name, submitted_by=submitted_by, counts=counts,
            received_on=received_on.isoformat() if received_on else None,
        )  # fmt: skip
    compact_if_due(store)
    store.refresh_current()
    return record


def compact_if_due(store: Store) -> int:
    """Fold the loose imports into one segment once there are PBSA_COMPACT_AFTER_IMPORTS of them.

    The import is already committed: a compaction that fails (full disk, lock held) changes nothing and is
    simply tried again after the next import.
    """
    due = settings.int_setting("PBSA_COMPACT_AFTER_IMPORTS")
    if due <= 0 or store.imports.loose_count() < due:
        return 0
    try:
        return store.imports.compact(at_least=due)
    except (OSError, ImportStoreError):
        return 0


def compact(store: Store) -> int:
    """Fold every loose import into one segment now (the CLI's `compact`); return how many were folded."""
    folded = store.imports.compact(at_least=1)
    store.refresh_current()
    return folded


def _keys(plan: Preview) -> str:
    """The first few place × period × metric keys an import would replace, for the conflict message."""
    replacing = plan.changes[plan.changes["status"] == "replace"]
    named = [
        f"{r.place_id} {pd.Timestamp(r.period_start).date()} to {pd.Timestamp(r.period_end).date()} {r.metric}"
        for r in replacing.head(KEYS_NAMED).itertuples()
    ]
    more = f" and {len(replacing) - KEYS_NAMED} more" if len(replacing) > KEYS_NAMED else ""
    return ", ".join(named) + more


def _dated(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    for column in ("period_start", "period_end"):
        rows[column] = pd.to_datetime(rows[column]).dt.date
    return rows


def rebuild_imports(store: Store, *, force: bool = False) -> list[str]:
    """Re-derive each import's data file from its kept original (missing files only, unless forced)."""
    rebuilt = []
    damaged = {item.import_id for item in store.imports.quarantined()}
    for record in store.imports.records():
        if record.import_id not in damaged and not force:
            continue
        validated = _validate_original(
            store, data=store.imports.original_bytes(record.import_id), file_name=record.file_name
        )
        if not validated.ok:
            raise InvalidFileError(validated.problems)
        store.imports.rewrite_rows(record, _dated(validated.rows))
        rebuilt.append(record.import_id)
    store.refresh_current()
    return rebuilt


def _validate_original(store: Store, *, data: bytes, file_name: str) -> Validated:
    """Read and validate a file without the overlap rule (applied at commit, or not at all when an
    original is re-derived: its own figures are the ones in force)."""
    try:
        table = read_table(data, file_name=file_name, limits=read_limits())
    except UnreadableFileError as error:
        return Validated(rows=pd.DataFrame(columns=KEY), problems=[Problem(0, "file", str(error))])
    return validate(table, reference_data(store), file_name=file_name)


def quarantined(store: Store) -> list[Quarantined]:
    """Imports whose files are damaged: left out of every figure until `rebuild-imports` or a fix."""
    return store.imports.quarantined()


def history(store: Store) -> pd.DataFrame:
    columns = ["import_id", "committed_at", "file_name", "sha256", "rows_added", "rows_replaced", "rows_unchanged",
               "submitted_by", "original", "data_sha256", "undone_at", "undone_by", "received_on"]  # fmt: skip
    return pd.DataFrame([record.__dict__ for record in store.imports.records()], columns=columns)


def received_dates(store: Store) -> dict[str, list]:
    """Each import's received day as two parallel lists, bound to the completeness query."""
    records = store.imports.records()
    return {
        "received_ids": [r.import_id for r in records],
        "received_on": [date.fromisoformat(r.received_on or r.committed_at[:10]) for r in records],
    }


def undo(store: Store, *, import_id: str, by: str = "", principal: Principal | None = None) -> None:
    """Stop counting an import; with a principal, only an admin may, and the trail records who."""
    store.imports.undo(import_id, by=_audit_name(principal, by))
    store.refresh_current()


def cited(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with a reader-facing citation beside each source (the CLI and the app export the same)."""
    library = citations.Library.from_frame(queries.run(store, "sources"))
    return citations.cite_frame(frame, library=library, history=history(store))


def export_monitoring(store: Store, *, file_format: str) -> bytes:
    """All monitoring figures in force, with formula-looking cells neutralised."""
    frame = cited(store, queries.run(store, "monitoring_all"))
    return exports.table_bytes(frame, file_format=file_format, sheet_name="monitoring")
