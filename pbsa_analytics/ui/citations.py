"""Captions, caveats and row citations rendered from the data: pages never type a source themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from pbsa_analytics.analysis.citations import Library, cite_frame, render_cell
from pbsa_analytics.services import monitoring
from pbsa_analytics.services.citing import Citer
from pbsa_analytics.ui.data import process_memo, query, store


@process_memo(maxsize=4)
def _reference(version: str) -> tuple[Library, pd.DataFrame]:
    # The same for every session, whichever role fills it: both are reference text, which every role reads whole
    # (scoping.REFERENCE_QUERIES). Built once per store version, not once per caption.
    return Library.from_frame(query("sources")), query("caveats").set_index("caveat_id")


def library() -> Library:
    # Sources and caveats come from data/ alone, so the build's version keys them: one stat, where the full
    # version lists the imports folder (a millisecond with many imports, and cite_row runs once per result).
    return _reference(store().build_version())[0]


def _caveats() -> pd.DataFrame:
    return _reference(store().build_version())[1]


def _citer() -> Citer:
    # The one caption and sources-line implementation (services/citing.py), fed this session's scoped queries.
    return Citer(run=query, store=store(), library=library(), caveats=_caveats())


def scope(name: str, *, phase: int | None = None) -> pd.DataFrame:
    """The source cells of the rows behind a figure (see queries/sql/citation_rows.sql for the scopes)."""
    return _citer().scope(name, phase=phase)


def caveat_text(*caveat_ids: str) -> str:
    """The caveats' sentences, in the order asked for."""
    return _citer().caveat_text(*caveat_ids)


def sources_line(*, rows: Iterable[pd.DataFrame] = (), caveats: Sequence[str] = ()) -> str:
    """The "Sources: ..." line for the given rows and caveats; imported rows cite their import."""
    return _citer().sources_line(rows=rows, caveats=caveats)


def caption(*, note: str = "", rows: Iterable[pd.DataFrame] = (), caveats: Sequence[str] = ()) -> str:
    """A figure's caption: how to read it, its caveats, then the citations of the rows behind it."""
    return _citer().caption(note=note, rows=rows, caveats=caveats)


def cite_row(source: str) -> str:
    """One row's full citation: "Source: <author>, <short title> (<year>), <section>"."""
    return f"Source: {render_cell(library(), source)}"


def citer() -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A function adding a reader-facing `citation` beside each row's `source`, for exports.

    The documents and the import history are read now, so the function can run later (when a download is
    clicked) without touching Streamlit's caches.
    """
    books = library()
    current = store()

    def cite(frame: pd.DataFrame) -> pd.DataFrame:
        has_imports = "import_id" in frame.columns and frame["import_id"].notna().any()
        history = monitoring.history(current) if has_imports else pd.DataFrame()
        return cite_frame(frame, library=books, history=history)

    return cite


def with_citations(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame with a reader-facing `citation` beside each row's `source`."""
    return citer()(frame)
