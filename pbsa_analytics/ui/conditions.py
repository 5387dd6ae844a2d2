"""Streamlit pieces of /conditions: the self-assessment form, one place's rounds, and the cohort view.

Every decision about who may read or write is made by services.conditions; these pieces only show what the
service returns and report its refusals. Notes are user text, so they are shown with st.text or in tables.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from pbsa_analytics.access import Principal
from pbsa_analytics.analysis.conditions import missing_finding, ranking_finding
from pbsa_analytics.charts.conditions import CELL_SELECTION, conditions_heatmap, missing_bars
from pbsa_analytics.conditions_scales import ANSWERS, E1, ESA, RATING_SCALE, SCALE_NOTE
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.services import conditions as service
from pbsa_analytics.services.conditions import RoundState, Store
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.citations import cite_row
from pbsa_analytics.ui.downloads import XLSX_MIME
from pbsa_analytics.ui.layout import chart_block, empty_state, selected_point

FRAMEWORKS = {E1: "E1 checklist (NEF)", ESA: "8 key conditions (workshop)"}
GROUPS = {"mission": "Mission", "resources": "Resources", "relationships": "Relationships"}
FIRST_YEAR = 2022  # Phase 3 began in January 2022
MESSAGE_KEY = "cond_message"
LOADED_KEY = "cond_loaded"

ABOUT = (
    "This tool lets each partnership record, once a quarter, which conditions for social action are in place "
    "where it works: the 13 questions of the NEF “Section E” checklist (E1) and the 8 key conditions from the "
    "Birmingham workshop of the Enabling Social Action programme. Partnerships save drafts, submit a round when "
    "ready, and can correct or undo a submitted round; every save is kept with who made it and when. Funders "
    "see the whole cohort; a partnership sees its own answers against the cohort with other places anonymised."
)
NO_LINKS = (
    "The source documents do not connect these conditions to the Phase 2 report's enablers of change or to its "
    "evidence records, so this page draws no such link."
)


def quarters(today: date | None = None) -> list[str]:
    """Quarters from the start of Phase 3 to the next quarter, newest first."""
    today = today or date.today()
    last = (today.year, (today.month - 1) // 3 + 2)
    if last[1] == 5:
        last = (last[0] + 1, 1)
    found = []
    year, quarter = FIRST_YEAR, 1
    while (year, quarter) <= last:
        found.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found[::-1]


def current_quarter(today: date | None = None) -> str:
    today = today or date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


# The form ------------------------------------------------------------------------------------------------


def _value_key(condition_id: str) -> str:
    return f"cond_{condition_id}"


def _note_key(condition_id: str) -> str:
    return f"cond_{condition_id}_note"


def _load_answers(store: Store, principal: Principal, state: RoundState, catalogue: pd.DataFrame) -> None:
    """Fill the widgets from the round's draft (or its answers in force) whenever the place, round or save changes."""
    source = state.draft or state.in_force
    marker = (state.place_id, state.round, source.entry_id if source else None)
    if st.session_state.get(LOADED_KEY) == marker:
        return
    rows = service.entry_answers(store, principal=principal, entry=source) if source else pd.DataFrame()
    by_id = {row.condition_id: row for row in rows.itertuples()} if not rows.empty else {}
    for condition in catalogue.itertuples():
        row = by_id.get(condition.condition_id)
        if condition.framework == E1:
            value = row.answer if row is not None and isinstance(row.answer, str) else None
        else:
            value = int(row.rating) if row is not None and not pd.isna(row.rating) else None
        note = row.note if row is not None and isinstance(row.note, str) else ""
        st.session_state[_value_key(condition.condition_id)] = value
        st.session_state[_note_key(condition.condition_id)] = note
    st.session_state[LOADED_KEY] = marker


def _form_values(catalogue: pd.DataFrame) -> dict[str, dict[str, object]]:
    values = {}
    for condition in catalogue.itertuples():
        field_name = "answer" if condition.framework == E1 else "rating"
        values[condition.condition_id] = {
            field_name: st.session_state.get(_value_key(condition.condition_id)),
            "note": st.session_state.get(_note_key(condition.condition_id)) or None,
        }
    return values


def _act(action: str, store: Store, principal: Principal, place_id: str, round_id: str) -> None:
    """Form callback: runs before the page redraws, so the status shown afterwards is already up to date."""
    catalogue = service.catalogue(store)
    name = st.session_state.get("cond_by", "")
    calls = {"draft": service.save_draft, "submit": service.submit, "correct": service.correct}
    done = {"draft": "Draft saved", "submit": "Round submitted", "correct": "Correction submitted"}
    try:
        entry = calls[action](store, principal=principal, place_id=place_id, round_id=round_id,
                              values=_form_values(catalogue), name=name)  # fmt: skip
    except PbsaError as error:
        st.session_state[MESSAGE_KEY] = ("error", str(error))
        return
    st.session_state[MESSAGE_KEY] = ("success", f"{done[action]}: {entry.answered} of {len(catalogue)} answered.")


def _undo(store: Store, principal: Principal, place_id: str, round_id: str) -> None:
    try:
        entry = service.undo_last(store, principal=principal, place_id=place_id, round_id=round_id,
                                  name=st.session_state.get("cond_by", ""))  # fmt: skip
    except PbsaError as error:
        st.session_state[MESSAGE_KEY] = ("error", str(error))
        return
    st.session_state[MESSAGE_KEY] = (
        "success",
        f"Undone the {entry.kind} of {when(entry.saved_at)}; it stays in the history.",
    )
    st.session_state["cond_undo_confirm"] = False


def _show_message() -> None:
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)


def when(stamp: str) -> str:
    """A stored ISO time as people read it, e.g. 2025-04-02 14:05 UTC."""
    return pd.Timestamp(stamp).strftime("%Y-%m-%d %H:%M UTC")


def _status_line(state: RoundState) -> str:
    """The round's state in fixed words only: names typed by users are shown separately as plain text."""
    if state.in_force is None:
        saved = f" Draft saved {when(state.draft.saved_at)}." if state.draft else ""
        return f"{state.round}: not submitted yet.{saved}"
    line = f"{state.round}: {state.in_force.kind} of {when(state.in_force.saved_at)} in force."
    if state.draft:
        line += f" A correction is in draft ({when(state.draft.saved_at)})."
    return line


def _saved_by_line(state: RoundState) -> str | None:
    entries = [("Submitted", state.in_force), ("Draft", state.draft)]
    parts = [f"{label} by {entry.saved_by}" for label, entry in entries if entry is not None]
    return "; ".join(parts) or None


def _questions(catalogue: pd.DataFrame, *, disabled: bool) -> None:
    e1 = catalogue[catalogue["framework"] == E1]
    st.subheader("E1 conditions for social action checklist")
    st.caption(f"{cite_row(e1['source'].iloc[0])}. Answer Yes, No or Not sure; the note is optional.")
    for group, questions in e1.groupby("group_name", sort=False):
        st.markdown(f"**{GROUPS.get(group, group)}**")
        for condition in questions.itertuples():
            question, note = st.columns([3, 2], vertical_alignment="bottom")
            question.radio(
                f"{condition.label}. {condition.text}", list(ANSWERS), format_func=ANSWERS.get, index=None,
                horizontal=True, key=_value_key(condition.condition_id), disabled=disabled,
            )  # fmt: skip
            note.text_input("Note (optional)", key=_note_key(condition.condition_id), max_chars=500, disabled=disabled)
    workshop = catalogue[catalogue["framework"] == ESA]
    st.subheader("The 8 key conditions to grow social action")
    st.caption(f"{cite_row(workshop['source'].iloc[0])}. {SCALE_NOTE}")
    for condition in workshop.itertuples():
        question, note = st.columns([3, 2], vertical_alignment="bottom")
        question.radio(
            f"{condition.position}. {condition.text}", list(RATING_SCALE),
            format_func=lambda n: f"{n} {RATING_SCALE[n].lower()}", index=None, horizontal=True,
            key=_value_key(condition.condition_id), disabled=disabled,
        )  # fmt: skip
        note.text_input("What would help (optional)", key=_note_key(condition.condition_id), max_chars=500,
                        disabled=disabled)  # fmt: skip


def fill_in(store: Store, principal: Principal) -> None:
    """Choose a place and round, fill in the form, save a draft, submit, correct or undo."""
    places = service.places(store, principal=principal)
    if places.empty:
        empty_state("Your account is not linked to a partnership taking part now, so there is nothing to fill in.")
        return
    names = dict(zip(places["place_id"], places["place_name"], strict=True))
    left, right = st.columns(2)
    with left:
        place_id = url_state.choice(
            st.selectbox, "Partnership", list(names), key="cond_place", param="place",
            default=next(iter(names)), format_func=names.get,
        )  # fmt: skip
    with right:
        round_id = url_state.choice(
            st.selectbox, "Round (quarter)", quarters(), key="cond_round", param="round", default=current_quarter()
        )
    state = service.round_state(store, principal=principal, place_id=place_id, round_id=round_id)
    catalogue = service.catalogue(store)
    _load_answers(store, principal, state, catalogue)
    _show_message()
    st.info(_status_line(state), icon=":material/assignment:")
    saved_by = _saved_by_line(state)
    if saved_by:
        st.text(saved_by)  # typed by users: plain text, never Markdown
    writable = service.writable(principal, place_id)
    if not writable:
        st.caption("You can read this partnership's rounds but not change them.")
    with st.form("cond_form", enter_to_submit=False):
        st.text_input("Your name (recorded with each save)", key="cond_by", max_chars=80, disabled=not writable)
        _questions(catalogue, disabled=not writable)
        save, send = st.columns(2)
        args = (store, principal, place_id, round_id)
        save.form_submit_button("Save draft", key="cond_save", on_click=_act, args=("draft", *args),
                                disabled=not writable)  # fmt: skip
        action, label = ("correct", "Submit correction") if state.in_force else ("submit", "Submit round")
        send.form_submit_button(label, type="primary", key="cond_submit", on_click=_act, args=(action, *args),
                                disabled=not writable)  # fmt: skip
    if state.in_force is not None and writable:
        st.checkbox(f"Yes, undo the {state.in_force.kind} of {when(state.in_force.saved_at)}", key="cond_undo_confirm")
        st.button(f"Undo this {state.in_force.kind}", key="cond_undo", on_click=_undo, args=args,
                  disabled=not st.session_state.get("cond_undo_confirm"))  # fmt: skip
    _offline_template(store, place_id=place_id, round_id=round_id)
    rounds(store, principal, place_id=place_id, name=names[place_id])


def _offline_template(store: Store, *, place_id: str, round_id: str) -> None:
    """The same round as a file to fill in offline, then submit with `conditions import`."""
    st.caption(
        "Prefer a spreadsheet? Download this round as a template, fill it in offline and submit it with "
        "python -m pbsa_analytics conditions import FILE (add --correct for a submitted round)."
    )
    left, right = st.columns(2)
    for column, (fmt, mime) in zip((left, right), (("csv", "text/csv"), ("xlsx", XLSX_MIME)), strict=True):
        column.download_button(
            f"Template ({fmt.upper()})", data=lambda fmt=fmt: service.template(store, file_format=fmt,
            place_id=place_id, round_id=round_id), file_name=f"conditions-{place_id}-{round_id}.{fmt}", mime=mime,
            key=f"cond_template_{fmt}", on_click="ignore", icon=":material/download:",
        )  # fmt: skip


def rounds(store: Store, principal: Principal, *, place_id: str, name: str) -> None:
    """One place's submitted rounds side by side, and every save of it."""
    st.header(f"{name}: rounds side by side")
    table = service.place_rounds(store, principal=principal, place_id=place_id)
    if table.empty:
        st.write("No round submitted yet for this partnership.")
    else:
        st.dataframe(table, hide_index=True, key="cond_side_by_side")
    history = service.history(store, principal=principal, place_id=place_id)
    with st.expander(f"History of every save ({len(history)})"):
        st.dataframe(history, hide_index=True, key="cond_history")


# The cohort ----------------------------------------------------------------------------------------------


def _notes_panel(view: service.CohortView, *, round_id: str, place_id: str, condition_id: str) -> None:
    cells = view.answers[
        (view.answers["round"] == round_id)
        & (view.answers["place_id"] == place_id)
        & (view.answers["condition_id"] == condition_id)
    ]
    if cells.empty:
        return
    cell = cells.iloc[0]
    with st.container(border=True, key="cond_cell_panel"):
        st.subheader(f"{cell['place_name']} × {cell['label']} ({round_id}): {cell['state']}")
        st.text(cell["text"])
        st.caption(cite_row(cell["source"]))
        if isinstance(cell["note"], str) and cell["note"]:
            st.text(f"Note: {cell['note']}")
        elif view.anonymised and place_id != view.focus_place_id:
            st.caption("Other partnerships' notes are not shown to partnerships.")
        else:
            st.caption("No note given.")


def _change(store: Store, principal: Principal, view: service.CohortView) -> None:
    st.header("Change between rounds")
    if len(view.rounds) < 2:
        st.write("Change appears once a second round has been submitted.")
        return
    a, b = st.columns(2)
    with a:
        from_round = url_state.choice(st.selectbox, "From", view.rounds[:-1], key="cond_from", param="from",
                                      default=view.rounds[-2])  # fmt: skip
    later = [r for r in view.rounds if r > from_round]
    with b:
        to_round = url_state.choice(st.selectbox, "To", later, key="cond_to", param="to", default=later[-1])
    change = service.change_between(store, principal=principal, from_round=from_round, to_round=to_round)
    changed = change[change["changed"]]
    st.write(
        f"{len(changed)} of {len(change)} answers changed between {from_round} and {to_round} "
        f"across {change['place_id'].nunique()} places that submitted both rounds."
    )
    shown = changed[["place_name", "label", "from_value", "to_value"]].rename(
        columns={"place_name": "place", "label": "condition", "from_value": from_round, "to_value": to_round}
    )
    st.dataframe(shown, hide_index=True, key="cond_change")


def cohort(store: Store, principal: Principal) -> None:
    """Places × conditions per round, what is most often missing, change, notes and export."""
    view = service.cohort(store, principal=principal)
    if not view.rounds:
        empty_state(
            "No self-assessment has been submitted yet. The published programme has no self-assessments, so "
            "nothing is shown as if it had: once partnerships submit rounds (under “Fill in”, or with "
            "`python -m pbsa_analytics conditions import`), the cohort heatmap, the conditions most often "
            "missing and the change between rounds appear here."
        )
        return
    if view.anonymised:
        st.caption("Other partnerships are shown as Partnership A, B, … and their notes are withheld.")
    left, right = st.columns(2)
    with left:
        round_id = url_state.choice(st.selectbox, "Round", view.rounds[::-1], key="cond_cohort_round",
                                    param="cround", default=view.rounds[-1])  # fmt: skip
    with right:
        framework = url_state.choice(st.segmented_control, "Framework", list(FRAMEWORKS), key="cond_framework",
                                     param="framework", default=E1, format_func=FRAMEWORKS.get)  # fmt: skip
    framework = framework or E1
    answers = view.round_answers(round_id, framework)
    title = missing_finding(view.missing, round_id=round_id, framework=framework)
    order = sorted(answers["place_name"].unique())
    if view.focus_place_id:
        focus = answers.loc[answers["place_id"] == view.focus_place_id, "place_name"].unique().tolist()
        order = focus + [name for name in order if name not in focus]
    event = chart_block(
        chart=conditions_heatmap(answers=answers, framework=framework, place_order=order, title=title),
        data=answers.drop(columns=["note"]),
        name=f"conditions-{round_id}-{framework}",
        key="cond_heatmap",
        caption="Each row is a place's submitted answers for the round. Bars above: places reporting each "
        "condition missing (checklist No; workshop rating 1). Self-assessments, not independent evaluation.",
        table=lambda: answers.pivot_table(index="place_name", columns="label", values="state", aggfunc="first"),
        selectable=True,
        stretch=False,
    )
    cell = url_state.selected_cell(selected_point(event, CELL_SELECTION), fields=("place_id", "condition_id"))
    if cell:
        _notes_panel(view, round_id=round_id, place_id=cell[0], condition_id=cell[1])
    else:
        st.info("Click a cell to see the question and the partnership's note.", icon=":material/touch_app:")

    st.header("Conditions most often missing")
    missing = view.missing[(view.missing["round"] == round_id) & (view.missing["framework"] == framework)]
    ranking = ranking_finding(view.missing, round_id=round_id, framework=framework)
    chart_block(chart=missing_bars(missing=missing, title=ranking), data=missing, name=f"conditions-missing-{round_id}",
                key="cond_missing", caption="Not sure and unanswered are not counted as missing.")  # fmt: skip
    _change(store, principal, view)
    st.caption(NO_LINKS)
    export(store, principal)


def export(store: Store, principal: Principal) -> None:
    st.header("Export all rounds")
    columns = st.columns(3)
    formats = [
        ("CSV", "csv", "text/csv"),
        ("XLSX", "xlsx", XLSX_MIME),
        ("Parquet", "parquet", "application/octet-stream"),
    ]
    for column, (label, fmt, mime) in zip(columns, formats, strict=True):
        column.download_button(
            label, data=lambda fmt=fmt: service.export_rounds(store, principal=principal, file_format=fmt),
            file_name=f"pbsa-conditions.{fmt}", mime=mime, key=f"cond_export_{fmt}", on_click="ignore",
        )  # fmt: skip
