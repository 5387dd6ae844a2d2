"""Helpers for conditions tests: a private store per test and principals for each role."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbsa_analytics.access import Principal, Role
from pbsa_analytics.store import Store
from tests.imports_support import fresh_store

HARTLEPOOL = Principal(subject="hl", display_name="Hartlepool user", role=Role.PARTNERSHIP, place_id="hartlepool")
FUNDER = Principal(subject="funder", display_name="Funder", role=Role.FUNDER)
PUBLIC = Principal(subject="anon", display_name="Public", role=Role.PUBLIC)


def private_store(built_db: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A copy of the built store with an empty store folder, and the settings pointing at both."""
    store = fresh_store(built_db, folder)
    monkeypatch.setenv("PBSA_DB_PATH", str(folder / "pbsa.duckdb"))
    monkeypatch.setenv("PBSA_STORE_DIR", str(folder / "imports"))
    return store
