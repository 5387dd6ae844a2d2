"""Command line: build, tables, sql, and the monitoring return commands (validate, import, undo, ...)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from pbsa_analytics import queries, settings
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.imports.template import template_csv, template_xlsx
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import VIEWS, build_store, open_store

EXIT_USAGE = 2


def _build(_args: argparse.Namespace) -> int:
    path = build_store(data_dir=settings.data_dir(), db_path=settings.db_path())
    print(f"built {path}", file=sys.stderr)
    return 0


def _tables(_args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    print("view,rows")
    for view in VIEWS:
        # View names come from the package's own list, never from input.
        rows = store.execute(f'select count(*) as n from "{view}"')["n"].iloc[0]
        print(f"{view},{rows}")
    return 0


def _sql(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    frame = store.execute_read(args.query)
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _read_input(path: str) -> tuple[bytes, str]:
    file_path = Path(path)
    if not file_path.is_file():
        raise PbsaError(f"{path}: no such file")
    if file_path.stat().st_size > settings.max_upload_bytes():
        raise PbsaError(f"{path}: larger than the {settings.get('PBSA_MAX_UPLOAD_MB')} MB limit; split the file")
    return file_path.read_bytes(), file_path.name


def _validate(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    data, name = _read_input(args.file)
    validated = monitoring.check_file(store, data=data, file_name=name)
    if not validated.ok:
        raise monitoring.InvalidFileError(validated.problems)
    counts = monitoring.preview(store, validated).counts()
    totals = f"; Total row(s) {validated.total_rows} checked and skipped" if validated.total_rows else ""
    changes = f"{counts['new']} new, {counts['replace']} would replace, {counts['unchanged']} unchanged"
    print(f"{name}: valid ({validated.layout} layout), {len(validated.rows)} values: {changes}{totals}")
    return 0


def _import(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    data, name = _read_input(args.file)
    record = monitoring.import_file(
        store, data=data, file_name=name, replace=args.replace, submitted_by=args.by or getpass.getuser()
    )
    print(f"imported {name} as {record.import_id}: {record.rows_added} added, {record.rows_replaced} replaced, "
          f"{record.rows_unchanged} unchanged")  # fmt: skip
    return 0


def _history(_args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    monitoring.history(store).to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _undo(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    monitoring.undo(store, import_id=args.import_id, by=args.by or getpass.getuser())
    print(f"undone {args.import_id}")
    return 0


def _export(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    Path(args.output).write_bytes(monitoring.export_monitoring(store, file_format=args.format))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _template(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    metrics = queries.run(store, "metrics_list")
    data = template_csv(metrics) if args.output.endswith(".csv") else template_xlsx(metrics)
    Path(args.output).write_bytes(data)
    return 0


def _rebuild_imports(args: argparse.Namespace) -> int:
    rebuilt = monitoring.rebuild_imports(open_store(db_path=settings.db_path()), force=args.force)
    print(f"rebuilt {len(rebuilt)} import data file(s) from the kept originals")
    return 0


def _verify(_args: argparse.Namespace) -> int:
    problems = open_store(db_path=settings.db_path()).imports.verify()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pbsa_analytics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build the DuckDB store from data/").set_defaults(handler=_build)
    commands.add_parser("tables", help="list each view with its row count").set_defaults(handler=_tables)
    sql = commands.add_parser("sql", help="run one read-only SELECT and print CSV")
    sql.add_argument("query")
    sql.set_defaults(handler=_sql)

    validate = commands.add_parser("validate", help="check a monitoring return and say what it would change")
    validate.add_argument("file")
    validate.set_defaults(handler=_validate)
    load = commands.add_parser("import", help="import a monitoring return, all or nothing")
    load.add_argument("file")
    load.add_argument("--replace", action="store_true", help="allow replacing figures already held")
    load.add_argument("--by", help="who is importing (default: the current user)")
    load.set_defaults(handler=_import)
    commands.add_parser("history", help="list monitoring imports as CSV").set_defaults(handler=_history)
    undo = commands.add_parser("undo", help="undo one monitoring import by id")
    undo.add_argument("import_id")
    undo.add_argument("--by")
    undo.set_defaults(handler=_undo)
    export = commands.add_parser("export", help="export all monitoring figures in force")
    export.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv")
    export.add_argument("--output", required=True)
    export.set_defaults(handler=_export)
    template = commands.add_parser("template", help="write a monitoring return template (.csv or .xlsx)")
    template.add_argument("--output", required=True)
    template.set_defaults(handler=_template)
    commands.add_parser("verify", help="check every kept import file").set_defaults(handler=_verify)
    rebuild = commands.add_parser("rebuild-imports", help="re-derive import data files from the kept originals")
    rebuild.add_argument("--force", action="store_true", help="rebuild every import, not only missing files")
    rebuild.set_defaults(handler=_rebuild_imports)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except PbsaError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
