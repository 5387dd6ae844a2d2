"""Synthetic quarterly monitoring returns for the Phase 3 places: seeded, labelled, never the programme's data.

Each place gets one return file per quarter, as a partnership would send it, with a received date. A few
returns are missing, a few values are left blank (partial) and a few arrive late, so that every state of the
completeness grid and every period rule can be seen and tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pbsa_analytics.periods import DUE_DAYS

DEMO_AUTHOR = "synthetic demo generator"
DEMO_NOTE = "SYNTHETIC DEMO DATA: generated, not the programme's figures"
FILE_PREFIX = "synthetic-demo"
DEFAULT_SEED = 20240401
FIRST_QUARTER = date(2022, 4, 1)
QUARTERS = 8
MISSING_RETURN = 0.07
BLANK_VALUE = 0.05
LATE_RETURN = 0.15
# Typical quarterly scale per metric (median of a lognormal); each place gets its own multiple of it.
SCALE = {"volunteers": 30, "beneficiaries": 400, "activities": 25, "public_meetings": 6}


@dataclass(frozen=True)
class DemoReturn:
    """One place's return for one quarter, as the bytes of a CSV file, with the day it was received."""

    place_id: str
    period_start: date
    period_end: date
    received_on: date
    file_name: str
    data: bytes


def quarter_starts(first: date = FIRST_QUARTER, count: int = QUARTERS) -> list[date]:
    return [(pd.Timestamp(first) + pd.DateOffset(months=3 * i)).date() for i in range(count)]


def _quarter_end(start: date) -> date:
    return (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()


def _values(rng: np.random.Generator, *, place_scale: float, trend: float, step: int) -> dict[str, int | None]:
    values: dict[str, int | None] = {}
    for metric, scale in SCALE.items():
        level = scale * place_scale * (1 + trend) ** step
        value = round(float(rng.lognormal(np.log(level), 0.25)))
        values[metric] = None if rng.random() < BLANK_VALUE else max(value, 0)
    return values


def _csv(place_id: str, start: date, end: date, values: dict[str, int | None]) -> bytes:
    rows = pd.DataFrame(
        {
            "place": place_id,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "metric": list(values),
            "value": [None if v is None else v for v in values.values()],
            "note": DEMO_NOTE,
        }
    )
    rows["value"] = rows["value"].astype("Int64")
    return rows.to_csv(index=False, lineterminator="\n").encode("utf-8")


def quarterly_returns(
    *, place_ids: list[str], seed: int = DEFAULT_SEED, first: date = FIRST_QUARTER, quarters: int = QUARTERS
) -> list[DemoReturn]:
    """Every place's quarterly returns, in the order they were received; the same seed gives the same files."""
    rng = np.random.default_rng(seed)
    returns = []
    for place_id in sorted(place_ids):
        place_scale = float(rng.lognormal(0, 0.6))
        trend = float(rng.normal(0.03, 0.04))
        for step, start in enumerate(quarter_starts(first, quarters)):
            values = _values(rng, place_scale=place_scale, trend=trend, step=step)
            late = rng.random() < LATE_RETURN
            delay = int(rng.integers(DUE_DAYS + 5, DUE_DAYS + 60)) if late else int(rng.integers(5, DUE_DAYS))
            if rng.random() < MISSING_RETURN:
                continue
            end = _quarter_end(start)
            returns.append(
                DemoReturn(
                    place_id=place_id,
                    period_start=start,
                    period_end=end,
                    received_on=end + timedelta(days=delay),
                    file_name=f"{FILE_PREFIX}-{place_id}-{start:%Y-%m}.csv",
                    data=_csv(place_id, start, end, values),
                )
            )
    return sorted(returns, key=lambda r: (r.received_on, r.place_id))
