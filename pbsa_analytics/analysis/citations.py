"""One citation system: data rows' `source` cells rendered as reader-facing references.

A `source` cell holds one or more references separated by `;` (outside parentheses). Each reference is
`<document>: <section>`, where the document is named by its extraction's file name or its document id in
data/sources.csv. Readers never see the file name: they see "Renaisi, Learning from Phase 2 (2022), Phase 2
delivery in numbers". Figures imported from monitoring returns cite their import (file, who, when) instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from pbsa_analytics.errors import PbsaError

_REFERENCE = re.compile(r"(?P<document>[A-Za-z0-9_.]+): (?P<section>.+)", re.DOTALL)
# How the monitoring view cites an imported figure; the import's history adds who and when.
_IMPORTED_ROW = re.compile(r"monitoring return: (?P<file>.+), row \d+", re.DOTALL)


class CitationError(PbsaError):
    """A source cell names a document that the sources table does not hold."""


@dataclass(frozen=True)
class Document:
    document_id: str
    file_name: str | None
    author: str
    short_title: str
    year: int | None

    def label(self) -> str:
        """Author, short title and year, e.g. "Renaisi, Learning from Phase 2 (2022)"."""
        year = "n.d." if self.year is None else str(self.year)
        return f"{self.author}, {self.short_title} ({year})"


@dataclass(frozen=True)
class Citation:
    document: Document
    section: str

    def head(self) -> str:
        """The section without sub-headings or bracketed detail, for captions over many rows."""
        head = _strip_trailing_brackets(self.section.split(" — ")[0])
        return head.strip() or self.section


@dataclass(frozen=True)
class ImportedFrom:
    """Who submitted an imported monitoring return, and when."""

    import_id: str
    file_name: str
    submitted_by: str
    committed_at: str

    def label(self) -> str:
        day = str(self.committed_at)[:10]
        return f"Monitoring return {self.file_name}, imported by {self.submitted_by} on {day}"


def split_references(source: str) -> list[str]:
    """Split a source cell at `;` outside parentheses (places cite "Appendix 1 (name; scale: ...)")."""
    parts, depth, current = [], 0, []
    for char in source:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth <= 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _strip_trailing_brackets(text: str) -> str:
    text = text.strip()
    while text.endswith(")") and "(" in text:
        depth = 0
        for index in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[index], 0)
            if depth == 0:
                text = text[:index].strip()
                break
        else:
            break
    return text


PARSED_CELLS_KEPT = 10_000


@dataclass(frozen=True)
class Library:
    """The documents of data/sources.csv, looked up by file name or document id."""

    by_key: Mapping[str, Document]
    # Parsed source cells: captions re-read the same cells on every rerun, and parsing is pure.
    _parsed: dict[str, tuple[Citation, ...]] = field(default_factory=dict, compare=False, repr=False)
    _rendered: dict[tuple, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_frame(cls, sources: pd.DataFrame) -> Library:
        by_key: dict[str, Document] = {}
        for row in sources.itertuples():
            year = None if pd.isna(row.year) else int(row.year)
            file_name = None if pd.isna(row.file_name) else str(row.file_name)
            document = Document(row.document_id, file_name, row.author, row.short_title, year)
            by_key[document.document_id] = document
            if file_name:
                by_key[file_name] = document
        return cls(by_key)

    def parse(self, source: str) -> list[Citation]:
        """Every reference in a source cell; CitationError names the first one that does not resolve."""
        parsed = self._parsed.get(source)
        if parsed is None:
            parsed = tuple(self._parse(source))
            if len(self._parsed) < PARSED_CELLS_KEPT:
                self._parsed[source] = parsed
        return list(parsed)

    def _parse(self, source: str) -> list[Citation]:
        citations = []
        for part in split_references(source):
            match = _REFERENCE.fullmatch(part)
            if not match or match["document"] not in self.by_key:
                raise CitationError(f"source {source!r}: {part!r} names no document in the sources table")
            citations.append(Citation(self.by_key[match["document"]], self._readable(match["section"].strip())))
        return citations

    def _readable(self, section: str) -> str:
        """Replace any file name left inside a section's text by the document's label."""
        for key, document in self.by_key.items():
            if document.file_name and key == document.file_name and key in section:
                section = section.replace(key, document.short_title)
        return section

    def render(self, sources: Iterable[str], *, detailed: bool = False, imports: Iterable[ImportedFrom] = ()) -> str:
        """One reader-facing line: each document once, with its sections in first-seen order.

        detailed keeps each section's full heading (one row's citation); otherwise sections are reduced to
        their heads so a caption over many rows stays short.
        """
        imports = list(imports)
        sources = tuple(sources)
        if imports:
            return self._render(sources, detailed=detailed, imports=imports)
        key = (sources, detailed)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._render(sources, detailed=detailed, imports=imports)
            if len(self._rendered) < PARSED_CELLS_KEPT:
                self._rendered[key] = rendered
        return rendered

    def _render(self, sources: tuple[str, ...], *, detailed: bool, imports: list[ImportedFrom]) -> str:
        sections: dict[Document, list[str]] = {}
        known_files = {imported.file_name for imported in imports}
        returns: list[str] = []
        for source in sources:
            returned = _IMPORTED_ROW.fullmatch(source.strip())
            if returned:
                if returned["file"] not in known_files:
                    detail = source.strip().removeprefix("monitoring return: ")
                    returns.append(f"Monitoring return {detail if detailed else returned['file']}")
                continue
            for citation in self.parse(source):
                section = citation.section if detailed else citation.head()
                listed = sections.setdefault(citation.document, [])
                # Cells spell one heading in different cases ("in numbers" / "in Numbers"): list it once.
                if section.casefold() not in {seen.casefold() for seen in listed}:
                    listed.append(section)
        lines = [f"{document.label()}, {'; '.join(listed)}" for document, listed in sections.items()]
        lines += sorted({imported.label() for imported in imports} | set(returns))
        return ". ".join(line.rstrip(".") for line in lines)


def row_sources(rows: pd.DataFrame) -> list[str]:
    """Distinct published source cells of a frame's rows (imported rows are cited by their import)."""
    if "source" not in rows.columns:
        return []
    published = rows if "import_id" not in rows.columns else rows[rows["import_id"].isna()]
    return [str(source) for source in published["source"].dropna().astype(str).unique()]  # first-seen order


def row_imports(rows: pd.DataFrame, history: pd.DataFrame) -> list[ImportedFrom]:
    """The imports behind a frame's imported rows, with file, submitter and time from the history."""
    if "import_id" not in rows.columns or history.empty:
        return []
    wanted = set(rows["import_id"].dropna())
    return [
        ImportedFrom(row.import_id, row.file_name, row.submitted_by, str(row.committed_at))
        for row in history.itertuples()
        if row.import_id in wanted
    ]


def render_cell(library: Library, source: str) -> str:
    """One cell, detailed; an imported row's cell ("monitoring return: <file>, row <n>") is already readable."""
    try:
        return library.render([source], detailed=True)
    except CitationError:
        return source


def cite_frame(frame: pd.DataFrame, *, library: Library, history: pd.DataFrame) -> pd.DataFrame:
    """A copy with a reader-facing `citation` beside each row's `source` (imported rows: file, who, when)."""
    if "source" not in frame.columns or frame.empty or "citation" in frame.columns:
        return frame
    imported = frame["import_id"] if "import_id" in frame.columns else pd.Series(None, index=frame.index)
    by_import = {item.import_id: item.label() for item in row_imports(frame, history)}
    cells = [
        by_import.get(i, str(s)) if isinstance(i, str) else (render_cell(library, s) if isinstance(s, str) else None)
        for s, i in zip(frame["source"], imported, strict=True)
    ]
    cited = frame.copy()
    cited.insert(cited.columns.get_loc("source") + 1, "citation", cells)
    return cited
