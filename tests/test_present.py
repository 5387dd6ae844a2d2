"""Presentation mode in AppTest: stepping, URL state, hide-then-reveal, anonymise; and the deck file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pbsa_analytics import settings
from pbsa_analytics.presentation.deck import DeckError, load_deck
from pbsa_analytics.store import Store
from tests.test_pages import open_page, page_text
from tests.test_partnership import forbidden_patterns, leaks

DECKS = settings.REPO_ROOT / "data" / "decks"


def test_default_deck_tells_the_story_with_findings() -> None:
    """The shipped deck loads, every slide has a finding, and it includes a pulse and a hidden answer."""
    deck = load_deck(decks_dir=DECKS, name="learning-event")
    assert len(deck.slides) >= 5
    assert all(slide.finding for slide in deck.slides)
    assert any(slide.pulse for slide in deck.slides)
    assert any(slide.question for slide in deck.slides)


@pytest.mark.parametrize("name", ["../secrets", "missing-deck", "UPPER"])
def test_unknown_or_unsafe_deck_names_are_refused(name: str) -> None:
    """Deck names cannot reach outside data/decks/."""
    with pytest.raises(DeckError, match="no deck"):
        load_deck(decks_dir=DECKS, name=name)


def test_next_button_steps_and_writes_the_slide_to_the_url(db_env: Path) -> None:
    """Next moves from slide 1 to 2 and puts slide=2 in the URL; Back returns."""
    app = open_page("pages/present.py")
    assert "slide **1 of" in page_text(app)
    app.button(key="present_next").click().run()
    assert app.query_params["slide"] == "2"
    assert "slide **2 of" in page_text(app)
    app.button(key="present_back").click().run()
    assert app.query_params["slide"] == "1"


def test_hidden_answer_shows_question_first_then_finding(db_env: Path) -> None:
    """Slide 2 shows its question, and the next press reveals the finding without changing slide."""
    app = open_page("pages/present.py", slide="2")
    text = page_text(app)
    assert "Which two kinds of social action" in text
    assert "Every place planned advocacy" not in text
    app.button(key="present_space").click().run()
    assert app.query_params["reveal"] == "1"
    assert app.query_params["slide"] == "2"
    assert "Every place planned advocacy" in page_text(app)


def test_slide_in_url_is_restored_and_clamped(db_env: Path) -> None:
    """?slide=4 opens slide 4; an out-of-range slide number lands on the last slide."""
    assert "slide **4 of" in page_text(open_page("pages/present.py", slide="4"))
    assert "slide **6 of 6" in page_text(open_page("pages/present.py", slide="99"))


def test_anonymised_deck_names_no_place(db_env: Path, store: Store) -> None:
    """With anon=1 the place-level slides label places Partnership A, B, ... and name none."""
    app = open_page("pages/present.py", slide="2", reveal="1", anon="1")
    spec = json.dumps([str(chart.proto) for chart in app.get("vega_lite_chart")])
    assert "Partnership A" in spec
    assert leaks(spec, forbidden_patterns(store, "")) == []


def test_pulse_slide_shows_a_join_code(db_env: Path) -> None:
    """The pulse slide opens its question and shows the join link with a 4-letter code."""
    app = open_page("pages/present.py", slide="3")
    assert "/pulse?code=" in page_text(app)
    assert not app.exception
