"""Settings: each one is documented for users."""

from __future__ import annotations

import pytest

from pbsa_analytics import settings
from pbsa_analytics.imports.reading import ReadLimits
from pbsa_analytics.services.monitoring import read_limits


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


@pytest.mark.parametrize(
    "setting", [s for s in settings.SETTINGS if not s.default.startswith(str(settings.REPO_ROOT))], ids=lambda s: s.name
)
def test_readme_settings_table_row_matches_the_default(setting: settings.Setting) -> None:
    """The README's row for each plain setting shows its actual default, so the table cannot drift."""
    readme = (settings.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    shown = f"`{setting.default}`" if setting.default else "empty"
    assert f"| `{setting.name}` | {shown} | {setting.help} |" in readme


def test_reader_defaults_are_the_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits the service reads from the settings table equal the reader's own defaults."""
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    assert read_limits() == ReadLimits()
