"""Conditions self-assessment answers: form and file validation, and the template for a round prepared offline."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import pandas as pd

from pbsa_analytics.conditions_scales import ANSWERS, E1, ESA, RATING_SCALE, SCALE_NOTE, workshop_label
from pbsa_analytics.imports.reading import RawTable
from pbsa_analytics.imports.validation import Problem, normalise

MAX_NOTE_CHARS = 500
MAX_ROWS = 200
ROUND_PATTERN = re.compile(r"\d{4}-Q[1-4]")
TEMPLATE_COLUMNS = ["place", "round", "condition_id", "question", "answer", "note"]
ROW_COLUMNS = ["condition_id", "answer", "rating", "note"]
ANSWER_BY_TEXT = {normalise(v): k for k, v in ANSWERS.items()} | {"y": "yes", "n": "no", "not sure": "not_sure"}
ANSWER_BY_TEXT |= {k.replace("_", " "): k for k in ANSWERS}


class ConditionsInputError(ValueError):
    """Answers that cannot be stored; carries every problem with its row and column."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems[:50])
        super().__init__(f"{len(problems)} problem(s); nothing was saved:\n{listed}")


def short_label(*, framework: str, group_name: str | None, position: int, text: str) -> str:
    """A short axis label: the workshop condition's heading, or the checklist group and question number."""
    if framework == ESA:
        return workshop_label(text)
    return f"{(group_name or '').capitalize()} {position}"


def condition_labels(conditions: pd.DataFrame) -> pd.DataFrame:
    """The conditions table with a 'label' column, checklist questions numbered within their group."""
    frame = conditions.sort_values(["framework", "position"], ascending=[False, True]).copy()
    frame["label"] = [
        short_label(framework=r.framework, group_name=r.group_name, position=r.position, text=r.text)
        for r in frame.itertuples()
    ]
    e1 = frame["framework"] == E1
    frame.loc[e1, "label"] = [
        f"{str(g).capitalize()} {i}"
        for g, i in zip(frame.loc[e1, "group_name"], frame[e1].groupby("group_name").cumcount() + 1, strict=True)
    ]
    return frame.reset_index(drop=True)


def _clean_note(value: object, *, row: int, column: str, problems: list[Problem]) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if len(text) > MAX_NOTE_CHARS:
        problems.append(
            Problem(row, column, f"a note may be at most {MAX_NOTE_CHARS} characters (this has {len(text)})")
        )
        return None
    return text or None


def _answer(value: object, *, row: int, column: str, problems: list[Problem]) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    key = ANSWER_BY_TEXT.get(normalise(text))
    if key is None:
        problems.append(Problem(row, column, f"{text[:40]!r} is not an answer: use Yes, No or Not sure"))
    return key


def _rating(value: object, *, row: int, column: str, problems: list[Problem]) -> int | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if text.isdigit() and int(text) in RATING_SCALE:
        return int(text)
    problems.append(Problem(row, column, f"{text[:40]!r} is not a rating: use a whole number 1-4"))
    return None


def answer_rows(conditions: pd.DataFrame, values: dict[str, dict[str, object]]) -> pd.DataFrame:
    """One row per condition from {condition_id: {"answer" or "rating": ..., "note": ...}}; unknown ids refused.

    Every condition gets a row, so an unanswered one is stored as missing rather than left out.
    """
    problems: list[Problem] = []
    known = dict(zip(conditions["condition_id"], conditions["framework"], strict=True))
    for condition_id in values:
        if condition_id not in known:
            problems.append(Problem(0, "condition_id", f"{str(condition_id)[:40]!r} is not a condition"))
    rows = []
    for number, (condition_id, framework) in enumerate(known.items(), start=1):
        given = values.get(condition_id, {})
        is_e1 = framework == E1
        rows.append(
            {
                "condition_id": condition_id,
                "answer": _answer(given.get("answer"), row=number, column=condition_id, problems=problems)
                if is_e1
                else None,
                "rating": None
                if is_e1
                else _rating(given.get("rating"), row=number, column=condition_id, problems=problems),
                "note": _clean_note(given.get("note"), row=number, column=f"{condition_id} note", problems=problems),
            }
        )
    if problems:
        raise ConditionsInputError(problems)
    return pd.DataFrame(rows, columns=ROW_COLUMNS).astype({"rating": "Int64"})


@dataclass
class ParsedRound:
    """A round read from a file: its place, round and answer rows, or the problems that stop it."""

    place_id: str | None = None
    round_id: str | None = None
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    problems: list[Problem] = field(default_factory=list)


def _header_index(raw: RawTable, problems: list[Problem]) -> dict[str, int]:
    header = {normalise(name).replace(" ", "_"): i for i, name in enumerate(raw.header) if name}
    needed = ["place", "round", "condition_id", "answer"]
    for name in needed:
        if name not in header:
            problems.append(Problem(1, name, f"missing column {name!r}; the header must include {', '.join(needed)}"))
    return header


def _one_value(cells: list[tuple[int, str]], *, column: str, problems: list[Problem]) -> str | None:
    distinct = {text for _, text in cells if text}
    if len(distinct) != 1:
        row = next((n for n, text in cells if not text), cells[0][0] if cells else 1)
        problems.append(Problem(row, column, f"a file holds one place's one round: found {len(distinct)} values"))
        return None
    return distinct.pop()


def parse_round(raw: RawTable, *, conditions: pd.DataFrame, place_by_name: dict[str, str]) -> ParsedRound:
    """Validate a filled-in template: one place, one round, known conditions once each, valid answers."""
    parsed = ParsedRound()
    if len(raw.rows) > MAX_ROWS:
        parsed.problems.append(Problem(1, "file", f"{len(raw.rows)} rows; a round has at most {MAX_ROWS}"))
        return parsed
    header = _header_index(raw, parsed.problems)
    if parsed.problems:
        return parsed
    cell = lambda row, name: row[header[name]].strip() if name in header else ""  # noqa: E731
    numbered = list(zip(raw.row_numbers, raw.rows, strict=True))
    place_text = _one_value([(n, cell(r, "place")) for n, r in numbered], column="place", problems=parsed.problems)
    round_text = _one_value([(n, cell(r, "round")) for n, r in numbered], column="round", problems=parsed.problems)
    if place_text is not None:
        parsed.place_id = place_by_name.get(normalise(place_text))
        if parsed.place_id is None:
            parsed.problems.append(
                Problem(raw.row_numbers[0], "place", f"{place_text[:60]!r} is not a programme place")
            )
    if round_text is not None:
        if ROUND_PATTERN.fullmatch(round_text.upper()):
            parsed.round_id = round_text.upper()
        else:
            parsed.problems.append(
                Problem(raw.row_numbers[0], "round", f"{round_text[:20]!r}: write a quarter, e.g. 2025-Q1")
            )
    frameworks = dict(zip(conditions["condition_id"], conditions["framework"], strict=True))
    values: dict[str, dict[str, object]] = {}
    for number, row in numbered:
        condition_id = cell(row, "condition_id").lower()
        if condition_id not in frameworks:
            parsed.problems.append(Problem(number, "condition_id", f"{condition_id[:40]!r} is not a condition"))
            continue
        if condition_id in values:
            parsed.problems.append(Problem(number, "condition_id", f"{condition_id} appears twice"))
            continue
        field_name = "answer" if frameworks[condition_id] == E1 else "rating"
        values[condition_id] = {field_name: cell(row, "answer"), "note": cell(row, "note") or None}
        # Check per row here so each problem names its own spreadsheet row.
        checker = _answer if field_name == "answer" else _rating
        checker(cell(row, "answer"), row=number, column="answer", problems=parsed.problems)
        _clean_note(cell(row, "note"), row=number, column="note", problems=parsed.problems)
    if not parsed.problems:
        parsed.rows = answer_rows(conditions, values)
    return parsed


def template_csv(conditions: pd.DataFrame, *, place: str = "", round_id: str = "") -> bytes:
    """CSV with guidance lines, then one row per condition with its question, ready to fill in."""
    buffer = io.StringIO()
    buffer.write(
        "# PBSA conditions self-assessment: one place, one round (a quarter such as 2025-Q1). '#' lines are ignored.\n"
    )
    buffer.write("# Checklist questions (nef_e1_checklist): answer Yes, No or Not sure.\n")
    buffer.write(f"# Workshop conditions (esa_workshop): {SCALE_NOTE}\n")
    buffer.write(f"# note: optional, at most {MAX_NOTE_CHARS} characters (for a condition: what would help).\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for row in conditions.sort_values(["framework", "position"], ascending=[False, True]).itertuples():
        writer.writerow([place, round_id, row.condition_id, row.text, "", ""])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(conditions: pd.DataFrame, *, place: str = "", round_id: str = "") -> bytes:
    """Workbook: the 'round' sheet to fill in, then a 'guide' sheet with the scales and sources."""
    ordered = conditions.sort_values(["framework", "position"], ascending=[False, True])
    sheet = pd.DataFrame(
        {"place": place, "round": round_id, "condition_id": ordered["condition_id"], "question": ordered["text"],
         "answer": "", "note": ""},
        columns=TEMPLATE_COLUMNS,
    )  # fmt: skip
    guide = pd.DataFrame(
        {"topic": ["checklist answers", "condition ratings", "notes"],
         "guidance": ["Yes, No or Not sure", SCALE_NOTE, f"optional, at most {MAX_NOTE_CHARS} characters"]}
    )  # fmt: skip
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet.to_excel(writer, sheet_name="round", index=False)
        guide.to_excel(writer, sheet_name="guide", index=False)
        ordered[["condition_id", "framework", "text", "source"]].to_excel(
            writer, sheet_name="guide", index=False, startrow=len(guide) + 2
        )
    return buffer.getvalue()
