"""The server entry point under each async mode it supports: eventlet (default) and gevent.

A real `python -m liveqa.server` process per test, its mode set by LIVEQA_ASYNC_MODE.
The SIGTERM drain under both modes is in test_server_drain.py.
"""

import socket
import struct
import subprocess
import sys
import uuid

import pytest
from realclients import StaffApi, http_session, raw_websocket, socket_client
from realserver import ROOT, wait_for

pytestmark = pytest.mark.server

MODES = ["eventlet", "gevent"]


@pytest.mark.parametrize("mode", MODES)
def test_a_websocket_client_receives_a_broadcast(make_server, mode):
    server, info = make_server(LIVEQA_ASYNC_MODE=mode)
    moderator = StaffApi(server, info["moderator"])
    client = socket_client(server, moderator.http)
    changed = []
    client.on("changes", lambda batch: changed.extend(batch["changes"]))
    try:
        joined = client.call(
            "join", {"session_id": info["session_id"], "room": "moderators"}, timeout=15
        )
        assert joined["ok"] is True, joined
        assert client.transport() == "websocket"
        marker = uuid.uuid4().hex
        response = http_session(server).post(
            server.url(f"/api/v1/sessions/{info['session_id']}/questions"),
            json={"text": f"پرسش آزمون حالت {marker}", "name": "شهروند"},
            timeout=15,
        )
        assert response.status_code == 201, response.text
        code = response.json()["question"]["tracking_code"]
        question_id = moderator.question(info["session_id"], code)["id"]
        # Staff rooms carry every change, a citizen's new question included.
        assert wait_for(lambda: any(c.get("question_id") == question_id for c in changed)), changed
    finally:
        client.disconnect()


def _open_websocket(server):
    """Return a raw socket to Socket.IO, past the websocket handshake."""
    sock, head = raw_websocket(server)
    assert head.startswith("HTTP/1.1 101"), head
    return sock


def _closed_by_server(sock, timeout=15.0):
    """Tell whether the server closes SOCK within TIMEOUT seconds (reading what it sends)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


@pytest.mark.parametrize("mode", MODES)
def test_an_oversized_websocket_message_is_refused_before_it_arrives_in_full(make_server, mode):
    server, _ = make_server(LIVEQA_ASYNC_MODE=mode)
    sock = _open_websocket(server)
    try:
        # A text frame announcing 100 MiB (masked with zeros, as a client must mask), of
        # which only a little over the 64 KiB limit is sent: a server that waits for the
        # rest before checking would hold the connection (and, in time, the memory).
        announced = 100 * 2**20
        sock.sendall(bytes([0x81, 0x80 | 127]) + struct.pack(">Q", announced) + bytes(4))
        sock.sendall(b"4" + b"a" * (64 * 1024 + 8192))
        assert _closed_by_server(sock), "the server waited for the rest of a 100 MiB message"
    finally:
        sock.close()


def _held_connections(port, count):
    """Open COUNT connections that send nothing, so each holds one of the server's slots."""
    return [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]


def _get(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    return sock


@pytest.mark.parametrize("mode", MODES)
def test_connections_beyond_the_cap_wait_for_a_free_slot(make_server, mode):
    server, _ = make_server(LIVEQA_ASYNC_MODE=mode, LIVEQA_MAX_CONNECTIONS="2")
    held = _held_connections(server.port, 2)
    waiting = _get(server.port)
    try:
        waiting.settimeout(1.5)
        # Both slots are taken: the third connection is queued, not served.
        with pytest.raises(TimeoutError):
            waiting.recv(1)
        held.pop().close()
        waiting.settimeout(10)
        assert waiting.recv(64).startswith(b"HTTP/1.1 "), "never served after a slot freed"
    finally:
        waiting.close()
        for sock in held:
            sock.close()


def test_gevent_run_blocking_runs_in_another_os_thread_while_the_hub_runs():
    # In a child process: gevent's hub and thread pool stay out of the test process.
    code = (
        "import threading, gevent\n"
        "from liveqa.serve_gevent import run_blocking\n"
        "ticks = []\n"
        "def tick():\n"
        "    while True:\n"
        "        ticks.append(1); gevent.sleep(0.01)\n"
        "gevent.spawn(tick)\n"
        "gevent.sleep(0)\n"
        "def work():\n"
        "    import time; before = len(ticks); time.sleep(0.3)\n"
        "    return threading.get_ident(), before\n"
        "ident, before = run_blocking(work)\n"
        "print(ident != threading.get_ident(), len(ticks) > before)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    # Another thread ran it, and the hub's greenlets ran meanwhile.
    assert result.stdout.split() == ["True", "True"]
