"""Evidence search at scale: the real store (~200 records) against 100,000 generated records.

Generated rows are SYNTHETIC, labelled as such in every field, and exist only in a temporary store.
Run: .venv/bin/python -m benchmarks.bench_evidence_search
"""

from __future__ import annotations

import csv
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from pbsa_analytics import queries, settings
from pbsa_analytics.store import build_store, open_store

ROWS = 100_000
REPEATS = 7
SEARCHES = {
    "one word": {"words": ["food"]},
    "two words": {"words": ["food", "parcels"]},
    "word + place": {"words": ["community"], "place_id": "hartlepool"},
    "filters only": {"outcome_id": "collaboration", "phase": 2},
}
VOCABULARY = [
    "community",
    "food",
    "parcels",
    "volunteers",
    "hub",
    "listening",
    "residents",
    "partnership",
    "council",
    "garden",
    "youth",
    "health",
    "training",
    "organising",
    "campaign",
    "network",
    "isolation",
    "wellbeing",
    "trust",
    "funding",
    "asset",
    "consultation",
]


def _write_synthetic(path: Path, *, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    place_ids = pd.read_csv(settings.data_dir() / "places.csv")["place_id"].tolist()
    outcomes = ["empowerment", "understanding", "collaboration", "coproduced_services", "influence", ""]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["evidence_id", "place_id", "phase", "outcome_id", "enabler_id", "typology_id", "summary", "source"]
        )
        for i in range(rows):
            words = " ".join(rng.choices(VOCABULARY, k=rng.randint(12, 30)))
            writer.writerow(
                [f"synthetic-{i}", rng.choice(place_ids), rng.choice([1, 2, 3]), rng.choice(outcomes), "", "",
                 f"SYNTHETIC benchmark record: {words}", "SYNTHETIC: generated for benchmarks only"]
            )  # fmt: skip


def _time(store, params: dict) -> float:
    full = {"words": [], "place_id": "", "phase": 0, "outcome_id": "", "enabler_id": "", "typology_id": ""}
    full.update(params)
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        queries.run(store, "evidence_search", **full, max_rows=200)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _pandas_baseline(frame: pd.DataFrame, words: list[str]) -> float:
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        mask = pd.Series(True, index=frame.index)
        lowered = frame["summary"].str.lower()
        for word in words:
            mask &= lowered.str.contains(word, regex=False)
        _ = frame[mask].head(200)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        real = open_store(db_path=build_store(data_dir=settings.data_dir(), db_path=scratch_dir / "real.duckdb"))
        data = Path(shutil.copytree(settings.data_dir(), scratch_dir / "data"))
        _write_synthetic(data / "evidence" / "zz_synthetic_benchmark.csv", rows=ROWS)
        big = open_store(db_path=build_store(data_dir=data, db_path=scratch_dir / "big.duckdb"))
        total = big.execute("select count(*) as n from evidence")["n"].iloc[0]
        frame = big.execute("select summary from evidence")
        print(f"evidence rows: real {real.execute('select count(*) as n from evidence')['n'].iloc[0]}, large {total}")
        print(f"{'search':<16}{'real ms':>10}{'100k ms':>10}{'ratio':>8}{'pandas 100k ms':>16}")
        for name, params in SEARCHES.items():
            small_ms, big_ms = _time(real, params), _time(big, params)
            baseline = _pandas_baseline(frame, params.get("words", [])) if params.get("words") else float("nan")
            print(f"{name:<16}{small_ms:>10.1f}{big_ms:>10.1f}{big_ms / small_ms:>8.1f}{baseline:>16.1f}")
        print("target: every 100k search under 300 ms (interactive)")


if __name__ == "__main__":
    main()
