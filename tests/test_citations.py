"""The one citation system: every source cell resolves to a document, and readers never see a file name."""

from __future__ import annotations

import re
import tomllib

import pandas as pd
import pytest

from pbsa_analytics import settings
from pbsa_analytics.analysis.citations import (
    CitationError,
    ImportedFrom,
    Library,
    row_imports,
    row_sources,
    split_references,
)
from pbsa_analytics.store import VIEWS, Store
from pbsa_analytics.ui.citations import citer
from pbsa_analytics.ui.data import query

FILE_ID = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


def _library() -> Library:
    sources = pd.DataFrame(
        [
            ("report_a", "001_aaaaaaaaaaaaaaaa.txt", "Author A", "Report A", 2019),
            ("report_b", "002_bbbbbbbbbbbbbbbb.txt", "Author B", "Report B", None),
        ],
        columns=["document_id", "file_name", "author", "short_title", "year"],
    )
    return Library.from_frame(sources)


@pytest.fixture(scope="module")
def library(store: Store) -> Library:
    return Library.from_frame(store.execute("select * from sources"))


def test_references_split_at_top_level_semicolons_only() -> None:
    """A semicolon inside brackets belongs to the reference; one outside separates two."""
    cell = "001_x.txt: Appendix 1 (name; scale: town); 002_y.txt: Methodology"
    assert split_references(cell) == ["001_x.txt: Appendix 1 (name; scale: town)", "002_y.txt: Methodology"]


def test_render_names_each_document_once_with_its_sections() -> None:
    """Rows from one document collapse into one citation listing each section head once."""
    rendered = _library().render(
        [
            "001_aaaaaaaaaaaaaaaa.txt: Table 3 (row label)",
            "001_aaaaaaaaaaaaaaaa.txt: Table 3 (planned)",
            "report_b: Difference made — Empowerment",
        ]
    )
    assert rendered == "Author A, Report A (2019), Table 3. Author B, Report B (n.d.), Difference made"


def test_a_heading_spelt_in_two_cases_is_listed_once() -> None:
    """Cells that spell one heading in different cases render it once, in its first spelling."""
    rendered = _library().render(["report_a: Delivery in numbers", "report_a: Delivery in Numbers (header)"])
    assert rendered == "Author A, Report A (2019), Delivery in numbers"


def test_detailed_render_keeps_the_full_section() -> None:
    """One row's citation keeps its sub-heading and bracketed detail."""
    rendered = _library().render(["002_bbbbbbbbbbbbbbbb.txt: Difference made — Empowerment (Hull)"], detailed=True)
    assert rendered == "Author B, Report B (n.d.), Difference made — Empowerment (Hull)"


def test_unknown_document_is_an_error_naming_the_reference() -> None:
    """A source cell naming no known document fails loudly rather than leaking into a caption."""
    with pytest.raises(CitationError, match="Appendix"):
        _library().render(["Appendix"])


def test_imported_rows_cite_their_import() -> None:
    """Imported figures are cited by file, submitter and day, not by a report."""
    rows = pd.DataFrame(
        {"source": ["monitoring return: q1.csv, row 2", "report_a: Table 1"], "import_id": ["i1", None]}
    )
    history = pd.DataFrame(
        [("i1", "q1.csv", "ana", "2026-04-02T10:00:00+00:00")],
        columns=["import_id", "file_name", "submitted_by", "committed_at"],
    )
    imports = row_imports(rows, history)
    assert imports == [ImportedFrom("i1", "q1.csv", "ana", "2026-04-02T10:00:00+00:00")]
    rendered = _library().render(row_sources(rows), imports=imports)
    assert rendered == "Author A, Report A (2019), Table 1. Monitoring return q1.csv, imported by ana on 2026-04-02"


@pytest.mark.parametrize("view", VIEWS)
def test_every_source_cell_resolves_to_a_document(store: Store, library: Library, view: str) -> None:
    """Each view's source cells parse into known documents, and their rendering names no file."""
    cells = store.execute(f'select distinct source from "{view}"')["source"].tolist()
    for cell in cells:
        rendered = library.render([cell], detailed=True)
        assert not FILE_ID.search(rendered), (cell, rendered)


def test_deck_sources_resolve(library: Library) -> None:
    """Every slide of the committed decks cites its source in the citation form."""
    for path in sorted((settings.data_dir() / "decks").glob("*.toml")):
        for slide in tomllib.loads(path.read_text(encoding="utf-8"))["slides"]:
            if slide.get("source"):
                assert not FILE_ID.search(library.render([slide["source"]]))


def test_phase2_numbers_cite_in_the_reader_form(store: Store, library: Library) -> None:
    """The Phase 2 figures render as author, short title, year and section."""
    cells = store.execute("select distinct source from monitoring where phase = 2")["source"]
    assert library.render(cells) == "Renaisi, Learning from Phase 2 (2022), Phase 2 delivery in numbers"


@pytest.mark.usefixtures("db_env")
def test_exports_carry_a_reader_facing_citation_per_row() -> None:
    """Exported rows with a source gain a citation column that names the report, never its file."""
    frame = query("place_monitoring", place_id="hartlepool")
    cited = citer()(frame)
    assert list(cited.columns) == [*frame.columns, "citation"]
    assert cited["citation"].str.startswith("Renaisi, Learning from Phase 2 (2022), Phase 2 delivery in numbers").all()
    assert not cited["citation"].str.contains(FILE_ID).any()
