"""Data (/data): submit a monitoring return, preview it, import it whole, undo, and export everything."""

import streamlit as st

from pbsa_analytics import exports
from pbsa_analytics.imports.template import template_csv, template_xlsx
from pbsa_analytics.services import monitoring
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.data import checked_file, query, store
from pbsa_analytics.ui.layout import guard
from pbsa_analytics.ui.monitoring import completeness, completeness_view, period_control
from pbsa_analytics.ui.safe_text import md

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _templates() -> None:
    metrics = query("metrics_list")
    left, right = st.columns(2)
    # Made when clicked: writing the XLSX on every run was most of a cold /data run.
    left.download_button("Template (CSV)", data=lambda: template_csv(metrics),
                         file_name="pbsa-monitoring-template.csv", mime="text/csv", key="data_template_csv",
                         on_click="ignore")  # fmt: skip
    right.download_button("Template (XLSX)", data=lambda: template_xlsx(metrics),
                          file_name="pbsa-monitoring-template.xlsx", mime=XLSX, key="data_template_xlsx",
                          on_click="ignore")  # fmt: skip


def _submit() -> None:
    st.header("Submit a monitoring return")
    st.write(
        "One row per place, period and metric (or one column per metric). Places may be named any way the "
        "reports name them. Nothing is imported until you confirm, and a file with any problem imports nothing."
    )
    _templates()
    upload = st.file_uploader("Return file (CSV or XLSX)", type=["csv", "xlsx"], key="data_upload")
    st.caption(f"The import is recorded as made by {md(current_principal().audit_name)}, with the time.")
    if upload is None:
        return
    data = upload.getvalue()
    validated = checked_file(data, upload.name)
    if not validated.ok:
        st.error(
            f"{len(validated.problems)} problem(s) in {md(upload.name)}; nothing will be imported until they are fixed."
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
                store(), data=data, file_name=upload.name, replace=allow_replace, principal=current_principal(),
            )  # fmt: skip
        except monitoring.PbsaError as error:
            st.error(md(error))
            return
        st.success(
            f"Imported {md(upload.name)}: {record.rows_added} added, {record.rows_replaced} replaced "
            f"(import {record.import_id}). Every page now shows the new figures."
        )


def _quarantined() -> None:
    damaged = monitoring.quarantined(store())
    if not damaged:
        return
    st.error(
        f"{len(damaged)} import(s) are quarantined: their files are damaged, so their figures are left out. "
        "Every other figure is shown. An administrator can run `python -m pbsa_analytics verify` and "
        "`rebuild-imports`."
    )
    # File names and reasons come from the folder: shown as table cells (text), never as Markdown.
    st.dataframe(
        [{"import": item.import_id, "problem": item.reason} for item in damaged],
        hide_index=True,
        key="data_quarantined",
    )


def _history() -> None:
    st.header("Import history")
    _quarantined()
    history = monitoring.history(store())
    if history.empty:
        st.write("No returns have been imported yet; the figures shown are the published reports'.")
        return
    # File names and names are untrusted: neutralised here so the table's own CSV download is safe too.
    st.dataframe(exports.neutralise_formulas(history), hide_index=True, key="data_history")
    active = history[history["undone_at"].isna()]["import_id"].tolist()
    if not active or not current_principal().can_administer:
        return
    chosen = st.selectbox("Undo an import", active, key="data_undo_choice", index=None, placeholder="Choose an import")
    confirmed = st.checkbox(
        "Yes, undo it: its values stop counting (the file stays in the history)", key="data_undo_confirm"
    )
    if st.button("Undo import", key="data_undo", disabled=not (chosen and confirmed)):
        monitoring.undo(store(), import_id=chosen, principal=current_principal())
        st.success(f"Undone {chosen}.")


def _completeness_and_export() -> None:
    st.header("Reporting completeness")
    period = period_control(key="data_period", default="all")
    completeness_view(completeness=completeness(period), period=period, key="data_completeness")
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
    if not current_principal().sees_all_names:
        # The history and the full export are named, unscoped data: funder roles only.
        raise monitoring.NotAllowedError("The monitoring data page is for funder staff.")
    if current_principal().can_administer:
        _submit()
    else:
        st.info("Read only: importing and undoing returns needs the funder_admin role.", icon=":material/lock:")
    _history()
    _completeness_and_export()


guard(render)
