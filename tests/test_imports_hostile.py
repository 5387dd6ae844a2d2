"""Hostile returns: bombs and malformed workbooks are refused with one clear message, never a crash."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbsa_analytics.imports.reading import ReadLimits, UnreadableFileError, read_table
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store
from tests import hostile_xlsx
from tests.imports_support import csv_bytes, fresh_store

HEADER = ["place", "period_start", "period_end", "metric", "value"]


@pytest.fixture(scope="module")
def shared_store(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return fresh_store(built_db, tmp_path_factory.mktemp("hostile-store"))


@pytest.mark.parametrize("name", list(hostile_xlsx.BOMBS))
def test_hostile_workbook_is_refused_with_one_line(name: str) -> None:
    """Each bomb or broken workbook raises the reader's own error, with a one-line message naming the file."""
    data = hostile_xlsx.BOMBS[name]()
    with pytest.raises(UnreadableFileError) as caught:
        read_table(data, file_name="return.xlsx", limits=ReadLimits(max_bytes=10**7))
    message = str(caught.value)
    assert "\n" not in message
    assert "return.xlsx" in message


def test_dimension_bomb_is_refused_without_padding_rows() -> None:
    """The issue's 4,000-row A1:XFD4000 file is refused before openpyxl pads 65 million cells (old: 515 MB)."""
    data = hostile_xlsx.dimension_bomb()
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFileError, match="declares 4,000 rows × 16,384 columns"):
            read_table(data, file_name="bomb.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024


def test_lying_dimension_within_limits_still_reads_only_real_cells() -> None:
    """A sheet that declares A1:AX5 but holds five columns reads as five columns, not fifty."""
    body = hostile_xlsx.sheet(hostile_xlsx.short_rows(2), dimension="A1:AX3")
    table = read_table(hostile_xlsx.workbook(body), file_name="small.xlsx")
    assert table.header == HEADER
    assert len(table.rows) == 2


@pytest.mark.parametrize(
    "case",
    [
        ("PBSA_MAX_ROWS", "3", csv_bytes([HEADER] + [["Lincoln"] * 5] * 5), "more than 3 rows"),
        ("PBSA_MAX_COLUMNS", "4", csv_bytes([HEADER, ["Lincoln"] * 5]), "more than 4 columns"),
        ("PBSA_MAX_CELL_CHARS", "5", csv_bytes([HEADER, ["Hartlepool"] * 5]), "the limit is 5"),
        ("PBSA_XLSX_MAX_SHEETS", "1", hostile_xlsx.workbook(hostile_xlsx.sheet(""), sheets=2), "the limit is 1"),
    ],
)
def test_limits_are_read_from_the_settings(shared_store: Store, monkeypatch: pytest.MonkeyPatch, case: tuple) -> None:
    """Each limit comes from its setting: lowering it refuses a file the default accepts, naming the limit."""
    variable, value, data, message = case
    assert all("the limit" not in p.message and "more than" not in p.message
               for p in monitoring.check_file(shared_store, data=data, file_name="f").problems)  # fmt: skip
    monkeypatch.setenv(variable, value)
    problems = monitoring.check_file(shared_store, data=data, file_name="f").problems
    assert len(problems) == 1
    assert message in problems[0].message


@pytest.mark.parametrize("value", ["99999999999999999999999", "1" * 900, "1,000,000,000,000,000"])
def test_huge_numbers_are_a_problem_not_a_crash(shared_store: Store, value: str) -> None:
    """A number too big for the store is a row problem (old: OverflowError/TypeError from the CLI)."""
    data = csv_bytes([HEADER, ["Lincoln", "2022-01-01", "2022-03-31", "volunteers", value]])
    problems = monitoring.check_file(shared_store, data=data, file_name="f.csv").problems
    assert [(p.row, p.column) for p in problems] == [(2, "value")]


def test_huge_float_cell_in_a_workbook_is_a_problem(shared_store: Store) -> None:
    """An XLSX number like 1e300 is refused as too large rather than overflowing."""
    rows = (
        f'<row r="1">{hostile_xlsx.HEADER_ROW}</row><row r="2">'
        + "".join(
            f'<c r="{c}2" t="inlineStr"><is><t>{v}</t></is></c>'
            for c, v in zip("ABCD", ["Lincoln", "2022-01-01", "2022-03-31", "volunteers"], strict=True)
        )
        + '<c r="E2"><v>1e300</v></c></row>'
    )
    problems = monitoring.check_file(
        shared_store, data=hostile_xlsx.workbook(hostile_xlsx.sheet(rows)), file_name="f.xlsx"
    ).problems
    assert [(p.row, p.column) for p in problems] == [(2, "value")]


def _valid_workbook() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame([["Lincoln", "2022-01-01", "2022-03-31", "volunteers", 3]], columns=HEADER).to_excel(
        buffer, index=False
    )
    return buffer.getvalue()


VALID = _valid_workbook()
XML_JUNK = st.sampled_from([
    b"", b"<", b"<?xml version='1.0'?><x/>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="-1"/>',
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="ZZZZZZ1"><v>1</v></c></row></sheetData></worksheet>',
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9"><si><t>x</t></si></sst>',
    b"\xff\xfe\x00<",
])  # fmt: skip


@st.composite
def hostile_workbooks(draw) -> bytes:
    """A valid workbook damaged at the zip level (flipped bytes, truncation) or the XML level (a part replaced)."""
    kind = draw(st.sampled_from(["flip", "truncate", "replace_part", "drop_part", "append"]))
    if kind == "flip":
        data = bytearray(VALID)
        for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            data[position] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "truncate":
        return VALID[: draw(st.integers(4, len(VALID) - 1))]
    if kind == "append":
        return VALID + draw(st.binary(max_size=200))
    with zipfile.ZipFile(io.BytesIO(VALID)) as source:
        names = source.namelist()
        target = draw(st.sampled_from(names))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for name in names:
                if name != target:
                    out.writestr(name, source.read(name))
                elif kind == "replace_part":
                    out.writestr(name, draw(st.one_of(XML_JUNK, st.binary(max_size=300))))
        return buffer.getvalue()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile_workbooks())
def test_any_damaged_workbook_gives_problems_never_an_exception(shared_store: Store, data: bytes) -> None:
    """Validation of a structurally damaged .xlsx returns problems or clean rows; it never raises."""
    validated = monitoring.check_file(shared_store, data=data, file_name="damaged.xlsx")
    assert validated.ok or validated.problems
    if not validated.ok:
        assert all(problem.message for problem in validated.problems)
