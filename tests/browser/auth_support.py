"""Real sign-in for browser tests: a local OIDC provider, an app configured with [auth] and an access file."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import werkzeug.serving
from oidc_provider_mock import User
from oidc_provider_mock import app as oidc_app
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from tests.browser.conftest import running_app, wait_for_app

# One account per role, plus one the access file does not list.
USERS = {
    "admin": ("admin@funder.example", "Ada Admin"),
    "funder": ("funder@funder.example", "Fred Funder"),
    "partnership": ("coordinator@hartlepool.example", "Pat Partner"),
    "public": ("visitor@example.org", "Val Visitor"),
    "participant": ("phone@room.example", "Phil Phone"),
    "stranger": ("stranger@nowhere.example", "Sam Stranger"),
}
PARTNERSHIP_PLACE = "hartlepool"

ACCESS_FILE = f"""
[[users]]
email = "{USERS["admin"][0]}"
role = "funder_admin"

[[users]]
email = "{USERS["funder"][0]}"
role = "funder"

[[users]]
email = "{USERS["partnership"][0]}"
role = "partnership"
place_id = "{PARTNERSHIP_PLACE}"

[[users]]
email = "{USERS["public"][0]}"
role = "public"

[[users]]
email = "{USERS["participant"][0]}"
role = "participant"
"""


@contextmanager
def oidc_provider() -> Iterator[str]:
    """A local OpenID Connect provider (oidc-provider-mock) on 127.0.0.1 with one predefined user per role."""
    users = [User(sub=email, claims={"email": email, "name": name}) for email, name in USERS.values()]
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def write_auth_config(folder: Path, *, provider_url: str) -> tuple[Path, Path]:
    """secrets.toml with an [auth] section pointing at the provider, and the access file; return both paths."""
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "pbsa-analytics-test"\n'
        'client_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    access_file = folder / "access.toml"
    access_file.write_text(ACCESS_FILE, encoding="utf-8")
    return secrets_file, access_file


@contextmanager
def signed_in_app(*, db_path: Path, folder: Path) -> Iterator[str]:
    """A provider and an app that requires sign-in through it; yields the app's base URL."""
    with oidc_provider() as provider_url:
        secrets_file, access_file = write_auth_config(folder, provider_url=provider_url)
        with running_app(
            db_path=db_path, log_path=folder / "server.log", extra_env={"PBSA_ACCESS_FILE": str(access_file)},
            extra_args=["--secrets.files", str(secrets_file)],
        ) as url:  # fmt: skip
            yield url


@dataclass
class Session:
    """One signed-in browser context: its tab, the websocket frames it received and external requests it tried."""

    context: BrowserContext
    tab: Page
    frames: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    downloaded: int = 0  # characters of downloaded files checked
    formats: dict[str, int] = field(default_factory=dict)  # downloads read, by file extension
    programme_report_read: bool = False  # the whole-programme report is the same on every page: read it once
    menus: dict[str, int] = field(default_factory=dict)  # Download menus opened and read, by URL

    def reset(self) -> None:
        self.frames.clear()


def open_session(browser: Browser, *, app_url: str, role: str, start: str = "/") -> Session:
    """Open start signed out, sign in as the role's user through the provider's form as a person would, record what arrives.

    A deep link (start other than "/") must come back to that exact address after sign-in.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    session = Session(context=context, tab=context.new_page())

    def police(route, request) -> None:
        if request.url.startswith(("data:", "blob:", "http://127.0.0.1:")):
            route.continue_()
        else:
            session.external.append(request.url)
            route.abort()

    def on_socket(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: session.frames.append(_text(payload)))

    context.route("**/*", police)
    session.tab.on("websocket", on_socket)
    tab = session.tab
    tab.goto(app_url + start)
    tab.get_by_role("button", name="Sign in").click(timeout=60_000)
    email = USERS[role][0]
    tab.get_by_role("button", name=email).click(timeout=30_000)
    landing = re.escape(app_url + start) + "$" if start != "/" else re.escape(app_url) + r"/?(\?.*)?$"
    tab.wait_for_url(re.compile(landing), timeout=30_000)
    wait_for_app(tab)
    if role == "stranger":
        expect(tab.get_by_role("heading", name="No access")).to_be_visible(timeout=30_000)
    else:
        expect(tab.get_by_role("button", name="Sign in")).to_have_count(0, timeout=30_000)
    # The provider's own page asks a CDN for its stylesheet; only what the app asks for counts.
    session.external.clear()
    return session


def _text(payload: str | bytes) -> str:
    return payload.decode("utf-8", errors="ignore") if isinstance(payload, bytes) else payload
