"""Vega-Lite specs converted once per chart object, so a chart reused across reruns is not converted again.

Why: Streamlit turns an Altair chart into a spec on every rerun (schema validation and data serialisation
are most of a warm rerun). Charts held by a cached page view are the same objects on every rerun, so their
converted spec is kept beside them and dropped when the chart object is freed. The spec depends on the chart
object alone, never on who is looking.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import weakref
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

# Streamlit's own conversion (theme handling, Arrow datasets, its globals lock); pinned in requirements.txt.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

_specs: dict[int, tuple[weakref.ref, dict]] = {}
_lock = threading.Lock()


def _forget(key: int) -> None:
    with _lock:
        _specs.pop(key, None)


# Serving skips Altair's JSON-schema check of each spec (most of a chart's conversion: about 0.3 s of a cold
# /partnership run). tests/test_pages.py renders every page with the check on, so a spec the schema rejects still
# fails a test.
VALIDATE_SPECS = False


class _Unchecked:
    """A chart as Streamlit's converter sees it (it only calls to_dict()), converted with or without the check."""

    def __init__(self, chart: alt.TopLevelMixin) -> None:
        self._chart = chart

    def to_dict(self) -> dict:
        return self._chart.to_dict(validate=VALIDATE_SPECS)


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec with Arrow datasets, converted the first time this chart object is seen."""
    key = id(chart)
    with _lock:
        held = _specs.get(key)
    if held is not None and held[0]() is chart:
        return held[1]
    spec = _convert_altair_to_vega_lite_spec(_Unchecked(chart))
    with _lock:
        _specs[key] = (weakref.ref(chart, lambda _ref, key=key: _forget(key)), spec)
    return spec


def _fingerprint(value: object) -> object:
    """A value standing for a parameter in the cache key; frames by a digest of their pickle (every row).

    Streamlit's own hashing samples frames of 50,000+ rows, which could hand back a stale chart. A pickle holds
    everything the frame holds (columns, dtypes, index, values, lists in cells), so equal digests mean equal frames;
    it is 5-15x faster than pandas' row hashing on the small frames most pages pass, and no slower on large ones
    (benchmarks/bench_pages.py). Equal frames laid out differently in memory may digest differently: a cache miss.
    """
    if isinstance(value, pd.DataFrame):
        return ("frame", hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest())
    if isinstance(value, list | tuple):
        return tuple(_fingerprint(item) for item in value)
    return value


@st.cache_resource(show_spinner=False, max_entries=128)
def _shared_chart(
    builder_name: str, key: tuple, _builder: Callable[..., alt.TopLevelMixin], _params: dict
) -> alt.TopLevelMixin:
    return _builder(**_params)


def shared_chart(builder: Callable[..., alt.TopLevelMixin], /, **params: object) -> alt.TopLevelMixin:
    """builder(**params), one object for every rerun and session passing equal parameters (data included).

    The chart is a pure function of its parameters, and whatever differs per user reaches it only through
    them (queries are scoped in the data layer), so equal parameters may share it; so does its spec above.
    """
    key = tuple(sorted((name, _fingerprint(value)) for name, value in params.items()))
    return _shared_chart(f"{builder.__module__}.{builder.__qualname__}", key, builder, params)


def shared_view(builder: Callable[..., object], /, **params: object) -> object:
    """builder(**params) for a page's derived view (a frame or a finding), shared like shared_chart: one result for
    every rerun and session passing equal parameters. Callers must not change what it returns."""
    return shared_chart(builder, **params)
