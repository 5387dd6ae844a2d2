"""A report to take away: a page's charts, titles, captions and sources as printable A4 PDF or one offline HTML file.

Charts are rendered locally by vl-convert (the same spec, so the same palette as on screen); nothing is fetched.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
from fpdf import FPDF
from PIL import Image

from pbsa_analytics.errors import PbsaError
from pbsa_analytics.exports import chart_image

A4_WIDTH_MM = 210
MARGIN_MM = 15
CONTENT_WIDTH_MM = A4_WIDTH_MM - 2 * MARGIN_MM
MAX_CHART_HEIGHT_MM = 200
PX_PER_MM = 96 / 25.4
PNG_SCALE = 2
FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/dejavu"))
FONT_FILES = {
    "": ("LiberationSans-Regular.ttf", "DejaVuSans.ttf"),
    "B": ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
}
# Core PDF fonts only cover Latin-1; these stand in when no Unicode font is installed.
LATIN1_STAND_INS = str.maketrans({"→": "->", "–": "-", "—": "-", "×": "x", "…": "...", "“": '"', "”": '"', "’": "'"})
FOOTER = "PBSA Analytics. Sources are cited under each chart; data/README.md gives the reports' full titles."


class ReportError(PbsaError):
    """A report could not be built (e.g. a chart failed to render)."""


@dataclass(frozen=True)
class ReportSection:
    """One chart (or a text-only block) with the caption that carries its sources and caveats."""

    caption: str
    chart: alt.TopLevelMixin | None = None
    heading: str = ""
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    title: str
    sections: tuple[ReportSection, ...]
    link: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def stamp(self) -> str:
        return self.generated_at.astimezone(UTC).strftime("%d %B %Y, %H:%M UTC")


def _render(chart: alt.TopLevelMixin, image_format: str) -> bytes:
    try:
        return chart_image(chart, image_format=image_format)
    except Exception as error:  # vl-convert raises plain ValueError/RuntimeError with the Vega message
        raise ReportError(f"a chart could not be rendered for the report: {error}") from error


def _svg(chart: alt.TopLevelMixin) -> str:
    svg = _render(chart, "svg").decode("utf-8")
    # Drop any XML prolog: the SVG is inlined into the HTML document.
    return svg[svg.index("<svg") :]


def _png(chart: alt.TopLevelMixin) -> bytes:
    return _render(chart, "png")


HTML_STYLE = """
@page { size: A4; margin: 15mm; }
body { font-family: Arial, Helvetica, sans-serif; color: #0B0C0C; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 24px; margin-bottom: 4px; }
h2 { font-size: 18px; margin: 0 0 6px 0; }
.meta, .caption, footer { color: #505A5F; font-size: 12px; }
section { break-inside: avoid; page-break-inside: avoid; margin: 18px 0 24px 0; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; }
"""


def report_html(report: Report) -> bytes:
    """One self-contained HTML file: inline styles and inline SVG charts, every text escaped, no external link."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title>",
        f"<style>{HTML_STYLE}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        f'<p class="meta">Exported {html.escape(report.stamp())}'
        + (f" from {html.escape(report.link)}" if report.link else "")
        + "</p>",
    ]
    for section in report.sections:
        parts.append("<section>")
        if section.heading:
            parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        parts += [f"<p>{html.escape(line)}</p>" for line in section.lines]
        if section.chart is not None:
            label = html.escape(section.caption or section.heading or "chart")
            parts.append(f'<figure role="img" aria-label="{label}">{_svg(section.chart)}</figure>')
        if section.caption:
            parts.append(f'<p class="caption">{html.escape(section.caption)}</p>')
        parts.append("</section>")
    parts.append(f"<footer>{html.escape(FOOTER)}</footer></body></html>")
    return "\n".join(parts).encode("utf-8")


class _Pdf(FPDF):
    def __init__(self, *, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        self.family = self._load_fonts()
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM + 5)
        self.set_title(title)

    def _load_fonts(self) -> str:
        for style, names in FONT_FILES.items():
            path = next((d / n for n in names for d in FONT_DIRS if (d / n).is_file()), None)
            if path is None:
                return "Helvetica"
            self.add_font("ReportSans", style=style, fname=str(path))
        return "ReportSans"

    def text_safe(self, text: str) -> str:
        return (
            text
            if self.family != "Helvetica"
            else text.translate(LATIN1_STAND_INS).encode("latin-1", "replace").decode("latin-1")
        )

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(self.family, size=8)
        self.set_text_color(80, 90, 95)
        self.cell(0, 5, self.text_safe(f"{self.report_title} · page {self.page_no()}"), align="R")

    def write_text(
        self, text: str, *, size: float, bold: bool = False, colour: tuple[int, int, int] = (11, 12, 12)
    ) -> None:
        self.set_font(self.family, style="B" if bold else "", size=size)
        self.set_text_color(*colour)
        self.multi_cell(CONTENT_WIDTH_MM, size * 0.5, self.text_safe(text), new_x="LMARGIN", new_y="NEXT")


def _chart_size_mm(png: bytes) -> tuple[float, float]:
    with Image.open(io.BytesIO(png)) as image:
        width_px, height_px = image.size
    width = width_px / PNG_SCALE / PX_PER_MM
    height = height_px / PNG_SCALE / PX_PER_MM
    shrink = min(1.0, CONTENT_WIDTH_MM / width, MAX_CHART_HEIGHT_MM / height)
    return width * shrink, height * shrink


def _caption_height_mm(pdf: _Pdf, text: str) -> float:
    if not text:
        return 0.0
    pdf.set_font(pdf.family, size=8)
    lines = pdf.multi_cell(CONTENT_WIDTH_MM, 4, pdf.text_safe(text), dry_run=True, output="LINES")
    return 4 * len(lines) + 2


def report_pdf(report: Report) -> bytes:
    """Printable A4 PDF: each chart with its heading and caption kept on one page, never cut by a break."""
    pdf = _Pdf(title=report.title)
    pdf.add_page()
    pdf.write_text(report.title, size=18, bold=True)
    pdf.write_text(
        f"Exported {report.stamp()}" + (f" from {report.link}" if report.link else ""), size=9, colour=(80, 90, 95)
    )
    pdf.ln(4)
    for section in report.sections:
        png = _png(section.chart) if section.chart is not None else None
        width, height = _chart_size_mm(png) if png else (0.0, 0.0)
        needed = (
            height + _caption_height_mm(pdf, section.caption) + (8 if section.heading else 0) + 5 * len(section.lines)
        )
        if pdf.get_y() + needed > pdf.h - pdf.b_margin:
            pdf.add_page()
        if section.heading:
            pdf.write_text(section.heading, size=13, bold=True)
        for line in section.lines:
            pdf.write_text(line, size=10)
        if png:
            pdf.image(io.BytesIO(png), x=MARGIN_MM, y=pdf.get_y(), w=width, h=height)
            pdf.set_y(pdf.get_y() + height + 1)
        if section.caption:
            pdf.write_text(section.caption, size=8, colour=(80, 90, 95))
        pdf.ln(5)
    pdf.write_text(FOOTER, size=8, colour=(80, 90, 95))
    return bytes(pdf.output())
