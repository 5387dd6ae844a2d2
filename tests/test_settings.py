"""Settings: each one is documented for users."""

from __future__ import annotations

import pytest

from pbsa_analytics import settings


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_setting_is_documented_in_readme(setting: settings.Setting) -> None:
    """Every setting's name appears in the README's settings table with its help text."""
    readme = (settings.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{setting.name}`" in readme
    assert setting.help in readme


def test_environment_overrides_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """A setting read from the environment wins over its default."""
    monkeypatch.setenv("PBSA_DB_PATH", "/tmp/elsewhere.duckdb")
    assert str(settings.db_path()) == "/tmp/elsewhere.duckdb"
    monkeypatch.delenv("PBSA_DB_PATH")
    assert settings.db_path() == settings.REPO_ROOT / "build" / "pbsa.duckdb"
