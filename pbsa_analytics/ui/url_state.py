"""Widgets whose values live in the URL's query parameters, so every view can be shared and reloaded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st


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
    """A clicked cell kept in the URL as ?cell=a:b, so the drill-down survives reloads and sharing."""
    if point:
        set_param(param, f"{point[fields[0]]}:{point[fields[1]]}")
    text = st.query_params.get(param) or ""
    if ":" not in text:
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

    The URL seeds the widget on first render; an unknown value in the URL falls back to the default.
    """
    by_text = {str(option): option for option in options}
    if _url_moved(key, param):
        st.session_state[key] = by_text.get(st.query_params.get(param, ""), default)
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
