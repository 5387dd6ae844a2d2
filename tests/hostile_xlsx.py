"""Structurally hostile .xlsx files built in code, for the reading tests and the bomb benchmark."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_ROW = "".join(
    f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
    for col, name in zip("ABCDE", ["place", "period_start", "period_end", "metric", "value"], strict=True)
)


def workbook(sheet_xml: str | bytes, *, sheets: int = 1, workbook_xml: str | None = None,
             extra: dict[str, bytes] | None = None) -> bytes:  # fmt: skip
    """A minimal workbook whose every sheet has the given XML (other parts are well formed)."""
    sheet_bytes = sheet_xml.encode() if isinstance(sheet_xml, str) else sheet_xml
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    content_types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>"
    )
    sheet_list = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, sheets + 1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, sheets + 1)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            workbook_xml
            or f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>{sheet_list}</sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{RELS}">{rels}</Relationships>'
        )
        for i in range(1, sheets + 1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", sheet_bytes)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet(rows: str, *, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def short_rows(count: int, *, column: str = "A") -> str:
    """A header row, then `count` rows of one small cell each in `column`."""
    body = "".join(f'<row r="{n}"><c r="{column}{n}"><v>{n}</v></c></row>' for n in range(2, count + 2))
    return f'<row r="1">{HEADER_ROW}</row>{body}'


def dimension_bomb(rows: int = 4_000) -> bytes:
    """The issue's file: a few KB whose dimension claims A1:XFD<rows>, with that many short rows."""
    return workbook(sheet(short_rows(rows - 1), dimension=f"A1:XFD{rows}"))


def wide_rows_bomb() -> bytes:
    """No dimension at all, but every row's only cell sits in the last column (XFD)."""
    return workbook(sheet(short_rows(4_000, column="XFD")))


def ratio_bomb() -> bytes:
    """One sheet part of 9 MB of repeated rows that deflates over 1,000:1."""
    padding = " " * 9_000_000
    return workbook(sheet(f'<row r="1">{HEADER_ROW}</row>{padding}'))


def size_bomb() -> bytes:
    """A part that unpacks to 300 MB of spaces."""
    return workbook(sheet(short_rows(2)), extra={"xl/media/padding.bin": b" " * 300_000_000})


def many_sheets() -> bytes:
    return workbook(sheet(short_rows(2)), sheets=300)


def many_rows() -> bytes:
    """60,001 rows, no dimension: only counting while reading can stop it."""
    return workbook(sheet(short_rows(60_000)))


def far_row() -> bytes:
    """A header and then a single cell in the sheet's very last row."""
    return workbook(sheet(f'<row r="1">{HEADER_ROW}</row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'))


def huge_cell() -> bytes:
    """One inline string of 2 million characters."""
    return workbook(
        sheet(
            f'<row r="1">{HEADER_ROW}</row><row r="2"><c r="A2" t="inlineStr"><is><t>{"x" * 2_000_000}</t></is></c></row>'
        )
    )


def long_cell() -> bytes:
    """One inline string of 5,000 varied characters (too long for a cell, yet it compresses normally)."""
    text = "".join(chr(97 + (n * 7919) % 26) for n in range(5_000))
    return workbook(
        sheet(f'<row r="1">{HEADER_ROW}</row><row r="2"><c r="A2" t="inlineStr"><is><t>{text}</t></is></c></row>')
    )


def entity_bomb() -> bytes:
    """Billion laughs in the sheet XML: defusedxml refuses entity declarations."""
    entities = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + "]>"
    )
    xml = f'<?xml version="1.0"?>{entities}<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    return workbook(xml)


def junk_zip() -> bytes:
    return b"PK\x03\x04junk"


def truncated_zip() -> bytes:
    good = workbook(sheet(short_rows(3)))
    return good[: len(good) // 2]


BOMBS: dict[str, Callable[[], bytes]] = {
    "dimension A1:XFD4000": dimension_bomb,
    "dimension A1:XFD1048576": lambda: dimension_bomb(1_048_576 // 256),
    "cells in column XFD": wide_rows_bomb,
    "compression 1000:1": ratio_bomb,
    "unpacks to 300 MB": size_bomb,
    "300 sheets": many_sheets,
    "60,000 rows": many_rows,
    "row 1,048,576": far_row,
    "2 MB cell": huge_cell,
    "5,000-character cell": long_cell,
    "entity expansion": entity_bomb,
    "PK junk": junk_zip,
    "truncated zip": truncated_zip,
}
