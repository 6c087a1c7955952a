"""Browser tests: the real app served on a loopback port (werkzeug, in a thread, with its own SQLite
database), driven by playwright through Debian's chromium.

One server and one browser serve the whole browser suite; each test gets a fresh browser context
(its own cookies, service worker, caches and IndexedDB), so tests do not see each other's phone.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from webapp import create_app
from webapp.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "correct horse battery"
#: how long a test waits for the page to do something (ms); generous for a loaded CI machine
TIMEOUT_MS = 15_000
#: console errors tests cause on purpose: loads refused while offline, an answer cut off on its way
EXPECTED_ERRORS = ("net::ERR_INTERNET_DISCONNECTED", "net::ERR_CONNECTION_RESET")


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run(self, work):
        """Call ``work()`` inside the app (seed data, read what the browser stored)."""
        with self.app.app_context():
            try:
                return work()
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from werkzeug.serving import make_server

    tmp = tmp_path_factory.mktemp("live")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'live.db'}",
        "SECRET_KEY": "browser-tests",
        "MAIL_URL": f"maildir:{tmp / 'maildir'}",
        "SESSION_COOKIE_SECURE": False,
        "PASSWORD_HASH_FAST": True,
        "AUTH_RATE_LIMIT": "1000 per minute",
        "SHARE_BACK_LIMIT_PER_ADDRESS": "1000 per minute",
        "SHARE_BACK_MIN_SECONDS": 1,  # a form sent sooner after it was shown is taken for a bot
    })
    with app.app_context():
        db.create_all()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url  # QR codes and card links point at this very server
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def playwright():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch(playwright, *args: str):
    """Debian's chromium (playwright cannot download a browser of its own here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-dev-shm-usage", *args])


@pytest.fixture(scope="session")
def browser(playwright):
    browser = launch(playwright)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def expected_errors() -> list[str]:
    """Console errors a test causes on purpose (a server error it fakes), beside EXPECTED_ERRORS."""
    return []


@pytest.fixture
def new_context(browser, live_server, expected_errors):
    """Make browser contexts (a fresh phone each) that are closed after the test."""
    contexts = []
    errors: list[str] = []

    def make(*, on=browser, **options):
        options = {"base_url": live_server.url, "locale": "en-US", "viewport": {"width": 390, "height": 844},
                   "service_workers": "allow", **options}
        context = on.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", lambda message: message.type == "error" and errors.append(message.text))
        context.on("weberror", lambda error: errors.append(str(error.error)))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    # A script error or a CSP violation fails the test; resources refused while offline do not.
    unexpected = [text for text in errors if not any(part in text for part in (*EXPECTED_ERRORS, *expected_errors))]
    assert not unexpected, unexpected


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@dataclass
class Person:
    id: int
    email: str
    name: str
    slug: str


@pytest.fixture
def make_person(live_server):
    """A user with a public card (and, with ``event``, an active event) in the live server's database."""

    def make(name="山田 太郎", keyword="AIと教育を掛け合わせる仕事をしています", event=None, **profile):
        from webapp.auth.services import create_user
        from webapp.events.services import create_event
        from webapp.profiles.schemas import ProfileIn
        from webapp.profiles.services import update_profile

        def work():
            user = create_user(f"{uuid.uuid4().hex[:12]}@example.com", PASSWORD, name)
            card = update_profile(user, ProfileIn().load({"name": name, "keyword": keyword, **profile}))
            if event:
                create_event(user, {"name": event, "is_active": True})
            return Person(user.id, user.email, name, card.slug)

        return live_server.run(work)

    return make


def log_in(page, person: Person) -> None:
    """Log in through the real form; lands on the home screen."""
    page.goto("/login")
    page.fill("#email", person.email)
    page.fill("#password", PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url("**/")


def wait_for_worker(page) -> None:
    """Until the service worker is active and controls the page.

    A page whose navigation began before the worker activated can miss the worker's
    clients.claim(); like a person's next visit, a reload then puts it under the worker."""
    wait_until(page, "() => navigator.serviceWorker.ready.then((registration) => registration.active !== null)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    wait_until(page, "() => navigator.serviceWorker.controller !== null")


def wait_until(page, script: str, arg=None, timeout_ms: int = TIMEOUT_MS):
    """Evaluate ``script`` (it may be async) in the page until it answers something truthy."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms} ms: {script}")
        page.wait_for_timeout(100)


def wait_until_kept(page, *paths: str) -> None:
    """Until the service worker has kept these paths for offline use."""
    wait_until(page, """async (paths) => {
        const cache = await caches.open("ichigo-pages-1");
        const hits = await Promise.all(paths.map((path) => cache.match(path, { ignoreVary: true })));
        return hits.every(Boolean);
    }""", list(paths))


#: where screenshots of the main screens go (CI keeps this folder as an artifact; git ignores it)
SCREENSHOTS = Path(os.environ.get("ICHIGO_SCREENSHOTS", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"))


@pytest.fixture
def screenshot():
    """`screenshot(page, "capture-ja")`: a full-page PNG of what the phone shows, kept for people to look at."""
    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
