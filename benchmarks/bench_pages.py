"""Every page driven server-side (Streamlit AppTest): cold and warm reruns against a trivial one-chart page.

Real store first (target 1: warm <= 3x, cold <= 6x the trivial page, measured in this one run), then the large
SYNTHETIC store (target 2: warm <= 300 ms and <= 2 MB of elements per page; RSS with 10 sessions <= 1 GB).
Cold = the run right after Streamlit's data and resource caches are cleared; warm = a rerun of the same session;
both best of REPEATS, alternating with the trivial page so load on a shared machine hits both alike.
Bytes = the serialised size of every element the run produced (what the browser is sent). Scripts are compiled
once per process, as in a server (see _SERVER_SCRIPT_CACHE).
Run: .venv/bin/python -m benchmarks.bench_pages
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import streamlit.testing.v1.app_test as app_test_module
import streamlit.testing.v1.local_script_runner as local_runner_module
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from benchmarks.report import Row, median, print_table, rss_mb, samples_ms
from benchmarks.scale_data import real_store, scale_store
from pbsa_analytics import settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.store import open_store
from pbsa_analytics.ui import auth
from pbsa_analytics.ui.data import clear_caches

APP = str(settings.REPO_ROOT / "app.py")
REPEATS = 3
WARM_RATIO_GOAL = 3
COLD_RATIO_GOAL = 6
SCALE_WARM_GOAL_MS = 300
SCALE_BYTES_GOAL = 2_000_000
RSS_GOAL_MB = 1024
SESSIONS = 10
TRIVIAL = """
import altair as alt
import pandas as pd
import streamlit as st

st.title("Trivial page")
data = pd.DataFrame({"x": list("abcdefghij"), "y": range(10)})
st.altair_chart(alt.Chart(data).mark_bar().encode(x="x:N", y="y:Q"), theme=None)
"""
# Every page with the query string a visitor would typically bring.
PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "/": ("pages/overview.py", {}),
    "/map": ("pages/map.py", {}),
    "/typology": ("pages/typology.py", {}),
    "/outcomes": ("pages/outcomes.py", {}),
    "/phases": ("pages/phases.py", {}),
    "/partnership": ("pages/partnership.py", {"place": "hartlepool"}),
    "/evidence": ("pages/evidence.py", {"q": "food"}),
    "/data": ("pages/data.py", {}),
    "/present": ("pages/present.py", {"deck": "learning-event", "slide": "3"}),
}


# What a server has: one ScriptCache for the process (its Runtime makes it once), so each script is compiled once.
# AppTest makes a new ScriptCache on every run, so every rerun would compile app.py and the page again (about 7 ms
# of this app's warm run, more than for the trivial page), a cost no visitor of a running server pays.
_SERVER_SCRIPT_CACHE = ScriptCache()


def _share_script_cache() -> None:
    app_test_module.ScriptCache = lambda: _SERVER_SCRIPT_CACHE
    local_runner_module.ScriptCache = lambda: _SERVER_SCRIPT_CACHE


def _clear_caches() -> None:
    clear_caches()
    gc.collect()


def _open(page: str, query: dict[str, str], *, script: str = APP) -> AppTest:
    app = AppTest.from_file(script, default_timeout=120)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    if script == APP and page != "pages/overview.py":
        app.switch_page(page)
        app.run()
    if app.exception:
        raise RuntimeError(f"{page} failed: {app.exception[0].value}")
    return app


def _bytes(node) -> int:
    children = getattr(node, "children", None)
    if children is not None:
        return sum(_bytes(child) for child in children.values())
    proto = getattr(node, "proto", None)
    return proto.ByteSize() if proto is not None else 0


def _cold_warm(app: AppTest) -> tuple[float, float]:
    """One cold rerun (caches just cleared) and the best of two warm reruns of an open session, in ms."""
    _clear_caches()
    cold = samples_ms(app.run, repeats=1)[0]
    return cold, min(samples_ms(app.run, repeats=2))


def _paired(page: AppTest, trivial: AppTest) -> tuple[float, float, float, float]:
    """Best-of-REPEATS cold and warm for the page and the trivial page, measured alternately.

    Alternating keeps both under the same load on a shared machine; the best of several runs is the
    least disturbed estimate of each one's own cost.
    """
    runs = [(*_cold_warm(trivial), *_cold_warm(page)) for _ in range(REPEATS)]
    return tuple(min(run[i] for run in runs) for i in range(4))


def _use_store(db_path: Path, store_dir: Path) -> None:
    os.environ["PBSA_DB_PATH"] = str(db_path)
    os.environ["PBSA_STORE_DIR"] = str(store_dir)
    _clear_caches()


def real_rows(trivial: str) -> list[Row]:
    """Target 1: each page's cold and warm rerun as a multiple of the trivial page's, measured alongside it."""
    floor = _open("", {}, script=trivial)
    rows = []
    for path, (page, query) in PAGES.items():
        floor_cold, floor_warm, cold, warm = _paired(_open(page, query), floor)
        rows.append(
            Row(f"{path} warm rerun (floor {floor_warm:.0f} ms)", f"{warm:.0f} ms", "", warm / floor_warm,
                f"<= {WARM_RATIO_GOAL}x", warm / floor_warm <= WARM_RATIO_GOAL)
        )  # fmt: skip
        rows.append(
            Row(f"{path} cold rerun (floor {floor_cold:.0f} ms)", f"{cold:.0f} ms", "", cold / floor_cold,
                f"<= {COLD_RATIO_GOAL}x", cold / floor_cold <= COLD_RATIO_GOAL)
        )  # fmt: skip
    return [*rows, _store_opening_row(floor)]


def _store_opening_row(floor: AppTest) -> Row:
    """What every cold run pays before its first query: opening the store (a DuckDB instance on the file, locked down
    and checked), as a multiple of the trivial page's cold run, both best of REPEATS."""
    floor_cold = min(_cold_warm(floor)[0] for _ in range(REPEATS))
    openings = []
    for _ in range(REPEATS):
        _clear_caches()  # closes the app's store, so DuckDB makes a new instance rather than sharing the open one
        began = time.perf_counter()
        open_store(db_path=Path(os.environ["PBSA_DB_PATH"]), store_dir=Path(os.environ["PBSA_STORE_DIR"])).close()
        openings.append((time.perf_counter() - began) * 1000)
    opening = min(openings)
    return Row(f"opening + closing the store (floor {floor_cold:.0f} ms)", f"{opening:.0f} ms", "(in cold)",
               opening / floor_cold, f"<= {COLD_RATIO_GOAL}x")  # fmt: skip


def scale_rows() -> list[Row]:
    """Target 2 (pages): warm rerun and bytes per page on the large store, then RSS with 10 open sessions."""
    rows = []
    for path, (page, query) in PAGES.items():
        scaled = {**query, "place": "synthetic_04242"} if path == "/partnership" else query
        app = _open(page, scaled)
        warm = median(samples_ms(app.run, repeats=REPEATS))
        size = _bytes(app._tree)
        rows.append(Row(f"{path} warm rerun at scale", f"{warm:.0f} ms", f"<= {SCALE_WARM_GOAL_MS} ms",
                        met=warm <= SCALE_WARM_GOAL_MS))  # fmt: skip
        rows.append(Row(f"{path} sent to browser at scale", f"{size / 1e6:.2f} MB", "<= 2 MB",
                        met=size <= SCALE_BYTES_GOAL))  # fmt: skip
    rows += partnership_rows()
    sessions = [_open(page, query) for page, query in list(PAGES.values())[:SESSIONS]]
    sessions += [_open("pages/overview.py", {}) for _ in range(SESSIONS - len(sessions))]
    rss = rss_mb()
    rows.append(Row(f"RSS with {len(sessions)} sessions (whole process)", f"{rss:.0f} MB", f"<= {RSS_GOAL_MB} MB",
                    met=rss <= RSS_GOAL_MB))  # fmt: skip
    return rows


# Pages a partnership opens, anonymised around a real place (hartlepool is in the SYNTHETIC store too).
PARTNERSHIP_PAGES = {"/typology": ("pages/typology.py", {}), "/phases": ("pages/phases.py", {}),
                     "/map": ("pages/map.py", {})}  # fmt: skip


OTHER_FOCUS = "colchester"  # a second real place, also in the SYNTHETIC store


def partnership_rows() -> list[Row]:
    """Target 2 for a partnership: a cold rerun (caches cleared, as after a restart: it anonymises the whole grids
    around its place, then keeps them) and warm reruns, on the large store."""
    principal = Principal(subject="bench", display_name="bench", role=Role.PARTNERSHIP, place_id="hartlepool")
    rows = []
    original = auth.session_principal
    auth.session_principal = lambda: principal
    try:
        for path, (page, query) in PARTNERSHIP_PAGES.items():
            app = _open(page, query)
            cold, warm = _cold_warm(app)
            rows.append(Row(f"{path} as a partnership at scale, cold rerun", f"{cold / 1000:.1f} s", "(no goal)"))
            rows.append(Row(f"{path} as a partnership at scale, warm rerun", f"{warm:.0f} ms",
                            f"<= {SCALE_WARM_GOAL_MS} ms", met=warm <= SCALE_WARM_GOAL_MS))  # fmt: skip
            # Another partnership's first view on a running server: what was scoped around hartlepool is no use to
            # it (its grids are queried and anonymised again), but the open store and the index of every place's
            # terms are shared.
            other = Principal(subject="bench2", display_name="bench2", role=Role.PARTNERSHIP, place_id=OTHER_FOCUS)
            auth.session_principal = lambda other=other: other
            first = samples_ms(app.run, repeats=1)[0]
            auth.session_principal = lambda: principal
            rows.append(Row(f"{path} as another partnership at scale, first view", f"{first / 1000:.1f} s",
                            "(no goal)"))  # fmt: skip
    finally:
        auth.session_principal = original
    return rows


def main() -> None:
    _share_script_cache()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        trivial = root / "trivial.py"
        trivial.write_text(TRIVIAL)
        real = real_store(root)
        _use_store(real.db_path, real.store_dir)
        print_table(
            "Target 1: server-side reruns on the real store (ratio = page / trivial page)", real_rows(str(trivial))
        )
        if "real" in sys.argv[1:]:  # `-m benchmarks.bench_pages real`: target 1 only
            return
        made = scale_store()
        _use_store(made.db_path, made.store_dir)
        print_table("Target 2: pages on the large SYNTHETIC store", scale_rows())


if __name__ == "__main__":
    main()
