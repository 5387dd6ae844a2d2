"""Features that keep pages fast at scale: vectorised peers, binned map, ranked stemmed search, deferred exports."""

from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import snowballstemmer
from scipy.spatial.distance import jaccard
from streamlit.testing.v1 import AppTest

from pbsa_analytics import queries, settings
from pbsa_analytics.analysis.cohort import nearest_peers
from pbsa_analytics.maps.places import load_outline
from pbsa_analytics.maps.scale import BINS_LAYER_ID, bin_points, binned_deck
from pbsa_analytics.periods import DUE_DAYS, WHOLE_PROGRAMME
from pbsa_analytics.services.partnership import PartnershipView
from pbsa_analytics.store import Store
from pbsa_analytics.store.search_index import search_terms
from pbsa_analytics.ui import monitoring as ui_monitoring
from pbsa_analytics.ui.chart_specs import shared_chart, vega_spec
from pbsa_analytics.ui.data import clear_caches, process_memo
from tests.test_pages import open_page

NO_FILTERS = {"place_id": "", "phase": 0, "outcome_id": "", "enabler_id": "", "typology_id": ""}


def _random_matrix(places: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    types = [f"type_{n}" for n in range(9)]
    rows = [
        {"place_id": f"p{p:03d}", "place_name": f"Place {p:03d}", "typology_id": t, "marked": bool(rng.random() < 0.4)}
        for p in range(places)
        for t in types
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nearest_peers_match_scipy_jaccard(seed: int) -> None:
    """The vectorised peers are the places scipy's Jaccard distance ranks closest, with the same similarity."""
    matrix = _random_matrix(60, seed)
    profiles = matrix.pivot(index="place_id", columns="typology_id", values="marked")
    own = profiles.loc["p000"]
    expected = sorted(
        ((1.0 - jaccard(own, row) if (own | row).any() else 1.0, f"Place {pid[1:]}") for pid, row in profiles.iterrows()
         if pid != "p000"),
        key=lambda pair: (-pair[0], pair[1]),
    )[:5]  # fmt: skip
    peers = nearest_peers(matrix, place_id="p000", count=5)
    assert list(peers["place_name"]) == [name for _, name in expected]
    assert np.allclose(peers["similarity"], [similarity for similarity, _ in expected])


def test_bins_account_for_every_place_once() -> None:
    """Each place falls in exactly one bin: counts add up per cell and per phase, centres inside the cell."""
    rng = np.random.default_rng(5)
    points = pd.DataFrame(
        {
            "latitude": rng.uniform(50.5, 54.9, 3000),
            "longitude": rng.uniform(-4.5, 1.5, 3000),
            "furthest_phase": rng.integers(1, 4, 3000),
        }
    )
    binned = bin_points(points, cell_degrees=0.5)
    assert binned["places"].sum() == len(points)
    assert (binned[["phase_1_only", "reached_phase_2", "reached_phase_3"]].sum(axis=1) == binned["places"]).all()
    expected = points.groupby([points["latitude"] // 0.5, points["longitude"] // 0.5]).size().sort_values()
    assert sorted(binned["places"]) == sorted(expected)
    assert binned["reached_phase_3"].sum() == (points["furthest_phase"] == 3).sum()


def test_binned_deck_sends_bins_not_places() -> None:
    """At 5,000 places the deck carries one record per occupied cell, far fewer than places, with text tooltips."""
    rng = np.random.default_rng(9)
    points = pd.DataFrame(
        {"latitude": rng.uniform(50.5, 54.9, 5000), "longitude": rng.uniform(-4.5, 1.5, 5000),
         "furthest_phase": rng.integers(1, 4, 5000)}
    )  # fmt: skip
    deck = binned_deck(points=points, outline=load_outline(settings.data_dir() / "geo" / "uk_outline.geojson"))
    layer = next(layer for layer in json.loads(deck.to_json())["layers"] if layer["id"] == BINS_LAYER_ID)
    assert sum(record["places"] for record in layer["data"]) == 5000
    assert len(layer["data"]) < 1000
    # Streamlit reads the tooltip from this attribute; pydeck keeps it out of the JSON.
    assert "{places}" in deck._tooltip["text"]
    assert "html" not in deck._tooltip


def test_search_terms_stem_inflections() -> None:
    """Plural and -ing forms reduce to the same term, punctuation and case are ignored, repeats kept once."""
    assert search_terms("Parcels") == search_terms("parcel")
    assert search_terms("volunteering") == search_terms("volunteer")
    assert search_terms("Food, food! parcels.") == [*search_terms("food"), *search_terms("parcel")]


def _haystacks(store: Store) -> pd.Series:
    frame = store.execute(
        "select e.evidence_id, lower(concat_ws(' ', e.summary, p.place_name, o.title, en.name, t.name)) as text "
        "from evidence as e left join places as p on p.place_id = e.place_id "
        "left join outcomes as o on o.outcome_id = e.outcome_id left join enablers as en on en.enabler_id = e.enabler_id "
        "left join typologies as t on t.typology_id = e.typology_id"
    )
    return frame.set_index("evidence_id")["text"]


@pytest.mark.parametrize("text", ["parcels", "food parcel", "volunteering", "Young people"])
def test_search_finds_exactly_the_records_holding_every_stem(store: Store, text: str) -> None:
    """The result set equals the records whose words, stemmed independently, include every search term."""
    terms = set(search_terms(text))
    stemmer = snowballstemmer.stemmer("english")
    stems = _haystacks(store).map(lambda body: set(stemmer.stemWords(re.findall(r"[a-z0-9]+", body))))
    expected = set(stems[stems.map(lambda found: terms <= found)].index)
    results = queries.run(store, "evidence_search", terms=list(terms), **NO_FILTERS, max_rows=10_000)
    assert set(results["evidence_id"]) == expected
    assert expected, f"the real data should hold {text!r}"


def test_search_ranks_more_relevant_records_first(store: Store) -> None:
    """Scores never rise down the list, and the top record uses the searched term at least as often as the last."""
    results = queries.run(store, "evidence_search", terms=search_terms("volunteers"), **NO_FILTERS, max_rows=10_000)
    assert len(results) > 2
    assert results["score"].is_monotonic_decreasing
    counts = results["summary"].str.lower().str.count(r"volunteer")
    assert counts.iloc[0] >= counts.iloc[-1]


def test_empty_search_lists_everything_in_phase_and_place_order(store: Store) -> None:
    """Without words every record matches and the order is phase, then place name."""
    results = queries.run(store, "evidence_search", terms=[], **NO_FILTERS, max_rows=100_000)
    assert len(results) == store.execute("select count(*) as n from evidence")["n"].iloc[0]
    assert results["phase"].is_monotonic_increasing


def test_partnership_profile_chart_is_built_only_for_a_download(db_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering /partnership never builds the export-only profile sheet."""
    calls = []
    original = PartnershipView.profile_chart
    monkeypatch.setattr(PartnershipView, "profile_chart", lambda self: calls.append(1) or original(self))
    app = open_page("pages/partnership.py", place="hartlepool")
    assert not app.exception
    assert app.title
    assert calls == []


def test_a_large_cohorts_completeness_is_drawn_from_counts_without_fetching_the_grid(
    db_env: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above GRID_MAX_PLACES, /data draws returns per period and status from SQL counts that equal a count over the
    places x periods grid, lists every place, and never runs the grid query (its download runs it when clicked)."""
    monkeypatch.setattr(ui_monitoring, "GRID_MAX_PLACES", 3)  # the programme's places then count as a large cohort
    clear_caches()
    ran: list[str] = []
    real_run = queries.run
    monkeypatch.setattr(
        queries, "run", lambda store, name, /, **params: ran.append(name) or real_run(store, name, **params)
    )
    app = open_page("pages/data.py", period="all")
    assert not app.exception, [e.value for e in app.exception]
    assert "reporting_completeness_summary" in ran
    assert "reporting_completeness" not in ran
    [chart] = [c for c in app.get("vega_lite_chart") if "Returns per period" in c.proto.spec]
    [dataset] = chart.proto.datasets
    drawn = pa.ipc.open_stream(dataset.data.data).read_pandas()
    grid = real_run(store, "reporting_completeness", **WHOLE_PROGRAMME.params(), due_days=DUE_DAYS,
                    received_ids=[], received_on=[])  # fmt: skip
    expected = grid.groupby(["period_start", "status"]).size()
    assert drawn.set_index(["period_start", "status"])["places"].sort_index().to_dict() == expected.to_dict()
    assert f"{grid['place_id'].nunique()} place(s); periods per status:" in [t.value for t in app.text]


def _bars(*, data: pd.DataFrame, title: str) -> alt.Chart:
    return alt.Chart(data, title=title).mark_bar().encode(x="x:Q", y="y:Q")


def test_shared_chart_is_reused_for_equal_parameters_and_rebuilt_when_any_row_changes() -> None:
    """Equal frames give the same chart object; one changed cell in 60,000 rows gives a new one."""
    data = pd.DataFrame({"x": range(60_000), "y": range(60_000)})
    first = shared_chart(_bars, data=data, title="t")
    assert shared_chart(_bars, data=data.copy(), title="t") is first
    changed = data.copy()
    changed.loc[31_337, "y"] = -1
    assert shared_chart(_bars, data=changed, title="t") is not first
    assert shared_chart(_bars, data=data, title="another title") is not first


def test_shared_chart_tells_frames_apart_by_names_types_index_and_list_cells() -> None:
    """Frames equal in values but not in column name, dtype or index get their own chart; list cells are keyed too."""
    data = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    first = shared_chart(_bars, data=data, title="t")
    for other in (
        data.astype({"y": "float64"}),
        data.set_axis([5, 6]),
        data.rename(columns={"x": "x "}),
    ):
        assert shared_chart(_bars, data=other, title="t") is not first
    listed = data.assign(tags=[["a"], ["b", "c"]])
    with_lists = shared_chart(_bars, data=listed, title="t")
    assert shared_chart(_bars, data=listed.copy(), title="t") is with_lists
    assert shared_chart(_bars, data=listed.assign(tags=[["a"], ["b"]]), title="t") is not with_lists


def test_vega_spec_is_converted_once_per_chart_object() -> None:
    """The same chart object gives the same spec object; an equal but new chart is converted afresh."""
    data = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    chart = _bars(data=data, title="t")
    spec = vega_spec(chart)
    assert vega_spec(chart) is spec
    assert spec["mark"]["type"] == "bar"
    assert vega_spec(_bars(data=data, title="t")) is not spec


def _long_table_block() -> None:
    import altair as alt  # noqa: PLC0415 (AppTest runs this function's source as a script)
    import pandas as pd  # noqa: PLC0415

    from pbsa_analytics.ui.layout import chart_block  # noqa: PLC0415

    data = pd.DataFrame({"place_id": [f"p{n:04d}" for n in range(1_234)], "value": range(1_234)})
    chart = alt.Chart(data.head(3)).mark_bar().encode(x="value:Q", y="place_id:N")
    chart_block(chart=chart, data=data, name="long", key="long", caption="c", page_rows=500)


def test_a_long_table_view_is_sent_one_page_at_a_time() -> None:
    """A table view longer than page_rows sends one page of rows, and the page number walks through every row."""
    app = AppTest.from_function(_long_table_block, default_timeout=60)
    app.session_state["long_table_open"] = True  # the reader opened the table view
    app.run()
    assert not app.exception
    (table,) = app.dataframe
    assert list(table.value["place_id"]) == [f"p{n:04d}" for n in range(500)]
    app.number_input(key="long_table_page").set_value(3).run()
    assert list(app.dataframe[0].value["value"]) == list(range(1_000, 1_234))
    assert "Rows 1,001 to 1,234 of 1,234" in " ".join(caption.value for caption in app.caption)


def test_a_closed_table_view_sends_no_table() -> None:
    """Until the reader opens a chart's table view, no table is run or sent; opened, it shows the rows."""
    app = AppTest.from_function(_long_table_block, default_timeout=60)
    app.run()
    assert not app.exception
    assert [expander.label for expander in app.expander] == ["Table view (text alternative)"]
    assert list(app.dataframe) == []
    app.session_state["long_table_open"] = True
    app.run()
    assert len(app.dataframe[0].value) == 500


def test_process_memo_computes_a_missing_value_once_when_threads_ask_at_once() -> None:
    """Eight threads asking at the same moment for a value not yet memoised run its function once, not eight times
    (a store connection opened once per process)."""
    calls: list[int] = []
    start = threading.Barrier(8)

    @process_memo(maxsize=4)
    def slow_value(key: str) -> str:
        calls.append(1)
        time.sleep(0.2)  # long enough for every thread to miss before the first finishes
        return key.upper()

    def ask() -> str:
        start.wait()
        return slow_value("store")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: ask(), range(8)))
    assert answers == ["STORE"] * 8
    assert len(calls) == 1
