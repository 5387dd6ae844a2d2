"""Reporting periods: the choices a reader can make (phase, quarter, financial year, whole programme),
their URL tokens and labels, and how each metric's figures combine over the chosen period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pbsa_analytics.errors import PbsaError

# A phase is chosen by the phase column, not by dates: published periods run past the phase's end.
OPEN_START = date(1, 1, 1)
OPEN_END = date(9999, 12, 31)
FY_START_MONTH = 4
# A quarterly return is due within this many days of the quarter's end; later is "late".
DUE_DAYS = 30

RULE_TEXT = {
    "sum": "summed over the reported periods",
    "latest": "the latest reported period (people are not summed over periods: the same people recur)",
    "peak": "the highest single period (people are not summed over periods: the same people recur)",
}
RULE_SHORT = {"sum": "sum of periods", "latest": "latest period", "peak": "peak period"}
# The rule stated beside figures shown per reporting period or per quarter, without combining periods.
PER_PERIOD = "per period (not combined)"
PER_QUARTER = "per quarter (not combined)"
_TOKEN = re.compile(r"^(all|phase-(\d)|fy-(\d{4})|q-(\d{4})-(\d{2}))$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class UnknownPeriodError(PbsaError):
    """A period token that is not a phase, financial year, quarter or the whole programme."""


@dataclass(frozen=True)
class Period:
    """A window over the monitoring figures; `params()` binds it to the period-aware queries."""

    code: str
    label: str
    kind: str
    phase: int | None = None
    start: date = OPEN_START
    end: date = OPEN_END

    def params(self) -> dict[str, object]:
        return {"phase": self.phase, "window_start": self.start, "window_end": self.end}


WHOLE_PROGRAMME = Period(code="all", label="Whole programme", kind="all")


def phase_period(phase: int) -> Period:
    return Period(code=f"phase-{phase}", label=f"Phase {phase}", kind="phase", phase=phase)


def financial_year(year: int) -> Period:
    """UK financial year starting 1 April `year`."""
    return Period(
        code=f"fy-{year}",
        label=f"Financial year {year}/{str(year + 1)[-2:]}",
        kind="fy",
        start=date(year, FY_START_MONTH, 1),
        end=date(year + 1, FY_START_MONTH, 1) - timedelta(days=1),
    )


def quarter(year: int, month: int) -> Period:
    """The calendar quarter starting on the first of `month` (1, 4, 7 or 10)."""
    if month not in (1, 4, 7, 10):
        raise UnknownPeriodError(f"a quarter starts in January, April, July or October, not month {month}")
    start = date(year, month, 1)
    end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()
    return Period(code=f"q-{year}-{month:02d}", label=quarter_label(start), kind="quarter", start=start, end=end)


def quarter_label(start: date) -> str:
    return f"{_MONTHS[start.month - 1]}–{_MONTHS[start.month + 1]} {start.year}"


def parse_period(token: str) -> Period:
    """The period a URL token names: all, phase-2, fy-2023 (April 2023 – March 2024), q-2023-04."""
    match = _TOKEN.match(token or "")
    if not match:
        raise UnknownPeriodError(f"unknown period {token!r}: use all, phase-N, fy-YYYY or q-YYYY-MM")
    if match.group(2):
        return phase_period(int(match.group(2)))
    if match.group(3):
        return financial_year(int(match.group(3)))
    if match.group(4):
        return quarter(int(match.group(4)), int(match.group(5)))
    return WHOLE_PROGRAMME


def period_options(periods: pd.DataFrame) -> list[Period]:
    """Every choice the data supports: the whole programme, phases with figures, then financial years and
    quarters that wholly contain at least one reporting period (newest first)."""
    if periods.empty:
        return [WHOLE_PROGRAMME]
    start = pd.to_datetime(periods["period_start"])
    end = pd.to_datetime(periods["period_end"])
    quarters = start.dt.to_period("Q")
    in_quarter = end <= quarters.dt.end_time
    fy = start.dt.year - (start.dt.month < FY_START_MONTH)
    fy_end = pd.to_datetime((fy + 1).astype(str) + "-03-31")
    in_fy = end <= fy_end
    phases = sorted({int(p) for p in periods["phase"].dropna()})
    options = [WHOLE_PROGRAMME, *(phase_period(p) for p in phases)]
    options += [financial_year(int(y)) for y in sorted(set(fy[in_fy]), reverse=True)]
    starts = sorted(set(quarters[in_quarter].dt.start_time), reverse=True)
    options += [quarter(s.year, s.month) for s in starts]
    return options


def _format_one(start: pd.Timestamp, end: pd.Timestamp) -> str:
    if start.day == 1 and start.month in (1, 4, 7, 10) and end == start + pd.offsets.QuarterEnd(0):
        return quarter_label(start.date())
    if (start.year, start.month) == (end.year, end.month):
        return f"{_MONTHS[start.month - 1]} {start.year}"
    return f"{_MONTHS[start.month - 1]} {start.year} – {_MONTHS[end.month - 1]} {end.year}"


def period_label(start: pd.Series, end: pd.Series) -> pd.Series:
    """Readable labels ("Apr–Jun 2023", "Nov 2021 – Feb 2022"), formatted once per distinct period."""
    start, end = pd.to_datetime(start), pd.to_datetime(end)
    codes, uniques = pd.MultiIndex.from_arrays([start, end]).factorize()
    labels = np.array([_format_one(s, e) if pd.notna(s) and pd.notna(e) else "" for s, e in uniques] + [""])
    # factorize marks missing keys as -1, which picks the trailing "".
    return pd.Series(labels[codes], index=start.index, dtype=object)


def rule_statement(*, label: str, over_time: str, period: Period) -> str:
    """What a monitoring figure is: which period, and how its periods were combined."""
    return f"{label}: {period.label}, {RULE_TEXT[over_time]}; places summed."


def rules_caption(metrics: pd.DataFrame, period: Period) -> str:
    """One line naming the period and each metric's rule, for captions and exports."""
    rules = "; ".join(f"{row.label}: {RULE_SHORT[row.over_time]}" for row in metrics.itertuples())
    return f"Period: {period.label}. Periods combined per metric ({rules}); places summed."
