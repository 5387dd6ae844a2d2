"""Share and take away: a copy-link box and the page as printable A4 PDF or one offline HTML file.

Each chart_block adds its chart and caption to this run's report; the sidebar offers them once the page is drawn.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode, urlsplit

import altair as alt
import streamlit as st

from pbsa_analytics.errors import PbsaError
from pbsa_analytics.exports.report import Report, ReportSection, report_html, report_pdf
from pbsa_analytics.ui.data import store
from pbsa_analytics.ui.downloads import IMAGE_MIME
from pbsa_analytics.ui.programme_report import programme_report

_SECTIONS = "_share_report_sections"
_PROGRAMME_WANTED = "_share_programme_wanted"
_PROGRAMME_REPORT = "_share_programme_report"
HTML_MIME = "text/html"
LOCAL_URL = "http://127.0.0.1:8501/"

# Pages without the share sidebar: /pulse is where a phone answers (its participants reach nothing else), so a
# link, a page report or the programme report has no place there, and leaving it out keeps each tap light.
UNSHARED_PAGES = frozenset({"pulse"})


def start_page() -> None:
    """Forget the previous run's charts: a report holds exactly what this run draws."""
    st.session_state[_SECTIONS] = []


def add_chart(*, chart: alt.TopLevelMixin, caption: str) -> None:
    """Record a chart drawn on the page, with its caption (sources and caveats), for the page's report."""
    st.session_state.setdefault(_SECTIONS, []).append(ReportSection(caption=caption, chart=chart))


def current_link(*, url_path: str) -> str:
    """This view's shareable URL: the page's path and every query parameter of the current state."""
    parts = urlsplit(st.context.url or LOCAL_URL)
    query = urlencode({key: st.query_params.get(key) or "" for key in st.query_params})
    return f"{parts.scheme}://{parts.netloc}/{url_path}" + (f"?{query}" if query else "")


def _prepare_programme_report() -> None:
    st.session_state[_PROGRAMME_WANTED] = True


def _session_programme_report(*, link: str) -> Report | None:
    """This session's programme report, built once after the reader asked for it and again only when the figures
    (store version) or the link change: its eleven charts cost more than most whole pages, so no run pays for them
    unasked. Kept in the session, as it is built for this session's principal."""
    if not st.session_state.get(_PROGRAMME_WANTED):
        return None
    key = (store().version(), link)
    kept = st.session_state.get(_PROGRAMME_REPORT)
    if kept is None or kept[0] != key:
        kept = (key, programme_report(link=link))
        st.session_state[_PROGRAMME_REPORT] = kept
    return kept[1]


def _programme_downloads(*, link: str) -> None:
    """The whole-programme report: gathered when the reader asks for it, rendered when a format is clicked."""
    with st.popover("Whole-programme report", icon=":material/summarize:"):
        report = _session_programme_report(link=link)
        if report is None:
            st.button("Prepare the programme report", key="share_programme_prepare",
                      on_click=_prepare_programme_report, icon=":material/summarize:")  # fmt: skip
            return
        st.download_button(
            "Programme report (PDF, A4)", data=lambda: report_pdf(report),
            file_name="pbsa-programme-report.pdf", mime=IMAGE_MIME["pdf"], key="share_programme_pdf",
            on_click="ignore",
        )  # fmt: skip
        st.download_button(
            "Programme report (HTML)", data=lambda: report_html(report),
            file_name="pbsa-programme-report.html", mime=HTML_MIME, key="share_programme_html", on_click="ignore",
        )  # fmt: skip


def share_sidebar(*, title: str, url_path: str) -> None:
    """Sidebar block: the link to this exact view (with a copy button), and the page as PDF and HTML."""
    link = current_link(url_path=url_path)
    with st.sidebar:
        st.markdown("**Share this view**")
        # st.code is plain text with a built-in copy button: the URL is never interpreted as Markdown.
        st.code(link, language=None, wrap_lines=True)
        st.caption("Use the copy button at the right of the link.")
        # Without a readable store the page body already shows why (guard); the sidebar leaves the report out.
        with contextlib.suppress(PbsaError):
            _programme_downloads(link=current_link(url_path="").split("?")[0])
        sections = tuple(st.session_state.get(_SECTIONS, []))
        if not sections:
            return
        report = Report(title=title, sections=sections, link=link)
        slug = url_path or "overview"
        st.download_button(
            "This page as PDF (A4)", data=lambda: report_pdf(report), file_name=f"pbsa-{slug}.pdf",
            mime=IMAGE_MIME["pdf"], key="share_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
        )  # fmt: skip
        st.download_button(
            "This page as HTML (offline)", data=lambda: report_html(report), file_name=f"pbsa-{slug}.html",
            mime=HTML_MIME, key="share_html", on_click="ignore", icon=":material/download:",
        )  # fmt: skip
