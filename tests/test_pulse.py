"""Live pulse: answers are durable, one per participant (their latest), validated and clearable."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pbsa_analytics.store.pulse import PulseError, PulseStore


@pytest.fixture
def pulses(tmp_path: Path) -> PulseStore:
    return PulseStore(tmp_path)


def test_hundred_participants_two_hundred_answers_count_once_each(pulses: PulseStore) -> None:
    """100 participants sending 200 answers concurrently (60 change theirs) give 100, each their latest."""
    code = pulses.open_question(deck="learning-event", question_id="confidence")
    rng = random.Random(2026)
    participants = [f"participant{n:04d}" for n in range(100)]
    # 40 answer once, 40 twice, 20 four times: 40 + 80 + 80 = 200 answers.
    sends = {p: 1 if i < 40 else 2 if i < 80 else 4 for i, p in enumerate(participants)}
    answers_of = {p: [str(rng.randint(1, 5)) for _ in range(n)] for p, n in sends.items()}
    assert sum(len(values) for values in answers_of.values()) == 200

    def send(participant: str) -> None:
        for value in answers_of[participant]:
            pulses.answer(code, participant=participant, value=value)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(send, participants))
    counted = pulses.answers(code)
    assert len(counted) == 100
    assert dict(zip(counted["participant"], counted["value"], strict=True)) == {
        p: values[-1] for p, values in answers_of.items()
    }


def test_same_question_keeps_its_code(pulses: PulseStore) -> None:
    """Opening a deck's question again returns the same join code."""
    first = pulses.open_question(deck="d", question_id="q")
    assert pulses.open_question(deck="d", question_id="q") == first
    assert pulses.open_question(deck="d", question_id="other") != first


@pytest.mark.parametrize(
    ("participant", "value", "message"),
    [("short", "3", "participant id"), ("participant0001", "", "1-60"), ("participant0001", "x" * 61, "1-60")],
)
def test_bad_answers_are_refused(pulses: PulseStore, participant: str, value: str, message: str) -> None:
    """Bad participant ids and empty or over-long answers are refused and not stored."""
    code = pulses.open_question(deck="d", question_id="q")
    with pytest.raises(PulseError, match=message):
        pulses.answer(code, participant=participant, value=value)
    assert pulses.answers(code).empty


def test_unknown_code_is_refused(pulses: PulseStore) -> None:
    """A code that no presenter opened is refused."""
    with pytest.raises(PulseError, match="no open question"):
        pulses.answer("ZZZZ", participant="participant0001", value="3")


def test_clear_hides_earlier_answers_and_reveal_is_recorded(pulses: PulseStore) -> None:
    """Clearing stops earlier answers counting; later ones count; reveal state is kept."""
    code = pulses.open_question(deck="d", question_id="q")
    pulses.answer(code, participant="participant0001", value="3")
    pulses.clear(code)
    assert pulses.answers(code).empty
    pulses.answer(code, participant="participant0002", value="4")
    assert pulses.answers(code)["value"].tolist() == ["4"]
    assert pulses.state(code)["revealed"] is False
    pulses.reveal(code)
    assert pulses.state(code)["revealed"] is True
