"""Evidence library (/evidence?q=...): search and filter every evidence record, with its citation."""

import pandas as pd
import streamlit as st

from pbsa_analytics.access import Role
from pbsa_analytics.services.search import search_terms
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.citations import cite_row
from pbsa_analytics.ui.data import deferred, query
from pbsa_analytics.ui.downloads import data_downloads
from pbsa_analytics.ui.layout import empty_state, guard
from pbsa_analytics.ui.place_links import resolve_place

MAX_SHOWN = 200
PAGE_SIZE = 25  # results drawn per page: a reader scans a page, and each card costs the rerun a few elements
PHASES = {0: "Any phase", 1: "Phase 1", 2: "Phase 2", 3: "Phase 3"}


def _filter(label: str, options: dict[str, str], *, key: str, param: str) -> str:
    return url_state.choice(
        st.selectbox,
        label,
        ["", *options],
        key=key,
        param=param,
        default="",
        format_func=lambda value: options.get(value, "Any"),
    )


def _page(results: pd.DataFrame, *, searched: str) -> int:
    """The page of results to draw (?page=, from 1); a new search or filter starts again at page 1."""
    pages = list(range(1, -(-len(results) // PAGE_SIZE) + 1))
    if st.session_state.get("evidence_searched", searched) != searched:
        st.session_state["evidence_page"] = 1
    st.session_state["evidence_searched"] = searched
    if len(pages) == 1:
        url_state.set_param("page", None)
        return 1
    return url_state.choice(st.selectbox, f"Page (of {len(pages)}, {PAGE_SIZE} records each)", pages,
                            key="evidence_page", param="page", default=1)  # fmt: skip


def render() -> None:
    st.title("Evidence library")
    st.write("Every evidence record, summarised in the project's own words with the report section it comes from.")
    options = query("filter_options")
    by_kind = {kind: dict(zip(rows["id"], rows["label"], strict=True)) for kind, rows in options.groupby("kind")}

    if "evidence_q" not in st.session_state:
        st.session_state["evidence_q"] = url_state.read_param("q") or ""
    text = st.text_input("Search (all words must appear; best matches first)", key="evidence_q", max_chars=200)
    url_state.set_param("q", text.strip() or None)

    # ?place= may be a name or alias (bootle -> sefton) like on the other pages: resolved to the id the filter lists.
    resolve_place(allowed=set(by_kind["place"]), why_not_allowed="no evidence is filed under that place.")
    columns = st.columns(5)
    with columns[0]:
        place_id = _filter("Place", by_kind["place"], key="evidence_place", param="place")
    with columns[1]:
        phase = url_state.choice(
            st.selectbox, "Phase", list(PHASES), key="evidence_phase", param="phase", default=0, format_func=PHASES.get
        )
    with columns[2]:
        outcome_id = _filter("Outcome", by_kind["outcome"], key="evidence_outcome", param="outcome")
    with columns[3]:
        enabler_id = _filter("Enabler", by_kind["enabler"], key="evidence_enabler", param="enabler")
    with columns[4]:
        typology_id = _filter("Typology", by_kind["typology"], key="evidence_typology", param="typology")

    filters = {
        "terms": search_terms(text),
        "place_id": place_id,
        "phase": phase,
        "outcome_id": outcome_id,
        "enabler_id": enabler_id,
        "typology_id": typology_id,
    }
    results = query("evidence_search", **filters, max_rows=MAX_SHOWN)
    matches = int(results["matches"].iloc[0]) if len(results) else 0
    st.markdown(
        f"**{matches} evidence records match.**" + (f" Showing the first {MAX_SHOWN}." if matches > MAX_SHOWN else "")
    )
    if results.empty:
        # Said on every empty search in a view that names one place, so it tells nothing about any other place.
        own_only = "" if current_principal().role is not Role.PARTNERSHIP else (
            " Your view names your own partnership only: a search for another place's name, alias, organisation "
            "or area finds nothing here."
        )  # fmt: skip
        empty_state("Nothing matches. Try fewer words or clear a filter." + own_only)
        return
    page = _page(results, searched=repr(filters))
    shown = results.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    for row in shown.itertuples():
        with st.container(border=True):
            tags = [f"Phase {int(row.phase)}" if pd.notna(row.phase) else None, row.outcome, row.enabler, row.typology]
            heading = row.place_name if pd.notna(row.place_name) else "Programme-wide"
            st.markdown(f"**{heading}** · " + " · ".join(tag for tag in tags if isinstance(tag, str)))
            st.write(row.summary)
            st.caption(cite_row(row.source))
    every_match = deferred("evidence_search", **filters, max_rows=matches)
    data_downloads(
        data=lambda: every_match().drop(columns=["matches", "score"]), name="pbsa-evidence", key="evidence_results_dl"
    )


guard(render)
