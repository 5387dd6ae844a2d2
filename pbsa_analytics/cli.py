"""Command line: `python -m pbsa_analytics build | tables | sql "select ..."`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pbsa_analytics import settings
from pbsa_analytics.errors import PbsaError
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pbsa_analytics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build the DuckDB store from data/").set_defaults(handler=_build)
    commands.add_parser("tables", help="list each view with its row count").set_defaults(handler=_tables)
    sql = commands.add_parser("sql", help="run one read-only SELECT and print CSV")
    sql.add_argument("query")
    sql.set_defaults(handler=_sql)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except PbsaError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
