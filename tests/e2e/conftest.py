"""Fixtures for real-browser tests: one eventlet server per module, Chromium via Playwright."""

import os
from urllib.parse import urlsplit

import pytest
from realserver import PASSWORD, server_logs, start_servers

CHROMIUM = os.environ.get("LIVEQA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
# Socket.IO's reconnection back-off alone can reach five seconds (plus jitter).
EXPECT_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Start one seeded eventlet server for the module; yield (server, seed info)."""
    workdir = tmp_path_factory.mktemp("e2e")
    servers, info = start_servers(workdir)
    yield servers[0], info
    for server in servers:
        server.stop()
    # Shown by pytest only when something in the module failed.
    print(server_logs(servers))


@pytest.fixture(scope="module")
def server(live):
    return live[0]


@pytest.fixture(scope="module")
def seed_info(live):
    return live[1]


@pytest.fixture(scope="session")
def browser():
    """Launch the system Chromium once per test run."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Contexts:
    """Open browser contexts that fail the test on any dialog or off-host request."""

    def __init__(self, browser, server):
        self.browser = browser
        self.server = server
        self.contexts = []
        self.dialogs = []
        self.foreign = []
        self.page_errors = []

    def _watch_request(self, request):
        url = request.url
        if url.startswith(("data:", "blob:")):
            return
        parts = urlsplit(url)
        if (
            parts.scheme in ("http", "https", "ws", "wss")
            and parts.netloc == urlsplit(self.server.origin).netloc
        ):
            return
        self.foreign.append(url)

    def _watch_page(self, page):
        page.set_default_timeout(TIMEOUT_MS)

        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("websocket", lambda ws: self._watch_request(ws))

    def new(self, **options):
        """Return a new page in a new fa-IR context (OPTIONS go to new_context)."""
        options.setdefault("locale", "fa-IR")
        options.setdefault("base_url", self.server.origin)
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", self._watch_request)
        context.on("page", self._watch_page)
        self.contexts.append(context)
        page = context.new_page()
        return page

    def staff(self, username, password=PASSWORD, **options):
        """Return a page logged in as USERNAME through the real login form."""
        page = self.new(**options)
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.locator("form [type=submit]").first.click()
        assert "/login" not in page.url, f"login as {username} failed: {page.url}"
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def contexts(browser, server):
    """Yield a Contexts opener; fail on dialogs, page errors or requests off 127.0.0.1."""
    opener = Contexts(browser, server)
    yield opener
    opener.close()
    assert opener.dialogs == [], f"a dialog fired: {opener.dialogs}"
    assert opener.foreign == [], f"requests left the server origin: {opener.foreign}"
    assert opener.page_errors == [], f"uncaught page errors: {opener.page_errors}"
