"""The app's pages and their stable URL paths."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from pbsa_analytics.charts import theme as _theme  # noqa: F401  (registers the Altair theme)
from pbsa_analytics.settings import REPO_ROOT

FAVICON = Path(__file__).parent / "assets" / "favicon.png"


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    url_path: str
    # Shown on in-page links only: a page icon would become the favicon, which Streamlit fetches remotely.
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", "", ":material/home:"),
    PageSpec("pages/map.py", "Place map", "map", ":material/map:"),
    PageSpec("pages/typology.py", "Typologies", "typology", ":material/grid_on:"),
    PageSpec("pages/outcomes.py", "Outcomes", "outcomes", ":material/task_alt:"),
    PageSpec("pages/phases.py", "Phases 1–3", "phases", ":material/timeline:"),
    PageSpec("pages/partnership.py", "Partnership", "partnership", ":material/groups:"),
    PageSpec("pages/evidence.py", "Evidence library", "evidence", ":material/menu_book:"),
    PageSpec("pages/data.py", "Monitoring data", "data", ":material/upload_file:"),
    PageSpec("pages/conditions.py", "Conditions", "conditions", ":material/checklist:"),
    PageSpec("pages/present.py", "Present", "present", ":material/slideshow:"),
    PageSpec("pages/pulse.py", "Pulse", "pulse", ":material/how_to_vote:"),
)


def build_navigation(url_paths: Collection[str] | None = None) -> st.navigation:
    """Navigation across the pages, or only those whose URL paths are given (a role's pages)."""
    specs = [spec for spec in PAGES if url_paths is None or spec.url_path in url_paths]
    pages = [
        st.Page(
            str(REPO_ROOT / spec.file),
            title=spec.title,
            url_path=spec.url_path or None,
            default=spec is specs[0],
        )
        for spec in specs
    ]
    return st.navigation(pages, position="sidebar" if len(pages) > 1 else "hidden")


def page_link(url_path: str, *, label: str, query: dict[str, str] | None = None) -> bool:
    """A link to another page, if it is one of this role's pages; query parameters let it open on a chosen view.
    Returns whether the link was drawn."""
    target = next(spec for spec in PAGES if spec.url_path == url_path)
    try:
        st.page_link(str(REPO_ROOT / target.file), label=label, icon=target.icon, query_params=query)
    except StreamlitPageNotFoundError:
        return False  # not one of this role's pages: no link
    return True


def page_links(*, heading: str, links: dict[str, str]) -> None:
    """A heading over links to other pages (URL path to label), shown only if this role can follow one of them."""
    slot = st.empty()  # the heading goes above the links, once one of them is known to be drawn
    drawn = [page_link(url_path, label=label) for url_path, label in links.items()]
    if any(drawn):
        slot.subheader(heading)
