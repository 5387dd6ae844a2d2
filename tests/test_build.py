"""The build: bad files fail with the file named, and never damage the existing store."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pytest

from pbsa_analytics import settings
from pbsa_analytics.errors import BuildError
from pbsa_analytics.store import build_store, open_store


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A scratch copy of data/ that a test may corrupt."""
    return Path(shutil.copytree(settings.data_dir(), tmp_path / "data"))


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _negative_value(rows: list[dict]) -> None:
    rows[random.Random(7).randrange(len(rows))]["value"] = "-5"


def _unknown_place(rows: list[dict]) -> None:
    rows[0]["place_id"] = "atlantis"


def _duplicate_key(rows: list[dict]) -> None:
    rows.append(dict(rows[0]))


def _bad_region(rows: list[dict]) -> None:
    rows[3]["region"] = "Middle Earth"


@pytest.mark.parametrize(
    ("file_name", "corrupt"),
    [
        ("monitoring.csv", _negative_value),
        ("place_aliases.csv", _unknown_place),
        ("typologies.csv", _duplicate_key),
        ("places.csv", _bad_region),
    ],
)
def test_bad_file_fails_naming_it_and_keeps_old_store(data_copy: Path, tmp_path: Path, file_name, corrupt):
    """A constraint violation stops the build with the file's name and leaves the previous store as it was."""
    db_path = build_store(data_dir=data_copy, db_path=tmp_path / "pbsa.duckdb")
    before = db_path.read_bytes()
    _rewrite(data_copy / file_name, corrupt)
    with pytest.raises(BuildError, match=file_name):
        build_store(data_dir=data_copy, db_path=db_path)
    assert db_path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".building")]


def test_missing_file_is_named(data_copy: Path, tmp_path: Path) -> None:
    """A missing data file is reported by name."""
    (data_copy / "metrics.csv").unlink()
    with pytest.raises(BuildError, match=r"metrics\.csv"):
        build_store(data_dir=data_copy, db_path=tmp_path / "pbsa.duckdb")


def test_readers_keep_working_while_the_store_is_rebuilt(data_copy: Path, tmp_path: Path) -> None:
    """A reader opened before a rebuild still reads a whole, consistent store."""
    db_path = build_store(data_dir=data_copy, db_path=tmp_path / "pbsa.duckdb")
    reader = open_store(db_path=db_path)
    build_store(data_dir=data_copy, db_path=db_path)
    assert reader.execute("select count(*) as n from places")["n"].iloc[0] == 20
    assert open_store(db_path=db_path).execute("select count(*) as n from places")["n"].iloc[0] == 20
