"""SIGTERM drains a server: no new connections, in-flight requests answered, bounded wait."""

import os
import signal
import socket
import time

import pytest
from realserver import start_servers, wait_for

pytestmark = pytest.mark.server


def _begin_request(port: int) -> socket.socket:
    """Send a POST's headers and half its body; the server is then answering it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    body = b'{"username": "nobody", "password": "wrong-password"}'
    sock.sendall(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10]
    )
    return sock, body[10:]


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _serve(tmp_path, grace):
    servers, _ = start_servers(tmp_path, env_extra={"LIVEQA_SHUTDOWN_GRACE_SECONDS": str(grace)})
    return servers[0]


def test_sigterm_finishes_the_request_in_flight_and_refuses_new_ones(tmp_path):
    server = _serve(tmp_path, grace=20)
    try:
        sock, rest = _begin_request(server.port)
        time.sleep(0.5)
        os.kill(server.process.pid, signal.SIGTERM)
        assert wait_for(lambda: _refused(server.port), timeout=5)
        assert server.alive()
        sock.sendall(rest)
        answer = sock.recv(65536).decode("latin-1")
        sock.close()
        # Answered in full (a refusal: no CSRF token, no such user), not cut off.
        assert answer.startswith("HTTP/1.1 4"), answer
        assert '"error"' in answer
        started = time.monotonic()
        assert server.process.wait(10) == 0
        assert time.monotonic() - started < 5
    finally:
        server.stop()


def test_sigterm_waits_no_longer_than_the_grace_period(tmp_path):
    server = _serve(tmp_path, grace=1)
    try:
        sock, _rest = _begin_request(server.port)
        time.sleep(0.5)
        started = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)
        assert server.process.wait(10) == 0
        assert 0.9 < time.monotonic() - started < 5
        sock.close()
    finally:
        server.stop()
