"""Live pulse answers: append-only files, one per answer, written atomically (same rules as imports).

A participant may answer many times; the latest answer counts. Clearing a question records a time
after which answers count, so nothing is ever deleted and a crash can never lose or half-write an answer.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
import uuid
from pathlib import Path

import pandas as pd

from pbsa_analytics.errors import PbsaError

CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY"  # no look-alikes (B/8, I/1, O/0, S/5, L, Z/2)
CODE_LENGTH = 4
PARTICIPANT = re.compile(r"[a-z0-9]{8,40}")
MAX_ANSWER_CHARS = 60


class PulseError(PbsaError):
    """A pulse request that cannot be honoured: unknown code, bad participant id or answer."""


def _atomic_json(path: Path, payload: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class PulseStore:
    """Questions opened by presenters, keyed by a short join code, and the room's answers."""

    def __init__(self, root: Path) -> None:
        self.sessions = root / "pulse" / "sessions"
        self.answers_dir = root / "pulse" / "answers"
        self.sessions.mkdir(parents=True, exist_ok=True)
        self.answers_dir.mkdir(parents=True, exist_ok=True)

    def open_question(self, *, deck: str, question_id: str) -> str:
        """The join code for a deck's question, creating it on first opening."""
        for path in self.sessions.glob("*.json"):
            state = json.loads(path.read_text(encoding="utf-8"))
            if state["deck"] == deck and state["question_id"] == question_id:
                return path.stem
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        _atomic_json(
            self.sessions / f"{code}.json",
            {"deck": deck, "question_id": question_id, "revealed": False, "cleared_after_ns": 0},
        )
        (self.answers_dir / code).mkdir(exist_ok=True)
        return code

    def state(self, code: str) -> dict:
        path = self.sessions / f"{code.upper()}.json"
        if not re.fullmatch(r"[A-Z]{4}", code.upper()) or not path.exists():
            raise PulseError(f"no open question with code {code!r}")
        return json.loads(path.read_text(encoding="utf-8"))

    def _update(self, code: str, **changes: object) -> None:
        state = self.state(code) | changes
        _atomic_json(self.sessions / f"{code.upper()}.json", state)

    def reveal(self, code: str, *, revealed: bool = True) -> None:
        self._update(code, revealed=revealed)

    def clear(self, code: str) -> None:
        """Answers given so far stop counting (they stay on disk)."""
        self._update(code, cleared_after_ns=time.time_ns())

    def answer(self, code: str, *, participant: str, value: str) -> None:
        """Record one answer; the participant's latest answer is the one that counts."""
        code = code.upper()
        self.state(code)
        if not PARTICIPANT.fullmatch(participant):
            raise PulseError("participant id must be 8-40 lowercase letters or digits")
        value = value.strip()
        if not value or len(value) > MAX_ANSWER_CHARS:
            raise PulseError(f"an answer must be 1-{MAX_ANSWER_CHARS} characters")
        stamp = time.time_ns()
        path = self.answers_dir / code / f"{stamp:020d}-{participant}-{uuid.uuid4().hex[:6]}.json"
        _atomic_json(path, {"participant": participant, "value": value, "at_ns": stamp})

    def answers(self, code: str) -> pd.DataFrame:
        """Each participant's latest answer given after the last clear."""
        cleared = self.state(code)["cleared_after_ns"]
        rows = []
        for path in sorted((self.answers_dir / code.upper()).glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            if record["at_ns"] > cleared:
                rows.append(record)
        frame = pd.DataFrame(rows, columns=["participant", "value", "at_ns"])
        return frame.sort_values("at_ns").drop_duplicates("participant", keep="last").reset_index(drop=True)
