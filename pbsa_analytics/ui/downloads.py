"""Download buttons: every chart offers its data (CSV, XLSX) and an image (PNG, SVG)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pbsa_analytics import exports


def data_downloads(*, data: pd.DataFrame, name: str, key: str) -> None:
    """CSV and XLSX of a table, formulas neutralised, generated only when clicked."""
    left, right = st.columns(2)
    with left:
        st.download_button(
            "Data (CSV)",
            data=exports.to_csv_bytes(data),
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
            icon=":material/download:",
        )
    with right:
        st.download_button(
            "Data (XLSX)",
            data=lambda: exports.to_xlsx_bytes(data),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            on_click="ignore",
            icon=":material/download:",
        )


def chart_downloads(*, chart: alt.TopLevelMixin, data: pd.DataFrame, name: str, key: str) -> None:
    """Data (CSV, XLSX) and image (PNG, SVG) downloads for one chart, in one row."""
    columns = st.columns(4)
    files = [
        ("Data (CSV)", "csv", "text/csv", lambda: exports.to_csv_bytes(data)),
        (
            "Data (XLSX)",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            lambda: exports.to_xlsx_bytes(data),
        ),
        ("Chart (PNG)", "png", "image/png", lambda: exports.chart_image(chart, image_format="png")),
        ("Chart (SVG)", "svg", "image/svg+xml", lambda: exports.chart_image(chart, image_format="svg")),
    ]
    for column, (label, extension, mime, make) in zip(columns, files, strict=True):
        with column:
            st.download_button(
                label,
                data=make,
                file_name=f"{name}.{extension}",
                mime=mime,
                key=f"{key}_{extension}",
                on_click="ignore",
                icon=":material/download:",
            )
