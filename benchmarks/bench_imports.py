"""Target 3: query cost grows with rows, not with the number of imports.

The same SYNTHETIC rows (PLACES places × QUARTERS quarters × 4 metrics) are committed once as a single import and
as IMPORTS small imports, each into its own store: "many" compacted as the import path does it (a segment every
PBSA_COMPACT_AFTER_IMPORTS loose imports), "loose" never compacted. The pages' monitoring queries then run on all
three; the ratio of their summed medians (many / one) is the target (≤ 1.2). For the record, the same queries also
run on the per-query derivation the materialised table replaced (`monitoring_from_imports`, re-reading every import
file), and the one-off cost of materialising each store is printed. Run: .venv/bin/python -m benchmarks.bench_imports
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


def _commit(store_dir: Path, parts: list[pd.DataFrame], *, compact_after: int = 0) -> float:
    """Commit each part as one import; with `compact_after`, fold the loose imports as the import service does."""
    imports = ImportStore(store_dir)
    began = time.perf_counter()
    for part in parts:
        imports.commit(rows=part, original=b"SYNTHETIC", file_name="synthetic.csv", submitted_by="benchmark",
                       counts={"new": len(part)})  # fmt: skip
        if compact_after and imports.loose_count() >= compact_after:
            imports.compact(at_least=compact_after)
    return time.perf_counter() - began


LABELS = ("one", "many", "loose")


def _stores(root: Path) -> dict[str, float]:
    """The database (PLACES SYNTHETIC places) and three imports folders holding the same rows: one import, many
    compacted as they arrive, many never compacted; returns the seconds each took to commit.

    Made once per generator and store-code version; the materialised tables are removed so each run makes them.
    """
    if (root / "done").exists():
        for label in LABELS:
            shutil.rmtree(root / label / "current", ignore_errors=True)
        return dict(zip(LABELS, map(float, (root / "done").read_text().split()), strict=True))
    shutil.rmtree(root, ignore_errors=True)
    data = Path(shutil.copytree(settings.data_dir(), root / "data"))
    _places(data, np.random.default_rng(11))
    build_store(data_dir=data, db_path=root / "one.duckdb")
    for label in LABELS[1:]:
        shutil.copyfile(root / "one.duckdb", root / f"{label}.duckdb")  # DuckDB binds one imports folder per file
    rows = _rows()
    bounds = np.linspace(0, len(rows), IMPORTS + 1).astype(int)
    parts = [rows.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    seconds = {
        "one": _commit(root / "one", [rows]),
        "many": _commit(root / "many", parts, compact_after=settings.int_setting("PBSA_COMPACT_AFTER_IMPORTS")),
        "loose": _commit(root / "loose", parts),
    }
    (root / "done").write_text(" ".join(str(seconds[label]) for label in LABELS))
    return seconds


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
    root = CACHE / f"imports-{PLACES}-{IMPORTS}-{_fingerprint()}"
    seconds = _stores(root)
    rows = PLACES * QUARTERS * len(METRICS)
    print(
        f"SYNTHETIC: {rows:,} rows committed as 1 import ({seconds['one']:.1f} s), as {IMPORTS:,} imports compacted "
        f"as they arrive ({seconds['many']:.1f} s) and as {IMPORTS:,} loose imports ({seconds['loose']:.1f} s)"
    )
    stores = {label: open_store(db_path=root / f"{label}.duckdb", store_dir=root / label) for label in LABELS}
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
    # The last two rows derive the figures per query: the design the materialised table replaced, and still what the
    # store does when it cannot write its folder (full or read-only disk). Target 3 does not hold in that degraded
    # mode; the rows show by how much, and are not counted as targets.
    timings = (("after: all queries, compacted", after, "many", True), ("after: all queries, never compacted", after,
               "loose", True), ("fallback, folder not writable: compacted", before, "many", False),
               ("fallback, folder not writable: never compacted", before, "loose", False))  # fmt: skip
    for title, timed, label, is_target in timings:
        one, many = sum(timed["one"].values()), sum(timed[label].values())
        goal, met = (f"<= {RATIO_GOAL}x", many / one <= RATIO_GOAL) if is_target else ("(fallback)", None)
        rows_out.append(Row(f"{title} ({IMPORTS} / 1)", f"{many:.1f} ms", f"{one:.1f} ms", many / one, goal, met))
    for label in stores:
        rows_out.append(Row(f"materialise once ({label})", f"{materialise[label]:.0f} ms", "-"))
    print_table(f"Target 3: {IMPORTS:,} imports cost <= {RATIO_GOAL}x one import of the same rows "
                "(goal column: the same query after one import)", rows_out)  # fmt: skip


if __name__ == "__main__":
    main()
