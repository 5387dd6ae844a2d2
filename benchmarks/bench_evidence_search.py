"""Evidence search on 100,000 SYNTHETIC records (target 6): p95 per search and the pandas `str.contains` ratio.

The records live only in the benchmark's large store (benchmarks/scale_data.py), labelled SYNTHETIC.
Run: .venv/bin/python -m benchmarks.bench_evidence_search
"""

from __future__ import annotations

import pandas as pd

from benchmarks.report import Row, median, p95, print_table, samples_ms
from benchmarks.scale_data import scale_store
from pbsa_analytics import queries
from pbsa_analytics.store import Store, open_store

REPEATS = 20
GOAL_MS = 50
SPEEDUP_GOAL = 5
SEARCHES = {
    "one word": ("food", {}),
    "two words": ("food parcels", {}),
    "stemmed word": ("volunteering", {}),
    "word + place": ("community", {"place_id": "synthetic_00042"}),
    "three words + phase": ("community food garden", {"phase": 2}),
    "filters only": ("", {"outcome_id": "collaboration", "phase": 2}),
}


def _params(text: str, filters: dict) -> dict:
    params = {"place_id": "", "phase": 0, "outcome_id": "", "enabler_id": "", "typology_id": "", **filters}
    if "$terms" in queries.load_sql("evidence_search"):
        from pbsa_analytics.store.search_index import search_terms  # noqa: PLC0415  (absent on older branches)

        return {**params, "terms": search_terms(text)}
    return {**params, "words": text.lower().split()}


def _pandas(frame: pd.DataFrame, text: str, filters: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    words = text.lower().split()
    lowered = frame["haystack"].str.lower() if words else None  # a search with no words lowers nothing
    for word in words:
        mask &= lowered.str.contains(word, regex=False)
    for column, value in filters.items():
        mask &= frame[column] == value
    return frame[mask].head(200)


def search_rows(store: Store) -> list[Row]:
    """p95 of each search at 100,000 records with its speed-up over pandas on the same rows."""
    frame = store.execute(
        "select e.*, concat_ws(' ', e.summary, p.place_name) as haystack "
        "from evidence as e left join places as p on p.place_id = e.place_id"
    )
    rows = []
    for label, (text, filters) in SEARCHES.items():
        params = _params(text, filters)
        queries.run(store, "evidence_search", **params, max_rows=200)
        ours = samples_ms(lambda p=params: queries.run(store, "evidence_search", **p, max_rows=200), repeats=REPEATS)
        pandas_ms = median(samples_ms(lambda t=text, f=filters: _pandas(frame, t, f), repeats=5, budget_s=10))
        # The goal is on our p95; the speed-up compares like with like (median with median), so a noisy
        # moment counts against neither side.
        took, speedup = p95(ours), pandas_ms / median(ours)
        rows.append(
            Row(f"{label} p95 (median {median(ours):.1f} ms; pandas {pandas_ms:.0f} ms)", f"{took:.1f} ms",
                f"<= {GOAL_MS} ms", speedup, f">= {SPEEDUP_GOAL}x", took <= GOAL_MS and speedup >= SPEEDUP_GOAL)
        )  # fmt: skip
    return rows


def main() -> None:
    made = scale_store()
    store = open_store(db_path=made.db_path, store_dir=made.store_dir)
    total = store.execute("select count(*) as n from evidence")["n"].iloc[0]
    print(f"evidence records: {total:,} (of which 100,000 SYNTHETIC)")
    print_table("Target 6: ranked evidence search (ratio = pandas median / DuckDB median)", search_rows(store))


if __name__ == "__main__":
    main()
