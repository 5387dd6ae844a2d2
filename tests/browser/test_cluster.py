"""Browser tests through `make run-cluster`: nginx in front of two Streamlit processes sharing one store.

Needs Debian's nginx (.ci/run installs nginx-light); everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from pbsa_analytics import cluster, settings
from pbsa_analytics.services import pulse as room
from pbsa_analytics.store.pulse import PulseStore
from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser
WORKERS = 2


@pytest.fixture(scope="module")
def cluster_url(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two Streamlit processes behind nginx on free loopback ports, reading the session's store."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is missing: install Debian's nginx-light (.ci/run does)")
    running = cluster.start(
        workers=WORKERS,
        port=cluster.free_port(),
        run_dir=tmp_path_factory.mktemp("cluster"),
        env={"PBSA_DB_PATH": str(built_db), "PBSA_STORE_DIR": str(settings.store_dir())},
    )
    try:
        yield running.url
    finally:
        running.stop()


def _worker(url: str, cookie: str) -> str:
    request = urllib.request.Request(url + "/", headers={"Cookie": f"{cluster.STICKY_COOKIE}={cookie}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (loopback)
        return response.headers["X-PBSA-Worker"]


def _cookies_for_each_worker(url: str) -> dict[str, str]:
    """One sticky cookie value per worker process, found by asking the proxy where each value goes."""
    found: dict[str, str] = {}
    for n in range(200):
        found.setdefault(_worker(url, f"probe{n}"), f"probe{n}")
        if len(found) == WORKERS:
            return found
    pytest.fail(f"the proxy sent 200 cookies to only {len(found)} of {WORKERS} workers")


def test_sticky_cookie_keeps_a_browser_on_one_process(cluster_url: str) -> None:
    """A new visitor gets a cookie; the same cookie always reaches the same worker, and both workers are used."""
    with urllib.request.urlopen(cluster_url + "/", timeout=10) as response:  # noqa: S310
        assert f"{cluster.STICKY_COOKIE}=" in response.headers["Set-Cookie"]
    for worker, cookie in _cookies_for_each_worker(cluster_url).items():
        assert {_worker(cluster_url, cookie) for _ in range(5)} == {worker}


def test_pages_reading_the_store_work_on_every_process(cluster_url: str, browser: Browser) -> None:
    """/ and /evidence?q=food render their data through the proxy on each worker (websockets proxied)."""
    for worker, cookie in _cookies_for_each_worker(cluster_url).items():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            context.add_cookies([{"name": cluster.STICKY_COOKIE, "value": cookie, "url": cluster_url}])
            tab = context.new_page()
            response = tab.goto(cluster_url + "/")
            assert response.headers["x-pbsa-worker"] == worker
            wait_for_app(tab)
            expect(tab.get_by_text("20 places").first).to_be_visible(timeout=30_000)
            tab.goto(cluster_url + "/evidence?q=food")
            wait_for_app(tab)
            expect(tab.get_by_text("evidence records match").first).to_be_visible(timeout=30_000)
            screenshot(tab, f"cluster-evidence-worker-{worker.rsplit(':', 1)[1]}")
        finally:
            context.close()


def test_pulse_answer_on_one_process_reaches_the_projector_on_another(cluster_url: str, browser: Browser) -> None:
    """The presenter's projected slide on one worker counts a phone's answer sent through the other worker."""
    (presenter_cookie, phone_cookie) = _cookies_for_each_worker(cluster_url).values()
    secret = room.presenter_secret(PulseStore(settings.store_dir()))
    presenter = browser.new_context(viewport={"width": 1920, "height": 1080})
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        presenter.add_cookies([{"name": cluster.STICKY_COOKIE, "value": presenter_cookie, "url": cluster_url}])
        phone.add_cookies([{"name": cluster.STICKY_COOKIE, "value": phone_cookie, "url": cluster_url}])
        screen = presenter.new_page()
        # The projected view with the presenter secret opens the question (slide 3: a number to guess).
        screen.goto(f"{cluster_url}/present?deck=learning-event&slide=3&key={secret}")
        wait_for_app(screen)
        code = screen.locator(".pbsa-code").inner_text().strip()
        assert re.fullmatch(r"[A-Z]{4}", code)
        expect(screen.locator(".pbsa-count")).to_have_text(re.compile(r"^\d+ answers? so far$"), timeout=30_000)
        before = int(screen.locator(".pbsa-count").inner_text().split()[0])  # other tests may share this store
        handset = phone.new_page()
        handset.goto(f"{cluster_url}/pulse?code={code}")
        wait_for_app(handset)
        handset.locator('input[aria-label="Your guess"]').fill("640")
        handset.get_by_role("button", name="Send").click()
        expect(handset.get_by_text("Answer recorded")).to_be_visible(timeout=15_000)
        expect(handset.get_by_text("Your answer: 640")).to_be_visible()
        assert any(c["name"] == f"pbsa_pulse_{code}" for c in phone.cookies())
        after = f"{before + 1} answer{'s' if before + 1 != 1 else ''} so far"
        expect(screen.locator(".pbsa-count")).to_have_text(after, timeout=20_000)
        screenshot(screen, "cluster-pulse-projector")
    finally:
        presenter.close()
        phone.close()
