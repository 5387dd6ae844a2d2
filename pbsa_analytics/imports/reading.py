"""Turn an uploaded CSV or XLSX file into a table of text cells, refusing oversized or hostile files up front.

Every limit is checked before the work it guards: the upload size before parsing, the zip directory (part
sizes, compression ratio, part count) before decompressing, the sheet count and the sheet's declared
dimension before reading cells, and rows, columns and cell lengths while streaming. openpyxl parses the XML
through defusedxml (installed with the runtime), so entity tricks are refused too.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import pandas as pd
from defusedxml import ElementTree as SafeXml
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from pbsa_analytics.errors import PbsaError

ENCODINGS = ("utf-8-sig", "cp1252")
XLSX_MAGIC = b"PK\x03\x04"
MAX_ZIP_PARTS = 1_000
# Small parts (styles, themes) compress very well; the ratio check is for parts large enough to matter.
RATIO_FLOOR_BYTES = 1_000_000
SHEET_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"
# A cheap upper bound on rows and columns, taken from the raw XML before openpyxl reads a cell.
ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d{1,9})"')
CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Za-z]{1,9})\d')
MEGABYTE = 1024 * 1024


class UnreadableFileError(PbsaError):
    """The file is too large, empty, hostile, or not a CSV/XLSX table."""


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one return may hold; the defaults match the settings table."""

    max_bytes: int = 5 * 1024 * 1024
    max_unpacked_bytes: int = 10 * 1024 * 1024
    max_ratio: int = 100
    max_sheets: int = 20
    max_rows: int = 20_000
    max_columns: int = 50
    max_cell_chars: int = 1_000


@dataclass(frozen=True)
class RawTable:
    """Text cells as the user sees them; row_numbers[i] is data row i's row number in their spreadsheet."""

    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return str(value).strip()


def _check_row(row: list[str], *, number: int, file_name: str, limits: ReadLimits) -> list[str]:
    if number > limits.max_rows:
        raise UnreadableFileError(f"{file_name} has more than {limits.max_rows:,} rows; split the file")
    if len(row) > limits.max_columns and any(row[limits.max_columns :]):
        raise UnreadableFileError(
            f"{file_name}, row {number}: more than {limits.max_columns} columns; a return has about six"
        )
    row = row[: limits.max_columns]
    for index, cell in enumerate(row):
        if len(cell) > limits.max_cell_chars:
            raise UnreadableFileError(
                f"{file_name}, row {number}, column {get_column_letter(index + 1)}: a cell of {len(cell):,} "
                f"characters; the limit is {limits.max_cell_chars:,}"
            )
    return row


def _read_csv(data: bytes, *, file_name: str, limits: ReadLimits) -> list[list[str]]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything; kept for clarity
        raise UnreadableFileError("the file is not UTF-8 or Windows-1252 text")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [
            _check_row([cell.strip() for cell in row], number=number, file_name=file_name, limits=limits)
            for number, row in enumerate(reader, start=1)
        ]
    except csv.Error as error:
        raise UnreadableFileError(f"line {reader.line_num} is not valid CSV ({error})") from error


def _check_zip(archive: zipfile.ZipFile, *, file_name: str, limits: ReadLimits) -> None:
    """Refuse zip bombs from the directory alone: nothing is decompressed yet."""
    parts = archive.infolist()
    if len(parts) > MAX_ZIP_PARTS:
        raise UnreadableFileError(f"{file_name} holds {len(parts):,} parts; a workbook has a few dozen")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.max_unpacked_bytes:
        raise UnreadableFileError(
            f"{file_name} unpacks to {unpacked / MEGABYTE:,.1f} MB; "
            f"the limit is {limits.max_unpacked_bytes / MEGABYTE:.1f} MB"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio:
            raise UnreadableFileError(
                f"{file_name}: part {part.filename[:60]!r} is compressed {ratio:,.0f}:1; "
                f"the limit is {limits.max_ratio}:1"
            )


def _prescan_rows_and_columns(archive: zipfile.ZipFile, *, file_name: str, limits: ReadLimits) -> None:
    """Count rows and find the furthest column in every XML part (at most the unpacked limit in all)."""
    for part in archive.infolist():
        if not part.filename.endswith(".xml"):
            continue
        xml = archive.read(part)
        rows = max(len(ROW_TAG.findall(xml)), *(int(n) for n in ROW_NUMBER.findall(xml)), 0)
        if rows > limits.max_rows:
            raise UnreadableFileError(f"{file_name} has more than {limits.max_rows:,} rows; split the file")
        letters = max(CELL_COLUMN.findall(xml), key=lambda c: (len(c), c.upper()), default=b"A")
        column = column_index_from_string(letters.decode().upper()) if len(letters) <= 3 else 10**6
        if column > limits.max_columns:
            raise UnreadableFileError(
                f"{file_name}: a cell in column {letters.decode().upper()}; the limit is {limits.max_columns} columns"
            )


def _count_sheets(archive: zipfile.ZipFile, *, file_name: str) -> int:
    try:
        root = SafeXml.fromstring(archive.read("xl/workbook.xml"))
    except KeyError as error:
        raise UnreadableFileError(f"{file_name} is not an XLSX workbook (no xl/workbook.xml)") from error
    return sum(1 for _ in root.iter(SHEET_TAG))


def _check_dimension(sheet, *, file_name: str, limits: ReadLimits) -> None:
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > limits.max_rows or columns > limits.max_columns:
        raise UnreadableFileError(
            f"{file_name}: the sheet declares {rows:,} rows × {columns:,} columns; the limit is "
            f"{limits.max_rows:,} rows × {limits.max_columns} columns"
        )


def _read_xlsx(data: bytes, *, file_name: str, limits: ReadLimits) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_zip(archive, file_name=file_name, limits=limits)
            sheets = _count_sheets(archive, file_name=file_name)
            if sheets > limits.max_sheets:
                raise UnreadableFileError(f"{file_name} has {sheets} sheets; the limit is {limits.max_sheets}")
            _prescan_rows_and_columns(archive, file_name=file_name, limits=limits)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return _stream_first_sheet(workbook, file_name=file_name, limits=limits)
            finally:
                workbook.close()
    except UnreadableFileError:
        raise
    # A hostile workbook can make the XML parser or openpyxl fail in many ways (bad zip, bad XML, forbidden
    # entities, missing parts, wrong types); each means "not a readable workbook", never a crash.
    except Exception as error:
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise UnreadableFileError(f"{file_name} is not a readable XLSX workbook ({reason})") from error


def _stream_first_sheet(workbook, *, file_name: str, limits: ReadLimits) -> list[list[str]]:
    if not workbook.worksheets:
        raise UnreadableFileError(f"{file_name} has no worksheet")
    sheet = workbook.worksheets[0]
    _check_dimension(sheet, file_name=file_name, limits=limits)
    # The declared dimension may lie; without it openpyxl pads a row only to its own last cell.
    sheet.reset_dimensions()
    grid = []
    for number, padded in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = padded
        if len(values) > limits.max_columns:
            # Look past the limit before formatting anything: the row may be padded to 16,384 cells.
            if any(value is not None and _cell_text(value) for value in values[limits.max_columns :]):
                raise UnreadableFileError(
                    f"{file_name}, row {number}: more than {limits.max_columns} columns; a return has about six"
                )
            values = values[: limits.max_columns]
        grid.append(_check_row([_cell_text(v) for v in values], number=number, file_name=file_name, limits=limits))
    return grid


def read_table(
    data: bytes, *, file_name: str, max_bytes: int | None = None, limits: ReadLimits | None = None
) -> RawTable:
    """Parse the first sheet (XLSX) or the whole file (CSV) into a header and text rows."""
    limits = limits or ReadLimits()
    max_bytes = max_bytes if max_bytes is not None else limits.max_bytes
    if len(data) > max_bytes:
        raise UnreadableFileError(
            f"{file_name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB. Split the file."
        )
    if not data.strip():
        raise UnreadableFileError(f"{file_name} is empty")
    if data.startswith(XLSX_MAGIC):
        grid = _read_xlsx(data, file_name=file_name, limits=limits)
    else:
        grid = _read_csv(data, file_name=file_name, limits=limits)
    # Blank lines and lines starting with '#' (template guidance) are not data.
    numbered = [(i + 1, row) for i, row in enumerate(grid) if any(cell for cell in row) and not row[0].startswith("#")]
    if not numbered:
        raise UnreadableFileError(f"{file_name} has no rows")
    _, header = numbered[0]
    width = max(len(header), *(len(row) for _, row in numbered))
    pad = lambda row: [*row, *[""] * (width - len(row))]  # noqa: E731
    rows = [pad(row) for _, row in numbered[1:]]
    return RawTable(header=pad(header), rows=rows, row_numbers=[n for n, _ in numbered[1:]])
