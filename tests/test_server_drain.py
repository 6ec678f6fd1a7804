"""SIGTERM drains a server: no new connections, in-flight requests answered, bounded wait."""

import os
import re
import signal
import socket
import time

import pytest
from realserver import start_servers, wait_for

pytestmark = pytest.mark.server

# Each async mode the server entry point supports drains the same way.
MODES = ["eventlet", "gevent"]


def _begin_request(port: int) -> socket.socket:
    """Send a POST's headers and half its body; the server is then answering it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    body = b'{"username": "nobody", "password": "wrong-password"}'
    sock.sendall(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10]
    )
    return sock, body[10:]


def _response(sock: socket.socket) -> str:
    """Read one HTTP response from SOCK: its head and Content-Length bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := sock.recv(65536)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    # Servers may send the head and the body in separate writes.
    while length and len(body) < int(length.group(1)) and (chunk := sock.recv(65536)):
        body += chunk
    return (head + b"\r\n\r\n" + body).decode("latin-1")


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _serve(tmp_path, grace, mode):
    env = {"LIVEQA_SHUTDOWN_GRACE_SECONDS": str(grace), "LIVEQA_ASYNC_MODE": mode}
    servers, _ = start_servers(tmp_path, env_extra=env)
    return servers[0]


@pytest.mark.parametrize("mode", MODES)
def test_sigterm_finishes_the_request_in_flight_and_refuses_new_ones(tmp_path, mode):
    server = _serve(tmp_path, grace=20, mode=mode)
    try:
        sock, rest = _begin_request(server.port)
        time.sleep(0.5)
        os.kill(server.process.pid, signal.SIGTERM)
        assert wait_for(lambda: _refused(server.port), timeout=5)
        assert server.alive()
        sock.sendall(rest)
        answer = _response(sock)
        sock.close()
        # Answered in full (a refusal: no CSRF token, no such user), not cut off.
        assert answer.startswith("HTTP/1.1 4"), answer
        assert '"error"' in answer
        started = time.monotonic()
        assert server.process.wait(10) == 0
        assert time.monotonic() - started < 5
    finally:
        server.stop()


@pytest.mark.parametrize("mode", MODES)
def test_sigterm_waits_no_longer_than_the_grace_period(tmp_path, mode):
    server = _serve(tmp_path, grace=1, mode=mode)
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
