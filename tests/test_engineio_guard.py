"""Bad Engine.IO polling POSTs are answered 400 at once by a real eventlet server.

Without liveqa/engineio_guard.py, python-engineio (4.15.1) answers both POSTs below only
after closing the session with wait=True, which waits for a polling GET that never comes:
~50 s, so the 5-second client timeout fires and the test fails.
"""

import json
import time

import pytest
import requests
from realclients import socket_client
from realserver import server_logs, start_servers

pytestmark = pytest.mark.server

CLIENT_TIMEOUT = 5
PROMPT = 2.0
# Over the default SOCKETIO_MAX_MESSAGE_BYTES (64 KiB).
OVERSIZED = "4" + "x" * (256 * 1024)
UNKNOWN_TYPE = "9hello"


@pytest.fixture
def server(tmp_path):
    servers, _info = start_servers(tmp_path)
    yield servers[0]
    servers[0].stop()
    print(server_logs(servers))


def polling_url(server, sid=None):
    url = server.url("/socket.io/?EIO=4&transport=polling")
    return f"{url}&sid={sid}" if sid else url


def open_session(server):
    """Open an Engine.IO polling session; return its sid."""
    answer = requests.get(polling_url(server), timeout=CLIENT_TIMEOUT)
    assert answer.status_code == 200
    return json.loads(answer.text[1:])["sid"]


def timed_post(url, body):
    started = time.monotonic()
    answer = requests.post(
        url, data=body, timeout=CLIENT_TIMEOUT, headers={"Content-Type": "text/plain"}
    )
    return answer, time.monotonic() - started


def test_bad_polling_posts_are_refused_at_once(server):
    for body in (OVERSIZED, UNKNOWN_TYPE):
        sid = open_session(server)
        answer, elapsed = timed_post(polling_url(server, sid), body)
        assert (answer.status_code, elapsed < PROMPT) == (400, True), body[:10]
        # The refused session is closed, as upstream means it to be.
        assert requests.get(polling_url(server, sid), timeout=CLIENT_TIMEOUT).status_code == 400

    # Other clients are still served: a fresh polling session and a Socket.IO client.
    other = open_session(server)
    answer, elapsed = timed_post(polling_url(server, other), "40")
    assert (answer.status_code, answer.text, elapsed < PROMPT) == (200, "OK", True)
    client = socket_client(server)
    try:
        assert client.call("ping", timeout=CLIENT_TIMEOUT) == {"ok": True}
    finally:
        client.disconnect()
