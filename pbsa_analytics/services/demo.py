"""Load the synthetic demo returns into a separate store through the normal import service."""

from __future__ import annotations

from pathlib import Path

from pbsa_analytics import queries, settings
from pbsa_analytics.demo.returns import DEFAULT_SEED, DEMO_AUTHOR, quarterly_returns
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store
from pbsa_analytics.store.imports import ImportRecord

DEMO_PHASE = 3


class DemoStoreError(PbsaError):
    """The demo would be written where the programme's own imports live, or on top of other imports."""


def check_demo_target(store_dir: Path) -> None:
    """Refuse the programme's default imports folder and any folder that already holds imports."""
    default = Path(next(s.default for s in settings.SETTINGS if s.name == "PBSA_STORE_DIR"))
    if store_dir.resolve() == default.resolve():
        raise DemoStoreError(
            f"{store_dir} is the programme's imports folder; synthetic data goes into a separate one "
            "(e.g. var/demo-store)"
        )
    # Loose imports, or imports already folded into segments by compaction.
    held = [store_dir / "imports", store_dir / "segments"]
    if any(folder.is_dir() and any(folder.glob("*.json")) for folder in held):
        raise DemoStoreError(f"{store_dir} already holds imports; delete it or choose an empty folder")


def load_demo(store: Store, *, seed: int = DEFAULT_SEED) -> list[ImportRecord]:
    """Two years of seeded quarterly returns for the Phase 3 places, each a real import with history."""
    check_demo_target(store.imports.root)
    place_ids = queries.run(store, "cohort_place_ids", phase=DEMO_PHASE)["place_id"].tolist()
    records = []
    for demo_return in quarterly_returns(place_ids=place_ids, seed=seed):
        records.append(
            monitoring.import_file(
                store,
                data=demo_return.data,
                file_name=demo_return.file_name,
                replace=False,
                submitted_by=DEMO_AUTHOR,
                received_on=demo_return.received_on,
            )
        )
    return records
