"""The 'Sources and notes' sheet every XLSX export carries: citations, caveats, definitions, time, filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

NOTES_SHEET = "Sources and notes"
SOURCE_COLUMN = "source"
MAX_SOURCES = 200


@dataclass(frozen=True)
class ExportNotes:
    """What a reader of a downloaded table needs to cite and interpret it."""

    title: str
    caveats: tuple[str, ...] = ()
    definitions: Mapping[str, str] = field(default_factory=dict)
    filters: Mapping[str, str] = field(default_factory=dict)
    exported_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _sources(data: pd.DataFrame) -> list[str]:
    if SOURCE_COLUMN not in data.columns:
        return []
    cited = data[SOURCE_COLUMN].dropna().astype(str)
    return sorted(cited[cited.str.strip() != ""].unique())[:MAX_SOURCES]


def notes_frame(notes: ExportNotes, *, data: pd.DataFrame) -> pd.DataFrame:
    """Rows of (section, text) describing an exported table: what, when, which filters, sources, caveats, terms."""
    rows = [
        ("Table", notes.title),
        ("Exported (UTC)", notes.exported_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("Rows", str(len(data))),
    ]
    rows += [("Filter", f"{name} = {value}") for name, value in sorted(notes.filters.items())]
    if not notes.filters:
        rows.append(("Filter", "none (the whole view)"))
    rows += [("Source", source) for source in _sources(data)]
    rows += [("Caveat", caveat) for caveat in notes.caveats if caveat]
    rows += [("Definition", f"{term}: {meaning}") for term, meaning in notes.definitions.items()]
    rows.append(("Missing values", "Empty cells mean the sources give no figure; they are never zero."))
    return pd.DataFrame(rows, columns=["section", "text"])
