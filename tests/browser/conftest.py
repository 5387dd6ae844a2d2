"""Browser fixtures: a real `streamlit run` on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from pbsa_analytics import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = settings.REPO_ROOT / "test-artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


@contextmanager
def running_app(
    *,
    db_path: Path,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    extra_args: list[str] | None = None,
    script: Path | None = None,
) -> Iterator[str]:
    """Start `streamlit run app.py` (or another script) on a free 127.0.0.1 port; stop it by its process group on
    exit."""
    port = port or _free_port()
    env = {**os.environ, "PBSA_DB_PATH": str(db_path), **(extra_env or {})}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(script or settings.REPO_ROOT / "app.py"),
                "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *(extra_args or []),
            ],
            cwd=settings.REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def app_url(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a streamlit server shared by this session's browser tests."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    with running_app(db_path=built_db, log_path=log_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium; its absence is a failure, never a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class ExternalRequests(list):
    """Requests the page tried to send anywhere but the local app."""


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, ExternalRequests]]:
    """A 1400x1000 page that blocks and records every request leaving 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    external = ExternalRequests()

    def police(route, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            external.append(request.url)
            route.abort()

    context.route("**/*", police)
    tab = context.new_page()
    yield tab, external
    context.close()


def screenshot(tab: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(tab: Page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script and drawn the main block."""
    tab.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelectorAll('[data-testid=\"stMainBlockContainer\"] *').length > 20",
        timeout=timeout_ms,
    )
    tab.wait_for_timeout(800)


def wait_for_room_keys(tab: Page, timeout_ms: int = 60_000) -> None:
    """Wait until the room's key listener is attached and no rerun is under way, so a key press is not lost."""
    tab.wait_for_function(
        "() => typeof window.__pbsaRoomKeys === 'function'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )
