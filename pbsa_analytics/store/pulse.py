"""Live pulse answers, shared by every server process through files (same durability rules as imports).

Layout under <store>/pulse/:
- sessions/<CODE>.json: a question's state (deck, question, revealed, closed, expiry, clear time), atomic.
- answers/<CODE>.jsonl: the question's answers, one JSON line each, appended under an exclusive lock.
- secrets.json: the key that signs participant tokens and the presenter secret, created once.
- audit.jsonl: every reveal, hide, close, reopen and clear: who, when, which code, deck, question and slide,
  appended under the same lock as answers and never rewritten.

A participant is identified by a token the server signs (itsdangerous), never by anything the phone chooses.
The latest answer of each participant counts. Clearing records a time after which answers count, so nothing is
deleted. Readers keep an offset into each answers file and only read what was appended since (incremental).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pbsa_analytics.errors import PbsaError
from pbsa_analytics.store.durable import atomic_write, temporary

CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY"  # no look-alikes (B/8, I/1, O/0, S/5, L, Z/2)
CODE_LENGTH = 4
CODE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
MAX_ANSWER_CHARS = 60
DECK = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
MAX_LINE_BYTES = 1024  # an answer line never exceeds this: value, id, ballot and time
TOKEN_SALT = "pbsa-pulse-participant"  # noqa: S105 (a namespace, not a secret)
AUDIT_COLUMNS = ["at", "action", "code", "deck", "question_id", "slide", "by", "at_ns"]
NS = 1_000_000_000


class PulseError(PbsaError):
    """A pulse request that cannot be honoured: unknown or closed code, bad token, answer or limit reached."""


@dataclass(frozen=True)
class PulseLimits:
    """Bounds that keep one phone (or one script) from stuffing a question."""

    code_hours: float = 8.0  # a code expires this long after it was opened
    max_answers_per_code: int = 5000  # accepted answers (all participants, all changes)
    max_answers_per_participant: int = 20  # changes of mind per participant and question
    participant_interval_s: float = 2.0  # at least this long between one participant's answers
    code_rate_per_minute: int = 600  # accepted answers per question in any rolling minute


def _atomic_json(path: Path, payload: dict) -> None:
    atomic_write(path, json.dumps(payload).encode("utf-8"))


def _create_once(path: Path, payload: dict) -> dict:
    """Write a file only if none exists (O_EXCL), then return whichever content won."""
    tmp = temporary(path)
    try:
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.link(tmp, path)  # atomic and fails if another process created it first
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)  # also when writing it failed (a full disk): no temporary file stays
    return json.loads(path.read_text(encoding="utf-8"))


def _ends_torn(handle) -> bool:
    """True when the file's last line has no newline (a writer crashed mid-line)."""
    size = handle.seek(0, os.SEEK_END)
    if not size:
        return False
    handle.seek(size - 1)
    return handle.read(1) != b"\n"


@dataclass
class _Tally:
    """What a reader has learned from one answers file so far."""

    offset: int = 0
    latest: dict[str, dict] = field(default_factory=dict)  # participant -> latest accepted record
    counts: dict[str, int] = field(default_factory=dict)  # participant -> accepted answers
    ballots: set[str] = field(default_factory=set)
    times: list[int] = field(default_factory=list)  # accepted answer times, for the per-code rate
    total: int = 0


class PulseStore:
    """Questions opened by presenters, keyed by a short join code, and the room's answers."""

    def __init__(self, root: Path, *, limits: PulseLimits | None = None, clock: Callable[[], int] = time.time_ns):
        self.root = root / "pulse"
        self.sessions = self.root / "sessions"
        self.answers_dir = self.root / "answers"
        self.rooms = self.root / "rooms"
        for folder in (self.sessions, self.answers_dir, self.rooms):
            folder.mkdir(parents=True, exist_ok=True)
        self.limits = limits or PulseLimits()
        self.clock = clock
        self._tallies: dict[str, _Tally] = {}
        self._lock = threading.Lock()
        keys = _create_once(
            self.root / "secrets.json",
            {"signing_key": secrets.token_urlsafe(32), "presenter_secret": secrets.token_urlsafe(12)},
        )
        self._signing_key: str = keys["signing_key"]
        self._signer = URLSafeTimedSerializer(self._signing_key, salt=TOKEN_SALT)
        self.presenter_secret: str = keys["presenter_secret"]

    # Questions -----------------------------------------------------------------------------------------

    def open_question(self, *, deck: str, question_id: str, by: str, slide: int | None = None) -> str:
        """The join code for a deck's question: the open, unexpired one, or a new one (audited)."""
        if not by.strip():
            raise PulseError("a presenter action must say who did it")
        now = self.clock()
        for path in self.sessions.glob("*.json"):
            state = json.loads(path.read_text(encoding="utf-8"))
            if state["deck"] == deck and state["question_id"] == question_id and state["expires_ns"] > now:
                if state["closed"]:
                    self._update(path.stem, action="reopen", by=by, slide=slide, closed=False)
                return path.stem
        for _ in range(50):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            state = {
                "deck": deck,
                "question_id": question_id,
                "revealed": False,
                "closed": False,
                "cleared_after_ns": 0,
                "opened_ns": now,
                "expires_ns": now + int(self.limits.code_hours * 3600 * NS),
            }
            if _create_once(self.sessions / f"{code}.json", state) == state:
                self._audit(code=code, state=state, action="open", by=by, slide=slide)
                return code
        raise PulseError("could not find a free join code; close some questions first")

    def find_code(self, *, deck: str, question_id: str) -> str | None:
        """The unexpired code of a deck's question if a presenter opened it, without opening anything."""
        now = self.clock()
        for path in self.sessions.glob("*.json"):
            state = json.loads(path.read_text(encoding="utf-8"))
            if state["deck"] == deck and state["question_id"] == question_id and state["expires_ns"] > now:
                return path.stem
        return None

    def set_position(self, *, deck: str, slide: int, step: int) -> None:
        """Where the presenter is in a deck, so every projected window of that deck follows."""
        if not DECK.fullmatch(deck):
            raise PulseError(f"not a deck name: {deck!r}")
        _atomic_json(self.rooms / f"{deck}.json", {"slide": slide, "step": step, "at_ns": self.clock()})

    def position(self, *, deck: str) -> dict | None:
        if not DECK.fullmatch(deck):
            raise PulseError(f"not a deck name: {deck!r}")
        path = self.rooms / f"{deck}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def state(self, code: str) -> dict:
        """A question's state; unknown and expired codes are refused alike."""
        code = code.upper()
        path = self.sessions / f"{code}.json"
        if not CODE.fullmatch(code) or not path.exists():
            raise PulseError(f"no open question with code {code!r}")
        state = json.loads(path.read_text(encoding="utf-8"))
        if state["expires_ns"] <= self.clock():
            raise PulseError(f"the question with code {code!r} has expired")
        return state

    def _update(self, code: str, *, action: str, by: str, slide: int | None, **changes: object) -> None:
        """Change a question's state, auditing the change first, so no change is ever left unrecorded."""
        state = self.state(code) | changes
        self._audit(code=code.upper(), state=state, action=action, by=by, slide=slide)
        _atomic_json(self.sessions / f"{code.upper()}.json", state)

    def reveal(self, code: str, *, by: str, revealed: bool = True, slide: int | None = None) -> None:
        self._update(code, action="reveal" if revealed else "hide", by=by, slide=slide, revealed=revealed)

    def close(self, code: str, *, by: str, closed: bool = True, slide: int | None = None) -> None:
        """A closed question keeps its answers but accepts no more."""
        self._update(code, action="close" if closed else "reopen", by=by, slide=slide, closed=closed)

    def clear(self, code: str, *, by: str, slide: int | None = None) -> None:
        """Answers given so far stop counting (they stay on disk)."""
        self._update(code, action="clear", by=by, slide=slide, cleared_after_ns=self.clock())

    # Audit ---------------------------------------------------------------------------------------------

    @property
    def audit_path(self) -> Path:
        return self.root / "audit.jsonl"

    def _audit(self, *, code: str, state: dict, action: str, by: str, slide: int | None) -> None:
        """Append one line to the audit trail under an exclusive lock, fsynced before the change is made."""
        if not by.strip():
            raise PulseError("a presenter action must say who did it")
        record = {"at_ns": self.clock(), "action": action, "code": code, "deck": state["deck"],
                  "question_id": state["question_id"], "slide": slide, "by": by[:200]}  # fmt: skip
        line = json.dumps(record).encode("utf-8") + b"\n"
        with self._lock, self.audit_path.open("ab+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if _ends_torn(handle):
                    line = b"\n" + line
                os.write(handle.fileno(), line)
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def audit_log(self) -> pd.DataFrame:
        """Every audited presenter action, oldest first (a line torn by a crash is skipped)."""
        rows = []
        if self.audit_path.exists():
            for line in self.audit_path.read_bytes().splitlines():
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    continue
        frame = pd.DataFrame(rows, columns=[c for c in AUDIT_COLUMNS if c != "at"])
        frame.insert(0, "at", pd.to_datetime(frame["at_ns"].astype("int64"), unit="ns", utc=True))
        return frame[AUDIT_COLUMNS]

    # Presenter passes ------------------------------------------------------------------------------------

    def sign(self, payload: dict, *, salt: str) -> str:
        """A token carrying payload, signed with this store's key under a namespace (salt)."""
        return URLSafeTimedSerializer(self._signing_key, salt=salt).dumps(payload)

    def unsign(self, token: str, *, salt: str, max_age_s: int) -> dict | None:
        """The payload of a token this store signed under salt, unless forged, expired or malformed."""
        try:
            payload = URLSafeTimedSerializer(self._signing_key, salt=salt).loads(token, max_age=max_age_s)
        except BadSignature:  # SignatureExpired is a BadSignature
            return None
        return payload if isinstance(payload, dict) else None

    # Participants --------------------------------------------------------------------------------------

    def issue_token(self, code: str) -> str:
        """A signed participant identity for one question; the phone keeps it, the server checks it."""
        code = code.upper()
        self.state(code)
        return self._signer.dumps({"c": code, "p": uuid.uuid4().hex})

    def participant_of(self, code: str, token: str) -> str:
        """The participant a token names, if this server signed it for this code and it has not expired."""
        max_age = int(self.limits.code_hours * 3600)
        try:
            payload = self._signer.loads(token, max_age=max_age)
        except SignatureExpired as error:
            raise PulseError("your answer link has expired; scan the code again") from error
        except BadSignature as error:
            raise PulseError("this answer was not sent from a page this server issued") from error
        if not isinstance(payload, dict) or payload.get("c") != code.upper() or not isinstance(payload.get("p"), str):
            raise PulseError("this answer token belongs to another question")
        return payload["p"]

    # Answers -------------------------------------------------------------------------------------------

    def _answers_path(self, code: str) -> Path:
        return self.answers_dir / f"{code.upper()}.jsonl"

    def _catch_up(self, code: str) -> _Tally:
        """Read only the lines appended since this process last looked; a torn last line waits for its end."""
        path = self._answers_path(code)
        tally = self._tallies.setdefault(code, _Tally())
        if not path.exists():
            return tally
        with path.open("rb") as handle:
            handle.seek(tally.offset)
            chunk = handle.read()
        end = chunk.rfind(b"\n") + 1
        for line in chunk[:end].splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line torn by a crash, terminated by the next writer
            tally.total += 1
            tally.latest[record["participant"]] = record
            tally.counts[record["participant"]] = tally.counts.get(record["participant"], 0) + 1
            tally.ballots.add(record["ballot"])
            tally.times.append(record["at_ns"])
        tally.offset += end
        return tally

    def _check_limits(self, tally: _Tally, participant: str, ballot: str, now: int) -> None:
        limits = self.limits
        if ballot in tally.ballots:
            raise PulseError("this answer was already received")
        if tally.total >= limits.max_answers_per_code:
            raise PulseError("this question has received all the answers it can take")
        if tally.counts.get(participant, 0) >= limits.max_answers_per_participant:
            raise PulseError("you have changed your answer as often as allowed")
        previous = tally.latest.get(participant)
        if previous and now - previous["at_ns"] < limits.participant_interval_s * NS:
            raise PulseError(f"please wait {limits.participant_interval_s:g} seconds between answers")
        recent = sum(1 for at in tally.times[-limits.code_rate_per_minute :] if now - at < 60 * NS)
        if recent >= limits.code_rate_per_minute:
            raise PulseError("the room is answering very fast; try again in a moment")

    def answer(self, code: str, *, token: str, value: str, ballot: str) -> None:
        """Record one answer from a signed participant; each ballot id is accepted once."""
        code = code.upper()
        state = self.state(code)
        if state["closed"]:
            raise PulseError("the presenter has closed this question")
        participant = self.participant_of(code, token)
        value = value.strip()
        if not value or len(value) > MAX_ANSWER_CHARS:
            raise PulseError(f"an answer must be 1-{MAX_ANSWER_CHARS} characters")
        if not re.fullmatch(r"[0-9a-f]{32}", ballot):
            raise PulseError("malformed answer id")
        path = self._answers_path(code)
        with self._lock, path.open("ab+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # one writer at a time across processes
            try:
                tally = self._catch_up(code)
                now = self.clock()
                self._check_limits(tally, participant, ballot, now)
                record = {"participant": participant, "value": value, "at_ns": now, "ballot": ballot}
                line = json.dumps(record).encode("utf-8") + b"\n"
                if len(line) > MAX_LINE_BYTES:
                    raise PulseError("answer too long")
                if _ends_torn(handle):
                    line = b"\n" + line  # close a line torn by a crash so this one stays whole
                os.write(handle.fileno(), line)
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def answer_count(self, code: str) -> int:
        """How many participants' answers count now (cheap: reads only new lines)."""
        return len(self.answers(code))

    def answers(self, code: str) -> pd.DataFrame:
        """Each participant's latest answer given after the last clear."""
        cleared = self.state(code)["cleared_after_ns"]
        with self._lock:
            tally = self._catch_up(code.upper())
            rows = [record for record in tally.latest.values() if record["at_ns"] > cleared]
        frame = pd.DataFrame(rows, columns=["participant", "value", "at_ns"])
        return frame.sort_values("at_ns").reset_index(drop=True)
