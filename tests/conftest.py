"""Shared fixtures: one store built from the real data/ per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbsa_analytics import settings
from pbsa_analytics.store import Store, build_store, open_store


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
