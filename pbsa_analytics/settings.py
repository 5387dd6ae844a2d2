"""Every setting in one declarative table: name, default and help, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="PBSA_DATA_DIR",
        default=str(REPO_ROOT / "data"),
        help="Folder holding the human-readable source files (CSV) that the build reads.",
    ),
    Setting(
        name="PBSA_DB_PATH",
        default=str(REPO_ROOT / "build" / "pbsa.duckdb"),
        help="DuckDB file the build writes and the app and CLI read (opened read-only).",
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def get(name: str) -> str:
    """Return the environment's value for a setting, or its default."""
    setting = _BY_NAME[name]
    return os.environ.get(setting.name, setting.default)


def data_dir() -> Path:
    return Path(get("PBSA_DATA_DIR"))


def db_path() -> Path:
    return Path(get("PBSA_DB_PATH"))
