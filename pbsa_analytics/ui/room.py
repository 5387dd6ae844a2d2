"""Pieces of the room: keyboard and screen-size listener, join bar with QR code, deck list, slide sizing."""

from __future__ import annotations

import base64
import html
import io
import math
import re
import textwrap
from dataclasses import dataclass
from urllib.parse import urlsplit

import qrcode
import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.presentation.deck import DeckSummary

DEFAULT_VIEWPORT = (1920, 1080)
SIDE_PAD_PX = 48
FOOTER_PX = 76

# Trusted constant code (no data passes through it): keys step the deck, b blanks, f goes full screen,
# and the screen size is reported so charts are drawn for the screen they are on.
_KEYS_JS = """
export default function(component) {
  const { setTriggerValue, setStateValue, data } = component;
  const report = () => {
    const size = { w: window.innerWidth, h: window.innerHeight };
    if (!data || data.w !== size.w || data.h !== size.h) setStateValue('viewport', size);
  };
  report();
  let timer = null;
  const onResize = () => { clearTimeout(timer); timer = setTimeout(report, 300); };
  const unblank = () => { const el = document.getElementById('pbsa-blank'); if (el) el.remove(); };
  const toggleBlank = () => {
    if (document.getElementById('pbsa-blank')) { unblank(); return; }
    const el = document.createElement('div');
    el.id = 'pbsa-blank';
    el.setAttribute('aria-label', 'Screen blanked; press b to show the slide');
    el.style.cssText = 'position:fixed;inset:0;background:#000;z-index:2147483647';
    document.body.appendChild(el);
  };
  const onKey = (event) => {
    const target = event.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'ArrowRight' || event.key === ' ' || event.key === 'PageDown') {
      event.preventDefault(); unblank(); setTriggerValue('press', 'next');
    } else if (event.key === 'ArrowLeft' || event.key === 'PageUp') {
      event.preventDefault(); unblank(); setTriggerValue('press', 'back');
    } else if (event.key === 'b' || event.key === 'B' || event.key === '.') {
      toggleBlank();
    } else if (event.key === 'f' || event.key === 'F') {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => {});
    }
  };
  // One listener per page however often Streamlit remounts the component.
  if (window.__pbsaRoomKeys) document.removeEventListener('keydown', window.__pbsaRoomKeys);
  if (window.__pbsaRoomResize) window.removeEventListener('resize', window.__pbsaRoomResize);
  window.__pbsaRoomKeys = onKey;
  window.__pbsaRoomResize = onResize;
  document.addEventListener('keydown', onKey);
  window.addEventListener('resize', onResize);
}
"""

_keys = st.components.v2.component("pbsa_room_keys", js=_KEYS_JS)


def keys_and_viewport(*, key: str) -> tuple[str | None, tuple[int, int]]:
    """The key pressed on this rerun ('next', 'back' or None) and the screen size the browser reported."""
    known = st.session_state.get(f"{key}_viewport") or {}
    result = _keys(key=key, data={"w": known.get("w"), "h": known.get("h")}, default={"viewport": None},
                   on_press_change=lambda: None, on_viewport_change=lambda: None, height=0)  # fmt: skip
    viewport = result.get("viewport") if hasattr(result, "get") else None
    if isinstance(viewport, dict) and {"w", "h"} <= set(viewport):
        st.session_state[f"{key}_viewport"] = viewport
        size = (int(viewport["w"]), int(viewport["h"]))
    else:
        size = DEFAULT_VIEWPORT
    press = result.get("press") if hasattr(result, "get") else None
    return (press if press in ("next", "back") else None), _bounded(size)


def _bounded(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    return min(max(width, 320), 7680), min(max(height, 320), 4320)


@dataclass(frozen=True)
class SlideBox:
    """Pixel sizes on a projected slide, from the screen size and the title's length."""

    title_px: int
    chart_width: int
    chart_height: int


NOTE_PX = 22


def _text_height(text: str, *, px: int, usable: int, line_height: float) -> int:
    chars_per_line = max(int(usable / (0.5 * px)), 20)
    lines = max(len(textwrap.wrap(text, width=chars_per_line)), 1)
    return math.ceil(lines * px * line_height)


def slide_box(*, viewport: tuple[int, int], title: str, footer: bool, note: str = "") -> SlideBox:
    """Title size and the room left for the chart: the chart gets everything the title, a note and footer leave."""
    width, height = viewport
    title_px = 44 if height >= 900 else 40
    usable = width - 2 * SIDE_PAD_PX
    title_h = _text_height(title, px=title_px, usable=usable, line_height=1.2) + 20
    note_h = _text_height(note, px=NOTE_PX, usable=usable, line_height=1.3) + 16 if note else 0
    chart_h = height - 20 - title_h - note_h - (FOOTER_PX if footer else 40) - 28
    return SlideBox(title_px=title_px, chart_width=usable - 16, chart_height=max(chart_h, 200))


def slide_note(text: str) -> None:
    """A line under a slide's title saying what a chart is compared with (text only, never Markdown)."""
    st.html(f'<p class="pbsa-note">{html.escape(text)}</p>')


# The presenter's browser keeps a signed pass (never the secret) in a cookie, so a reload or a shared link of the
# presenter view needs no secret again. Only a value matching PASS_SHAPE ever reaches the script.
PRESENTER_COOKIE = "pbsa_presenter"
PASS_SHAPE = re.compile(r"[A-Za-z0-9_\-\.]{20,400}")


def presenter_cookie() -> str:
    """The presenter pass this browser sent, or empty."""
    return str((st.context.cookies or {}).get(PRESENTER_COOKIE, ""))[:400]


def remember_presenter(presenter_pass: str, *, hours: float) -> None:
    """Keep the presenter pass in this browser (script only, nothing drawn on the page)."""
    if not PASS_SHAPE.fullmatch(presenter_pass):
        return
    st.html(
        f'<script>document.cookie = "{PRESENTER_COOKIE}={presenter_pass}; path=/; max-age={int(hours * 3600)}; '
        'SameSite=Strict";</script>',
        unsafe_allow_javascript=True,
    )


def forget_presenter() -> None:
    """Remove the presenter pass from this browser."""
    st.html(
        f'<script>document.cookie = "{PRESENTER_COOKIE}=; path=/; max-age=0; SameSite=Strict";</script>',
        unsafe_allow_javascript=True,
    )


def join_base_url() -> str:
    """The address phones use: the public base URL setting, else the address this browser used."""
    configured = settings.public_base_url()
    if configured:
        parts = urlsplit(configured)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    parts = urlsplit(st.context.url or "http://127.0.0.1:8501/present")
    return f"{parts.scheme}://{parts.netloc}"


def _qr_data_uri(url: str) -> str:
    buffer = io.BytesIO()
    qrcode.make(url, border=1).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def join_bar(*, code: str | None, source: str, theme: str) -> None:
    """Slim bar at the foot of a slide: source on the left; short join address, code and QR code on the right."""
    base = join_base_url()
    url = f"{base}/pulse" + (f"?code={code}" if code else "")
    short = f"{urlsplit(base).netloc}{urlsplit(base).path}/pulse"
    code_html = f'<span class="pbsa-join-code">{html.escape(code)}</span>' if code else ""
    alt_text = f"QR code: open {url} to answer on your phone"
    st.html(
        f'<div class="pbsa-footer pbsa-{html.escape(theme)}">'
        f'<span class="pbsa-source">{html.escape(source)}</span>'
        f'<span class="pbsa-join">Answer at <b>{html.escape(short)}</b>{" with code " if code else ""}{code_html}'
        f'<img class="pbsa-qr" src="{_qr_data_uri(url)}" alt="{html.escape(alt_text)}"></span></div>'
    )


def source_footer(*, source: str, theme: str) -> None:
    st.html(
        f'<div class="pbsa-footer pbsa-{html.escape(theme)}"><span class="pbsa-source">{html.escape(source)}</span>'
        "</div>"
    )


def big_join(*, code: str | None) -> None:
    """The pulse question's own large join details: address, code and a large QR code."""
    base = join_base_url()
    url = f"{base}/pulse" + (f"?code={code}" if code else "")
    short = f"{urlsplit(base).netloc}{urlsplit(base).path}/pulse"
    if not code:
        st.html('<p class="pbsa-wait">This question opens when the presenter shows it.</p>')
        return
    st.html(
        '<div class="pbsa-big-join">'
        f'<img class="pbsa-big-qr" src="{_qr_data_uri(url)}" alt="QR code: open {html.escape(url)} to answer">'
        f'<div><p>Go to <b>{html.escape(short)}</b> and enter</p><div class="pbsa-code">{html.escape(code)}</div>'
        "</div></div>"
    )


def deck_list(summaries: list[DeckSummary]) -> None:
    """Every deck with a link to present it; broken files listed with their problem as plain text."""
    st.subheader("Decks")
    for summary in summaries:
        if summary.problem:
            st.text(f"{summary.name}: cannot be shown — {summary.problem}")
        else:
            st.page_link(
                str(settings.REPO_ROOT / "pages" / "present.py"),
                label=f"{summary.title} ({summary.name})",
                query_params={"deck": summary.name},
                icon=":material/slideshow:",
            )
    st.caption("A new deck is a TOML file in data/decks/; data/decks/README.md documents every key and slide type.")
