"""Share and take away: a copy-link box on every page, and each page as an A4 PDF and an offline HTML file."""

from __future__ import annotations

import re

import pytest

from pbsa_analytics import queries
from pbsa_analytics.analysis.findings import typology_finding
from pbsa_analytics.analysis.ordering import marks_per_typology
from pbsa_analytics.charts import typology
from pbsa_analytics.exports.report import Report, ReportSection, report_html, report_pdf
from pbsa_analytics.store import Store
from pbsa_analytics.ui.navigation import PAGES
from tests.test_pages import open_page

MEDIABOX = re.compile(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]")
PAGE = re.compile(rb"/Type /Page\n")


def _sections(store: Store, *, caption: str = "Source: test") -> tuple[ReportSection, ...]:
    sections = []
    for phase in (1, 2, 3):
        matrix = queries.run(store, "typology_matrix", phase=phase, place_ids=None)
        counts = marks_per_typology(places=queries.run(store, "typology_places", phase=phase), matrix=matrix)
        chart = typology.typology_heatmap(
            matrix=matrix,
            place_order=sorted(matrix["place_name"].unique()),
            counts=counts,
            title=typology_finding(counts, phase=phase),
        )
        sections.append(ReportSection(caption=caption, chart=chart))
    return tuple(sections)


def test_pdf_is_a4_and_starts_a_page_rather_than_cut_a_chart(store: Store) -> None:
    """Every page is A4, and three heatmaps too tall to share a page each get their own page."""
    pdf = report_pdf(Report(title="Typologies", sections=_sections(store)))
    pages = len(PAGE.findall(pdf))
    assert pdf.startswith(b"%PDF")
    assert MEDIABOX.findall(pdf) == [(b"595.28", b"841.89")]  # one shared box: A4 in points
    # The Phase 1 heatmap (20 rows) fills most of a page, so the report cannot fit on fewer than 2 pages.
    assert pages >= 2


def test_html_is_self_contained_and_escapes_text(store: Store) -> None:
    """The HTML file inlines one SVG per chart, loads nothing from elsewhere and escapes every text."""
    hostile = "<script>alert(1)</script>"
    page = report_html(Report(title=hostile, sections=_sections(store, caption=hostile))).decode("utf-8")
    assert page.count("<svg") >= 3
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "&lt;script&gt;" in page
    assert "break-inside: avoid" in page


@pytest.mark.usefixtures("db_env")
@pytest.mark.parametrize(
    "page", [p for p in PAGES if p.url_path not in {"present", "pulse"}], ids=lambda p: p.url_path or "overview"
)
def test_every_page_offers_its_link_to_copy(page) -> None:
    """The sidebar shows this exact view's URL as text with a copy button."""
    app = open_page(page.file)
    codes = [str(code.value) for code in app.sidebar.code]
    assert any(code.endswith(f"/{page.url_path}") or f"/{page.url_path}?" in code for code in codes), codes


@pytest.mark.usefixtures("db_env")
def test_copy_link_carries_the_view_state() -> None:
    """On /typology?phase=2 the link to copy keeps phase=2, so it reopens the same view."""
    app = open_page("pages/typology.py", phase="2")
    assert any("/typology?" in str(code.value) and "phase=2" in str(code.value) for code in app.sidebar.code)


@pytest.mark.usefixtures("db_env")
def test_pages_with_charts_offer_pdf_and_html() -> None:
    """A page with charts offers itself as PDF and HTML in the sidebar."""
    app = open_page("pages/typology.py", phase="2")
    labels = [button.proto.label for button in app.sidebar.get("download_button")]
    assert "This page as PDF (A4)" in labels
    assert "This page as HTML (offline)" in labels


@pytest.mark.usefixtures("db_env")
def test_programme_report_is_offered_on_every_page_and_built_only_when_asked() -> None:
    """The sidebar offers the whole-programme report even on a page without charts; its charts are built only after
    "Prepare", then it is offered as PDF and HTML."""
    app = open_page("pages/evidence.py")
    labels = [button.proto.label for button in app.sidebar.get("download_button")]
    assert "Programme report (PDF, A4)" not in labels
    app.sidebar.button(key="share_programme_prepare").click().run()
    labels = [button.proto.label for button in app.sidebar.get("download_button")]
    assert "Programme report (PDF, A4)" in labels
    assert "Programme report (HTML)" in labels
