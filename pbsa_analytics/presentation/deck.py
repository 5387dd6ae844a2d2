"""Read a deck file: ordered slides (chart builder, parameters, finding) and the pulse questions they use.

The schema (every key, every slide type) is documented in data/decks/README.md; errors name the file and line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pbsa_analytics.errors import PbsaError

QUESTION_KINDS = {"single_choice", "scale", "word", "guess_number"}
# Slide charts a deck may name; ui/slides.py builds each one from the store.
SLIDE_CHARTS = {
    "funnel",
    "typology_heatmap",
    "metric_by_place",
    "outcome_coverage",
    "cohort_typologies",
    "pulse_results",
}
# Questions built into the app (options from the store), used by a slide's `pulse` without a [[questions]] entry.
MISSING_CONDITION = "missing_condition"
BUILT_IN_QUESTIONS = {MISSING_CONDITION}
THEMES = {"light", "dark"}
DECK_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
MAX_DECK_BYTES = 200_000
DEFAULT_SCALE = ("1", "2", "3", "4", "5")


class DeckError(PbsaError):
    """A deck file is missing or malformed."""


class UnknownDeckError(DeckError):
    """No deck of that name exists (or the name is not a deck name at all)."""


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    options: tuple[str, ...] = ()
    answer: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Slide:
    chart: str
    finding: str
    params: dict = field(default_factory=dict)
    question: str | None = None
    pulse: str | None = None
    source: str = ""
    notes: str = ""

    @property
    def steps(self) -> int:
        """Presses needed on this slide before the next one: a hidden answer or pulse result adds one."""
        return 2 if self.question or self.pulse else 1


@dataclass(frozen=True)
class Deck:
    name: str
    title: str
    slides: tuple[Slide, ...]
    questions: dict[str, Question]
    theme: str = "light"
    anonymise: bool = False

    @property
    def has_pulse(self) -> bool:
        return any(slide.pulse for slide in self.slides)


@dataclass(frozen=True)
class DeckSummary:
    """One entry of the deck list: a loadable deck, or a broken file with its error."""

    name: str
    title: str
    problem: str = ""


def _line_of(text: str, table: str, index: int) -> int:
    """Line number of the index-th (0-based) [[table]] header, so an error can point at it."""
    headers = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == f"[[{table}]]"]
    return headers[index] if index < len(headers) else 1


def _text(item: dict, key: str, where: str, *, required: bool = True) -> str:
    value = item.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise DeckError(f"{where}: '{key}' must be {'non-empty ' if required else ''}text")
    return value


def _question(item: dict, where: str) -> Question:
    kind = item.get("kind")
    if kind not in QUESTION_KINDS:
        raise DeckError(f"{where}: question has unknown kind {kind!r} (one of {', '.join(sorted(QUESTION_KINDS))})")
    options = item.get("options", list(DEFAULT_SCALE) if kind == "scale" else [])
    if not isinstance(options, list) or not all(isinstance(o, str) and o for o in options):
        raise DeckError(f"{where}: 'options' must be a list of text")
    if kind == "single_choice" and not 2 <= len(options) <= 8:
        raise DeckError(f"{where}: a single_choice question needs 2 to 8 options")
    answer = item.get("answer", {})
    if not isinstance(answer, dict):
        raise DeckError(f"{where}: 'answer' must be a table")
    question_id = _text(item, "id", where)
    if question_id in BUILT_IN_QUESTIONS:
        raise DeckError(f"{where}: {question_id!r} is built in; name it in a slide's 'pulse' without defining it")
    return Question(question_id, kind, _text(item, "prompt", where), tuple(options), answer)


def _slide(item: dict, where: str, questions: dict[str, Question]) -> Slide:
    chart = item.get("chart")
    if chart not in SLIDE_CHARTS:
        raise DeckError(f"{where}: slide has unknown chart {chart!r} (one of {', '.join(sorted(SLIDE_CHARTS))})")
    pulse = item.get("pulse")
    if (chart == "pulse_results") != bool(pulse):
        raise DeckError(f"{where}: a pulse slide has chart = \"pulse_results\" and names its question in 'pulse'")
    if pulse and pulse not in questions and pulse not in BUILT_IN_QUESTIONS:
        raise DeckError(f"{where}: slide uses undefined question {pulse!r}")
    params = item.get("params", {})
    if not isinstance(params, dict):
        raise DeckError(f"{where}: 'params' must be a table")
    return Slide(
        chart=chart,
        finding=_text(item, "finding", where),
        params=params,
        question=_text(item, "question", where, required=False) or None,
        pulse=pulse,
        source=_text(item, "source", where, required=False),
        notes=_text(item, "notes", where, required=False),
    )


def parse_deck(text: str, *, name: str, file_name: str) -> Deck:
    """A deck from TOML text; every problem is a DeckError naming the file and line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeckError(f"{file_name}: {error}") from error
    theme = raw.get("theme", "light")
    if theme not in THEMES:
        raise DeckError(f"{file_name}, line {_line_of_key(text, 'theme')}: theme must be 'light' or 'dark'")
    if not isinstance(raw.get("anonymise", False), bool):
        raise DeckError(f"{file_name}, line {_line_of_key(text, 'anonymise')}: anonymise must be true or false")
    questions: dict[str, Question] = {}
    for index, item in enumerate(raw.get("questions", [])):
        question = _question(item, f"{file_name}, line {_line_of(text, 'questions', index)}")
        questions[question.id] = question
    slides = [
        _slide(item, f"{file_name}, line {_line_of(text, 'slides', index)} (slide {index + 1})", questions)
        for index, item in enumerate(raw.get("slides", []))
    ]
    if not slides:
        raise DeckError(f"{file_name}, line 1: the deck has no [[slides]]")
    return Deck(
        name=name,
        title=_text(raw, "title", f"{file_name}, line {_line_of_key(text, 'title')}"),
        slides=tuple(slides),
        questions=questions,
        theme=theme,
        anonymise=raw.get("anonymise", False),
    )


def _line_of_key(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.split("=", 1)[0].strip() == key:
            return number
    return 1


def load_deck(*, decks_dir: Path, name: str) -> Deck:
    """Parse data/decks/<name>.toml; the name cannot reach outside the folder."""
    if not DECK_NAME.fullmatch(name):
        raise UnknownDeckError(f"no deck called {name!r}")
    path = decks_dir / f"{name}.toml"
    if not path.is_file():
        raise UnknownDeckError(f"no deck called {name!r}")
    if path.stat().st_size > MAX_DECK_BYTES:
        raise DeckError(f"{path.name}: larger than {MAX_DECK_BYTES:,} bytes")
    return parse_deck(path.read_text(encoding="utf-8"), name=name, file_name=path.name)


def list_decks(*, decks_dir: Path) -> list[DeckSummary]:
    """Every deck file in the folder by name, with its title or the problem that stops it loading."""
    summaries = []
    for path in sorted(decks_dir.glob("*.toml")):
        if not DECK_NAME.fullmatch(path.stem):
            continue
        try:
            deck = load_deck(decks_dir=decks_dir, name=path.stem)
        except DeckError as error:
            summaries.append(DeckSummary(path.stem, path.stem, problem=str(error)))
        else:
            summaries.append(DeckSummary(deck.name, deck.title))
    return summaries
