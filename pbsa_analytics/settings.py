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
    Setting(
        name="PBSA_STORE_DIR",
        default=str(REPO_ROOT / "var" / "store"),
        help="Folder of monitoring imports: an immutable Parquet file and manifest per import, and the originals.",
    ),
    Setting(
        name="PBSA_MAX_UPLOAD_MB",
        default="5",
        help="Largest monitoring file accepted, in megabytes; bigger files are refused before parsing.",
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


def store_dir() -> Path:
    return Path(get("PBSA_STORE_DIR"))


def max_upload_bytes() -> int:
    return int(float(get("PBSA_MAX_UPLOAD_MB")) * 1024 * 1024)
