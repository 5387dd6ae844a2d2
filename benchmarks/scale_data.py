"""SYNTHETIC stores for benchmarks: 10,000 places × 40 quarters × 4 metrics and 100,000 evidence records.

Every generated place, alias, typology mark, figure and evidence record is labelled SYNTHETIC in its source
and lives only under build/bench-cache/ (git-ignored), never in data/. The folder is keyed by a hash of this
generator and the store code, so a rerun of `make bench` reuses it and any change to either rebuilds it.
"""

from __future__ import annotations

import csv
import hashlib
import random
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from pbsa_analytics import settings
from pbsa_analytics.store import build_store
from pbsa_analytics.store.imports import ImportStore

PLACES = 10_000
QUARTERS = 40
EVIDENCE_ROWS = 100_000
# Cited like any source (a document of the sources table), so pages render their captions at scale.
SOURCE = "synthetic_benchmark: SYNTHETIC, generated for benchmarks only"
SOURCE_ROW = {"document_id": "synthetic_benchmark", "file_name": "", "author": "SYNTHETIC", "year": "",
              "title": "SYNTHETIC benchmark data", "short_title": "SYNTHETIC benchmark data", "kind": "dataset",
              "source": SOURCE}  # fmt: skip
REGIONS = ["North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West"]  # fmt: skip
TYPOLOGIES = ["advocacy_social_movements", "befriending_helping", "community_asset_ownership", "community_organising",
              "cooperatively_owned_services", "co_production", "formal_volunteering", "peer_support_learning",
              "time_credits"]  # fmt: skip
METRICS = ["volunteers", "beneficiaries", "activities", "public_meetings"]
# Words with their inflections, so stemming has something to find (parcel/parcels, volunteer/volunteering).
VOCABULARY = ["community", "communities", "food", "parcel", "parcels", "volunteer", "volunteers", "volunteering",
              "hub", "listening", "residents", "partnership", "council", "garden", "gardening", "youth", "health",
              "training", "organising", "campaign", "network", "isolation", "wellbeing", "trust", "funding",
              "asset", "consultation", "kitchen", "library", "transport"]  # fmt: skip
CACHE = settings.REPO_ROOT / "build" / "bench-cache"


@dataclass(frozen=True)
class ScaleStore:
    db_path: Path
    store_dir: Path
    data_dir: Path


def _append(path: Path, frame: pd.DataFrame) -> None:
    existing = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.concat([existing, frame.astype(str)], ignore_index=True).to_csv(path, index=False)


def _places(data: Path, rng: np.random.Generator) -> list[str]:
    ids = [f"synthetic_{n:05d}" for n in range(PLACES)]
    _append(data / "sources.csv", pd.DataFrame([SOURCE_ROW]))
    _append(data / "places.csv", pd.DataFrame({
        "place_id": ids, "place_name": [f"Synthetic place {n}" for n in range(PLACES)], "local_authority": "",
        "lad_code": "", "lad_year": "", "region": rng.choice(REGIONS, PLACES),
        "latitude": rng.uniform(50.5, 54.9, PLACES).round(4), "longitude": rng.uniform(-4.5, 1.5, PLACES).round(4),
        "scale": "", "summary": "Synthetic benchmark place.", "source": SOURCE, "location_source": SOURCE,
    }))  # fmt: skip
    _append(data / "place_aliases.csv", pd.DataFrame({"place_id": ids, "alias": ids, "source": SOURCE}))
    furthest = rng.integers(1, 4, PLACES)
    _append(data / "phase_participation.csv", pd.DataFrame(
        [{"place_id": i, "phase": p, "status": "took_part", "source": SOURCE}
         for i, top in zip(ids, furthest, strict=True) for p in range(1, top + 1)]
    ))  # fmt: skip
    marks = [(i, t) for i in ids for t in rng.choice(TYPOLOGIES, rng.integers(2, 8), replace=False)]
    _append(data / "table3_planned_typologies.csv", pd.DataFrame(
        [{"place_id": i, "table_row_label": i, "typology_id": t, "source": SOURCE} for i, t in marks]
    ))  # fmt: skip
    return ids


def _evidence(path: Path, *, place_ids: list[str], rows: int) -> None:
    rng = random.Random(7)
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
                 f"SYNTHETIC benchmark record: {words}", SOURCE]
            )  # fmt: skip


def quarters(count: int) -> list[tuple[date, date]]:
    """The last `count` calendar quarters up to the end of 2025, oldest first."""
    ends = pd.period_range(end="2025Q4", periods=count, freq="Q")
    return [(q.start_time.date(), q.end_time.date()) for q in ends]


def _imports(store_dir: Path, ids: list[str], rng: np.random.Generator) -> int:
    imports = ImportStore(store_dir)
    places = np.repeat(ids, len(METRICS))
    metrics = np.tile(METRICS, len(ids))
    total = 0
    for start, end in quarters(QUARTERS):
        rows = pd.DataFrame({
            "place_id": places, "phase": 3, "period_start": start, "period_end": end, "metric": metrics,
            "value": rng.integers(0, 500, len(places)), "note": None, "source": SOURCE,
        })  # fmt: skip
        imports.commit(rows=rows, original=b"SYNTHETIC", file_name="synthetic.csv",
                       submitted_by="benchmark", counts={"new": len(rows)})  # fmt: skip
        total += len(rows)
    return total


def _fingerprint() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    store_code = settings.REPO_ROOT / "pbsa_analytics" / "store"
    for path in sorted([*store_code.rglob("*.py"), *store_code.rglob("*.sql")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def scale_store() -> ScaleStore:
    """The large SYNTHETIC store, generated once per generator and store-code version."""
    root = CACHE / f"scale-{_fingerprint()}"
    made = ScaleStore(db_path=root / "pbsa.duckdb", store_dir=root / "imports", data_dir=root / "data")
    if (root / "done").exists():
        return made
    shutil.rmtree(CACHE, ignore_errors=True)  # older versions are stale
    data = Path(shutil.copytree(settings.data_dir(), made.data_dir))
    rng = np.random.default_rng(11)
    ids = _places(data, rng)
    _evidence(data / "evidence" / "zz_synthetic_benchmark.csv", place_ids=ids, rows=EVIDENCE_ROWS)
    build_store(data_dir=data, db_path=made.db_path)
    _imports(made.store_dir, ids, rng)
    (root / "done").write_text("ok")
    return made


def real_store(scratch: Path) -> ScaleStore:
    """The programme's own data, built into a scratch folder."""
    made = ScaleStore(db_path=scratch / "real.duckdb", store_dir=scratch / "real-imports", data_dir=settings.data_dir())
    build_store(data_dir=made.data_dir, db_path=made.db_path)
    return made
