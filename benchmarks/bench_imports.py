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
from benchmarks.scale_data import METRICS, SOURCE, _fingerprint, _places, quarters
from pbsa_analytics import queries, settings
from pbsa_analytics.periods import WHOLE_PROGRAMME, phase_period
from pbsa_analytics.store import Store, build_store, open_store
from pbsa_analytics.store.imports import ImportStore

PLACES = int(os.environ.get("PBSA_BENCH_IMPORT_PLACES", "2000"))
QUARTERS = 8
# Its own folder: scale_data clears build/bench-cache/ when it regenerates.
CACHE = settings.REPO_ROOT / "build" / "bench-imports"
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
    """The database (10,000 SYNTHETIC places) and two imports folders holding the same rows: one import, many.

    Made once per generator and store-code version; the materialised tables are removed so each run makes them.
    """
    if (root / "done").exists():
        for label in ("one", "many"):
            shutil.rmtree(root / label / "current", ignore_errors=True)
        timings = (root / "done").read_text().split()
        return root / "one", root / "many", float(timings[0]), float(timings[1])
    shutil.rmtree(root, ignore_errors=True)
    data = Path(shutil.copytree(settings.data_dir(), root / "data"))
    _places(data, np.random.default_rng(11))
    build_store(data_dir=data, db_path=root / "one.duckdb")
    shutil.copyfile(root / "one.duckdb", root / "many.duckdb")  # DuckDB binds one imports folder per file
    rows = _rows()
    one_s = _commit(root / "one", [rows])
    bounds = np.linspace(0, len(rows), IMPORTS + 1).astype(int)
    many_s = _commit(root / "many", [rows.iloc[a:b] for a, b in itertools.pairwise(bounds)])
    (root / "done").write_text(f"{one_s} {many_s}")
    return root / "one", root / "many", one_s, many_s


def _query_ms(stores: dict[str, Store]) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, pd.DataFrame]]]:
    """Median ms of each query on each store, samples interleaved so a busy machine slows both alike; and results."""
    times: dict[str, dict[str, list[float]]] = {label: {} for label in stores}
    frames: dict[str, dict[str, pd.DataFrame]] = {label: {} for label in stores}
    for name, params in QUERIES.items():
        for label, store in stores.items():
            frames[label][name] = queries.run(store, name, **params)
        for _ in range(REPEATS):
            for label, store in stores.items():
                run = lambda store=store, name=name, params=params: queries.run(store, name, **params)  # noqa: E731
                times[label].setdefault(name, []).extend(samples_ms(run, repeats=1))
    return {label: {n: median(t) for n, t in by.items()} for label, by in times.items()}, frames


def _derived(store: Store) -> None:
    """Make this store answer as before the materialised table: every query re-derives the figures from the files
    (the store's own fallback for a folder it cannot write)."""
    store.current.ensure = lambda *_args, **_kwargs: None


def main() -> None:
    one_dir, many_dir, one_s, many_s = _stores(CACHE / f"imports-{PLACES}-{IMPORTS}-{_fingerprint()}")
    rows = PLACES * QUARTERS * len(METRICS)
    print(f"SYNTHETIC: {rows:,} rows committed as 1 import ({one_s:.1f} s) and as {IMPORTS:,} imports ({many_s:.1f} s)")
    stores = {label: open_store(db_path=folder.with_suffix(".duckdb"), store_dir=folder)
              for label, folder in (("one", one_dir), ("many", many_dir))}  # fmt: skip
    materialise = {}
    for label, store in stores.items():
        began = time.perf_counter()
        store.refresh_current()
        materialise[label] = (time.perf_counter() - began) * 1000
    after, answers = _query_ms(stores)
    for store in stores.values():
        _derived(store)
    before, derived = _query_ms(stores)
    for label in stores:
        for name in QUERIES:
            pd.testing.assert_frame_equal(derived[label][name], answers[label][name])
            pd.testing.assert_frame_equal(answers["one"][name].drop(columns="import_id", errors="ignore"),
                                          answers[label][name].drop(columns="import_id", errors="ignore"))  # fmt: skip
    for store in stores.values():
        store.close()
    rows_out = []
    for name in QUERIES:
        one, many = after["one"][name], after["many"][name]
        rows_out.append(Row(f"{name} ({IMPORTS} imports / 1)", f"{many:.1f} ms", f"{one:.1f} ms", many / one,
                            f"<= {RATIO_GOAL}x", many / one <= RATIO_GOAL))  # fmt: skip
    for title, timed in (("after: all queries", after), ("before: derived per query", before)):
        one, many = sum(timed["one"].values()), sum(timed["many"].values())
        rows_out.append(Row(f"{title} ({IMPORTS} / 1)", f"{many:.1f} ms", f"{one:.1f} ms", many / one,
                            f"<= {RATIO_GOAL}x", many / one <= RATIO_GOAL))  # fmt: skip
    for label in stores:
        rows_out.append(Row(f"materialise once ({label})", f"{materialise[label]:.0f} ms", "-"))
    print_table(f"Target 3: {IMPORTS:,} imports cost <= {RATIO_GOAL}x one import of the same rows "
                "(goal column: the same query after one import)", rows_out)  # fmt: skip


if __name__ == "__main__":
    main()
