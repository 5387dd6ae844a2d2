"""Bring a drill-down panel into view: scroll to it and outline it briefly, so a click visibly did something."""

from __future__ import annotations

import re

import streamlit as st

_KEY = re.compile(r"^[a-z0-9_]+$")
HIGHLIGHT_CSS = """
<style>
@keyframes pbsa-flash {from {box-shadow: 0 0 0 4px #ffdd00;} to {box-shadow: 0 0 0 0 transparent;}}
.pbsa-flash {animation: pbsa-flash 2.5s ease-out 1;}
</style>
"""


def scroll_into_view(*, key: str, memory: str, value: str) -> None:
    """Scroll to the container with this key and flash it, once per new value (not on every rerun)."""
    if not _KEY.match(key):
        return  # only code-defined keys ever reach the script below
    if st.session_state.get(f"_focus_{memory}") == value:
        return
    st.session_state[f"_focus_{memory}"] = value
    script = (
        "<script>(() => {"
        f"const target = document.querySelector('.st-key-{key}');"
        "if (!target) return;"
        "target.scrollIntoView({behavior: 'smooth', block: 'start'});"
        "target.classList.remove('pbsa-flash'); void target.offsetWidth; target.classList.add('pbsa-flash');"
        "target.setAttribute('tabindex', '-1'); target.focus({preventScroll: true});"
        "})();</script>"
    )
    st.html(HIGHLIGHT_CSS + script, unsafe_allow_javascript=True)
