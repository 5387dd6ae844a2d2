"""Each role's pages run without error in AppTest, and pages outside a role's set are not reachable.

Sign-in itself is exercised for real in tests/browser/test_access_leaks.py; here the session's principal is set
directly so every page can be run quickly for every role.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pbsa_analytics import settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.ui import auth
from pbsa_analytics.ui.data import clear_caches
from pbsa_analytics.ui.navigation import PAGES

APP = str(settings.REPO_ROOT / "app.py")
PRINCIPALS = {
    Role.FUNDER: Principal(subject="f@example.org", display_name="F", role=Role.FUNDER),
    Role.PARTNERSHIP: Principal(
        subject="p@example.org", display_name="P", role=Role.PARTNERSHIP, place_id="hartlepool"
    ),
    Role.PUBLIC: Principal(subject="v@example.org", display_name="V", role=Role.PUBLIC),
    Role.PARTICIPANT: Principal(subject="phone", display_name="phone", role=Role.PARTICIPANT),
}


def _cases() -> list[tuple[Role, str]]:
    cases = []
    for role in PRINCIPALS:
        allowed = auth.ROLE_PAGES[role]
        cases += [(role, spec.file) for spec in PAGES if allowed is None or spec.url_path in allowed]
    return cases


@pytest.mark.usefixtures("db_env")
@pytest.mark.parametrize(("role", "page_file"), _cases(), ids=str)
def test_role_page_renders_without_error(monkeypatch: pytest.MonkeyPatch, role: Role, page_file: str) -> None:
    """Each page a role is offered runs to the end with no exception and no error box."""
    monkeypatch.setattr(auth, "session_principal", lambda: PRINCIPALS[role])
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page(page_file)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def test_partnership_page_ignores_another_place_in_the_url(db_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A partnership asking for another place by URL still gets its own page, with no picker and no toggle."""
    monkeypatch.setattr(auth, "session_principal", lambda: PRINCIPALS[Role.PARTNERSHIP])
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["place"] = "colchester"
    app.query_params["anon"] = "0"
    app.run()
    app.switch_page("pages/partnership.py")
    app.run()
    assert app.title[0].value.startswith("Hartlepool")
    assert [box.label for box in app.selectbox] == ["Period"]  # the period, never a place picker
    assert not app.toggle
    captions = " ".join(caption.value for caption in app.caption)
    assert "drawn afresh for each monitoring figure" in captions  # labels are not the same place chart to chart
    assert "rounded to the nearest 5" in captions


@pytest.mark.parametrize(("role", "explained"), [(Role.PARTNERSHIP, True), (Role.FUNDER, False)])
def test_an_empty_evidence_search_says_why_in_a_view_naming_one_place(
    db_env: Path, monkeypatch: pytest.MonkeyPatch, role: Role, explained: bool
) -> None:
    """A partnership searching another place's name is told its view names its own place only (as after any empty
    search, so the words tell it nothing); a funder's empty search gets the plain advice alone."""
    monkeypatch.setattr(auth, "session_principal", lambda: PRINCIPALS[role])
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["q"] = "Colchester"
    app.run()
    app.switch_page("pages/evidence.py")
    app.run()
    if role is Role.FUNDER:  # the funder's search finds Colchester: make it one that matches nothing
        app.text_input(key="evidence_q").set_value("zzzqqq").run()
    boxes = [box.value for box in app.info]
    assert any(box.startswith("Nothing matches.") for box in boxes), boxes
    assert any("names your own partnership only" in box for box in boxes) is explained
    if role is Role.PARTNERSHIP:  # a search that matches nothing at all reads exactly the same: the words tell nothing
        app.text_input(key="evidence_q").set_value("zzzqqq").run()
        assert [box.value for box in app.info] == boxes


def test_the_public_overview_says_only_what_it_shows(db_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the public: place counts are whole numbers equal to the published cohorts, and nothing it withholds is
    presented (no completeness expander claiming 0 periods, no Explore heading over links it cannot follow)."""
    monkeypatch.setattr(auth, "session_principal", lambda: PRINCIPALS[Role.PUBLIC])
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    # Independently of the store: the places data/ records as taking part in each phase.
    participation = pd.read_csv(settings.data_dir() / "phase_participation.csv")
    took_part = participation[participation["status"] == "took_part"].groupby("phase")["place_id"].nunique()
    assert [metric.value for metric in app.metric][: len(took_part)] == [f"{n} places" for n in took_part]
    assert not [box for box in app.expander if box.label.startswith("Reporting completeness")]
    assert "Explore" not in [header.value for header in app.subheader]


def test_the_funder_overview_keeps_what_the_public_does_not_get(db_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: a funder's overview has the completeness expander and the Explore heading with its links."""
    monkeypatch.setattr(auth, "session_principal", lambda: PRINCIPALS[Role.FUNDER])
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert [box for box in app.expander if box.label.startswith("Reporting completeness")]
    assert "Explore" in [header.value for header in app.subheader]


def test_whoever_comes_first_after_a_restart_decides_nothing_for_the_others(
    db_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every cache empty, a public visitor's overview and then a funder's both run cleanly and cite sources
    (the documents and caveats were kept per process from whichever principal read them first)."""
    clear_caches()
    for role in (Role.PARTICIPANT, Role.PUBLIC, Role.FUNDER, Role.PUBLIC):
        monkeypatch.setattr(auth, "session_principal", lambda role=role: PRINCIPALS[role])
        app = AppTest.from_file(APP, default_timeout=60)
        app.run()
        assert not app.exception, (role, [e.value for e in app.exception])
        assert not app.error, (role, [e.value for e in app.error])
        if role is not Role.PARTICIPANT:  # a phone is sent to /pulse, which cites nothing
            assert "Sources: " in " ".join(caption.value for caption in app.caption), role
