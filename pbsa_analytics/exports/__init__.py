"""Pure export helpers: safe CSV, XLSX and chart images for download."""

from __future__ import annotations

import io

import altair as alt
import pandas as pd

from pbsa_analytics.errors import PbsaError
from pbsa_analytics.exports.notes import NOTES_SHEET, ExportNotes, notes_frame

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        # A leading apostrophe makes spreadsheets show the text instead of evaluating it.
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of frame where text cells that a spreadsheet would run as a formula are made inert."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_neutralise)
    safe.columns = [_neutralise(str(column)) for column in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM so spreadsheet programs detect the encoding), formulas neutralised."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, *, sheet_name: str = "data", notes: ExportNotes | None = None) -> bytes:
    """XLSX workbook of the table, plus a 'Sources and notes' sheet when notes are given; formulas neutralised."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, index=False, sheet_name=sheet_name[:31])
        if notes is not None:
            sheet = neutralise_formulas(notes_frame(notes, data=frame))
            sheet.to_excel(writer, index=False, sheet_name=NOTES_SHEET)
            writer.sheets[NOTES_SHEET].column_dimensions["A"].width = 18
            writer.sheets[NOTES_SHEET].column_dimensions["B"].width = 120
    return buffer.getvalue()


def table_bytes(frame: pd.DataFrame, *, file_format: str, sheet_name: str) -> bytes:
    """The table as a CSV, XLSX or Parquet download, formulas neutralised in each; any other format is refused."""
    if file_format == "csv":
        return to_csv_bytes(frame)
    if file_format == "xlsx":
        return to_xlsx_bytes(frame, sheet_name=sheet_name)
    if file_format == "parquet":
        buffer = io.BytesIO()
        neutralise_formulas(frame).to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise PbsaError(f"unknown export format {file_format!r}: use csv, xlsx or parquet")


def chart_image(chart: alt.TopLevelMixin, *, image_format: str) -> bytes:
    """Render a chart to PNG, SVG or PDF bytes locally with vl-convert (no network)."""
    if image_format == "svg":
        text_buffer = io.StringIO()
        chart.save(text_buffer, format="svg")
        return text_buffer.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    options = {"scale_factor": 2} if image_format == "png" else {}
    chart.save(buffer, format=image_format, **options)
    return buffer.getvalue()
