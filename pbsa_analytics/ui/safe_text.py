"""Untrusted text (from a URL, an upload, a note or the data) shown literally inside Streamlit's Markdown."""

from __future__ import annotations

import re

# Characters that start links, images, HTML, code, emphasis, maths, tables and Streamlit's :color[...] directives.
_MARKUP = re.compile(r"([\\`*_\[\]()<>!~$|&{}])")
# Block markers only matter at the start of a line: headings, lists, quotes, rules.
_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+(?=[.)]))", re.MULTILINE)
# Bare addresses GFM auto-links after parsing (so escapes cannot stop it): a zero-width space before '://',
# after 'www' and before '@' keeps them text and looks the same.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(?=://)|(?<=www)(?=\.)|(?=@)")
ZERO_WIDTH_SPACE = "\u200b"


def _escape_line_start(match: re.Match) -> str:
    marker = match.group(2)
    # An ordered-list number is escaped at its '.' or ')' (a backslash before a digit would show).
    return match.group(1) + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def md(value: object) -> str:
    """Escape a value so st.markdown, st.caption, st.error and friends show it as text: no links, images or HTML."""
    text = "" if value is None else str(value)
    text = _MARKUP.sub(r"\\\1", text)
    text = _LINE_START.sub(_escape_line_start, text)
    text = _AUTOLINK.sub(ZERO_WIDTH_SPACE, text)
    return text.replace("\n", "  \n")
