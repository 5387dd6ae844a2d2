"""Shared fixtures: one store built from the real data/ per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pbsa_analytics import settings
from pbsa_analytics.store import Store, build_store, open_store


@pytest.fixture(scope="session", autouse=True)
def isolated_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Monitoring imports of the test session go to a scratch folder, never the checkout's var/."""
    path = tmp_path_factory.mktemp("imports")
    previous = os.environ.get("PBSA_STORE_DIR")
    os.environ["PBSA_STORE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("PBSA_STORE_DIR", None)
    else:
        os.environ["PBSA_STORE_DIR"] = previous


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a store freshly built from the repository's data/ folder."""
    db_path = tmp_path_factory.mktemp("store") / "pbsa.duckdb"
    return build_store(data_dir=settings.data_dir(), db_path=db_path)


@pytest.fixture(scope="session")
def store(built_db: Path) -> Store:
    return open_store(db_path=built_db)


@pytest.fixture
def db_env(built_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the settings at the session's store, as a user's environment would."""
    monkeypatch.setenv("PBSA_DB_PATH", str(built_db))
    return built_db
