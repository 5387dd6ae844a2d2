"""Who this session is: Streamlit's native sign-in (st.login / st.user, OIDC) mapped to a role by the access file.

With no [auth] section in .streamlit/secrets.toml the app runs in local mode: one trusted person with
funder-admin rights, stated in the header, and only on a loopback address.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.access import LOCAL_ADMIN, AccessFileError, AccessList, Principal, Role, load_access
from pbsa_analytics.errors import PbsaError
from pbsa_analytics.ui.navigation import build_navigation

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


def sign_in_page() -> None:
    """The only page before sign-in: what the app is and a sign-in button, nothing else."""
    st.title("PBSA Analytics")
    st.write("Sign in with your organisation's account to see the Place Based Social Action dashboard.")
    if st.button("Sign in", type="primary", key="auth_sign_in"):
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
        signed_in = st.user.is_logged_in
        page = st.Page(no_access_page if signed_in else sign_in_page, title="No access" if signed_in else "Sign in",
                       default=True)  # fmt: skip
        return st.navigation([page], position="hidden")
    identity_header(principal)
    return build_navigation(pages_for(principal))


def has_access() -> bool:
    """True when this session reaches the app's pages (not the sign-in, no-access or refusal page)."""
    try:
        return session_principal() is not None
    except LocalModeRefusedError:
        return False
