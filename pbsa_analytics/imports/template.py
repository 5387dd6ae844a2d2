"""Downloadable templates for a monitoring return (CSV and XLSX), with the metric definitions."""

from __future__ import annotations

import csv
import io

import pandas as pd

LONG_COLUMNS = ["place", "period_start", "period_end", "metric", "value", "note"]


def template_csv(metrics: pd.DataFrame) -> bytes:
    """Long-layout CSV: guidance and a commented example row, then the header."""
    buffer = io.StringIO()
    buffer.write("# PBSA monitoring return. One row per place, period and metric. Lines starting with # are ignored.\n")
    buffer.write("# place: a place or partnership name. Dates: YYYY-MM-DD or DD/MM/YYYY.\n")
    buffer.write("# value: a whole number; leave it blank or write '-' if not known (never 0 for unknown).\n")
    for row in metrics.itertuples():
        buffer.write(f"# metric '{row.metric}' ({row.label}): {row.definition}\n")
    buffer.write("# example (not imported): Hartlepool,2022-01-01,2022-03-31,volunteers,12,example only\n")
    csv.writer(buffer, lineterminator="\n").writerow(LONG_COLUMNS)
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(metrics: pd.DataFrame) -> bytes:
    """Workbook: an empty 'return' sheet with the header, then 'guide' with definitions and an example."""
    buffer = io.BytesIO()
    example = pd.DataFrame(
        [["Hartlepool", "2022-01-01", "2022-03-31", "volunteers", 12, "example only: not on the return sheet"]],
        columns=LONG_COLUMNS,
    )
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame(columns=LONG_COLUMNS).to_excel(writer, sheet_name="return", index=False)
        metrics[["metric", "label", "definition", "unit"]].to_excel(writer, sheet_name="guide", index=False)
        example.to_excel(writer, sheet_name="guide", index=False, startrow=len(metrics) + 3)
    return buffer.getvalue()
