"""Page scaffolding: guarded rendering, chart blocks with caption, downloads and a table alternative."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from pbsa_analytics.errors import PbsaError
from pbsa_analytics.palette import PHASE_COLOURS
from pbsa_analytics.ui import share
from pbsa_analytics.ui.chart_specs import vega_spec
from pbsa_analytics.ui.downloads import chart_downloads

log = logging.getLogger(__name__)

TABLE_VIEW = "Table view (text alternative)"


def _leave_legacy_pages_mode() -> None:
    """Rerun through app.py if Streamlit served this page by its old pages/-folder mode.

    A fresh server answers its very first request for a deep link (say /map) by scanning pages/ itself,
    bypassing app.py's st.navigation, until app.py has run once. Switching the flag and rerunning makes
    that first visitor get the real navigation too.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def guard(render: Callable[[], None]) -> None:
    """Run a page body; errors become a readable message instead of a traceback on the page."""
    _leave_legacy_pages_mode()
    try:
        render()
    except PbsaError as error:
        st.error(str(error), icon=":material/error:")
    except Exception:
        log.exception("page failed")
        st.error("Something went wrong while drawing this page. The details are in the server log.")


def chart_title_text(chart: alt.TopLevelMixin) -> str:
    """The chart's title as one line of plain text (titles are wrapped into lists of lines).

    Read from the spec the page renders anyway (converted once per chart object), not from a second conversion.
    """
    title = vega_spec(chart).get("title", "")
    text = title.get("text", "") if isinstance(title, dict) else title
    return " ".join(text) if isinstance(text, list) else str(text)


def chart_block(
    *,
    chart: alt.TopLevelMixin,
    data: pd.DataFrame | Callable[[], pd.DataFrame],
    name: str,
    key: str,
    caption: str,
    table: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
    selectable: bool = False,
    stretch: bool = True,
    page_rows: int | None = None,
) -> Any:
    """Render a chart in the project theme with its caption, downloads and a table view; return the event.

    stretch=False keeps charts sized by their own steps (heatmaps) at their natural width. `data` may be a
    function, called only when a download is clicked; then `table` is required. `table` may be a function too,
    called only while the table view is open (a pivot need not be built on every run). With page_rows, a table view
    longer than that shows one page of it at a time (the downloads still hold every row).
    """
    width = "stretch" if stretch else "content"
    spec = vega_spec(chart)
    # A text alternative for screen readers: the chart's finding (its title) and the caption's sources.
    alt_text = f"{chart_title_text(chart)}. {caption}".strip(". ")
    if selectable:
        event = st.vega_lite_chart(spec=spec, theme=None, key=key, on_select="rerun", width=width, alt=alt_text)
    else:
        event = st.vega_lite_chart(spec=spec, theme=None, key=key, width=width, alt=alt_text)
    st.caption(caption)
    share.add_chart(chart=chart, caption=caption)
    chart_downloads(chart=chart, data=data, name=name, key=f"{key}_dl", caption=caption)
    table_view(table=table if table is not None else data, key=f"{key}_table", page_rows=page_rows)
    return event


def table_view(
    *, table: pd.DataFrame | Callable[[], pd.DataFrame], key: str, label: str = TABLE_VIEW, page_rows: int | None = None
) -> None:
    """A chart's table, in an expander that runs (and sends the table) only while it is open.

    Why: every chart has one, and converting and sending each table on every rerun was a large share of a
    warm run; closed, it costs nothing. Opening it reruns the page with the table shown.
    """
    view = st.expander(label, key=f"{key}_open", on_change="rerun")
    if not view.open:
        return
    with view:
        shown = table() if callable(table) else table
        if page_rows is not None and len(shown) > page_rows:
            shown = _table_page(shown, page_rows=page_rows, key=f"{key}_page")
        st.dataframe(shown, hide_index=True, key=key)


def _table_page(table: pd.DataFrame, *, page_rows: int, key: str) -> pd.DataFrame:
    """One page of a long table, chosen with a page number; only that page is sent to the browser."""
    pages = -(-len(table) // page_rows)
    page = int(st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, key=key))
    first = (page - 1) * page_rows
    st.caption(
        f"Rows {first + 1:,} to {min(first + page_rows, len(table)):,} of {len(table):,}; the downloads hold every row."
    )
    return table.iloc[first : first + page_rows]


def selected_point(event: Any, selection: str) -> dict | None:
    """The first point of a named Altair selection in a chart event, or None."""
    if not event:
        return None
    points = event.get("selection", {}).get(selection) or []
    if isinstance(points, list) and points:
        return points[0]
    return None


def phase_legend(*, sized_note: str = "") -> None:
    """Colour key for the furthest phase reached; built from constants only, never from data."""
    swatches = " ".join(
        f'<span style="display:inline-block;width:14px;height:14px;border-radius:7px;background:{colour};'
        f'vertical-align:middle;margin:0 4px 0 12px"></span>{label}'
        for colour, label in (
            (PHASE_COLOURS[1], "Phase 1 only"),
            (PHASE_COLOURS[2], "Reached Phase 2"),
            (PHASE_COLOURS[3], "Reached Phase 3"),
        )
    )
    st.html(f'<div style="font-size:15px">Furthest phase reached:{swatches}</div>')
    if sized_note:
        st.caption(sized_note)


def empty_state(message: str) -> None:
    st.info(message, icon=":material/filter_alt_off:")
