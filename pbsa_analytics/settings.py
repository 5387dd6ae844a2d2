"""Every setting in one declarative table: name, default and help, read from the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pbsa_analytics.errors import SettingError

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
    Setting(
        name="PBSA_XLSX_MAX_UNPACKED_MB",
        default="10",
        help="Largest total uncompressed size of an .xlsx return's parts, in megabytes (checked before unpacking).",
    ),
    Setting(
        name="PBSA_XLSX_MAX_RATIO",
        default="100",
        help="Largest compression ratio of any part over 1 MB in an .xlsx return (a zip bomb is refused).",
    ),
    Setting(
        name="PBSA_XLSX_MAX_SHEETS",
        default="20",
        help="Most sheets an .xlsx return may have; only the first is read.",
    ),
    Setting(
        name="PBSA_MAX_ROWS",
        default="20000",
        help="Most rows a return may have, counted as declared (XLSX dimension) and as read.",
    ),
    Setting(
        name="PBSA_MAX_COLUMNS",
        default="50",
        help="Most columns a return may have, counted as declared (XLSX dimension) and as read.",
    ),
    Setting(
        name="PBSA_MAX_CELL_CHARS",
        default="1000",
        help="Longest cell text a return may hold, in characters.",
    ),
    Setting(
        name="PBSA_COMPACT_AFTER_IMPORTS",
        default="50",
        help="Loose monitoring imports that trigger compaction into one segment file after an import (0: never).",
    ),
    Setting(
        name="PBSA_PUBLIC_BASE_URL",
        default="",
        help="Address phones in the room use to reach the app (e.g. http://192.168.1.20:8501); empty: the browser's.",
    ),
    Setting(
        name="PBSA_PRESENTER_SECRET",
        default="",
        help="Presenter secret for local mode; empty: one is generated in the store folder and printed by make run.",
    ),
    Setting(
        name="PBSA_PULSE_CODE_HOURS",
        default="8",
        help="Hours a pulse join code accepts answers after the presenter opened it.",
    ),
    Setting(
        name="PBSA_PULSE_MAX_ANSWERS",
        default="5000",
        help="Most answers one pulse question accepts (all participants and changes of mind together).",
    ),
    Setting(
        name="PBSA_PULSE_INTERVAL_S",
        default="2",
        help="Seconds a participant waits between two answers to the same question.",
    ),
    Setting(
        name="PBSA_ACCESS_FILE",
        default=str(REPO_ROOT / "access.toml"),
        help="Access file (TOML, outside data/) giving each signed-in user a role; read only when sign-in is "
        "configured. See access.example.toml.",
    ),
    Setting(
        name="PBSA_LABEL_SECRET",
        default="",
        help="Secret keying the order of anonymised labels (Partnership A, B, ...); empty = a random secret per "
        "server start, so labels are stable while the server runs.",
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


# Used when PBSA_LABEL_SECRET is empty: fixed for this server process, unknown to anyone.
_PROCESS_LABEL_SECRET = secrets.token_bytes(32)


def label_secret() -> bytes:
    """Key for the order of anonymised labels: the setting if given, else this process's random secret."""
    value = get("PBSA_LABEL_SECRET")
    return value.encode("utf-8") if value else _PROCESS_LABEL_SECRET


def access_file() -> Path:
    return Path(get("PBSA_ACCESS_FILE"))


def max_upload_bytes() -> int:
    return int(float(get("PBSA_MAX_UPLOAD_MB")) * 1024 * 1024)


def int_setting(name: str) -> int:
    """A whole-number setting; a value that is not one names the setting."""
    value = get(name)
    try:
        return int(value)
    except ValueError as error:
        raise SettingError(f"setting {name}={value!r} is not a whole number") from error


def public_base_url() -> str:
    """The room-facing base URL without a trailing slash, or "" to use the address the browser used."""
    return get("PBSA_PUBLIC_BASE_URL").strip().rstrip("/")
