"""Room use cases: who may run a pulse (presenter) and what participants may do, checked on every call.

A presenter is a principal that can administer. In local mode (no identity provider) the local principal is
everyone who reaches the server, so presenter actions there also need the presenter secret that `make run`
prints (kept in <store>/pulse/secrets.json or set as PBSA_PRESENTER_SECRET), or a presenter pass: a token the
server signs once it has seen the secret, so a presenter's browser can be remembered without keeping the secret.

Every change a presenter makes to a question (open, reveal, hide, close, reopen, clear) is audited in the pulse
store: who, when, which code, deck, question and slide.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from pbsa_analytics import settings
from pbsa_analytics.access import LOCAL_ADMIN, Principal
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.store.pulse import PulseStore

PASS_SALT = "pbsa-presenter-pass"  # noqa: S105 (a namespace, not a secret)


class PresenterOnlyError(PbsaError):
    """A presenter action was asked for by someone who is not the presenter."""


def presenter_secret(pulses: PulseStore) -> str:
    """The secret the presenter link carries in local mode: the setting, else the store's generated one."""
    return settings.get("PBSA_PRESENTER_SECRET") or pulses.presenter_secret


def _pass_salt(pulses: PulseStore) -> str:
    """The pass's signing namespace includes a digest of the secret: a new secret voids every earlier pass, and
    the pass itself carries nothing derived from the secret."""
    return PASS_SALT + hashlib.sha256(presenter_secret(pulses).encode("utf-8")).hexdigest()


def _pass_max_age_s(pulses: PulseStore) -> int:
    return int(pulses.limits.code_hours * 3600)


def _valid_pass(pulses: PulseStore, credential: str) -> bool:
    payload = pulses.unsign(credential, salt=_pass_salt(pulses), max_age_s=_pass_max_age_s(pulses))
    return (payload or {}).get("role") == "presenter"


def is_presenter(pulses: PulseStore, *, principal: Principal, presenter_key: str | None) -> bool:
    """True for an administering principal; in local mode only with the presenter secret or a presenter pass."""
    if not principal.can_administer:
        return False
    if principal.subject != LOCAL_ADMIN.subject:
        return True
    if not presenter_key:
        return False
    return hmac.compare_digest(presenter_key, presenter_secret(pulses)) or _valid_pass(pulses, presenter_key)


def presenter_pass(pulses: PulseStore, *, principal: Principal, presenter_key: str | None) -> str:
    """A signed pass standing in for the secret in this presenter's browser; it expires with the pulse codes."""
    _require_presenter(pulses, principal, presenter_key)
    return pulses.sign({"role": "presenter"}, salt=_pass_salt(pulses))


def pass_hours(pulses: PulseStore) -> float:
    """How long a presenter pass is honoured."""
    return pulses.limits.code_hours


def _require_presenter(pulses: PulseStore, principal: Principal, presenter_key: str | None) -> None:
    if not is_presenter(pulses, principal=principal, presenter_key=presenter_key):
        raise PresenterOnlyError("only the presenter can do this; open the presenter link printed by `make run`")


def _who(principal: Principal) -> str:
    """The audit's name for a principal: display name and subject (local mode: the presenter link's holder)."""
    if principal.subject == LOCAL_ADMIN.subject:
        return f"{principal.display_name} ({principal.subject}, presenter link)"
    return f"{principal.display_name} ({principal.subject})"


def open_question(
    pulses: PulseStore,
    *,
    principal: Principal,
    presenter_key: str | None,
    deck: str,
    question_id: str,
    slide: int | None = None,
) -> str:
    """Open (or reopen) a question for answers and return its join code."""
    _require_presenter(pulses, principal, presenter_key)
    return pulses.open_question(deck=deck, question_id=question_id, by=_who(principal), slide=slide)


def reveal(
    pulses: PulseStore,
    *,
    principal: Principal,
    presenter_key: str | None,
    code: str,
    revealed: bool,
    slide: int | None = None,
) -> None:
    _require_presenter(pulses, principal, presenter_key)
    pulses.reveal(code, revealed=revealed, by=_who(principal), slide=slide)


def close(
    pulses: PulseStore,
    *,
    principal: Principal,
    presenter_key: str | None,
    code: str,
    closed: bool,
    slide: int | None = None,
) -> None:
    _require_presenter(pulses, principal, presenter_key)
    pulses.close(code, closed=closed, by=_who(principal), slide=slide)


def clear(
    pulses: PulseStore, *, principal: Principal, presenter_key: str | None, code: str, slide: int | None = None
) -> None:
    _require_presenter(pulses, principal, presenter_key)
    pulses.clear(code, by=_who(principal), slide=slide)


def audit_log(pulses: PulseStore, *, principal: Principal, presenter_key: str | None, deck: str) -> pd.DataFrame:
    """The presenter's record of one deck's questions: who opened, revealed, closed or cleared what, and when."""
    _require_presenter(pulses, principal, presenter_key)
    log = pulses.audit_log()
    return log[log["deck"] == deck].drop(columns=["at_ns"]).iloc[::-1].reset_index(drop=True)


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
