"""Timing helpers and one table format for every benchmark: measured value, goal, ratio and whether it is met."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def samples_ms(action: Callable[[], object], *, repeats: int, budget_s: float | None = None) -> list[float]:
    """Wall-clock milliseconds of each of `repeats` calls, stopping early (after 5) once budget_s is spent."""
    times: list[float] = []
    began = time.perf_counter()
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
        if budget_s is not None and len(times) >= 5 and time.perf_counter() - began > budget_s:
            break
    return times


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank), so a handful of samples still gives a real observed value."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def server_cpu_s(ports: list[int]) -> float:
    """CPU seconds (user + system) used so far by the `streamlit run` processes listening on these ports (Linux /proc);
    they are found by the --server.port in their command line, as they are not necessarily this process's children."""
    wanted = {str(port) for port in ports}
    total_ticks = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        words = [word.decode(errors="replace") for word in argv]
        ports_given = {words[i + 1] for i, word in enumerate(words[:-1]) if word == "--server.port"}
        if "streamlit" in words and ports_given & wanted:
            total_ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total_ticks / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    """Resident memory of this process in MB, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(frozen=True)
class Row:
    """One measured target: `ratio` is measured/baseline (or baseline/measured for speed-ups, see `higher`)."""

    target: str
    measured: str
    goal: str
    ratio: float | None = None
    ratio_goal: str = ""
    met: bool | None = None


def print_table(title: str, rows: list[Row]) -> None:
    """Measured value, goal, ratio and verdict side by side."""
    print(f"\n== {title}")
    print(f"{'target':<44}{'measured':>14}{'goal':>12}{'ratio':>9}{'ratio goal':>12}  met")
    for row in rows:
        ratio = f"{row.ratio:.1f}x" if row.ratio is not None else "-"
        verdict = {True: "yes", False: "NO", None: "-"}[row.met]
        print(f"{row.target:<44}{row.measured:>14}{row.goal:>12}{ratio:>9}{row.ratio_goal:>12}  {verdict}")
    met = [row.met for row in rows if row.met is not None]
    print(f"-- {sum(met)} of {len(met)} targets met")
