"""Who this session is: Streamlit's native sign-in (st.login / st.user, OIDC) mapped to a role by the access file.

With no [auth] section in .streamlit/secrets.toml the app runs in local mode: one trusted person with
funder-admin rights, stated in the header, and only on a loopback address.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.access import LOCAL_ADMIN, AccessFileError, AccessList, Principal, Role, load_access
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.settings import REPO_ROOT
from pbsa_analytics.ui.navigation import PAGES, build_navigation

log = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ALL_PAGES = None  # navigation shows every page

# Pages (by URL path) each role is offered. The data layer scopes every query anyway; this only keeps a role
# away from pages that would be empty for it.
ROLE_PAGES: dict[Role, Collection[str] | None] = {
    Role.FUNDER_ADMIN: ALL_PAGES,
    Role.FUNDER: ALL_PAGES,
    Role.PARTNERSHIP: ("", "map", "typology", "outcomes", "phases", "partnership", "evidence", "present", "pulse"),
    Role.PUBLIC: ("",),
    Role.PARTICIPANT: ("pulse",),
}


class SignInRequiredError(PbsaError):
    """Sign-in is configured and this session has not signed in."""


class NoAccessError(PbsaError):
    """The signed-in user is not in the access file."""


class LocalModeRefusedError(PbsaError):
    """Local mode (no sign-in) was asked to serve on an address other than loopback."""


def auth_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section, i.e. sign-in is required."""
    return _auth_in_secrets(tuple(_file_identity(Path(path)) for path in st.get_option("secrets.files")))


def _file_identity(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path), stat.st_ino, stat.st_mtime_ns


@functools.lru_cache(maxsize=4)
def _auth_in_secrets(files: tuple[tuple[str, int, int] | None, ...]) -> bool:
    # Asked on every query. With no secrets file Streamlit looks for one (and parses) on each call, about 0.4 ms;
    # keyed on the files' identities the answer still follows a secrets file added, edited or removed.
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def serves_loopback_only() -> bool:
    """True when the server listens on a loopback address only (an empty address means every interface)."""
    address = (st.get_option("server.address") or "").strip()
    return address in LOOPBACK or address.startswith("127.")


@st.cache_resource(show_spinner=False, max_entries=4)
def _access_list(path: str, _modified_ns: int) -> AccessList:
    return load_access(Path(path))


def access_list() -> AccessList:
    """The access file's grants, re-read when the file changes; an unreadable file lets nobody in."""
    path = settings.access_file()
    try:
        return _access_list(str(path), path.stat().st_mtime_ns)
    except (OSError, AccessFileError) as error:
        log.error("access file unusable, nobody is let in: %s", error)
        return AccessList({})


def _user_claim(name: str) -> str | None:
    value = st.user.get(name)
    return value if isinstance(value, str) and value else None


def session_principal() -> Principal | None:
    """This session's principal, or None if it has not signed in or the access file does not list it."""
    if not auth_configured():
        if not serves_loopback_only():
            raise LocalModeRefusedError(
                "Local mode (no sign-in) only serves 127.0.0.1. Configure [auth] in .streamlit/secrets.toml "
                "and an access file before serving anyone else (see the README, 'Deploying for several audiences')."
            )
        return LOCAL_ADMIN
    if not st.user.is_logged_in:
        return None
    subject = _user_claim("sub") or _user_claim("email")
    if subject is None:
        return None
    return access_list().principal_for(subject=subject, email=_user_claim("email"), name=_user_claim("name"))


def current_principal() -> Principal:
    """The principal this session's queries, pages and downloads run for; refuses when there is none."""
    principal = session_principal()
    if principal is None:
        if auth_configured() and st.user.is_logged_in:
            raise NoAccessError("You are signed in, but this dashboard has not been opened to your account.")
        raise SignInRequiredError("Sign in to see this dashboard.")
    return principal


def pages_for(principal: Principal) -> Collection[str] | None:
    """URL paths of the pages a principal is offered (None = all)."""
    return ROLE_PAGES[principal.role]


def identity_header(principal: Principal) -> None:
    """State plainly who this session is: local mode, or the signed-in account and its role."""
    if principal is LOCAL_ADMIN:
        st.caption(
            "Local mode: no sign-in, one trusted user on this computer with funder-admin rights.",
            help="Configure [auth] in .streamlit/secrets.toml and an access file to serve other people.",
        )
        return
    with st.sidebar:
        st.caption("Signed in as")
        st.text(f"{principal.display_name}\n{principal.role.value}")
        if st.button("Sign out", key="auth_sign_out"):
            st.logout()


# Deep links through sign-in. The provider sends every sign-in back to "/", and a new browser session starts
# there, so the view asked for (say /partnership?place=x&period=fy-2023) is kept server-side for a few minutes,
# keyed by a hash of this browser's XSRF token (a cookie Streamlit sets before sign-in and keeps afterwards).
# Only a known page's path and its query parameters are kept; the user is sent there with st.switch_page, so
# the target can never be another host.
XSRF_COOKIE = "_streamlit_xsrf"
RETURN_TTL_S = 15 * 60
RETURN_MAX = 2048


@dataclass(frozen=True)
class ReturnTo:
    """Where a signed-out visitor was going: a page's URL path ("" for the overview) and its query parameters."""

    url_path: str
    query: tuple[tuple[str, str], ...]
    saved_at: float


class PendingReturns:
    """Pending deep links by browser key, each taken at most once and forgotten after RETURN_TTL_S."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, ReturnTo] = {}

    def put(self, key: str, target: ReturnTo) -> None:
        with self._lock:
            self._forget_old(now=target.saved_at)
            if len(self._by_key) >= RETURN_MAX:
                self._by_key.pop(next(iter(self._by_key)))
            self._by_key[key] = target

    def take(self, key: str, *, now: float) -> ReturnTo | None:
        with self._lock:
            self._forget_old(now=now)
            return self._by_key.pop(key, None)

    def waiting(self) -> bool:
        """True while any deep link is held (checked before working out a browser's key on every run)."""
        with self._lock:
            return bool(self._by_key)

    def _forget_old(self, *, now: float) -> None:
        for key in [k for k, v in self._by_key.items() if now - v.saved_at > RETURN_TTL_S]:
            del self._by_key[key]


@st.cache_resource(show_spinner=False)
def _returns() -> PendingReturns:
    return PendingReturns()


def xsrf_token(cookie: object) -> bytes | None:
    """The token inside Streamlit's XSRF cookie ("2|mask|masked token|time"): its mask changes, the token does not."""
    if not isinstance(cookie, str) or not cookie:
        return None
    parts = cookie.split("|")
    try:
        if parts[0] == "2" and len(parts) == 4:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            return bytes(byte ^ mask[i % len(mask)] for i, byte in enumerate(masked)) if mask else None
    except ValueError:
        return None
    return cookie.encode()


def browser_key() -> str | None:
    """A key for this browser that survives the sign-in round trip (None if the XSRF cookie is absent)."""
    token = xsrf_token(st.context.cookies.get(XSRF_COOKIE))
    return hashlib.sha256(b"pbsa-return-to|" + token).hexdigest() if token else None


def _remember_target(url_path: str) -> None:
    key = browser_key()
    if key is None or url_path not in {spec.url_path for spec in PAGES}:
        return
    query = tuple((name, st.query_params.get(name) or "") for name in st.query_params)
    if not url_path and not query:
        return  # the overview is where sign-in lands anyway
    _returns().put(key, ReturnTo(url_path=url_path, query=query, saved_at=time.time()))


def _return_after_sign_in(principal: Principal) -> None:
    """Right after sign-in, open the page the visitor asked for before it (if the role may see that page)."""
    returns = _returns()
    if not returns.waiting():
        return
    key = browser_key()
    target = returns.take(key, now=time.time()) if key else None
    if target is None:
        return
    allowed = pages_for(principal)
    if allowed is not None and target.url_path not in allowed:
        return
    spec = next(spec for spec in PAGES if spec.url_path == target.url_path)
    st.switch_page(str(REPO_ROOT / spec.file), query_params=dict(target.query))


def _sign_in_at(url_path: str):
    def page() -> None:
        sign_in_page(url_path=url_path)

    return page


def sign_in_page(*, url_path: str = "") -> None:
    """The only page before sign-in: what the app is and a sign-in button, nothing else."""
    st.title("PBSA Analytics")
    st.write("Sign in with your organisation's account to see the Place Based Social Action dashboard.")
    if st.button("Sign in", type="primary", key="auth_sign_in"):
        _remember_target(url_path)
        st.login()


def no_access_page() -> None:
    """The only page for a signed-in account the access file does not list."""
    st.title("No access")
    st.text(f"You are signed in as {_user_claim('email') or _user_claim('sub') or 'an unnamed account'}.")
    st.write(
        "This account has not been given access to the PBSA Analytics dashboard. If you should have access, "
        "ask the programme team to add your e-mail address to the access file."
    )
    if st.button("Sign out", key="auth_no_access_sign_out"):
        st.logout()


def refused_page(message: str) -> None:
    st.title("Not started: local mode on a shared address")
    st.error(message)


def entry_navigation() -> st.navigation:
    """What app.py runs: a refusal, the sign-in or no-access page, or the principal's pages under its identity."""
    try:
        principal = session_principal()
    except LocalModeRefusedError as error:
        message = str(error)

        def not_started() -> None:
            refused_page(message)

        return st.navigation([st.Page(not_started, title="Not started", default=True)], position="hidden")
    if principal is None:
        if st.user.is_logged_in:
            return st.navigation([st.Page(no_access_page, title="No access", default=True)], position="hidden")
        # The sign-in page answers on every page's path, so a deep link keeps its address until sign-in.
        pages = [
            st.Page(_sign_in_at(spec.url_path), title="Sign in", url_path=spec.url_path or None,
                    default=not spec.url_path)
            for spec in PAGES
        ]  # fmt: skip
        return st.navigation(pages, position="hidden")
    identity_header(principal)
    navigation = build_navigation(pages_for(principal))
    _return_after_sign_in(principal)
    return navigation


def has_access() -> bool:
    """True when this session reaches the app's pages (not the sign-in, no-access or refusal page)."""
    try:
        return session_principal() is not None
    except LocalModeRefusedError:
        return False
