"""Production mode: a log-out on one process closes the user's sockets on the other."""

import time

import pytest
from realclients import cookie_header, http_session, socket_client
from realserver import server_logs, wait_for

from tests.realfixtures import redis_answers

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379"),
]


def test_log_out_on_one_process_disconnects_the_socket_on_the_other(two_servers):
    (first, second), info = two_servers
    session_id = info["session_id"]
    staff = http_session(first, info["moderator"])
    # The same browser's socket, on the other process (the cookie is valid on both).
    sock = socket_client(second, staff)
    ended = []
    sock.on("session_ended", ended.append)
    try:
        joined = sock.call("join", {"session_id": session_id, "room": "moderators"}, timeout=15)
        assert joined["ok"] is True, joined
        cookie = cookie_header(staff)

        started = time.monotonic()
        response = staff.post(first.url("/api/v1/auth/logout"), json={}, timeout=15)
        assert response.status_code == 200, response.text
        wait_for(lambda: not sock.connected, timeout=5)
        elapsed = time.monotonic() - started

        assert not sock.connected, server_logs([first, second])
        assert elapsed < 1.0, f"disconnected after {elapsed:.2f} s"
        assert ended, "the socket was not told its session ended"
        # The old cookie replayed on the other process is logged out too.
        import requests

        replay = requests.get(second.url("/api/v1/me"), headers={"Cookie": cookie}, timeout=15)
        assert replay.status_code == 401
    finally:
        sock.disconnect()
