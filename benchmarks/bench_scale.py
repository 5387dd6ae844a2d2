"""Scale: the real store against 10,000 places with four years of quarterly returns (640,000 values).

Every generated place, alias, typology mark and figure is SYNTHETIC, labelled so in its source, and exists
only in a temporary folder. Run: .venv/bin/python -m benchmarks.bench_scale
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

from pbsa_analytics import queries, settings
from pbsa_analytics.store import build_store, open_store

PLACES = 10_000
YEARS = range(2022, 2026)
REPEATS = 5
SOURCE = "SYNTHETIC: generated for benchmarks only"
REGIONS = ["North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West"]  # fmt: skip
TYPOLOGIES = ["advocacy_social_movements", "befriending_helping", "community_asset_ownership", "community_organising",
              "cooperatively_owned_services", "co_production", "formal_volunteering", "peer_support_learning",
              "time_credits"]  # fmt: skip
METRICS = ["volunteers", "beneficiaries", "activities", "public_meetings"]


def _append(path: Path, rows: list[dict]) -> None:
    existing = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.concat([existing, pd.DataFrame(rows)], ignore_index=True).to_csv(path, index=False)


def _synthetic_data(data: Path, rng: random.Random) -> list[str]:
    ids = [f"synthetic_{n:05d}" for n in range(PLACES)]
    _append(data / "places.csv", [
        {"place_id": i, "place_name": f"Synthetic place {n}", "local_authority": "", "lad_code": "", "lad_year": "",
         "region": rng.choice(REGIONS), "latitude": round(rng.uniform(50.5, 54.9), 4),
         "longitude": round(rng.uniform(-4.5, 1.5), 4), "scale": "", "summary": "Synthetic benchmark place.",
         "source": SOURCE, "location_source": SOURCE}
        for n, i in enumerate(ids)
    ])  # fmt: skip
    _append(data / "place_aliases.csv", [{"place_id": i, "alias": i, "source": SOURCE} for i in ids])
    participation = []
    for i in ids:
        furthest = rng.choice([1, 2, 3])
        participation += [
            {"place_id": i, "phase": p, "status": "took_part", "source": SOURCE} for p in range(1, furthest + 1)
        ]
    _append(data / "phase_participation.csv", participation)
    _append(data / "table3_planned_typologies.csv", [
        {"place_id": i, "table_row_label": i, "typology_id": t, "source": SOURCE}
        for i in ids for t in rng.sample(TYPOLOGIES, rng.randint(2, 7))
    ])  # fmt: skip
    return ids


def _quarterly_imports(store, ids: list[str], rng: random.Random) -> int:
    total = 0
    for year in YEARS:
        for month in (1, 4, 7, 10):
            start, end = date(year, month, 1), date(year, month + 2, 30 if month + 2 in (6, 9) else 31)
            rows = pd.DataFrame(
                [{"place_id": i, "phase": 3, "period_start": start, "period_end": end, "metric": m,
                  "value": rng.randint(0, 500), "note": None, "source": SOURCE} for i in ids for m in METRICS]
            )  # fmt: skip
            store.imports.commit(rows=rows, original=b"synthetic", file_name="synthetic.csv",
                                 submitted_by="benchmark", counts={"new": len(rows)})  # fmt: skip
            total += len(rows)
    return total


QUERIES = {
    "map points": ("place_points", {"min_phase": 1, "regions": REGIONS, "metric": "volunteers"}),
    "phase 3 totals": ("monitoring_totals", {"phase": 3}),
    "typology matrix": ("typology_matrix", {"phase": 1}),
    "monitoring by place": ("monitoring_by_place", {"phase": 3}),
    "completeness": ("reporting_completeness", {}),
    "one place's series": ("place_monitoring_series", {"place_id": "hartlepool"}),
}


def _time(store, name: str, params: dict) -> float:
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        queries.run(store, name, **params)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        real = open_store(db_path=build_store(data_dir=settings.data_dir(), db_path=root / "real.duckdb"),
                          store_dir=root / "real-imports")  # fmt: skip
        data = Path(shutil.copytree(settings.data_dir(), root / "data"))
        ids = _synthetic_data(data, rng)
        big = open_store(
            db_path=build_store(data_dir=data, db_path=root / "big.duckdb"), store_dir=root / "big-imports"
        )
        values = _quarterly_imports(big, ids, rng)
        places = big.execute("select count(*) as n from places")["n"].iloc[0]
        print(f"large store: {places} places, {values} imported values in {len(big.imports.records())} imports")
        print(f"{'query':<22}{'real ms':>10}{'large ms':>10}{'ratio':>8}")
        for label, (name, params) in QUERIES.items():
            small_ms, big_ms = _time(real, name, params), _time(big, name, params)
            print(f"{label:<22}{small_ms:>10.1f}{big_ms:>10.1f}{big_ms / small_ms:>8.1f}")
        print("target: every query under 1,000 ms on the large store (interactive)")


if __name__ == "__main__":
    main()
