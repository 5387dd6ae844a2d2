"""Room use cases: who may run a pulse (presenter) and what participants may do, checked on every call.

A presenter is a principal that can administer. In local mode (no identity provider) the local principal is
everyone who reaches the server, so presenter actions there also need the presenter secret that `make run`
prints (kept in <store>/pulse/secrets.json or set as PBSA_PRESENTER_SECRET).
"""

from __future__ import annotations

import hmac

import pandas as pd

from pbsa_analytics import settings
from pbsa_analytics.access import LOCAL_ADMIN, Principal
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.store.pulse import PulseStore


class PresenterOnlyError(PbsaError):
    """A presenter action was asked for by someone who is not the presenter."""


def presenter_secret(pulses: PulseStore) -> str:
    """The secret the presenter link carries in local mode: the setting, else the store's generated one."""
    return settings.get("PBSA_PRESENTER_SECRET") or pulses.presenter_secret


def is_presenter(pulses: PulseStore, *, principal: Principal, presenter_key: str | None) -> bool:
    """True for an administering principal; in local mode only with the presenter secret as well."""
    if not principal.can_administer:
        return False
    if principal.subject != LOCAL_ADMIN.subject:
        return True
    return bool(presenter_key) and hmac.compare_digest(presenter_key, presenter_secret(pulses))


def _require_presenter(pulses: PulseStore, principal: Principal, presenter_key: str | None) -> None:
    if not is_presenter(pulses, principal=principal, presenter_key=presenter_key):
        raise PresenterOnlyError("only the presenter can do this; open the presenter link printed by `make run`")


def open_question(
    pulses: PulseStore, *, principal: Principal, presenter_key: str | None, deck: str, question_id: str
) -> str:
    """Open (or reopen) a question for answers and return its join code."""
    _require_presenter(pulses, principal, presenter_key)
    return pulses.open_question(deck=deck, question_id=question_id)


def reveal(pulses: PulseStore, *, principal: Principal, presenter_key: str | None, code: str, revealed: bool) -> None:
    _require_presenter(pulses, principal, presenter_key)
    pulses.reveal(code, revealed=revealed)


def close(pulses: PulseStore, *, principal: Principal, presenter_key: str | None, code: str, closed: bool) -> None:
    _require_presenter(pulses, principal, presenter_key)
    pulses.close(code, closed=closed)


def clear(pulses: PulseStore, *, principal: Principal, presenter_key: str | None, code: str) -> None:
    _require_presenter(pulses, principal, presenter_key)
    pulses.clear(code)


def presenter_answers(
    pulses: PulseStore, *, principal: Principal, presenter_key: str | None, code: str
) -> pd.DataFrame:
    """Every counted answer with its participant id, for the presenter's download."""
    _require_presenter(pulses, principal, presenter_key)
    return pulses.answers(code)


def move(
    pulses: PulseStore, *, principal: Principal, presenter_key: str | None, deck: str, slide: int, step: int
) -> None:
    """Move every projected window of the deck to a slide (the presenter's Next and Back)."""
    _require_presenter(pulses, principal, presenter_key)
    pulses.set_position(deck=deck, slide=slide, step=step)


def room_results(pulses: PulseStore, *, code: str) -> pd.DataFrame | None:
    """The room's answers once the presenter has revealed them; None while hidden."""
    if not pulses.state(code)["revealed"]:
        return None
    return pulses.answers(code)[["value"]]


def submit_answer(pulses: PulseStore, *, code: str, token: str, value: str, ballot: str) -> None:
    """A participant's answer: the token must be one this server signed for this code."""
    pulses.answer(code, token=token, value=value, ballot=ballot)
