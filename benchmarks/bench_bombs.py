"""Peak memory and time of refusing each hostile .xlsx, every file in its own fresh process.

The goal (issue 10): each is refused with one message in < 1 s and < 100 MB of extra memory. The files
are built in code (tests/hostile_xlsx.py) into a temporary folder; nothing is read from data/. For the
issue's own file the reader before the fix (from git history) is measured too, side by side.
Run: .venv/bin/python -m benchmarks.bench_bombs
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from pbsa_analytics import settings
from tests.hostile_xlsx import BOMBS

TIME_GOAL_S = 1.0
MEMORY_GOAL_MB = 100
BEFORE_COMMIT = "29437c8"  # main before the work on issues 9-15 (issue 10 fixed the reader)

# Runs in a child so each measurement starts from the same baseline (ru_maxrss never goes down).
CHILD = """
import json, resource, sys, time, types
path, before = sys.argv[1], sys.argv[2] == "before"
if before:
    module = sys.modules["old_reading"] = types.ModuleType("old_reading")
    exec(compile(sys.stdin.read(), "old_reading.py", "exec"), module.__dict__)
    read = lambda data: module.read_table(data, file_name="bomb.xlsx", max_bytes=10**8)
else:
    from pbsa_analytics.imports.reading import ReadLimits, read_table
    read = lambda data: read_table(data, file_name="bomb.xlsx", limits=ReadLimits(max_bytes=10**8))
data = open(path, "rb").read()
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    table = read(data)
    outcome = f"ACCEPTED ({len(table.rows)} rows x {len(table.header)} columns)"
except Exception as error:
    outcome = f"{type(error).__name__}: {error}"
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "extra_mb": (peak - baseline) / 1024, "outcome": outcome}))
"""


def _measure(path: Path, *, before: bool) -> dict:
    source = ""
    if before:
        source = subprocess.run(["git", "show", f"{BEFORE_COMMIT}:pbsa_analytics/imports/reading.py"],  # noqa: S603, S607
                                capture_output=True, text=True, check=True, cwd=settings.REPO_ROOT).stdout  # fmt: skip
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), "before" if before else "after"], input=source,  # noqa: S603
                         capture_output=True, text=True, check=True, cwd=settings.REPO_ROOT)  # fmt: skip
    return json.loads(out.stdout)


def main() -> None:
    print(f"hostile .xlsx refused: goal < {TIME_GOAL_S} s and < {MEMORY_GOAL_MB} MB extra peak RSS each")
    print(f"{'file':26} {'size':>9} {'time':>7} {'extra RSS':>10}  goal  message")
    with tempfile.TemporaryDirectory() as scratch:
        for number, (name, make) in enumerate(BOMBS.items()):
            path = Path(scratch) / f"{number}.xlsx"
            path.write_bytes(make())
            runs = [("after", _measure(path, before=False))]
            if number == 0:
                runs.insert(0, ("before", _measure(path, before=True)))
            for label, result in runs:
                ok = result["seconds"] < TIME_GOAL_S and result["extra_mb"] < MEMORY_GOAL_MB
                ok = ok and not result["outcome"].startswith("ACCEPTED")
                title = f"{name} ({label})" if number == 0 else name
                print(f"{title:26} {path.stat().st_size:>9,} {result['seconds']:>6.2f}s {result['extra_mb']:>8.1f}MB  "
                      f"{'met ' if ok else 'MISS'}  {result['outcome'][:70]}")  # fmt: skip


if __name__ == "__main__":
    main()
