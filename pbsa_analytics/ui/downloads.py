"""Download menus: tables offer CSV and XLSX, charts add PNG and SVG; a menu's buttons are drawn only while it is
open, and each file is made only when its button is clicked."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from pbsa_analytics import exports
from pbsa_analytics.exports.notes import ExportNotes
from pbsa_analytics.ui.citations import citer
from pbsa_analytics.ui.data import process_memo, query, store

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}

Table = pd.DataFrame | Callable[[], pd.DataFrame]
Chart = alt.TopLevelMixin | Callable[[], alt.TopLevelMixin]
DownloadFile = tuple[str, str, str, Callable[[], bytes]]  # label, extension, mime type, maker


def _download_menu(*, label: str, files: Callable[[], list[DownloadFile]], name: str, key: str) -> None:
    """One button opening the files of a chart or table; they (and their notes) are gathered only while it is open.

    Why: a page has one per chart, and drawing every file's button on every rerun was a quarter of a warm run of
    /partnership (36 buttons); closed, a menu is one element. Opening it reruns the page with its buttons shown.
    """
    menu = st.popover(label, icon=":material/download:", key=f"{key}_open", on_change="rerun")
    if not menu.open:
        return
    with menu:
        for file_label, extension, mime, make in files():
            st.download_button(
                file_label,
                data=make,
                file_name=f"{name}.{extension}",
                mime=mime,
                key=f"{key}_{extension}",
                on_click="ignore",
                icon=":material/download:",
            )


@process_memo(maxsize=4)
def _metric_definitions(version: str) -> dict[str, str]:
    # The same for every session, whichever role fills it: reference text (scoping.REFERENCE_QUERIES), built once per
    # store version, not once per download row.
    metrics = query("metrics_list")
    return {row.label: f"{row.definition} ({row.unit})" for row in metrics.itertuples()}


def export_notes(*, name: str, caption: str = "") -> ExportNotes:
    """Notes for an XLSX export, gathered now (in the script run): the view's filters and metric definitions."""
    definitions = dict(_metric_definitions(store().build_version()))  # metrics come from data/ alone
    filters = {key: st.query_params.get(key) or "" for key in st.query_params}
    return ExportNotes(title=name, caveats=(caption,) if caption else (), definitions=definitions, filters=filters)


def _table_files(data: Table, *, notes: ExportNotes) -> list[DownloadFile]:
    cite = citer()  # every exported row with a source also carries its reader-facing citation
    frame = (lambda: cite(data())) if callable(data) else (lambda: cite(data))
    return [
        ("Data (CSV)", "csv", "text/csv", lambda: exports.to_csv_bytes(frame())),
        ("Data (XLSX)", "xlsx", XLSX_MIME, lambda: exports.to_xlsx_bytes(frame(), notes=notes)),
    ]


def _image_files(chart: Chart, formats: tuple[str, ...], label: str) -> list[DownloadFile]:
    def make(fmt: str) -> bytes:
        # An export-only chart arrives as a function, so it is built on click rather than on every rerun.
        return exports.chart_image(chart if isinstance(chart, alt.TopLevelMixin) else chart(), image_format=fmt)

    return [(f"{label} ({fmt.upper()})", fmt, IMAGE_MIME[fmt], lambda fmt=fmt: make(fmt)) for fmt in formats]


def data_downloads(*, data: Table, name: str, key: str, caption: str = "") -> None:
    """CSV and XLSX of a table (or of a function returning one), formulas neutralised; XLSX adds sources and notes."""

    def files() -> list[DownloadFile]:
        return _table_files(data, notes=export_notes(name=name, caption=caption))

    _download_menu(label="Download (CSV, XLSX)", files=files, name=name, key=key)


def image_downloads(*, chart: Chart, name: str, key: str, formats: tuple[str, ...], label: str) -> None:
    """A chart (or a function building it when clicked) rendered locally by vl-convert in each format."""
    kinds = ", ".join(fmt.upper() for fmt in formats)

    def files() -> list[DownloadFile]:
        return _image_files(chart, formats, label)

    _download_menu(label=f"Download {label.lower()} ({kinds})", files=files, name=name, key=key)


def chart_downloads(*, chart: alt.TopLevelMixin, data: Table, name: str, key: str, caption: str = "") -> None:
    """Data (CSV, XLSX with sources and notes) and image (PNG, SVG) downloads for one chart, in one menu."""

    def files() -> list[DownloadFile]:
        notes = export_notes(name=name, caption=caption)
        return [*_table_files(data, notes=notes), *_image_files(chart, ("png", "svg"), "Chart")]

    _download_menu(label="Download (CSV, XLSX, PNG, SVG)", files=files, name=name, key=key)
