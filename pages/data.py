"""Data (/data): submit a monitoring return, preview it, import it whole, undo, and export everything."""

import getpass

import streamlit as st

from pbsa_analytics.imports.template import template_csv, template_xlsx
from pbsa_analytics.services import monitoring
from pbsa_analytics.ui.data import checked_file, query, store
from pbsa_analytics.ui.layout import guard
from pbsa_analytics.ui.panels import completeness_block

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _templates() -> None:
    metrics = query("metrics_list")
    left, right = st.columns(2)
    left.download_button("Template (CSV)", data=template_csv(metrics), file_name="pbsa-monitoring-template.csv",
                         mime="text/csv", key="data_template_csv", on_click="ignore")  # fmt: skip
    right.download_button("Template (XLSX)", data=template_xlsx(metrics), file_name="pbsa-monitoring-template.xlsx",
                          mime=XLSX, key="data_template_xlsx", on_click="ignore")  # fmt: skip


def _submit() -> None:
    st.header("Submit a monitoring return")
    st.write(
        "One row per place, period and metric (or one column per metric). Places may be named any way the "
        "reports name them. Nothing is imported until you confirm, and a file with any problem imports nothing."
    )
    _templates()
    upload = st.file_uploader("Return file (CSV or XLSX)", type=["csv", "xlsx"], key="data_upload")
    submitted_by = st.text_input("Your name (recorded with the import)", key="data_by", max_chars=80)
    if upload is None:
        return
    data = upload.getvalue()
    validated = checked_file(data, upload.name)
    if not validated.ok:
        st.error(
            f"{len(validated.problems)} problem(s) in {upload.name}; nothing will be imported until they are fixed."
        )
        problems = [{"row": p.row, "column": p.column, "problem": p.message} for p in validated.problems]
        st.dataframe(problems, hide_index=True, key="data_problems")
        return
    plan = monitoring.preview(store(), validated)
    counts = plan.counts()
    new, replace, unchanged = st.columns(3)
    new.metric("New values", counts["new"])
    replace.metric("Would replace existing", counts["replace"])
    unchanged.metric("Unchanged", counts["unchanged"])
    if validated.total_rows:
        st.caption(f"Total row(s) {validated.total_rows} match the rows above and are not imported.")
    shown = plan.changes.assign(
        period_start=plan.changes["period_start"].dt.date, period_end=plan.changes["period_end"].dt.date
    )
    st.dataframe(shown, hide_index=True, key="data_preview")
    allow_replace = False
    if counts["replace"]:
        allow_replace = st.checkbox(
            f"Replace the {counts['replace']} existing value(s) shown as 'replace'", key="data_replace"
        )
    if st.button("Import this return", type="primary", key="data_commit"):
        try:
            record = monitoring.import_file(
                store(), data=data, file_name=upload.name, replace=allow_replace,
                submitted_by=submitted_by.strip() or getpass.getuser(),
            )  # fmt: skip
        except monitoring.PbsaError as error:
            st.error(str(error))
            return
        st.success(
            f"Imported {upload.name}: {record.rows_added} added, {record.rows_replaced} replaced "
            f"(import {record.import_id}). Every page now shows the new figures."
        )


def _history() -> None:
    st.header("Import history")
    history = monitoring.history(store())
    if history.empty:
        st.write("No returns have been imported yet; the figures shown are the published reports'.")
        return
    st.dataframe(history, hide_index=True, key="data_history")
    active = history[history["undone_at"].isna()]["import_id"].tolist()
    if not active:
        return
    chosen = st.selectbox("Undo an import", active, key="data_undo_choice", index=None, placeholder="Choose an import")
    confirmed = st.checkbox(
        "Yes, undo it: its values stop counting (the file stays in the history)", key="data_undo_confirm"
    )
    if st.button("Undo import", key="data_undo", disabled=not (chosen and confirmed)):
        monitoring.undo(store(), import_id=chosen, by=getpass.getuser())
        st.success(f"Undone {chosen}.")


def _completeness_and_export() -> None:
    st.header("Reporting completeness")
    completeness_block(completeness=query("reporting_completeness"), key="data_completeness")
    st.header("Export all monitoring figures")
    current = store()
    columns = st.columns(3)
    for column, (label, fmt, mime) in zip(
        columns,
        [("CSV", "csv", "text/csv"), ("XLSX", "xlsx", XLSX), ("Parquet", "parquet", "application/octet-stream")],
        strict=True,
    ):
        column.download_button(
            label, data=lambda fmt=fmt: monitoring.export_monitoring(current, file_format=fmt),
            file_name=f"pbsa-monitoring.{fmt}", mime=mime, key=f"data_export_{fmt}", on_click="ignore",
        )  # fmt: skip


def render() -> None:
    st.title("Monitoring data")
    _submit()
    _history()
    _completeness_and_export()


guard(render)
