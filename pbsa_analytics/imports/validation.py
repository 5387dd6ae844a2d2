"""Validate a monitoring return row by row; every problem names the spreadsheet row and column."""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from pbsa_analytics.imports.reading import RawTable

FOOTNOTE = re.compile(r"\*+$")
MISSING_MARKS = {"", "-", "–", "—", "n/a", "na"}
TOTAL_LABELS = {"total", "totals", "grand total"}
KEY = ["place_id", "period_start", "period_end", "metric"]
SOURCE_PREFIX = "monitoring return"
DATE_HINT = "use YYYY-MM-DD, DD/MM/YYYY or a month such as Nov 2021"
# Far above any real count, far below the store's 64-bit integers: bigger numbers are typing slips.
MAX_VALUE = 10**12

# Columns our own export adds for readers; an exported file can be imported again as it is.
INFORMATIONAL = {
    "place name", "phase", "period basis", "metric label", "over time", "rule", "source", "citation", "import id"
}  # fmt: skip

HEADER_SYNONYMS = {
    "place": {"place", "place id", "place name", "partnership", "partnership name", "area", "location"},
    "period_start": {"period start", "start", "from", "period from", "start date", "period start date"},
    "period_end": {"period end", "end", "to", "period to", "end date", "period end date"},
    "metric": {"metric", "measure", "indicator"},
    "value": {"value", "figure", "count", "number"},
    "note": {"note", "notes", "comment", "comments"},
}


def normalise(text: str) -> str:
    """Lower case, footnote marks dropped, punctuation and repeated spaces folded."""
    text = FOOTNOTE.sub("", text.strip())
    return re.sub(r"[\s_\-/]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class ReferenceData:
    """What validation checks against: place names, metrics and phase dates."""

    place_by_name: dict[str, str]
    metric_by_name: dict[str, str]
    phases: list[tuple[int, date, date]]
    place_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, *, aliases: pd.DataFrame, partnerships: pd.DataFrame, metrics: pd.DataFrame, phases: pd.DataFrame):
        """aliases: place_id, alias; partnerships: place_id, place_name, name; metrics: metric, label."""
        place_by_name = {normalise(a): p for p, a in zip(aliases["place_id"], aliases["alias"], strict=True)}
        for row in partnerships.itertuples():
            place_by_name.setdefault(normalise(row.name), row.place_id)
            # "Partnership (Place)" is how the reports write them.
            place_by_name.setdefault(normalise(f"{row.name} ({row.place_name})"), row.place_id)
        metric_by_name = {}
        for row in metrics.itertuples():
            for name in (row.metric, row.label):
                metric_by_name[normalise(name)] = row.metric
        return cls(
            place_by_name=place_by_name,
            metric_by_name=metric_by_name,
            phases=[(int(r.phase), _as_date(r.start_date), _as_date(r.end_date)) for r in phases.itertuples()],
            place_names=dict(zip(partnerships["place_id"], partnerships["place_name"], strict=False)),
        )


def _as_date(value: object) -> date:
    return pd.Timestamp(value).date()


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message}"


@dataclass
class Validated:
    """Clean tidy rows, or the problems that stop the file; nothing partial is ever written."""

    rows: pd.DataFrame
    problems: list[Problem]
    total_rows: list[int] = field(default_factory=list)
    layout: str = "long"

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Columns:
    place: int
    period_start: int
    period_end: int
    note: int | None
    metric: int | None = None
    value: int | None = None
    metric_columns: dict[int, str] = field(default_factory=dict)


def _match_columns(header: list[str], reference: ReferenceData) -> tuple[Columns | None, list[Problem]]:
    roles: dict[str, int] = {}
    metric_columns: dict[int, str] = {}
    problems: list[Problem] = []
    for index, name in enumerate(header):
        key = normalise(name)
        if not key:
            continue
        role = next((r for r, names in HEADER_SYNONYMS.items() if key in names or key == r.replace("_", " ")), None)
        if role and role not in roles:
            roles[role] = index
        elif key in INFORMATIONAL or role:
            continue
        elif key in reference.metric_by_name and key not in HEADER_SYNONYMS["value"]:
            metric_columns[index] = reference.metric_by_name[key]
        else:
            problems.append(Problem(1, name, "unknown column; expected place, period start, period end, "
                                    "metric and value (or one column per metric), and optionally note"))  # fmt: skip
    for required in ("place", "period_start", "period_end"):
        if required not in roles:
            label = required.replace("_", " ")
            problems.append(Problem(1, label, f"missing column '{label}'"))
    long_layout = "metric" in roles or "value" in roles
    if long_layout and not {"metric", "value"} <= set(roles):
        missing = "value" if "metric" in roles else "metric"
        problems.append(Problem(1, missing, f"missing column '{missing}' (a long layout needs metric and value)"))
    if not long_layout and not metric_columns:
        problems.append(Problem(1, "metric", "no metric columns: add metric and value, or a column per metric"))
    if long_layout and metric_columns:
        problems.append(Problem(1, header[next(iter(metric_columns))], "mixes a metric column with metric/value"))
    if problems:
        return None, problems
    return (
        Columns(
            place=roles["place"],
            period_start=roles["period_start"],
            period_end=roles["period_end"],
            note=roles.get("note"),
            metric=roles.get("metric"),
            value=roles.get("value"),
            metric_columns=metric_columns,
        ),
        [],
    )


def _parse_date(text: str, *, end: bool) -> date | None:
    cleaned = FOOTNOTE.sub("", text.strip())
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    for fmt in ("%b %Y", "%B %Y", "%Y-%m", "%m/%Y"):
        try:
            first = datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        if end:
            return first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return first
    return None


def _parse_value(text: str) -> tuple[int | None, str, str | None]:
    """(value or None for missing, footnote marks, error message)."""
    marks = FOOTNOTE.search(text.strip())
    mark_text = marks.group(0) if marks else ""
    cleaned = FOOTNOTE.sub("", text.strip()).strip()
    if cleaned.lower() in MISSING_MARKS:
        return None, mark_text, None
    digits = cleaned.replace(",", "").replace(" ", "")
    whole = re.fullmatch(r"(\d+)(?:\.0+)?", digits)
    if whole and (("," not in cleaned) or re.fullmatch(r"\d{1,3}(,\d{3})+(\.0+)?", cleaned)):
        if len(whole.group(1)) > len(str(MAX_VALUE)) or int(whole.group(1)) > MAX_VALUE:
            return None, mark_text, f"{cleaned[:30]!r} is larger than {MAX_VALUE:,}; check the figure"
        return int(whole.group(1)), mark_text, None
    return None, mark_text, f"'{text}' is not a whole number of 0 or more (use '-' or leave blank if missing)"


def _phase_for(reference: ReferenceData, start: date) -> int | None:
    for phase, phase_start, phase_end in reference.phases:
        if phase_start <= start <= phase_end:
            return phase
    return None


def _place(reference: ReferenceData, text: str) -> tuple[str | None, str | None]:
    key = normalise(text)
    if key in reference.place_by_name:
        return reference.place_by_name[key], None
    suggestions = difflib.get_close_matches(key, list(reference.place_by_name), n=3, cutoff=0.6)
    names = list(dict.fromkeys(reference.place_names.get(reference.place_by_name[s], s) for s in suggestions))
    hint = f"; did you mean {' or '.join(names)}?" if names else "; use a place or partnership name"
    return None, f"unknown place '{text}'{hint}"


def validate(table: RawTable, reference: ReferenceData, *, file_name: str) -> Validated:  # noqa: PLR0912, PLR0915
    """Check every row; return tidy rows (place_id, phase, period, metric, value, note) or all problems."""
    columns, problems = _match_columns(table.header, reference)
    if columns is None:
        return Validated(rows=pd.DataFrame(columns=[*KEY, "phase", "value", "note", "source"]), problems=problems)
    header = table.header
    out: list[dict] = []
    totals: list[tuple[int, str, str, str, int | None]] = []
    first_seen: dict[tuple, int] = {}
    total_rows: list[int] = []
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        place_text = row[columns.place]
        if normalise(place_text) in TOTAL_LABELS:
            total_rows.append(number)
            for metric, cell_header, text in _long_or_wide(columns, row, header, reference):
                value, _, error = _parse_value(text)
                if error:
                    problems.append(Problem(number, cell_header, error))
                totals.append((number, cell_header, metric, value))
            continue
        place_id, place_error = _place(reference, place_text)
        if place_error:
            problems.append(Problem(number, header[columns.place], place_error))
        start = _parse_date(row[columns.period_start], end=False)
        end = _parse_date(row[columns.period_end], end=True)
        for parsed, index in ((start, columns.period_start), (end, columns.period_end)):
            if parsed is None:
                problems.append(Problem(number, header[index], f"'{row[index]}' is not a date ({DATE_HINT})"))
        phase = None
        if start and end:
            if end < start:
                problems.append(
                    Problem(number, header[columns.period_end], f"period ends ({end}) before it starts ({start})")
                )
            phase = _phase_for(reference, start)
            if phase is None:
                problems.append(
                    Problem(number, header[columns.period_start], f"{start} is outside every programme phase")
                )
        note = row[columns.note].strip() if columns.note is not None else ""
        place_marks = FOOTNOTE.search(place_text.strip())
        for metric, cell_header, text in _long_or_wide(columns, row, header, reference):
            if metric is None:
                problems.append(Problem(number, header[columns.metric], f"unknown metric '{row[columns.metric]}'"))
                continue
            value, marks, error = _parse_value(text)
            if error:
                problems.append(Problem(number, cell_header, error))
                continue
            key = (place_id, start, end, metric)
            if place_id and start and end:
                if key in first_seen:
                    message = f"duplicate of row {first_seen[key]} (same place, period and metric)"
                    problems.append(Problem(number, cell_header, message))
                    continue
                first_seen[key] = number
            cell_notes = [note] if note else []
            if marks or place_marks:
                cell_notes.append(f"footnote mark {(place_marks.group(0) if place_marks else '') + marks}")
            if value is None:
                cell_notes.append("not given in the return")
            out.append({"place_id": place_id, "phase": phase, "period_start": start, "period_end": end,
                        "metric": metric, "value": value, "note": "; ".join(cell_notes) or None,
                        "source": f"{SOURCE_PREFIX}: {file_name}, row {number}"})  # fmt: skip
    rows = pd.DataFrame(
        out, columns=["place_id", "phase", "period_start", "period_end", "metric", "value", "note", "source"]
    )
    problems += _check_totals(totals, rows)
    if problems:
        return Validated(rows=rows.iloc[0:0], problems=problems, total_rows=total_rows, layout=_layout(columns))
    rows["value"] = rows["value"].astype("Int64")
    rows["phase"] = rows["phase"].astype("Int64")
    return Validated(rows=rows, problems=[], total_rows=total_rows, layout=_layout(columns))


def _layout(columns: Columns) -> str:
    return "long" if columns.metric is not None else "wide"


def _long_or_wide(columns: Columns, row: list[str], header: list[str], reference: ReferenceData):
    if columns.metric is not None:
        metric = reference.metric_by_name.get(normalise(row[columns.metric]))
        return [(metric, header[columns.value], row[columns.value])]
    return [(metric, header[index], row[index]) for index, metric in columns.metric_columns.items()]


def _check_totals(totals, rows: pd.DataFrame) -> list[Problem]:
    """A Total row must equal the sum of the rows it totals (same metric); it is never imported."""
    problems = []
    for number, cell_header, metric, value in totals:
        if value is None or metric is None:
            continue
        summed = rows.loc[rows["metric"] == metric, "value"].dropna().sum()
        if int(summed) != value:
            problems.append(
                Problem(number, cell_header, f"Total row says {value:,} but the rows add up to {int(summed):,}")
            )
    return problems
