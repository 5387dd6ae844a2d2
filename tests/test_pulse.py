"""Live pulse: signed participants, latest answer counts, limits, close and expiry, presenter-only controls."""

from __future__ import annotations

import json
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from itsdangerous import URLSafeTimedSerializer

from pbsa_analytics.access import LOCAL_ADMIN, Principal, Role
from pbsa_analytics.services import pulse as pulse_service
from pbsa_analytics.store.pulse import NS, TOKEN_SALT, PulseError, PulseLimits, PulseStore

PRESENTER = "Test presenter (test)"


class FakeClock:
    """A clock the test moves by hand, so limits are checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1_700_000_000 * NS

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * NS)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pulses(tmp_path: Path, clock: FakeClock) -> PulseStore:
    return PulseStore(tmp_path, clock=clock)


def ballot() -> str:
    return uuid.uuid4().hex


def test_hundred_participants_and_fifty_forged_or_replayed_count_the_hundred_latest(
    pulses: PulseStore, clock: FakeClock
) -> None:
    """100 participants send 450 answers, and 50 forged or replayed ones are refused: exactly 100 latest count."""
    code = pulses.open_question(by=PRESENTER, deck="learning-event", question_id="confidence")
    other_code = pulses.open_question(by=PRESENTER, deck="learning-event", question_id="guess_volunteers")
    rng = random.Random(2026)
    tokens = [pulses.issue_token(code) for _ in range(100)]
    sends = [1 if i < 20 else 4 if i < 60 else 6 for i in range(100)]  # 20 + 160 + 240 = 420
    sends[0:30] = [s + 1 for s in sends[0:30]]  # 450 genuine answers
    plan = [(i, str(rng.randint(1, 5)), ballot()) for i, n in enumerate(sends) for _ in range(n)]
    assert len(plan) == 450
    rng.shuffle(plan)
    expected: dict[int, str] = {}
    accepted: list[tuple[str, str]] = []  # (token, ballot) of accepted answers, replayed later
    for index, value, ballot_id in plan:
        clock.advance(pulses.limits.participant_interval_s)
        pulses.answer(code, token=tokens[index], value=value, ballot=ballot_id)
        expected[index] = value
        accepted.append((tokens[index], ballot_id))

    forged = (
        [
            "participant0001",  # a made-up id, as ?p= used to allow
            tokens[0][:-2] + ("AA" if not tokens[0].endswith("AA") else "BB"),  # tampered signature
            URLSafeTimedSerializer("not-the-server-key", salt=TOKEN_SALT).dumps({"c": code, "p": "attacker"}),
            tokens[1].replace(".", "", 1),
            "",
        ]
        * 5
    )  # 25 forged
    replayed = [accepted[i] for i in rng.sample(range(len(accepted)), 15)]  # old submissions sent again
    cross_code = [pulses.issue_token(other_code) for _ in range(10)]  # genuine tokens of another question
    refused = 0
    for token in forged:
        clock.advance(3)
        with pytest.raises(PulseError):
            pulses.answer(code, token=token, value="5", ballot=ballot())
        refused += 1
    for token, old_ballot in replayed:
        clock.advance(3)
        with pytest.raises(PulseError, match="already received"):
            pulses.answer(code, token=token, value="1", ballot=old_ballot)
        refused += 1
    for token in cross_code:
        clock.advance(3)
        with pytest.raises(PulseError, match="another question"):
            pulses.answer(code, token=token, value="1", ballot=ballot())
        refused += 1
    assert refused == 50
    counted = pulses.answers(code)
    assert len(counted) == 100
    by_participant = dict(zip(counted["participant"], counted["value"], strict=True))
    assert by_participant == {pulses.participant_of(code, tokens[i]): value for i, value in expected.items()}


def test_concurrent_answers_from_two_stores_sharing_files_all_count(tmp_path: Path) -> None:
    """Two store objects (as two server processes) appending at once lose no answer and read each other's."""
    limits = PulseLimits(participant_interval_s=0)
    first, second = PulseStore(tmp_path, limits=limits), PulseStore(tmp_path, limits=limits)
    code = first.open_question(by=PRESENTER, deck="d", question_id="q")
    tokens = [first.issue_token(code) for _ in range(60)]

    def send(index: int) -> None:
        store = first if index % 2 else second
        store.answer(code, token=tokens[index], value=str(index), ballot=ballot())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(60)))
    assert sorted(first.answers(code)["value"].astype(int)) == list(range(60))
    assert len(second.answers(code)) == 60


def test_reader_reads_only_new_lines(pulses: PulseStore, clock: FakeClock) -> None:
    """After a first read, the reader's offset sits at the end and only appended bytes are read next time."""
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    token = pulses.issue_token(code)
    pulses.answer(code, token=token, value="1", ballot=ballot())
    pulses.answers(code)
    path = pulses.answers_dir / f"{code}.jsonl"
    assert pulses._tallies[code].offset == path.stat().st_size
    clock.advance(5)
    pulses.answer(code, token=pulses.issue_token(code), value="2", ballot=ballot())
    assert sorted(pulses.answers(code)["value"]) == ["1", "2"]
    assert pulses._tallies[code].offset == path.stat().st_size


def test_torn_line_from_a_crash_is_skipped_and_later_answers_stay_whole(pulses: PulseStore, clock: FakeClock) -> None:
    """A half-written line (crash) is ignored; the next answer starts on its own line and counts."""
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    with (pulses.answers_dir / f"{code}.jsonl").open("ab") as handle:
        handle.write(b'{"participant": "x", "val')
    pulses.answer(code, token=pulses.issue_token(code), value="4", ballot=ballot())
    assert pulses.answers(code)["value"].tolist() == ["4"]


def test_participant_rate_and_count_limits(tmp_path: Path, clock: FakeClock) -> None:
    """A participant must wait between answers and can change their answer only so often."""
    pulses = PulseStore(tmp_path, limits=PulseLimits(max_answers_per_participant=3), clock=clock)
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    token = pulses.issue_token(code)
    pulses.answer(code, token=token, value="1", ballot=ballot())
    with pytest.raises(PulseError, match="wait"):
        pulses.answer(code, token=token, value="2", ballot=ballot())
    for value in ("2", "3"):
        clock.advance(5)
        pulses.answer(code, token=token, value=value, ballot=ballot())
    clock.advance(5)
    with pytest.raises(PulseError, match="as often as allowed"):
        pulses.answer(code, token=token, value="4", ballot=ballot())
    assert pulses.answers(code)["value"].tolist() == ["3"]


def test_code_rate_and_total_limits(tmp_path: Path, clock: FakeClock) -> None:
    """A question accepts at most N answers a minute and M in total, whoever sends them."""
    pulses = PulseStore(tmp_path, limits=PulseLimits(code_rate_per_minute=5, max_answers_per_code=8), clock=clock)
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    for _ in range(5):
        pulses.answer(code, token=pulses.issue_token(code), value="1", ballot=ballot())
    with pytest.raises(PulseError, match="very fast"):
        pulses.answer(code, token=pulses.issue_token(code), value="1", ballot=ballot())
    clock.advance(61)
    for _ in range(3):
        pulses.answer(code, token=pulses.issue_token(code), value="1", ballot=ballot())
    with pytest.raises(PulseError, match="all the answers"):
        pulses.answer(code, token=pulses.issue_token(code), value="1", ballot=ballot())
    assert len(pulses.answers(code)) == 8


@pytest.mark.parametrize(("value", "message"), [("", "1-60"), ("x" * 61, "1-60"), ("   ", "1-60")])
def test_bad_answers_are_refused(pulses: PulseStore, value: str, message: str) -> None:
    """Empty or over-long answers are refused and not stored."""
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    with pytest.raises(PulseError, match=message):
        pulses.answer(code, token=pulses.issue_token(code), value=value, ballot=ballot())
    assert pulses.answers(code).empty


def test_closed_and_expired_codes_refuse_answers(pulses: PulseStore, clock: FakeClock) -> None:
    """A closed question refuses answers until reopened; after its hours an expired code is unknown."""
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    token = pulses.issue_token(code)
    pulses.close(code, by=PRESENTER)
    with pytest.raises(PulseError, match="closed"):
        pulses.answer(code, token=token, value="1", ballot=ballot())
    assert pulses.open_question(by=PRESENTER, deck="d", question_id="q") == code  # reopening keeps the code
    pulses.answer(code, token=token, value="1", ballot=ballot())
    clock.advance(pulses.limits.code_hours * 3600 + 1)
    with pytest.raises(PulseError, match="expired"):
        pulses.answer(code, token=token, value="2", ballot=ballot())
    assert pulses.open_question(by=PRESENTER, deck="d", question_id="q") != code


def test_same_question_keeps_its_code(pulses: PulseStore) -> None:
    """Opening a deck's question again returns the same join code."""
    first = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    assert pulses.open_question(by=PRESENTER, deck="d", question_id="q") == first
    assert pulses.open_question(by=PRESENTER, deck="d", question_id="other") != first


def test_unknown_code_is_refused(pulses: PulseStore) -> None:
    """A code that no presenter opened is refused."""
    with pytest.raises(PulseError, match="no open question"):
        pulses.issue_token("ZZZZ")


def test_clear_hides_earlier_answers_and_reveal_is_recorded(pulses: PulseStore, clock: FakeClock) -> None:
    """Clearing stops earlier answers counting; later ones count; reveal state is kept."""
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    pulses.answer(code, token=pulses.issue_token(code), value="3", ballot=ballot())
    clock.advance(1)
    pulses.clear(code, by=PRESENTER)
    assert pulses.answers(code).empty
    clock.advance(1)
    pulses.answer(code, token=pulses.issue_token(code), value="4", ballot=ballot())
    assert pulses.answers(code)["value"].tolist() == ["4"]
    assert pulses.state(code)["revealed"] is False
    pulses.reveal(code, by=PRESENTER)
    assert pulses.state(code)["revealed"] is True


def test_secrets_are_created_once_and_shared(tmp_path: Path) -> None:
    """Two stores on one folder share the signing key: a token issued by one is accepted by the other."""
    first, second = PulseStore(tmp_path), PulseStore(tmp_path)
    code = first.open_question(by=PRESENTER, deck="d", question_id="q")
    token = first.issue_token(code)
    assert second.participant_of(code, token) == first.participant_of(code, token)
    assert first.presenter_secret == second.presenter_secret
    assert json.loads((tmp_path / "pulse" / "secrets.json").read_text())["presenter_secret"] == first.presenter_secret


PARTICIPANT = Principal(subject="room-1", display_name="Someone", role=Role.PARTICIPANT)
FUNDER = Principal(subject="f@example.org", display_name="Funder", role=Role.FUNDER)
SIGNED_IN_ADMIN = Principal(subject="a@example.org", display_name="Admin", role=Role.FUNDER_ADMIN)


@pytest.mark.parametrize(
    ("principal", "key", "allowed"),
    [
        (LOCAL_ADMIN, None, False),
        (LOCAL_ADMIN, "wrong", False),
        (LOCAL_ADMIN, "SECRET", True),
        (PARTICIPANT, "SECRET", False),
        (FUNDER, "SECRET", False),
        (SIGNED_IN_ADMIN, None, True),
    ],
)
def test_presenter_actions_need_a_presenter(pulses: PulseStore, principal: Principal, key, allowed: bool) -> None:
    """Open, reveal, close, clear and the answers download are refused in the service unless the caller presents."""
    secret = pulses.presenter_secret
    key = secret if key == "SECRET" else key
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    calls = [
        lambda: pulse_service.open_question(pulses, principal=principal, presenter_key=key, deck="d", question_id="q"),
        lambda: pulse_service.reveal(pulses, principal=principal, presenter_key=key, code=code, revealed=True),
        lambda: pulse_service.close(pulses, principal=principal, presenter_key=key, code=code, closed=False),
        lambda: pulse_service.clear(pulses, principal=principal, presenter_key=key, code=code),
        lambda: pulse_service.presenter_answers(pulses, principal=principal, presenter_key=key, code=code),
    ]
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(pulse_service.PresenterOnlyError):
                call()
    assert pulses.state(code)["revealed"] is allowed


def test_clears_and_reveals_are_audited_with_who_when_which_code_and_slide(tmp_path: Path, clock: FakeClock) -> None:
    """Each presenter action lands in the durable audit with the principal, time, code, question and slide."""
    pulses = PulseStore(tmp_path, clock=clock)
    code = pulse_service.open_question(pulses, principal=SIGNED_IN_ADMIN, presenter_key=None, deck="d",
                                       question_id="q", slide=3)  # fmt: skip
    clock.advance(60)
    pulse_service.reveal(pulses, principal=SIGNED_IN_ADMIN, presenter_key=None, code=code, revealed=True, slide=3)
    clock.advance(60)
    cleared_at = clock.now
    key = pulses.presenter_secret
    pulse_service.clear(pulses, principal=LOCAL_ADMIN, presenter_key=key, code=code, slide=3)
    with pytest.raises(pulse_service.PresenterOnlyError):
        pulse_service.clear(pulses, principal=FUNDER, presenter_key=key, code=code, slide=3)

    log = PulseStore(tmp_path, clock=clock).audit_log()  # another process reading the same folder
    assert log["action"].tolist() == ["open", "reveal", "clear"]
    assert set(log["code"]) == {code}
    assert set(log["question_id"]) == {"q"}
    assert log["slide"].tolist() == [3, 3, 3]
    assert log["by"].tolist()[:2] == ["Admin (a@example.org)"] * 2
    assert LOCAL_ADMIN.subject in log["by"].iloc[2]
    assert log["at_ns"].iloc[2] == cleared_at
    assert log["at"].iloc[2] == pd.Timestamp(cleared_at, unit="ns", tz="UTC")
    assert pulses.state(code)["cleared_after_ns"] == cleared_at

    shown = pulse_service.audit_log(pulses, principal=SIGNED_IN_ADMIN, presenter_key=None, deck="d")
    assert shown["action"].tolist() == ["clear", "reveal", "open"]  # newest first for the presenter
    with pytest.raises(pulse_service.PresenterOnlyError):
        pulse_service.audit_log(pulses, principal=LOCAL_ADMIN, presenter_key=None, deck="d")


def test_an_action_without_a_name_is_refused_and_changes_nothing(pulses: PulseStore) -> None:
    """The store refuses a clear that names nobody, so no unaudited change can happen."""
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    with pytest.raises(PulseError, match="who"):
        pulses.clear(code, by=" ")
    assert pulses.state(code)["cleared_after_ns"] == 0
    assert pulses.audit_log()["action"].tolist() == ["open"]


def test_a_torn_audit_line_is_skipped_and_the_next_action_still_recorded(pulses: PulseStore) -> None:
    """A crash mid-line leaves the earlier lines readable, and the next action starts on a line of its own."""
    code = pulses.open_question(by=PRESENTER, deck="d", question_id="q")
    with pulses.audit_path.open("ab") as handle:
        handle.write(b'{"at_ns": 1, "action": "cle')
    pulses.reveal(code, by=PRESENTER, slide=2)
    assert pulses.audit_log()["action"].tolist() == ["open", "reveal"]


def test_a_presenter_pass_stands_in_for_the_secret_without_containing_it(
    pulses: PulseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass from the secret presents in local mode; a tampered, expired or old-secret pass does not."""
    secret = pulses.presenter_secret
    issued = pulse_service.presenter_pass(pulses, principal=LOCAL_ADMIN, presenter_key=secret)
    assert secret not in issued
    assert pulse_service.is_presenter(pulses, principal=LOCAL_ADMIN, presenter_key=issued)
    assert not pulse_service.is_presenter(pulses, principal=FUNDER, presenter_key=issued)
    tampered = issued[:-3] + ("aaa" if not issued.endswith("aaa") else "bbb")
    assert not pulse_service.is_presenter(pulses, principal=LOCAL_ADMIN, presenter_key=tampered)
    with pytest.raises(pulse_service.PresenterOnlyError):
        pulse_service.presenter_pass(pulses, principal=LOCAL_ADMIN, presenter_key="wrong")

    later = time.time() + pulses.limits.code_hours * 3600 + 5
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert not pulse_service.is_presenter(pulses, principal=LOCAL_ADMIN, presenter_key=issued)
    monkeypatch.undo()
    monkeypatch.setenv("PBSA_PRESENTER_SECRET", "a-new-secret-for-this-event")
    assert not pulse_service.is_presenter(pulses, principal=LOCAL_ADMIN, presenter_key=issued)
