"""Page-wide accessibility styles: readable caption contrast and a visible keyboard focus on every control."""

from __future__ import annotations

import streamlit as st

# GOV.UK secondary text (#505A5F, 7:1 on white) and focus style (yellow ring with a dark edge).
STYLES = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] p { color: #505A5F !important; opacity: 1 !important; }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, summary:focus-visible,
[role="button"]:focus-visible, [role="tab"]:focus-visible, [role="option"]:focus-visible,
[role="combobox"]:focus-visible, [role="switch"]:focus-visible, [tabindex]:focus-visible {
    outline: 3px solid #FFDD00 !important; outline-offset: 0 !important; box-shadow: 0 0 0 6px #0B0C0C !important;
}
</style>
"""


def page_styles() -> None:
    """Add the styles to this page (constants only; nothing from a user reaches them)."""
    st.markdown(STYLES, unsafe_allow_html=True)
