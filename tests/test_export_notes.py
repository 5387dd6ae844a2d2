"""XLSX exports carry a 'Sources and notes' sheet: citations, caveats, definitions, export time and filters."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
from openpyxl import load_workbook

from pbsa_analytics import exports, queries
from pbsa_analytics.exports.notes import NOTES_SHEET, ExportNotes
from pbsa_analytics.store import Store


def _notes_sheet(data: pd.DataFrame, notes: ExportNotes) -> pd.DataFrame:
    return pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(data, notes=notes)), sheet_name=NOTES_SHEET)


def test_notes_sheet_cites_every_source_of_the_rows(store: Store) -> None:
    """Each distinct source cited in the exported rows appears once as a 'Source' line."""
    data = queries.run(store, "typology_matrix", phase=2, place_ids=None)
    sheet = _notes_sheet(data, ExportNotes(title="typology-phase-2"))
    cited = set(sheet.loc[sheet["section"] == "Source", "text"])
    assert cited == set(data["source"].dropna().unique())
    assert cited


def test_notes_sheet_has_time_filters_caveats_and_definitions() -> None:
    """The sheet states when it was exported, the filters, the chart's caveat and each definition."""
    when = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    notes = ExportNotes(
        title="t",
        caveats=("Planned, not delivered.",),
        definitions={"Volunteers": "People giving time unpaid"},
        filters={"phase": "2"},
        exported_at=when,
    )
    sheet = _notes_sheet(pd.DataFrame({"a": [1]}), notes)
    lines = dict(zip(sheet["section"] + "|" + sheet["text"], sheet["text"], strict=True))
    assert "Exported (UTC)|2026-05-04 03:02:01" in lines
    assert "Filter|phase = 2" in lines
    assert "Caveat|Planned, not delivered." in lines
    assert "Definition|Volunteers: People giving time unpaid" in lines


def test_notes_sheet_neutralises_formulas_from_the_url() -> None:
    """A filter value taken from the URL that looks like a formula is stored as inert text."""
    notes = ExportNotes(title="t", filters={"q": "=HYPERLINK(1)"})
    workbook = load_workbook(io.BytesIO(exports.to_xlsx_bytes(pd.DataFrame({"a": ["-1+1"]}), notes=notes)))
    texts = [cell.value for row in workbook[NOTES_SHEET].iter_rows() for cell in row]
    assert all(not (isinstance(t, str) and t.startswith("=")) for t in texts)
    assert workbook["data"]["A2"].value == "'-1+1"


def test_without_notes_the_workbook_keeps_one_sheet() -> None:
    """Callers that pass no notes (the monitoring export) still get their single sheet."""
    workbook = load_workbook(io.BytesIO(exports.to_xlsx_bytes(pd.DataFrame({"a": [1]}))))
    assert workbook.sheetnames == ["data"]
