"""An independent leak check: which out-of-scope place identities (names, aliases, ids, leads, LA codes) a text holds.

Text and terms are compared case-insensitively with runs of spaces, underscores and hyphens made one space, and
as substrings, so a name inside a longer token ("colchester_q2", "E07000071.csv", "xColchester") is found too. The role's own terms are removed first, so a
longer own name ("North East Lincolnshire") does not count as another place ("Lincoln").
"""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import load_workbook
from pypdf import PdfReader

from pbsa_analytics import queries
from pbsa_analytics.store import Store

_SEPARATORS = re.compile(r"[\s_\-]+")


def normal(text: str) -> str:
    return _SEPARATORS.sub(" ", text).lower()


def identities(store: Store) -> pd.DataFrame:
    """Every identifying term of every place, straight from the store's tables."""
    sql = """
        select place_id, place_id as term from places
        union select place_id, place_name from places
        union select place_id, partnership_name from places where partnership_name is not null
        union select place_id, local_authority from places where local_authority is not null
        union select place_id, lad_code from places where lad_code is not null
        union select place_id, alias from place_aliases
        union select place_id, lead_organisation from phase_participation where lead_organisation is not null
    """
    return store.execute(sql)


def scope_terms(store: Store, own_place: str | None) -> tuple[set[str], set[str]]:
    """(forbidden, allowed) normalised terms for a role bound to own_place (None: no place at all)."""
    terms = identities(store)
    allowed = {normal(t) for t in terms.loc[terms["place_id"] == own_place, "term"]}
    forbidden = {normal(t) for t in terms.loc[terms["place_id"] != own_place, "term"]} - allowed
    return {t for t in forbidden if len(t) >= 4}, allowed


def find_leaks(text: str, *, forbidden: set[str], allowed: set[str]) -> list[str]:
    """The forbidden terms present in text once the allowed ones are taken out."""
    flat = normal(text)
    for term in sorted(allowed, key=len, reverse=True):
        flat = flat.replace(term, " ")
    return sorted(term for term in forbidden if term in flat)


def run_query_text(store: Store, name: str, **params: object) -> str:
    return queries.run(store, name, **params).to_csv()


def download_text(file_name: str, data: bytes) -> str:
    """The text a downloaded file holds, read the way its format is read: cells, pages, columns, markup.

    CSV, HTML and SVG are text; XLSX is every cell of every sheet, the sheet names and every XML part; Parquet is every column
    name, value and the schema's metadata; PDF is the text of every page and the document's metadata. PNG holds
    no text: the same chart is checked through its SVG and the HTML report.
    """
    extension = file_name.rsplit(".", 1)[-1].lower()
    if extension in ("csv", "html", "htm", "svg", "txt", "json"):
        return data.decode("utf-8-sig", errors="ignore")
    if extension == "xlsx":
        return _xlsx_text(data)
    if extension == "parquet":
        return _parquet_text(data)
    if extension == "pdf":
        return _pdf_text(data)
    if extension == "png":
        return ""
    raise ValueError(f"no text reader for a .{extension} download ({file_name})")


def _xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    lines = []
    for sheet in book.worksheets:
        lines.append(sheet.title)
        lines.extend(
            " | ".join("" if cell is None else str(cell) for cell in row) for row in sheet.iter_rows(values_only=True)
        )
    book.close()
    # Comments, document properties and defined names are not cells: read every XML part of the archive as well.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [archive.read(name).decode("utf-8", errors="ignore") for name in archive.namelist()]
    return "\n".join([*lines, *(re.sub(r"<[^>]+>", " ", part) for part in parts)])


def _parquet_text(data: bytes) -> str:
    table = pq.read_table(pa.BufferReader(data))
    metadata = {k.decode(errors="ignore"): v.decode(errors="ignore") for k, v in (table.schema.metadata or {}).items()}
    return "\n".join([str(metadata), table.to_pandas().to_csv(index=False)])


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages]
    return "\n".join([str(dict(reader.metadata or {})), *pages])
