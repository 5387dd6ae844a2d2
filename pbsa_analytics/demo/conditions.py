"""Synthetic conditions self-assessments: three rounds for the Phase 3 places, seeded and labelled synthetic.

The published programme has no self-assessments. This set exists only so the /conditions page can be shown
and tested; it is written into a store folder the caller names, never into the default store, and the folder
is marked synthetic so every page that reads it says so.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

from pbsa_analytics import settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.conditions_scales import E1
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.imports.conditions import answer_rows
from pbsa_analytics.services import conditions as service
from pbsa_analytics.store import open_store
from pbsa_analytics.store.conditions import EntryKind

ROUNDS = ("2025-Q1", "2025-Q2", "2025-Q3")
DEFAULT_SEED = 2025
LABEL = "SYNTHETIC DEMO DATA"
HELP_NOTES = (
    "more volunteer time",
    "a named contact at the council",
    "a space we can use in the evenings",
    "small grants for new groups",
    "training for new organisers",
    "clearer language in our leaflets",
)
DEMO_PRINCIPAL = Principal(subject="synthetic-demo", display_name=LABEL, role=Role.FUNDER_ADMIN)


class DemoStoreError(PbsaError):
    """Synthetic data would end up where the programme's data lives."""


def _place_round_values(rng: random.Random, conditions: pd.DataFrame, *, base: dict[str, float], step: int) -> dict:
    """One place's answers in one round: each condition's chance of being in place drifts up a little per round."""
    values = {}
    for row in conditions.itertuples():
        chance = min(0.95, base[row.condition_id] + 0.08 * step)
        if rng.random() < 0.05:
            values[row.condition_id] = {}  # left unanswered, stored as missing
            continue
        note = f"[synthetic] would help: {rng.choice(HELP_NOTES)}" if rng.random() < 0.3 else None
        if row.framework == E1:
            draw = rng.random()
            answer = "yes" if draw < chance else ("not_sure" if draw < chance + 0.15 else "no")
            values[row.condition_id] = {"answer": answer, "note": note}
        else:
            rating = 1 + sum(rng.random() < chance for _ in range(3))
            values[row.condition_id] = {"rating": str(rating), "note": note}
    return values


def generate(
    *, conditions: pd.DataFrame, place_ids: list[str], seed: int = DEFAULT_SEED
) -> dict[tuple[str, str], dict]:
    """{(place_id, round): values} for every place and round, the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 (reproducible synthetic data, not security)
    rounds = {}
    for place_id in place_ids:
        base = {condition_id: rng.uniform(0.2, 0.8) for condition_id in conditions["condition_id"]}
        for step, round_id in enumerate(ROUNDS):
            rounds[(place_id, round_id)] = _place_round_values(rng, conditions, base=base, step=step)
    return rounds


def _refuse_default(store_dir: Path) -> None:
    default = Path(next(s.default for s in settings.SETTINGS if s.name == "PBSA_STORE_DIR"))
    if store_dir.resolve() == default.resolve():
        raise DemoStoreError(f"{store_dir} is the default store; load synthetic data into a separate --store-dir")


def load_demo(*, db_path: Path, store_dir: Path, seed: int = DEFAULT_SEED) -> int:
    """Write the synthetic rounds into store_dir through the conditions store; returns the number of saves.

    Refuses the default store and any folder that already holds non-synthetic self-assessments.
    """
    _refuse_default(store_dir)
    store = open_store(db_path=db_path, store_dir=store_dir)
    target = service.conditions_store(store)
    if target.entries() and not target.synthetic:
        raise DemoStoreError(f"{store_dir} already holds real self-assessments; use an empty folder")
    target.mark_synthetic(f"{LABEL}: seeded generator, seed {seed}")
    conditions = service.catalogue(store)
    place_ids = service.places(store, principal=DEMO_PRINCIPAL)["place_id"].tolist()
    saves = 0
    source = f"{LABEL} (seed {seed})"
    for (place_id, round_id), values in generate(conditions=conditions, place_ids=place_ids, seed=seed).items():
        if target.round_state(place_id=place_id, round_id=round_id).in_force is not None:
            continue  # loaded before: loading again changes nothing
        rows = answer_rows(conditions, values)
        target.save(place_id=place_id, round_id=round_id, kind=EntryKind.SUBMISSION, rows=rows, saved_by=LABEL,
                    source=source)  # fmt: skip
        saves += 1
    return saves
