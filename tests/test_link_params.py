"""Links say what they ignored: aliases resolve, unknown values are reported as text and dropped from the URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages import open_page

pytestmark = pytest.mark.usefixtures("db_env")


def _warnings(app: AppTest) -> str:
    return "\n".join(str(w.value) for w in app.warning)


def _texts(app: AppTest) -> list[str]:
    return [str(t.value) for t in app.text]


def test_map_place_alias_resolves_to_the_place_id(db_env: Path) -> None:
    """?place=bootle opens Sefton's panel (Bootle is its alias) and the URL is rewritten to the id."""
    app = open_page("pages/map.py", place="Bootle")
    assert not app.exception
    assert app.query_params["place"] == "sefton"
    assert any("Bootle" in str(s.value) for s in app.subheader)
    assert not app.warning


def test_map_unknown_place_is_reported_and_dropped(db_env: Path) -> None:
    """?place=atlantis says no place has that name and removes it from the URL."""
    app = open_page("pages/map.py", place="atlantis")
    assert "no place has this id, name or alias" in _warnings(app)
    assert "place=atlantis" in _texts(app)
    assert "place" not in app.query_params


@pytest.mark.parametrize(
    ("page", "param", "value"), [("pages/typology.py", "phase", "7"), ("pages/map.py", "phase", "7")]
)
def test_unknown_choice_is_reported_and_dropped(page: str, param: str, value: str) -> None:
    """?phase=7 names the allowed choices, falls back to the default and leaves the URL."""
    app = open_page(page, **{param: value})
    assert "“phase” value was ignored" in _warnings(app)
    assert f"{param}={value}" in _texts(app)
    assert param not in app.query_params


@pytest.mark.parametrize("cell", ["foo", "foo:bar"])
def test_unknown_typology_cell_is_reported_and_dropped(cell: str) -> None:
    """?cell=foo and ?cell=foo:bar are reported instead of silently showing nothing."""
    app = open_page("pages/typology.py", cell=cell)
    assert "“cell” value was ignored" in _warnings(app)
    assert "cell" not in app.query_params


def test_negative_slide_is_reported_and_dropped() -> None:
    """slide=-3 shows slide 1, says why, and does not keep -3 in the URL."""
    app = open_page("pages/present.py", deck="learning-event", slide="-3")
    assert "“slide” value was ignored" in _warnings(app)
    assert app.query_params.get("slide") != "-3"


def test_hostile_value_is_shown_as_text_never_markdown() -> None:
    """A URL value full of Markdown and HTML never reaches a Markdown element; it is shown verbatim as text."""
    hostile = "**bold**<img src=x onerror=alert(1)>[link](http://evil)"
    app = open_page("pages/map.py", place=hostile)
    assert hostile not in _warnings(app)
    markdown = "\n".join(str(m.value) for m in [*app.markdown, *app.caption, *app.warning, *app.info])
    assert "evil" not in markdown
    assert f"place={hostile}" in _texts(app)


def test_long_hostile_value_is_cut_short() -> None:
    """A very long URL value is shown cut to a bounded length."""
    app = open_page("pages/typology.py", phase="x" * 5000)
    shown = [t for t in _texts(app) if t.startswith("phase=")]
    assert shown
    assert len(shown[0]) < 100


def test_typology_cell_links_to_evidence_and_outcomes() -> None:
    """A Phase 2 cell links to the place's evidence for the phase, the typology's evidence and its outcomes."""
    app = open_page("pages/typology.py", phase="2", cell="sefton:co_production")
    links = {link.proto.page: link.proto.query_string for link in app.get("page_link")}
    assert links["evidence"] in {"typology=co_production", "place=sefton&phase=2"}
    queries = [link.proto.query_string for link in app.get("page_link")]
    assert "place=sefton&phase=2" in queries
    assert "typology=co_production" in queries
    assert "place=sefton" in queries


def test_outcomes_place_links_back_to_typology_cells() -> None:
    """/outcomes?place=bootle lists Bootle's Phase 2 typologies, each a link to its typology cell."""
    app = open_page("pages/outcomes.py", place="bootle")
    assert app.query_params["place"] == "sefton"
    queries = [link.proto.query_string for link in app.get("page_link") if link.proto.page == "typology"]
    assert "phase=2&cell=sefton%3Aco_production" in queries or "phase=2&cell=sefton:co_production" in queries


def test_evidence_place_alias_filters_to_that_place() -> None:
    """/evidence?place=bootle filters the library to Sefton (Bootle is its alias) and rewrites the URL to the id."""
    app = open_page("pages/evidence.py", place="bootle")
    assert not app.exception
    assert app.query_params["place"] == "sefton"
    assert app.selectbox(key="evidence_place").value == "sefton"
    headings = [str(m.value) for m in app.markdown if str(m.value).startswith("**") and " · " in str(m.value)]
    assert headings
    assert all(heading.startswith("**Bootle**") for heading in headings)
    assert not app.warning


def test_evidence_unknown_place_is_reported_and_dropped() -> None:
    """/evidence?place=atlantis says no place has that name, shows the value as text and removes it from the URL."""
    app = open_page("pages/evidence.py", place="atlantis")
    assert "no place has this id, name or alias" in _warnings(app)
    assert "place=atlantis" in _texts(app)
    assert "place" not in app.query_params
    assert app.selectbox(key="evidence_place").value == ""
