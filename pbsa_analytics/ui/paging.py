"""Pages of places for per-place grids: nobody reads a heatmap 10,000 rows tall, and sending it costs megabytes.

Up to PAGE_SIZE places a grid shows every place, as before. Beyond that it shows one page of places in the
page's own order, chosen by a selectbox bound to the URL (?page=), while the summaries beside it (marginal bars,
coverage, shift) and the downloads still cover every place.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from pbsa_analytics.ui import url_state

PAGE_SIZE = 60


def _label(page: int, *, total: int) -> str:
    first = (page - 1) * PAGE_SIZE + 1
    return f"{first:,}–{min(page * PAGE_SIZE, total):,} of {total:,}"


def page_range(total: int, *, key: str, param: str = "page", noun: str = "places") -> tuple[int, int]:
    """(first, count) of the chosen page of `total` places, 0-based: all of them when they fit on one page.

    For grids whose query fetches one page at a time (e.g. cohort_profiles), so only the page is read.
    """
    if total <= PAGE_SIZE:
        return 0, total
    pages = list(range(1, -(-total // PAGE_SIZE) + 1))
    page = url_state.choice(
        st.selectbox, f"{noun.capitalize()} shown", pages, key=key, param=param, default=1,
        format_func=lambda p: _label(p, total=total),
    )  # fmt: skip
    st.caption(
        f"{total:,} {noun}: the grid shows {PAGE_SIZE} at a time in the order chosen; "
        "summaries and downloads cover all of them."
    )
    return ((page or 1) - 1) * PAGE_SIZE, PAGE_SIZE


def page_of(names: Sequence[str], *, key: str, param: str = "page", noun: str = "places") -> list[str]:
    """The names on the chosen page (all of them when they fit on one)."""
    names = list(names)
    first, count = page_range(len(names), key=key, param=param, noun=noun)
    return names[first : first + count]


def rows_for(frame: pd.DataFrame, names: Sequence[str], *, column: str = "place_name") -> pd.DataFrame:
    """The frame's rows for the shown names; the frame itself when every name is shown."""
    if frame[column].nunique() <= len(names):
        return frame
    return frame[frame[column].isin(set(names))]
