"""A keyboard way to choose a heatmap cell: two labelled select boxes kept in step with ?cell=, so choosing = clicking.

Vega-Lite marks cannot take keyboard focus, so a heatmap alone leaves keyboard and screen-reader users no way to
open a cell's panel. The picker writes the same ?cell=row:column a click writes, and follows the URL when a click
(or a link, or back/forward) moves it.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from pbsa_analytics.ui import url_state

PLACEHOLDER = "Choose…"


def cell_picker(
    *,
    rows: Mapping[str, str],
    columns: Mapping[str, str],
    row_label: str,
    column_label: str,
    key: str,
    current: tuple[str, str] | None,
    param: str = "cell",
) -> tuple[str, str] | None:
    """The cell to show: the one chosen here if the user just chose one, else `current` (from a click or the URL).

    rows and columns map ids to the names shown, in display order.
    """
    row_key, column_key, synced = f"{key}_row", f"{key}_column", f"_{key}_synced"
    if synced not in st.session_state or st.session_state[synced] != current:
        # The URL moved (a click, a link, back/forward): show its cell in the boxes before they are drawn.
        st.session_state[row_key] = current[0] if current and current[0] in rows else None
        st.session_state[column_key] = current[1] if current and current[1] in columns else None
        st.session_state[synced] = current
    with st.container(key=f"{key}_picker"):
        st.markdown("**Or choose a cell with the keyboard**")
        left, right = st.columns(2)
        with left:
            row = st.selectbox(row_label, list(rows), format_func=rows.get, key=row_key, placeholder=PLACEHOLDER)
        with right:
            column = st.selectbox(
                column_label, list(columns), format_func=columns.get, key=column_key, placeholder=PLACEHOLDER
            )
    if row and column and (row, column) != current:
        url_state.set_param(param, f"{row}:{column}")
        st.session_state[synced] = (row, column)
        return row, column
    return current
