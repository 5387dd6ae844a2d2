"""Target 3: query cost grows with rows, not with the number of imports.

The same SYNTHETIC rows (PLACES places × QUARTERS quarters × 4 metrics) are committed once as a single import and
once as IMPORTS small imports, each into its own store. The pages' monitoring queries then run on both; the ratio
of their summed medians (many / one) is the target (≤ 1.2). For the record, the same queries also run on the
per-query derivation the materialised table replaced (`monitoring_from_imports`, re-reading every import file),
and the one-off cost of materialising each store is printed. Run: .venv/bin/python -m benchmarks.bench_imports
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.report import Row, median, print_table, samples_ms
from benchmarks.scale_data import CACHE, METRICS, SOURCE, _places, quarters
from pbsa_analytics import queries, settings
from pbsa_analytics.periods import WHOLE_PROGRAMME, phase_period
from pbsa_analytics.store import Store, build_store, open_store
from pbsa_analytics.store.imports import ImportStore

PLACES = int(os.environ.get("PBSA_BENCH_IMPORT_PLACES", "2000"))
QUARTERS = 8
IMPORTS = int(os.environ.get("PBSA_BENCH_IMPORTS", "1000"))
REPEATS = 15
RATIO_GOAL = 1.2
PHASE_3 = phase_period(3).params()
WHOLE = WHOLE_PROGRAMME.params()
FOCUS = "synthetic_00042"
QUERIES: dict[str, dict] = {
    "monitoring_totals": PHASE_3,
    "monitoring_by_place": PHASE_3,
    "place_points": {"min_phase": 1, "regions": ["London", "North East"], "metric": "volunteers", **PHASE_3},
    "reporting_completeness": {**WHOLE, "due_days": 30, "received_ids": [], "received_on": []},
    "place_monitoring_series": {"place_id": FOCUS},
    "monitoring_all": {},
}


def _rows() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    places = np.repeat([f"synthetic_{n:05d}" for n in range(PLACES)], len(METRICS))
    metrics = np.tile(METRICS, PLACES)
    frames = []
    for start, end in quarters(QUARTERS):
        frames.append(pd.DataFrame({
            "place_id": places, "phase": 3, "period_start": start, "period_end": end, "metric": metrics,
            "value": rng.integers(0, 500, len(places)), "note": None, "source": SOURCE,
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _commit(store_dir: Path, parts: list[pd.DataFrame]) -> float:
    imports = ImportStore(store_dir)
    began = time.perf_counter()
    for part in parts:
        imports.commit(rows=part, original=b"SYNTHETIC", file_name="synthetic.csv", submitted_by="benchmark",
                       counts={"new": len(part)})  # fmt: skip
    return time.perf_counter() - began


def _stores(root: Path) -> tuple[Path, Path, float, float]:
    """The database (10,000 SYNTHETIC places) and two imports folders holding the same rows: one import, many."""
    if root.exists():
        shutil.rmtree(root)
    data = Path(shutil.copytree(settings.data_dir(), root / "data"))
    _places(data, np.random.default_rng(11))
    build_store(data_dir=data, db_path=root / "one.duckdb")
    shutil.copyfile(root / "one.duckdb", root / "many.duckdb")  # DuckDB binds one imports folder per file
    rows = _rows()
    one_s = _commit(root / "one", [rows])
    bounds = np.linspace(0, len(rows), IMPORTS + 1).astype(int)
    many_s = _commit(root / "many", [rows.iloc[a:b] for a, b in itertools.pairwise(bounds)])
    return root / "one", root / "many", one_s, many_s


def _query_ms(store: Store) -> tuple[dict[str, float], dict[str, pd.DataFrame]]:
    """Median ms of each query, and its result."""
    out, frames = {}, {}
    for name, params in QUERIES.items():
        run = lambda name=name, params=params: queries.run(store, name, **params)  # noqa: E731
        frames[name] = run()
        out[name] = median(samples_ms(run, repeats=REPEATS, budget_s=20))
    return out, frames


def _derived(store: Store) -> None:
    """Make this store answer as before the materialised table: every query re-derives the figures from the files
    (the store's own fallback for a folder it cannot write)."""
    store.current.ensure = lambda *_args, **_kwargs: None


def main() -> None:
    one_dir, many_dir, one_s, many_s = _stores(CACHE / "imports-bench")
    rows = PLACES * QUARTERS * len(METRICS)
    print(f"SYNTHETIC: {rows:,} rows committed as 1 import ({one_s:.1f} s) and as {IMPORTS:,} imports ({many_s:.1f} s)")
    results, before, answers = {}, {}, {}
    for label, folder in (("one", one_dir), ("many", many_dir)):
        store = open_store(db_path=folder.with_suffix(".duckdb"), store_dir=folder)
        began = time.perf_counter()
        store.refresh_current()
        materialise_ms = (time.perf_counter() - began) * 1000
        timings, answers[label] = _query_ms(store)
        results[label] = (materialise_ms, timings)
        _derived(store)
        before[label], derived = _query_ms(store)
        for name, frame in derived.items():
            pd.testing.assert_frame_equal(frame, answers[label][name])
        store.close()
    for name in QUERIES:
        pd.testing.assert_frame_equal(answers["one"][name].drop(columns="import_id", errors="ignore"),
                                      answers["many"][name].drop(columns="import_id", errors="ignore"))  # fmt: skip
    rows_out = []
    for name in QUERIES:
        one, many = results["one"][1][name], results["many"][1][name]
        rows_out.append(Row(f"{name} ({IMPORTS} imports / 1)", f"{many:.1f} ms", f"{one:.1f} ms", many / one,
                            f"<= {RATIO_GOAL}x", many / one <= RATIO_GOAL))  # fmt: skip
    one_total = sum(results["one"][1].values())
    many_total = sum(results["many"][1].values())
    rows_out.append(Row(f"all queries ({IMPORTS} imports / 1)", f"{many_total:.1f} ms", f"{one_total:.1f} ms",
                        many_total / one_total, f"<= {RATIO_GOAL}x", many_total / one_total <= RATIO_GOAL))  # fmt: skip
    for label in ("one", "many"):
        rows_out.append(Row(f"materialise once ({label})", f"{results[label][0]:.0f} ms", "-"))
    old_one, old_many = sum(before["one"].values()), sum(before["many"].values())
    rows_out.append(Row(f"before: derived per query ({IMPORTS} / 1)", f"{old_many:.1f} ms", f"{old_one:.1f} ms",
                        old_many / old_one, f"<= {RATIO_GOAL}x", old_many / old_one <= RATIO_GOAL))  # fmt: skip
    print_table(f"Target 3: {IMPORTS:,} imports cost <= {RATIO_GOAL}x one import of the same rows "
                "(goal column: the same query after one import)", rows_out)  # fmt: skip


if __name__ == "__main__":
    main()
