"""Turn an uploaded CSV or XLSX file into a table of text cells, refusing oversized files up front."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from pbsa_analytics.errors import PbsaError

ENCODINGS = ("utf-8-sig", "cp1252")
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFileError(PbsaError):
    """The file is too large, empty, or not a CSV/XLSX table."""


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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
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
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error as error:
        raise UnreadableFileError(f"line {reader.line_num} is not valid CSV ({error})") from error


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise UnreadableFileError(f"the file is not a readable XLSX workbook ({error})") from error
    sheet = workbook.worksheets[0]
    return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def read_table(data: bytes, *, file_name: str, max_bytes: int) -> RawTable:
    """Parse the first sheet (XLSX) or the whole file (CSV) into a header and text rows."""
    if len(data) > max_bytes:
        raise UnreadableFileError(
            f"{file_name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB. Split the file."
        )
    if not data.strip():
        raise UnreadableFileError(f"{file_name} is empty")
    grid = _read_xlsx(data) if data.startswith(XLSX_MAGIC) else _read_csv(data)
    # Blank lines and lines starting with '#' (template guidance) are not data.
    numbered = [(i + 1, row) for i, row in enumerate(grid) if any(cell for cell in row) and not row[0].startswith("#")]
    if not numbered:
        raise UnreadableFileError(f"{file_name} has no rows")
    _, header = numbered[0]
    width = max(len(header), *(len(row) for _, row in numbered))
    pad = lambda row: [*row, *[""] * (width - len(row))]  # noqa: E731
    rows = [pad(row) for _, row in numbered[1:]]
    return RawTable(header=pad(header), rows=rows, row_numbers=[n for n, _ in numbered[1:]])
