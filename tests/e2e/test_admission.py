"""A page whose socket handshake is refused (the admission rate) backs off and gets in later.

The back-off is socket.io-client's (static/js/lib/socket.js sets its options): a handshake
answered 503 `busy` fails the attempt, and the next one waits its jittered turn.
"""

import pytest
import requests
from playwright.sync_api import expect
from realserver import server_logs, start_servers

pytestmark = [pytest.mark.server, pytest.mark.browser]

# One admission every ten seconds, none saved up: the test spends it before the page loads.
ADMISSION_ENV = {
    "LIVEQA_SOCKET_ADMISSIONS_PER_SECOND": "0.1",
    "LIVEQA_SOCKET_ADMISSION_BURST": "1",
}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Start one seeded server with a tiny admission rate; yield (server, seed info)."""
    servers, info = start_servers(tmp_path_factory.mktemp("e2e"), env_extra=ADMISSION_ENV)
    yield servers[0], info
    for server in servers:
        server.stop()
    print(server_logs(servers))


def test_a_refused_page_retries_its_handshake_and_connects(contexts, server):
    spent = requests.get(server.url("/socket.io/?EIO=4&transport=polling"), timeout=15)
    assert spent.status_code == 200
    page = contexts.new()
    attempts = []
    page.on("websocket", lambda ws: attempts.append(ws.url))

    page.goto("/")

    indicator = page.locator("[data-testid=connection]").first
    expect(indicator).to_have_attribute("data-state", "offline")
    expect(indicator).to_have_attribute("data-state", "connected", timeout=45_000)
    assert len(attempts) >= 2, attempts
    assert "socket handshake refused" in server.log_path.read_text(encoding="utf-8")
