"""The keyboard cell picker on /typology and /outcomes: choosing a cell there is the same as clicking it."""

from __future__ import annotations

import pytest

from tests.test_pages import open_page

pytestmark = pytest.mark.usefixtures("db_env")


def _subheaders(app) -> list[str]:
    return [str(s.value) for s in app.subheader]


def test_typology_picker_opens_the_cell_and_writes_the_url() -> None:
    """Choosing Bootle and Co-production in the picker opens that cell's panel and puts ?cell= in the URL."""
    app = open_page("pages/typology.py", phase="2")
    assert "cell" not in app.query_params
    app.selectbox(key="typology_cell_row").select("sefton").run()
    assert "cell" not in app.query_params  # half a cell opens nothing
    app.selectbox(key="typology_cell_column").select("co_production").run()
    assert not app.exception
    assert app.query_params["cell"] == "sefton:co_production"
    assert "Bootle × Co-production (Phase 2): marked" in _subheaders(app)


def test_typology_picker_follows_the_url_cell() -> None:
    """A link's ?cell= shows in the picker, and changing only the typology moves to that cell of the same place."""
    app = open_page("pages/typology.py", phase="2", cell="sefton:co_production")
    assert app.selectbox(key="typology_cell_row").value == "sefton"
    assert app.selectbox(key="typology_cell_column").value == "co_production"
    app.selectbox(key="typology_cell_column").select("advocacy_social_movements").run()
    assert app.query_params["cell"] == "sefton:advocacy_social_movements"
    assert any(text.startswith("Bootle × Advocacy & Social Movements (Phase 2)") for text in _subheaders(app))


def test_outcomes_picker_lists_the_evidence_of_the_chosen_cell() -> None:
    """Choosing Lincoln and Empowerment in the /outcomes picker lists that cell's evidence, as a click does."""
    app = open_page("pages/outcomes.py")
    app.selectbox(key="outcomes_cell_row").select("lincoln")
    app.selectbox(key="outcomes_cell_column").select("empowerment").run()
    assert not app.exception
    assert app.query_params["cell"] == "lincoln:empowerment"
    assert any(text.startswith("Lincoln × Empowerment:") for text in _subheaders(app))
    labels = {box.label for box in app.selectbox if box.key and box.key.startswith("outcomes_cell_")}
    assert labels == {"Place", "Outcome"}  # each control has a visible name
