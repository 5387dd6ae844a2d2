"""Monitoring returns: named bad files fail with row and column and change nothing; good files land whole."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import queries
from pbsa_analytics.imports.template import template_csv
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store
from tests.imports_support import csv_bytes, fresh_store, snapshot

HEADER = ["Place", "Period start", "Period end", "Metric", "Value", "Note"]


@pytest.fixture
def store(built_db: Path, tmp_path: Path) -> Store:
    return fresh_store(built_db, tmp_path / "store")


def problems_of(store: Store, data: bytes, name: str = "return.csv") -> list[tuple[int, str, str]]:
    validated = monitoring.check_file(store, data=data, file_name=name)
    return [(p.row, p.column, p.message) for p in validated.problems]


def assert_refused_unchanged(store: Store, data: bytes, name: str = "return.csv") -> None:
    before = snapshot(store)
    with pytest.raises(monitoring.PbsaError):
        monitoring.import_file(store, data=data, file_name=name, replace=True, submitted_by="test")
    after = snapshot(store)
    assert before[0] == after[0]
    pd.testing.assert_frame_equal(before[1], after[1])


BAD_CASES = {
    "missing column": (
        [["Place", "Period start", "Metric", "Value"], ["Hartlepool", "2022-01-01", "volunteers", "3"]],
        (1, "period end", "missing column 'period end'"),
    ),
    "unknown column": (
        [[*HEADER, "Colour"], ["Hartlepool", "2022-01-01", "2022-03-31", "volunteers", "3", "", "red"]],
        (1, "Colour", "unknown column"),
    ),
    "unknown place with suggestion": (
        [HEADER, ["Hartlepol", "2022-01-01", "2022-03-31", "volunteers", "3", ""]],
        (2, "Place", "did you mean Hartlepool"),
    ),
    "unparseable date": (
        [HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3", ""],
         ["Lincoln", "the spring", "2022-06-30", "volunteers", "3", ""]],
        (3, "Period start", "'the spring' is not a date"),
    ),
    "inverted period": (
        [HEADER, ["Lincoln", "2022-04-01", "2022-03-31", "volunteers", "3", ""]],
        (2, "Period end", "ends (2022-03-31) before it starts (2022-04-01)"),
    ),
    "fraction": (
        [HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "12.5", ""]],
        (2, "Value", "'12.5' is not a whole number"),
    ),
    "negative": (
        [HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "-3", ""]],
        (2, "Value", "'-3' is not a whole number"),
    ),
    "bad thousands separator": (
        [HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "1,14,3", ""]],
        (2, "Value", "'1,14,3' is not a whole number"),
    ),
    "duplicate in file": (
        [HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3", ""],
         ["Lincoln City", "01/01/2022", "31/03/2022", "Volunteers", "4", ""]],
        (3, "Value", "duplicate of row 2"),
    ),
    "total that does not add up": (
        [["Place", "Period start", "Period end", "Volunteers"], ["Lincoln", "2022-01-01", "2022-03-31", "3"],
         ["Hartlepool", "2022-01-01", "2022-03-31", "4"], ["Total", "", "", "8"]],
        (4, "Volunteers", "Total row says 8 but the rows add up to 7"),
    ),
    "unknown metric": (
        [HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "smiles", "3", ""]],
        (2, "Metric", "unknown metric 'smiles'"),
    ),
    "outside the programme": (
        [HEADER, ["Lincoln", "2030-01-01", "2030-03-31", "volunteers", "3", ""]],
        (2, "Period start", "outside every programme phase"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_named_bad_case_names_row_and_column_and_changes_nothing(store: Store, case: str) -> None:
    """Each bad file is refused with a message naming the spreadsheet row and column; nothing changes."""
    rows, (row, column, fragment) = BAD_CASES[case]
    data = csv_bytes(rows)
    found = problems_of(store, data)
    assert any(r == row and c == column and fragment in m for r, c, m in found), found
    assert_refused_unchanged(store, data)


def test_oversized_file_is_refused_before_parsing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over the size limit is refused by size alone, even if its content is fine."""
    monkeypatch.setenv("PBSA_MAX_UPLOAD_MB", "0.001")
    data = csv_bytes([HEADER] + [["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3", ""]] * 100)
    assert problems_of(store, data)[0][:2] == (0, "file")
    assert "limit" in problems_of(store, data)[0][2]
    assert_refused_unchanged(store, data)


def test_cp1252_file_with_total_footnotes_and_missing_values_imports(store: Store) -> None:
    """Windows-1252, thousands separators, '-' for missing, footnote marks and a correct Total row all work."""
    rows = [
        ["Partnership", "Period start", "Period end", "Volunteers", "Beneficiaries", "Public meetings"],
        ["Joseph Rowntree Housing Trust (Hartlepool)", "Jan 2022", "Mar 2022", "1,143", "–", "2*"],
        ["Lincoln City", "01/01/2022", "31/03/2022", "7", "20", "-"],
        ["Total", "", "", "1,150", "20", "2"],
    ]
    record = monitoring.import_file(
        store, data=csv_bytes(rows, encoding="cp1252"), file_name="q1.csv", replace=False, submitted_by="test"
    )
    assert record.rows_added == 6
    imported = queries.run(store, "monitoring_all").query("import_id == @record.import_id")
    values = {(r.place_id, r.metric): r.value for r in imported.itertuples()}
    assert values[("hartlepool", "volunteers")] == 1143
    assert pd.isna(values[("hartlepool", "beneficiaries")])
    assert pd.isna(values[("lincoln", "public_meetings")])
    notes = imported.set_index(["place_id", "metric"])["note"]
    assert "footnote mark *" in notes[("hartlepool", "public_meetings")]
    assert "not given" in notes[("lincoln", "public_meetings")]
    assert str(imported["period_end"].max())[:10] == "2022-03-31"


def test_utf8_bom_and_xlsx_are_accepted(store: Store) -> None:
    """A UTF-8 file with a BOM and an XLSX workbook with the same content validate identically."""
    rows = [HEADER, ["Hackney", "2022-04-01", "2022-06-30", "Activities delivered", "40", "note with = sign"]]
    bom = b"\xef\xbb\xbf" + csv_bytes(rows)
    buffer = io.BytesIO()
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(buffer, index=False)
    for data, name in ((bom, "return.csv"), (buffer.getvalue(), "return.xlsx")):
        validated = monitoring.check_file(store, data=data, file_name=name)
        assert validated.ok, validated.problems
        assert validated.rows.iloc[0]["metric"] == "activities"
        assert validated.rows.iloc[0]["value"] == 40


def test_replacing_needs_the_explicit_choice(store: Store) -> None:
    """A value that would replace one already held is refused without replace, and lands with it."""
    first = csv_bytes([HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3", ""]])
    second = csv_bytes([HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "5", ""]])
    monitoring.import_file(store, data=first, file_name="a.csv", replace=False, submitted_by="t")
    with pytest.raises(monitoring.ImportRefusedError, match="would replace"):
        monitoring.import_file(store, data=second, file_name="b.csv", replace=False, submitted_by="t")
    assert len(store.imports.records()) == 1
    record = monitoring.import_file(store, data=second, file_name="b.csv", replace=True, submitted_by="t")
    assert record.rows_replaced == 1
    value = queries.run(store, "monitoring_all").query("place_id == 'lincoln' and import_id.notna()")["value"]
    assert value.tolist() == [5]


def test_replacing_a_published_figure_and_undoing_restores_it(store: Store) -> None:
    """An import can correct a published figure; undoing it brings the published figure back."""
    published = snapshot(store)[1]
    correction = csv_bytes([HEADER, ["Lincoln", "2019-01-01", "2022-01-31", "volunteers", "26", "corrected"]])
    preview = monitoring.preview(store, monitoring.check_file(store, data=correction, file_name="fix.csv"))
    assert preview.counts() == {"replace": 1, "new": 0, "unchanged": 0}
    assert preview.changes.iloc[0]["current_value"] == 25
    record = monitoring.import_file(store, data=correction, file_name="fix.csv", replace=True, submitted_by="t")
    assert queries.run(store, "monitoring_all").query("place_id == 'lincoln' and metric == 'volunteers'")[
        "value"
    ].tolist() == [26]
    monitoring.undo(store, import_id=record.import_id, by="t")
    pd.testing.assert_frame_equal(published, snapshot(store)[1])
    history = monitoring.history(store)
    assert history.loc[0, "undone_by"] == "t"
    assert store.imports.original_bytes(record.import_id) == correction
    assert store.imports.verify() == []


def test_template_round_trips_through_validation(store: Store) -> None:
    """The CSV template validates as an empty return, and its commented example is not imported."""
    data = template_csv(queries.run(store, "metrics_list"))
    validated = monitoring.check_file(store, data=data, file_name="template.csv")
    assert validated.ok
    assert validated.rows.empty


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "parquet"])
def test_export_neutralises_formulas(store: Store, file_format: str) -> None:
    """Exports carry every figure, with a note that starts with '=' made inert."""
    data = csv_bytes([HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", "3", "=HYPERLINK(1)"]])
    monitoring.import_file(store, data=data, file_name="f.csv", replace=False, submitted_by="t")
    exported = monitoring.export_monitoring(store, file_format=file_format)
    frame = {
        "csv": lambda: pd.read_csv(io.BytesIO(exported), encoding="utf-8-sig"),
        "xlsx": lambda: pd.read_excel(io.BytesIO(exported)),
        "parquet": lambda: pd.read_parquet(io.BytesIO(exported)),
    }[file_format]()
    assert "'=HYPERLINK(1)" in frame["note"].tolist()
    assert len(frame) == 40 + 1
    imported = frame["import_id"].notna()
    assert (
        frame.loc[imported, "citation"]
        .str.fullmatch(r"Monitoring return f\.csv, imported by t on \d{4}-\d\d-\d\d")
        .all()
    )
    assert frame.loc[~imported, "citation"].str.startswith("Renaisi, Learning from Phase 2 (2022)").all()


def test_lost_data_files_are_rebuilt_from_the_kept_originals(store: Store) -> None:
    """If an import's data file is lost, verify says so and rebuild-imports restores the same figures."""
    data = csv_bytes([HEADER, ["Coventry", "2022-01-01", "2022-03-31", "volunteers", "17", "q1"]])
    record = monitoring.import_file(store, data=data, file_name="q1.csv", replace=False, submitted_by="t")
    before = snapshot(store)[1]
    (store.imports.imports_dir / f"{record.import_id}.parquet").unlink()
    assert store.imports.verify() == [f"{record.import_id}: data file missing"]
    assert monitoring.rebuild_imports(store) == [record.import_id]
    assert store.imports.verify() == []
    pd.testing.assert_frame_equal(before, snapshot(store)[1])
