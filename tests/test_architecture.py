"""Architecture rules import-linter cannot express: app.py's imports and no hand-typed sources in page code."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest

from pbsa_analytics import settings

ROOT = settings.REPO_ROOT
PAGE_AND_UI_FILES = sorted(
    [
        *ROOT.glob("pages/*.py"),
        *ROOT.glob("pbsa_analytics/ui/*.py"),
        *ROOT.glob("pbsa_analytics/services/*.py"),
        ROOT / "app.py",
    ]
)
# Ways a hand-typed citation shows up: a document's file id, a report's table, figure, appendix or section.
CITATION_PATTERNS = [
    r"\d{3}_[0-9a-f]{16}",
    r"\bTable \d",
    r"\bFigure \d",
    r"\bAppendix\b",
    r"\bSection \d",
    r"\bfootnote\b",
]


def _document_names() -> list[str]:
    """Authors and titles of the cited documents, read from the data so a new document is covered too."""
    with (settings.data_dir() / "sources.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["kind"] != "project"]
    return sorted({row[column] for row in rows for column in ("author", "title", "short_title")})


def _string_constants(path: Path) -> list[str]:
    """Every string literal in a module, docstrings included, with f-string pieces joined."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("path", PAGE_AND_UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hand_typed_source_in_pages_or_ui(path: Path) -> None:
    """Pages and ui modules hold no document name, file id or report section: citations come from the data."""
    text = "\n".join(_string_constants(path))
    found = [name for name in _document_names() if name.lower() in text.lower()]
    found += [pattern for pattern in CITATION_PATTERNS if re.search(pattern, text, flags=re.IGNORECASE)]
    assert not found, f"{path.name} types a citation by hand: {found}"


def test_the_check_catches_a_typed_caption(tmp_path: Path) -> None:
    """The same check flags a caption typed the old way, so the test above can fail."""
    page = tmp_path / "page.py"
    page.write_text('CAPTION = "Source: Renaisi, Learning from Phase 1 (2019), Table 3"\n', encoding="utf-8")
    text = "\n".join(_string_constants(page))
    assert any(name.lower() in text.lower() for name in _document_names())
    assert any(re.search(pattern, text, flags=re.IGNORECASE) for pattern in CITATION_PATTERNS)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_app_entry_point_imports_only_streamlit_and_ui() -> None:
    """app.py (a single module, outside import-linter's packages) imports Streamlit and ui/ only."""
    imported = _imported_modules(ROOT / "app.py")
    allowed = {name for name in imported if name == "streamlit" or name.startswith("pbsa_analytics.ui")}
    assert imported == allowed, imported - allowed


CHART_FILES = sorted(ROOT.glob("pbsa_analytics/charts/*.py"))
# Altair turns these into channels by matching them against every schema class (5-17 ms a call, per cold chart).
_UNTYPED_CALLS = {"value", "datum", "condition", "from_dict"}


def _untyped_channels(source: str) -> list[str]:
    """Each `.encode(...)` argument given as a bare string, dict, list of strings or alt.value/datum/condition,
    and each `from_dict` call, as "line: argument"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr in {"from_dict"}:
            found.append(f"{node.lineno}: {ast.unparse(node)[:60]}")
        if node.func.attr != "encode":
            continue
        for keyword in node.keywords:
            value = keyword.value
            items = value.elts if isinstance(value, ast.List) else [value]
            untyped = [
                item
                for item in items
                if isinstance(item, ast.Constant | ast.Dict | ast.JoinedStr)
                or (isinstance(item, ast.Call) and getattr(item.func, "attr", "") in _UNTYPED_CALLS)
            ]
            found += [f"{node.lineno}: {keyword.arg}={ast.unparse(item)[:60]}" for item in untyped]
    return found


@pytest.mark.parametrize("path", CHART_FILES, ids=lambda p: p.name)
def test_chart_encodings_are_typed_channels(path: Path) -> None:
    """Chart builders pass channel objects (alt.X, alt.Text, alt.OpacityValue, ...) to encode, never the bare
    forms Altair must match against its whole schema on every cold chart."""
    assert _untyped_channels(path.read_text(encoding="utf-8")) == []


def test_the_typed_channel_check_catches_bare_forms() -> None:
    """The check names a shorthand string, a tooltip list of strings, alt.value and alt.condition."""
    source = (
        'c.encode(x="a:Q", tooltip=["b:N", alt.Tooltip("c:N")], y=alt.value(3),\n'
        "         opacity=alt.condition(sel, alt.value(1), alt.value(0)), color=alt.Color('d:N'))"
    )
    assert [line.split("=")[0] for line in _untyped_channels(source)] == ["1: x", "1: tooltip", "1: y", "1: opacity"]
