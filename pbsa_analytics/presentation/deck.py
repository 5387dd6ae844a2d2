"""Read a deck file: ordered slides (chart builder, parameters, finding) and the pulse questions they use."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pbsa_analytics.errors import PbsaError

QUESTION_KINDS = {"single_choice", "scale", "word", "guess_number"}
DECK_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")


class DeckError(PbsaError):
    """A deck file is missing or malformed."""


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


@dataclass(frozen=True)
class Deck:
    name: str
    title: str
    slides: tuple[Slide, ...]
    questions: dict[str, Question]


def load_deck(*, decks_dir: Path, name: str) -> Deck:
    """Parse data/decks/<name>.toml; every pulse slide must name a defined question."""
    if not DECK_NAME.fullmatch(name):
        raise DeckError(f"no deck called {name!r}")
    path = decks_dir / f"{name}.toml"
    if not path.is_file():
        raise DeckError(f"no deck called {name!r}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise DeckError(f"{path.name}: {error}") from error
    questions = {}
    for item in raw.get("questions", []):
        if item.get("kind") not in QUESTION_KINDS:
            raise DeckError(f"{path.name}: question {item.get('id')!r} has unknown kind {item.get('kind')!r}")
        options = tuple(item.get("options", ["1", "2", "3", "4", "5"] if item["kind"] == "scale" else []))
        questions[item["id"]] = Question(item["id"], item["kind"], item["prompt"], options, item.get("answer", {}))
    slides = []
    for number, item in enumerate(raw.get("slides", []), start=1):
        if "chart" not in item or "finding" not in item:
            raise DeckError(f"{path.name}: slide {number} needs a chart and a finding")
        if item.get("pulse") and item["pulse"] not in questions:
            raise DeckError(f"{path.name}: slide {number} uses undefined question {item['pulse']!r}")
        slides.append(
            Slide(
                item["chart"],
                item["finding"],
                item.get("params", {}),
                item.get("question"),
                item.get("pulse"),
                item.get("source", ""),
            )
        )
    if not slides:
        raise DeckError(f"{path.name}: no slides")
    return Deck(name=name, title=raw.get("title", name), slides=tuple(slides), questions=questions)
