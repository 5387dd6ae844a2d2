"""Command line: build, tables, sql, and the monitoring return commands (validate, import, undo, ...)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pbsa_analytics import exports, queries, settings
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.demo import conditions as demo_conditions
from pbsa_analytics.demo.returns import DEFAULT_SEED
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.imports.template import template_csv, template_xlsx
from pbsa_analytics.services import conditions, demo, monitoring, partnership
from pbsa_analytics.store import VIEWS, build_store, open_store

EXIT_PROBLEMS = 1  # verify only: it ran and found problems
EXIT_USAGE = 2  # every failure of every command: bad arguments or input, a missing or damaged store, a disk error


def _build(_args: argparse.Namespace) -> int:
    path = build_store(data_dir=settings.data_dir(), db_path=settings.db_path())
    print(f"built {path}", file=sys.stderr)
    return 0


def _tables(_args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    # View names come from the package's own list, never from input. Counted first, printed after, so a
    # store that fails half-way (damaged) prints only its one error line.
    counts = [(view, store.execute(f'select count(*) as n from "{view}"')["n"].iloc[0]) for view in VIEWS]
    print("view,rows")
    for view, rows in counts:
        print(f"{view},{rows}")
    return 0


def _sql(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    frame = store.execute_read(args.query)
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _write_output(path: str, data: bytes) -> None:
    """Write the whole file under a temporary name and rename it; a failure leaves no partial or temp file."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


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


def _received_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise PbsaError(f"--received {text!r}: use YYYY-MM-DD") from error


def _import(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    data, name = _read_input(args.file)
    received = _received_day(args.received)
    record = monitoring.import_file(
        store, data=data, file_name=name, replace=args.replace, submitted_by=args.by or getpass.getuser(),
        received_on=received,
    )  # fmt: skip
    print(f"imported {name} as {record.import_id}: {record.rows_added} added, {record.rows_replaced} replaced, "
          f"{record.rows_unchanged} unchanged")  # fmt: skip
    return 0


def _history(_args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    # File names and names are untrusted; neutralised so the CSV is safe to open in a spreadsheet.
    exports.neutralise_formulas(monitoring.history(store)).to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _undo(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    monitoring.undo(store, import_id=args.import_id, by=args.by or getpass.getuser())
    print(f"undone {args.import_id}")
    return 0


def _export(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    _write_output(args.output, monitoring.export_monitoring(store, file_format=args.format))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _template(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    metrics = queries.run(store, "metrics_list")
    data = template_csv(metrics) if args.output.endswith(".csv") else template_xlsx(metrics)
    _write_output(args.output, data)
    return 0


def _rebuild_imports(args: argparse.Namespace) -> int:
    rebuilt = monitoring.rebuild_imports(open_store(db_path=settings.db_path()), force=args.force)
    print(f"rebuilt {len(rebuilt)} import data file(s) from the kept originals")
    return 0


def _compact(_args: argparse.Namespace) -> int:
    folded = monitoring.compact(open_store(db_path=settings.db_path()))
    print(f"folded {folded} import(s) into one segment file; their own files are kept in compacted/")
    return 0


def _verify(_args: argparse.Namespace) -> int:
    """Exit 0: all good; 1: problems found, one per line on stdout; 2: the check itself could not run."""
    store = open_store(db_path=settings.db_path())
    tables = store.check_readable()  # a damaged store file is a failure (exit 2), like in every other command
    # Quarantined imports come first: they are left out of every figure until repaired.
    problems = store.imports.verify()
    problems += [f"conditions {problem}" for problem in conditions.conditions_store(store).verify()]
    for problem in problems:
        print(problem)
    checked = (f"the store ({tables} tables), {len(store.imports.records())} import(s) and "
               f"{len(conditions.conditions_store(store).entries())} self-assessment save(s)")  # fmt: skip
    if problems:
        print(f"{len(problems)} problem(s) found checking {checked}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"verified {checked}: no problems", file=sys.stderr)
    return 0


def _conditions_export(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    data = conditions.export_rounds(store, principal=LOCAL_ADMIN, file_format=args.format)
    _write_output(args.output, data)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _conditions_template(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    file_format = "csv" if args.output.endswith(".csv") else "xlsx"
    data = conditions.template(store, file_format=file_format, place_id=args.place or "", round_id=args.round or "")
    _write_output(args.output, data)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _conditions_import(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    data, name = _read_input(args.file)
    entry = conditions.import_round(
        store, principal=LOCAL_ADMIN, data=data, file_name=name, name=args.by or getpass.getuser(),
        correct_submitted=args.correct,
    )  # fmt: skip
    print(f"{entry.kind} of {entry.place_id} {entry.round} saved as {entry.entry_id}: {entry.answered} answered")
    return 0


def _conditions_demo(args: argparse.Namespace) -> int:
    saves = demo_conditions.load_demo(db_path=settings.db_path(), store_dir=Path(args.store_dir), seed=args.seed)
    print(f"loaded {saves} synthetic self-assessment round(s) into {args.store_dir}", file=sys.stderr)
    return 0


def _add_conditions_commands(commands: argparse._SubParsersAction) -> None:
    """`conditions export|import|template|demo`: the conditions self-assessment from the command line."""
    group = commands.add_parser("conditions", help="conditions self-assessments: export, import, template, demo")
    sub = group.add_subparsers(dest="conditions_command", required=True)
    export = sub.add_parser("export", help="export every submitted round in force")
    export.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv")
    export.add_argument("--output", required=True)
    export.set_defaults(handler=_conditions_export)
    template = sub.add_parser("template", help="write a blank round to fill in offline (.csv or .xlsx)")
    template.add_argument("--output", required=True)
    template.add_argument("--place", help="pre-fill the place column")
    template.add_argument("--round", help="pre-fill the round column, e.g. 2025-Q1")
    template.set_defaults(handler=_conditions_template)
    load = sub.add_parser("import", help="submit a round prepared offline, all or nothing")
    load.add_argument("file")
    load.add_argument("--correct", action="store_true", help="correct a round that was already submitted")
    load.add_argument("--by", help="who is submitting (default: the current user)")
    load.set_defaults(handler=_conditions_import)
    demo = sub.add_parser("demo", help="load the labelled synthetic demo rounds into a separate store folder")
    demo.add_argument("--store-dir", required=True, help="a folder other than the default store")
    demo.add_argument("--seed", type=int, default=demo_conditions.DEFAULT_SEED)
    demo.set_defaults(handler=_conditions_demo)


def _demo(args: argparse.Namespace) -> int:
    store_dir = Path(args.store_dir)
    demo.check_demo_target(store_dir)
    records = demo.load_demo(open_store(db_path=settings.db_path(), store_dir=store_dir), seed=args.seed)
    print(f"imported {len(records)} synthetic demo return(s) into {store_dir}")
    rounds = demo_conditions.load_demo(db_path=settings.db_path(), store_dir=store_dir, seed=args.seed)
    print(f"saved {rounds} synthetic conditions self-assessment round(s) into {store_dir}")
    print(f"run the app on it: PBSA_STORE_DIR={store_dir} streamlit run app.py", file=sys.stderr)
    return 0


def _partnership(args: argparse.Namespace) -> int:
    store = open_store(db_path=settings.db_path())
    lines = partnership.partnership_summary(
        store, principal=LOCAL_ADMIN, place=args.place, period_token=args.period, anonymise=args.anon
    )
    print("\n".join(lines))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pbsa_analytics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build the DuckDB store from data/").set_defaults(handler=_build)
    commands.add_parser("tables", help="list each mart (table or view) and its rows").set_defaults(handler=_tables)
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
    load.add_argument("--received", help="YYYY-MM-DD the return reached the programme, if before today")
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
    commands.add_parser(
        "verify", help="check the store and every kept file; exit 0 all good, 1 problems found, 2 could not check"
    ).set_defaults(handler=_verify)
    commands.add_parser(
        "compact", help="fold the loose monitoring imports into one segment file (kept history, fewer files)"
    ).set_defaults(handler=_compact)
    rebuild = commands.add_parser("rebuild-imports", help="re-derive import data files from the kept originals")
    rebuild.add_argument("--force", action="store_true", help="rebuild every import, not only missing files")
    rebuild.set_defaults(handler=_rebuild_imports)
    _add_conditions_commands(commands)
    summary = commands.add_parser("partnership", help="one place against the cohort, as on /partnership")
    summary.add_argument("--place", required=True, help="a place id, name or alias")
    summary.add_argument("--period", default="", help="all, phase-N, fy-YYYY or q-YYYY-MM (default: Phase 2)")
    summary.add_argument("--anon", action="store_true", help="show other partnerships as Partnership A, B, ...")
    summary.set_defaults(handler=_partnership)
    load_demo = commands.add_parser("demo", help="load seeded synthetic quarterly returns into a separate store")
    load_demo.add_argument(
        "--store-dir",
        default=str(settings.REPO_ROOT / "var" / "demo-store"),
        help="an empty imports folder, never the programme's (default: var/demo-store)",
    )
    load_demo.add_argument("--seed", type=int, default=DEFAULT_SEED)
    load_demo.set_defaults(handler=_demo)
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr and exit code 2, never a traceback."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except monitoring.InvalidFileError as error:
        if len(error.problems) == 1:
            print(f"error: {_one_line(str(error.problems[0]))}; nothing was imported", file=sys.stderr)
        else:
            # A one-line summary, then each problem on its own line naming its row and column.
            print(f"error: {error}", file=sys.stderr)
    except PbsaError as error:
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"error: {_one_line(error.strerror or str(error))}{where}; nothing was changed", file=sys.stderr)
    except KeyboardInterrupt:
        print("error: interrupted; nothing was changed", file=sys.stderr)
    except Exception as error:
        # A bug, not a user error: still one line, naming what failed so it can be reported.
        print(f"error: unexpected {type(error).__name__}: {_one_line(str(error))}", file=sys.stderr)
    return EXIT_USAGE
