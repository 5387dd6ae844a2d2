"""Download buttons: tables offer CSV and XLSX, charts add PNG and SVG; files are made only when clicked."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from pbsa_analytics import exports

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}

Table = pd.DataFrame | Callable[[], pd.DataFrame]
DownloadFile = tuple[str, str, str, Callable[[], bytes]]  # label, extension, mime type, maker


def _download_row(*, files: list[DownloadFile], name: str, key: str) -> None:
    for column, (label, extension, mime, make) in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            label,
            data=make,
            file_name=f"{name}.{extension}",
            mime=mime,
            key=f"{key}_{extension}",
            on_click="ignore",
            icon=":material/download:",
        )


def _table_files(data: Table) -> list[DownloadFile]:
    frame = data if callable(data) else (lambda: data)
    return [
        ("Data (CSV)", "csv", "text/csv", lambda: exports.to_csv_bytes(frame())),
        ("Data (XLSX)", "xlsx", XLSX_MIME, lambda: exports.to_xlsx_bytes(frame())),
    ]


def _image_files(chart: alt.TopLevelMixin, formats: tuple[str, ...], label: str) -> list[DownloadFile]:
    return [
        (f"{label} ({fmt.upper()})", fmt, IMAGE_MIME[fmt], lambda fmt=fmt: exports.chart_image(chart, image_format=fmt))
        for fmt in formats
    ]


def data_downloads(*, data: Table, name: str, key: str) -> None:
    """CSV and XLSX of a table (or of a function returning one), formulas neutralised."""
    _download_row(files=_table_files(data), name=name, key=key)


def image_downloads(*, chart: alt.TopLevelMixin, name: str, key: str, formats: tuple[str, ...], label: str) -> None:
    """A chart rendered locally by vl-convert in each of the given formats."""
    _download_row(files=_image_files(chart, formats, label), name=name, key=key)


def chart_downloads(*, chart: alt.TopLevelMixin, data: pd.DataFrame, name: str, key: str) -> None:
    """Data (CSV, XLSX) and image (PNG, SVG) downloads for one chart, in one row."""
    _download_row(files=[*_table_files(data), *_image_files(chart, ("png", "svg"), "Chart")], name=name, key=key)
