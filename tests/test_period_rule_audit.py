"""Audit: every monitoring figure on every page, download, slide and export states its period and its rule."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.charts.theme import ProjectorTheme
from pbsa_analytics.periods import RULE_SHORT, parse_period
from pbsa_analytics.presentation.deck import load_deck
from pbsa_analytics.services import monitoring
from pbsa_analytics.services.demo import load_demo
from pbsa_analytics.store import Store
from pbsa_analytics.ui import downloads, layout
from pbsa_analytics.ui import partnership as partnership_ui
from pbsa_analytics.ui.layout import chart_title_text
from pbsa_analytics.ui.slides import pulse_chart, slide_chart
from tests.imports_support import fresh_store
from tests.test_pages import open_download_menus, open_page, page_text

PERIOD = "fy-2023"
LABEL = parse_period(PERIOD).label
# The rules a figure may state: each metric's declared rule, or uncombined per-period / per-quarter figures.
RULES = (*RULE_SHORT.values(), "per quarter (not combined)", "per period (not combined)")
PAGES = [
    ("pages/overview.py", {}),
    ("pages/map.py", {"size": "beneficiaries"}),
    ("pages/partnership.py", {"place": "hartlepool"}),
    ("pages/data.py", {}),
]


@pytest.fixture(scope="module")
def demo_store(built_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A store copy with the seeded synthetic quarterly returns, so periods and rules matter."""
    store = fresh_store(built_db, tmp_path_factory.mktemp("audit-demo"))
    load_demo(store)
    yield store
    store.close()


@pytest.fixture
def recorded(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Every table download and every chart shown with downloads, as the pages hand them over."""
    monkeypatch.setenv("PBSA_DB_PATH", str(demo_store.db_path))
    monkeypatch.setenv("PBSA_STORE_DIR", str(demo_store.store_dir))
    seen: dict[str, list] = {"tables": [], "charts": [], "images": []}
    table_files, chart_downloads = downloads._table_files, layout.chart_downloads
    image_downloads = partnership_ui.image_downloads

    def record_table(data, *, notes):
        seen["tables"].append((data() if callable(data) else data, notes))
        return table_files(data, notes=notes)

    def record_chart(*, chart, data, name, key, caption=""):
        seen["charts"].append((chart, data, name, caption))
        return chart_downloads(chart=chart, data=data, name=name, key=key, caption=caption)

    def record_image(*, chart, name, key, formats, label):
        seen["images"].append((chart() if callable(chart) else chart, name))
        return image_downloads(chart=chart, name=name, key=key, formats=formats, label=label)

    monkeypatch.setattr(downloads, "_table_files", record_table)
    monkeypatch.setattr(layout, "chart_downloads", record_chart)
    monkeypatch.setattr(partnership_ui, "image_downloads", record_image)
    return seen


def _metric_labels(store: Store) -> set[str]:
    return set(queries.run(store, "metrics_list")["label"])


def _monitoring_rows(frame: pd.DataFrame, labels: set[str]) -> pd.DataFrame:
    """The rows of a table that hold a monitoring figure (a metric's value), whatever else the table holds."""
    for column in ("metric", "metric_label"):
        if column in frame.columns:
            return frame[frame[column].notna()]
    return frame if set(frame.columns) & labels else frame.iloc[0:0]


def _states_period_and_rule(text: str) -> bool:
    return LABEL in text and any(rule in text for rule in RULES)


@pytest.mark.parametrize(("page", "params"), PAGES, ids=[p for p, _ in PAGES])
def test_every_monitoring_figure_on_a_page_states_its_period_and_rule(
    recorded: dict[str, list], demo_store: Store, page: str, params: dict
) -> None:
    """On each page with a period chosen, every monitoring table download has the period and a rule on each row,
    every monitoring chart says both in its title or caption, and headline tiles and lines say both."""
    app = open_page(page, period=PERIOD, **params)
    assert open_download_menus(app)  # a table's files are gathered only while its menu is open
    assert not app.exception, [e.value for e in app.exception]
    labels = _metric_labels(demo_store)
    checked = 0
    for frame, notes in recorded["tables"]:
        rows = _monitoring_rows(frame, labels)
        if rows.empty:
            continue
        checked += 1
        assert {"period", "rule"} <= set(rows.columns), (notes.title, list(rows.columns))
        assert set(rows["period"]) == {LABEL}, notes.title
        assert set(rows["rule"]) <= set(RULES), notes.title
    for chart, data, name, caption in recorded["charts"]:
        if _monitoring_rows(data, labels).empty:
            continue
        checked += 1
        assert _states_period_and_rule(f"{chart_title_text(chart)} {caption}"), (name, chart_title_text(chart), caption)
    for chart, name in recorded["images"]:
        spec = str(chart.to_dict())
        assert _states_period_and_rule(spec), name
    tiles = [tile for tile in app.metric if tile.label in labels]
    for tile in tiles:
        checked += 1
        assert any(rule in tile.proto.help for rule in RULES), tile.label
    if tiles:
        assert f"Period: {LABEL}." in page_text(app)
    for line in page_text(app).splitlines():
        if " reporting, " in line and "of the programme total" in line:
            checked += 1
            assert _states_period_and_rule(line), line
    assert checked, "the page showed no monitoring figure to check"


def test_the_monitoring_export_states_each_rows_period_and_its_metrics_rule(demo_store: Store) -> None:
    """The /data and CLI export of every figure in force gives each row's own period and the metric's rule."""
    frame = pd.read_csv(io.BytesIO(monitoring.export_monitoring(demo_store, file_format="csv")))
    assert {"period_start", "period_end", "over_time"} <= set(frame.columns)
    assert frame[["period_start", "period_end"]].notna().all().all()
    assert set(frame["over_time"]) <= set(RULE_SHORT)


def test_a_place_panel_states_each_figures_period_and_rule(recorded: dict[str, list]) -> None:
    """The map's place panel lists each monitoring figure with its own period and its metric's rule."""
    app = open_page("pages/map.py", period=PERIOD, place="hartlepool")
    panel = next(frame.value for frame in app.dataframe if "value" in frame.value.columns)
    assert {"period_start", "period_end", "rule"} <= set(panel.columns)
    assert panel["rule"].map(lambda cell: any(rule in cell for rule in RULES)).all()


@pytest.mark.parametrize("deck", ["learning-event", "cohort-meeting"])
def test_slide_monitoring_figures_state_their_period_and_rule(db_env: Path, deck: str) -> None:
    """A slide showing monitoring figures per place says, on the projected chart, which period and rule."""
    for slide in load_deck(decks_dir=settings.data_dir() / "decks", name=deck).slides:
        if slide.chart != "metric_by_place":
            continue
        chart, data = slide_chart(slide, anonymise=True, width=800, height=500, theme=ProjectorTheme.LIGHT)
        assert {"period", "rule"} <= set(data.columns)
        title = chart_title_text(chart)
        assert "Phase 2" in title
        assert any(rule in title for rule in RULES), title


def test_revealed_guess_states_the_real_figures_period_and_rule(db_env: Path) -> None:
    """Once a 'guess the number' slide is revealed, the projected chart says which period and rule the real
    figure is."""
    deck = load_deck(decks_dir=settings.data_dir() / "decks", name="learning-event")
    question = next(q for q in deck.questions.values() if q.kind == "guess_number")
    answers = pd.DataFrame({"value": ["500", "900", "1,200"]})
    chart = pulse_chart(question, answers, revealed=True, width=800, height=500, theme=ProjectorTheme.LIGHT)
    title = chart_title_text(chart)
    assert title.startswith("Real figure: Volunteers, Phase 2, latest period")
    hidden = pulse_chart(question, answers, revealed=False, width=800, height=500, theme=ProjectorTheme.LIGHT)
    assert chart_title_text(hidden) == ""
