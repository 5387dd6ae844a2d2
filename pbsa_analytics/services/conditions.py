"""Conditions self-assessments end to end: who may do what, drafts, submissions, corrections, undo, cohort, export.

Access is decided here, not in the page: a partnership principal fills in and reads only its own place's
rounds and sees the rest of the cohort anonymised; funders read everything; only a funder admin (local mode)
or the place's own partnership may write; anyone else gets ConditionsAccessError.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pbsa_analytics import exports, queries, settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.analysis.anonymise import Anonymiser
from pbsa_analytics.analysis.conditions import cell_state, lowest_rated, side_by_side, with_states
from pbsa_analytics.conditions_scales import E1, ESA
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.imports.conditions import (
    ConditionsInputError,
    ParsedRound,
    answer_rows,
    condition_labels,
    parse_round,
    template_csv,
    template_xlsx,
)
from pbsa_analytics.imports.reading import UnreadableFileError, read_table
from pbsa_analytics.imports.validation import Problem, normalise
from pbsa_analytics.presentation.conditions import missing_condition_question as missing_condition_question_of
from pbsa_analytics.presentation.deck import Question
from pbsa_analytics.services import scoping
from pbsa_analytics.store import Store
from pbsa_analytics.store.conditions import ConditionsStore, Entry, EntryKind, RoundState

EXPORT_COLUMNS = ["place_id", "place_name", "round", "condition_id", "framework", "group_name", "position", "text",
                  "answer", "rating", "note", "entry_id", "kind", "saved_at", "saved_by"]  # fmt: skip
HISTORY_COLUMNS = ["place_id", "round", "kind", "saved_at", "saved_by", "answered", "source", "undone_at", "undone_by",
                   "entry_id"]  # fmt: skip


class ConditionsAccessError(PbsaError):
    """The signed-in user may not read or change this place's self-assessments."""


class InvalidRoundFileError(PbsaError):
    """A round prepared offline has problems; nothing was saved."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems[:50])
        super().__init__(f"{len(problems)} problem(s); nothing was saved:\n{listed}")


def conditions_store(store: Store) -> ConditionsStore:
    """The conditions folder sits inside the store folder, which the read-only DuckDB may read."""
    return ConditionsStore(store.imports.root / "conditions")


def version(store: Store) -> str:
    return conditions_store(store).version()


# Who may do what ------------------------------------------------------------------------------------------


def _may_read_named(principal: Principal, place_id: str) -> bool:
    return principal.sees_all_names or (principal.role is Role.PARTNERSHIP and principal.place_id == place_id)


def _may_write(principal: Principal, place_id: str) -> bool:
    return principal.can_administer or (principal.role is Role.PARTNERSHIP and principal.place_id == place_id)


def _require_read(principal: Principal, place_id: str) -> None:
    if not _may_read_named(principal, place_id):
        raise ConditionsAccessError("You can read only your own partnership's self-assessments.")


def _require_write(principal: Principal, place_id: str) -> None:
    if not _may_write(principal, place_id):
        raise ConditionsAccessError("You can fill in, correct or undo only your own partnership's self-assessments.")


def _require_cohort(principal: Principal) -> None:
    if not principal.sees_all_names and principal.role is not Role.PARTNERSHIP:
        raise ConditionsAccessError("Self-assessments are shared with the programme's funders and partnerships only.")


def _by(principal: Principal, name: str) -> str:
    return f"{name.strip() or principal.display_name} ({principal.subject})"


# Reference data -------------------------------------------------------------------------------------------


def catalogue(store: Store) -> pd.DataFrame:
    """Every condition with its wording, source and a short label; checklist questions first."""
    return condition_labels(queries.run(store, "conditions_catalogue"))


def places(store: Store, *, principal: Principal) -> pd.DataFrame:
    """The places this principal may fill in or read named (a partnership: only its own)."""
    frame = queries.run(store, "conditions_places")
    return frame[[_may_read_named(principal, p) for p in frame["place_id"]]].reset_index(drop=True)


def writable(principal: Principal, place_id: str) -> bool:
    return _may_write(principal, place_id)


# One place's rounds ---------------------------------------------------------------------------------------


def round_state(store: Store, *, principal: Principal, place_id: str, round_id: str) -> RoundState:
    _require_read(principal, place_id)
    return conditions_store(store).round_state(place_id=place_id, round_id=round_id)


def entry_answers(store: Store, *, principal: Principal, entry: Entry) -> pd.DataFrame:
    """The answers of one save, readable by whoever may read its place."""
    _require_read(principal, entry.place_id)
    return conditions_store(store).rows(entry.entry_id)


def _save(store, *, principal, place_id, round_id, values, name, kind: EntryKind, source="form") -> Entry:
    _require_write(principal, place_id)
    if place_id not in set(queries.run(store, "conditions_places")["place_id"]):
        raise ConditionsAccessError(f"{place_id!r} is not a place taking part in the programme now.")
    try:
        rows = answer_rows(catalogue(store), values)
    except ConditionsInputError as error:
        raise InvalidRoundFileError(error.problems) from error
    return conditions_store(store).save(
        place_id=place_id, round_id=round_id, kind=kind, rows=rows, saved_by=_by(principal, name), source=source
    )


def save_draft(
    store: Store, *, principal: Principal, place_id: str, round_id: str, values: dict, name: str = ""
) -> Entry:
    """Keep unsubmitted answers; they come back on reload and nobody else's view changes."""
    return _save(store, principal=principal, place_id=place_id, round_id=round_id, values=values, name=name,
                 kind=EntryKind.DRAFT)  # fmt: skip


def submit(store: Store, *, principal: Principal, place_id: str, round_id: str, values: dict, name: str = "") -> Entry:
    """Submit a round for the first time; refused if it is already submitted (correct it instead)."""
    return _save(store, principal=principal, place_id=place_id, round_id=round_id, values=values, name=name,
                 kind=EntryKind.SUBMISSION)  # fmt: skip


def correct(store: Store, *, principal: Principal, place_id: str, round_id: str, values: dict, name: str = "") -> Entry:
    """Replace a submitted round's answers; the earlier submission stays in the history."""
    return _save(store, principal=principal, place_id=place_id, round_id=round_id, values=values, name=name,
                 kind=EntryKind.CORRECTION)  # fmt: skip


def undo_last(store: Store, *, principal: Principal, place_id: str, round_id: str, name: str = "") -> Entry:
    """Undo the round's latest submission or correction; the previous answers are back in force."""
    _require_write(principal, place_id)
    return conditions_store(store).undo_last(place_id=place_id, round_id=round_id, by=_by(principal, name))


def history(store: Store, *, principal: Principal, place_id: str | None = None) -> pd.DataFrame:
    """Every save the principal may read (optionally one place's), newest first: who, when, what kind."""
    entries = [e for e in conditions_store(store).entries() if _may_read_named(principal, e.place_id)]
    if place_id is not None:
        entries = [e for e in entries if e.place_id == place_id]
    frame = pd.DataFrame([e.__dict__ for e in entries], columns=list(Entry.__dataclass_fields__))
    return frame[HISTORY_COLUMNS].iloc[::-1].reset_index(drop=True)


def _in_force(store: Store) -> pd.DataFrame:
    files = [str(p) for p in conditions_store(store).in_force_files()]
    return with_states(queries.run(store, "conditions_answers", files=files), catalogue(store))


def place_rounds(store: Store, *, principal: Principal, place_id: str) -> pd.DataFrame:
    """One place's submitted rounds side by side, with what changed between the last two."""
    _require_read(principal, place_id)
    answers = _in_force(store)
    return side_by_side(answers[answers["place_id"] == place_id])


# The cohort ----------------------------------------------------------------------------------------------


@dataclass
class CohortView:
    """What the cohort section shows for one principal: named for funders, anonymised for a partnership."""

    answers: pd.DataFrame
    missing: pd.DataFrame
    rounds: list[str]
    anonymised: bool
    focus_place_id: str | None = None
    lowest: pd.DataFrame = field(default_factory=pd.DataFrame)

    def round_answers(self, round_id: str, framework: str) -> pd.DataFrame:
        frame = self.answers
        return frame[(frame["round"] == round_id) & (frame["framework"] == framework)].reset_index(drop=True)


def cohort(store: Store, *, principal: Principal) -> CohortView:
    """Every submitted round in force; for a partnership other places are relabelled and their notes withheld."""
    _require_cohort(principal)
    answers = _in_force(store)
    labels = catalogue(store)
    files = conditions_store(store).in_force_files()
    missing = queries.run(store, "conditions_missing", files=files).merge(
        labels[["condition_id", "label"]], on="condition_id"
    )
    rounds = sorted(answers["round"].unique())
    lowest = lowest_rated(answers)
    if principal.sees_all_names:
        return CohortView(answers, missing, rounds, anonymised=False, lowest=lowest)
    focus = principal.place_id
    if focus is None:
        raise ConditionsAccessError("This partnership account has no place; ask a funder admin to set it.")
    # Free text can identify a place in ways no name list catches, so other places' notes are never shown.
    answers.loc[answers["place_id"] != focus, "note"] = None
    safe = _scrubber(store, principal).frame(answers.drop(columns=["entry_id"]))
    return CohortView(safe, missing, rounds, anonymised=True, focus_place_id=focus, lowest=lowest)


def change_between(store: Store, *, principal: Principal, from_round: str, to_round: str) -> pd.DataFrame:
    """Per place and condition, the answers in two rounds and whether they changed (anonymised for a partnership)."""
    _require_cohort(principal)
    files = conditions_store(store).in_force_files()
    change = queries.run(store, "conditions_change", files=files, from_round=from_round, to_round=to_round)
    change = change.merge(catalogue(store)[["condition_id", "label"]], on="condition_id")
    for column in ("from_value", "to_value"):
        change[column] = [
            _shown(framework, value) for framework, value in zip(change["framework"], change[column], strict=True)
        ]
    if principal.sees_all_names:
        return change
    return _scrubber(store, principal).frame(change)


def _shown(framework: str, value: object) -> str:
    """A stored answer (or rating as text) as the heatmap names it."""
    if framework == E1:
        return cell_state(framework=framework, answer=value, rating=None)
    rating = int(value) if isinstance(value, str) and value.isdigit() else None
    return cell_state(framework=framework, answer=None, rating=rating)


def _scrubber(store: Store, principal: Principal) -> Anonymiser:
    """The same anonymiser as every other scoped query: keyed labels, identities scrubbed inside tokens."""
    return scoping.anonymiser(store, focus_place_id=principal.place_id or "")


# Files: export, template, import -------------------------------------------------------------------------


def export_rounds(store: Store, *, principal: Principal, file_format: str) -> bytes:
    """Every submitted round in force that the principal may read named, with who saved it and when."""
    answers = _in_force(store)
    answers = answers[[_may_read_named(principal, p) for p in answers["place_id"]]]
    entries = pd.DataFrame(
        [e.__dict__ for e in conditions_store(store).entries()], columns=list(Entry.__dataclass_fields__)
    )[["entry_id", "kind", "saved_at", "saved_by"]]
    frame = answers.merge(entries, on="entry_id", how="left")[EXPORT_COLUMNS]
    if not principal.sees_all_names:
        # A partnership's own notes may name other places; its export follows the anonymised view's rules.
        frame = _scrubber(store, principal).frame(frame)
    return exports.table_bytes(frame, file_format=file_format, sheet_name="conditions")


def template(store: Store, *, file_format: str, place_id: str = "", round_id: str = "") -> bytes:
    """A blank round to fill in offline: every condition with its wording, as CSV or XLSX."""
    conditions = queries.run(store, "conditions_catalogue")
    if file_format == "csv":
        return template_csv(conditions, place=place_id, round_id=round_id)
    if file_format == "xlsx":
        return template_xlsx(conditions, place=place_id, round_id=round_id)
    raise PbsaError(f"unknown template format {file_format!r}: use csv or xlsx")


def _place_by_name(store: Store) -> dict[str, str]:
    variants = queries.run(store, "place_name_variants")
    names = {normalise(n): p for p, n in zip(variants["place_id"], variants["name"], strict=True)}
    return names | {normalise(p): p for p in variants["place_id"]}


def check_round_file(store: Store, *, data: bytes, file_name: str) -> ParsedRound:
    """Read and validate a filled-in template; unreadable files come back as one problem, never an exception."""
    try:
        raw = read_table(data, file_name=file_name, max_bytes=settings.max_upload_bytes())
    except UnreadableFileError as error:
        return ParsedRound(problems=[Problem(0, "file", str(error))])
    return parse_round(raw, conditions=queries.run(store, "conditions_catalogue"), place_by_name=_place_by_name(store))


def import_round(
    store: Store, *, principal: Principal, data: bytes, file_name: str, name: str = "", correct_submitted: bool = False
) -> Entry:
    """Submit a round prepared offline, all or nothing; a submitted round is corrected only when asked."""
    parsed = check_round_file(store, data=data, file_name=file_name)
    if parsed.problems:
        raise InvalidRoundFileError(parsed.problems)
    place_id, round_id = parsed.place_id or "", parsed.round_id or ""
    _require_write(principal, place_id)
    if place_id not in set(queries.run(store, "conditions_places")["place_id"]):
        raise ConditionsAccessError(f"{place_id!r} is not a place taking part in the programme now.")
    kind = EntryKind.CORRECTION if correct_submitted else EntryKind.SUBMISSION
    return conditions_store(store).save(
        place_id=place_id, round_id=round_id, kind=kind, rows=parsed.rows, saved_by=_by(principal, name),
        source=f"file: {file_name}"[:200], original=(file_name, data),
    )  # fmt: skip


# Learning events -----------------------------------------------------------------------------------------


def missing_condition_question(store: Store) -> Question:
    """The pulse question 'which condition is your partnership missing most?' with the workshop's conditions.

    Its options are the published wording of the conditions (reference data), the same for every role: phones
    in the room need them to answer.
    """
    conditions = queries.run(store, "conditions_catalogue")
    return missing_condition_question_of(
        conditions=list(conditions[["framework", "position", "text"]].itertuples(index=False, name=None))
    )


@dataclass(frozen=True)
class MissingConditionReveal:
    """What the room's answers are revealed against: per condition, the places that rated it lowest (no names)."""

    question: Question
    cohort: pd.DataFrame  # label, places
    places: int  # places whose latest round rated any condition
    synthetic: bool  # the store holds the demo loader's labelled synthetic rounds


def missing_condition_pulse(store: Store, *, principal: Principal) -> MissingConditionReveal:
    """The pulse question and, for a principal who may read the cohort, each place's lowest-rated conditions."""
    _require_cohort(principal)
    answers = _in_force(store)
    rated = answers[(answers["framework"] == ESA) & answers["rating"].notna()]
    return MissingConditionReveal(
        question=missing_condition_question(store),
        cohort=lowest_rated(answers)[["label", "places"]],
        places=int(rated["place_id"].nunique()),
        synthetic=conditions_store(store).synthetic,
    )
