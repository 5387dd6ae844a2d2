"""Widgets whose values live in the URL's query parameters, so every view can be shared and reloaded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from pbsa_analytics.ui.auth import current_principal

SHOWN_VALUE_CHARS = 60


def report_ignored(param: str, value: str, *, reason: str) -> None:
    """Say that a link's ?param=value was ignored and why, then drop it from the URL.

    The value comes from the URL, so it is shown with st.text (never Markdown) and cut to a bounded length.
    """
    shown = value if len(value) <= SHOWN_VALUE_CHARS else value[:SHOWN_VALUE_CHARS] + "…"
    with st.container(key=f"ignored_param_{param}"):
        st.warning(f"This link's “{param}” value was ignored: {reason}", icon=":material/link_off:")
        # A tampered value may name a place outside a scoped user's view: echo it only to those who see names.
        if current_principal().sees_all_names:
            st.text(f"{param}={shown}")
    _write(param, None)


def _write(param: str, text: str | None) -> None:
    if text is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != text:
        st.query_params[param] = text


def _url_moved(key: str, param: str) -> bool:
    """True on first render, or when the URL no longer holds what this widget last wrote (back/forward)."""
    memory = f"_url_state_{key}"
    if key not in st.session_state or memory not in st.session_state:
        return True
    return st.query_params.get(param) != st.session_state[memory]


def _remember(key: str, param: str, text: str | None) -> None:
    _write(param, text)
    st.session_state[f"_url_state_{key}"] = text


def selected_cell(point: dict | None, *, fields: tuple[str, str], param: str = "cell") -> tuple[str, str] | None:
    """A clicked cell kept in the URL as ?cell=a:b, so the drill-down survives reloads and sharing.

    A chart's selection stays set across reruns; only a new click moves ?cell=, so a cell chosen another way
    (the keyboard picker, a link) is not overwritten by the last click.
    """
    clicked = f"{point[fields[0]]}:{point[fields[1]]}" if point else None
    memory = f"_url_state_click_{param}_{fields[1]}"
    if clicked and clicked != st.session_state.get(memory):
        set_param(param, clicked)
    st.session_state[memory] = clicked
    text = st.query_params.get(param) or ""
    if ":" not in text:
        if text:
            report_ignored(param, text, reason="a cell is written as place:typology, e.g. hartlepool:co_production.")
        return None
    first, second = text.split(":", 1)
    return first, second


def read_param(param: str) -> str | None:
    """The raw text of one query parameter, or None."""
    return st.query_params.get(param)


def set_param(param: str, value: object | None) -> None:
    """Write (or with None, remove) one query parameter."""
    _write(param, None if value is None else str(value))


def choice(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[Any],
    *,
    key: str,
    param: str,
    default: Any,
    format_func: Callable[[Any], str] = str,
    **kwargs: Any,
) -> Any:
    """A single-choice widget (selectbox, radio, segmented control) bound to ?param=.

    The URL seeds the widget on first render; an unknown value in the URL is reported, dropped from the URL,
    and the default shown instead.
    """
    by_text = {str(option): option for option in options}
    if _url_moved(key, param):
        raw = st.query_params.get(param, "")
        if raw and raw not in by_text:
            allowed = ", ".join(by_text)
            report_ignored(param, raw, reason=f"it is not one of the choices ({allowed}); showing the default.")
        st.session_state[key] = by_text.get(raw, default)
    value = widget(label, options, key=key, format_func=format_func, **kwargs)
    _remember(key, param, None if value == default else str(value))
    return value


def multi_choice(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    param: str,
    format_func: Callable[[Any], str] = str,
    **kwargs: Any,
) -> list[str]:
    """A multiselect bound to ?param=a,b; empty means no filter."""
    if _url_moved(key, param):
        raw = st.query_params.get(param, "")
        unknown = [value for value in raw.split(",") if value and value not in options]
        if unknown:
            report_ignored(param, ",".join(unknown), reason="not among the choices, so left out of the filter.")
        st.session_state[key] = [value for value in raw.split(",") if value in options]
    values = st.multiselect(label, options, key=key, format_func=format_func, **kwargs)
    _remember(key, param, ",".join(values) if values else None)
    return values


def toggle(label: str, *, key: str, param: str, **kwargs: Any) -> bool:
    """A toggle bound to ?param=1."""
    if _url_moved(key, param):
        st.session_state[key] = st.query_params.get(param) == "1"
    value = st.toggle(label, key=key, **kwargs)
    _remember(key, param, "1" if value else None)
    return value
