"""Pin what liveqa/websocket_transport.py relies on in python-socketio, -engineio and eventlet.

Written against python-socketio 5.18.1, python-engineio 4.15.1 and eventlet 0.41.3. When an
upgrade fails one of these, re-read the named code and re-check the module docstring's
claims (deflate negotiated from the environ only; one packet object per broadcast; a
websocket socket's packets queued for a writer greenlet that holds the websocket's send
lock while it writes and never yields between taking a packet and taking the lock; pings
through Socket.send), then update the digest.
"""

import hashlib
import inspect
from types import SimpleNamespace

import engineio
import pytest
import socketio
from engineio import packet
from engineio.async_drivers import eventlet as engineio_eventlet
from eventlet import greenio, queue, websocket

from liveqa import server as entry_point
from liveqa.extensions import socketio as flask_socketio
from liveqa.websocket_transport import RefuseDeflate, text_frame

OFFER = "permessage-deflate; client_max_window_bits"

PINNED = {
    "engineio.socket.Socket.send": (engineio.socket.Socket.send, "f8b2738ee5d48ab2"),
    "engineio.socket.Socket.poll": (engineio.socket.Socket.poll, "d7d705066fd3b948"),
    "engineio.socket.Socket.close": (engineio.socket.Socket.close, "05fac55831999f25"),
    "engineio.socket.Socket._upgrade_websocket": (
        engineio.socket.Socket._upgrade_websocket,
        "02f6ac05441609d3",
    ),
    "engineio.socket.Socket._websocket_handler": (
        engineio.socket.Socket._websocket_handler,
        "58afe122719282de",
    ),
    "engineio.server.Server.send_packet": (engineio.Server.send_packet, "81aec513663f11e1"),
    "engineio.async_drivers.eventlet.WebSocketWSGI": (
        engineio_eventlet.WebSocketWSGI,
        "834894b1a78eae14",
    ),
    "socketio.manager.Manager.emit": (socketio.Manager.emit, "566510ea2de39d65"),
    "socketio.server.Server._send_eio_packet": (
        socketio.Server._send_eio_packet,
        "5fa452fb118c3565",
    ),
    "eventlet.websocket.WebSocketWSGI._handle_hybi_request": (
        websocket.WebSocketWSGI._handle_hybi_request,
        "c21772ffb631f0f0",
    ),
    "eventlet.websocket.RFC6455WebSocket.send": (
        websocket.RFC6455WebSocket.send,
        "8bec73f6e867bca4",
    ),
    "eventlet.websocket.RFC6455WebSocket._send": (
        websocket.RFC6455WebSocket._send,
        "82ffb8d0a4c2e87b",
    ),
    "eventlet.queue.LightQueue.put": (queue.LightQueue.put, "50cbd92d5fd8c7b8"),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_the_code_the_hooks_rely_on_is_unchanged(name):
    code, digest = PINNED[name]
    actual = hashlib.sha256(inspect.getsource(code).encode()).hexdigest()[:16]
    assert actual == digest, f"{name} changed: re-check liveqa/websocket_transport.py"


class Connection:
    """Stands for the client connection eventlet.wsgi hands over as environ['eventlet.input']."""

    def __init__(self):
        self.sent = b""

    def get_socket(self):
        return self

    def sendall(self, data):
        self.sent += data


@pytest.mark.parametrize("refused", [False, True])
def test_eventlet_negotiates_deflate_from_the_environ_header_alone(refused):
    connection = Connection()
    environ = {
        "PATH_INFO": "/socket.io/",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_UPGRADE": "websocket",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
        "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
        "HTTP_SEC_WEBSOCKET_EXTENSIONS": OFFER,
        "eventlet.input": connection,
    }
    seen = []
    server = websocket.WebSocketWSGI(seen.append)
    app = RefuseDeflate(server, "/socket.io") if refused else server
    app(environ, None)
    head = connection.sent.split(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("http/1.1 101")
    assert ("sec-websocket-extensions: permessage-deflate" in head) is not refused
    # What DirectFanout reads from the handler's websocket.
    ws = seen[0]
    assert (ws.version, bool(ws.extensions), ws.socket) == (13, not refused, connection)
    assert ws._sendlock.acquire(blocking=False)
    ws._sendlock.release()


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536])
@pytest.mark.parametrize("char", ["x", "س"])
def test_text_frame_matches_eventlets_frame(size, char):
    text = char * size
    ws = websocket.RFC6455WebSocket(Connection(), {}, 13)
    assert text_frame(text) == ws._pack_message(text)


def test_green_sockets_wrap_a_non_blocking_file_descriptor():
    sock = greenio.GreenSocket()
    try:
        assert sock.fd.gettimeout() == 0.0
    finally:
        sock.close()


def test_engineio_makes_its_websocket_from_the_driver_factory_with_its_bound_handler():
    assert issubclass(engineio_eventlet.WebSocketWSGI, websocket.WebSocketWSGI)
    assert engineio_eventlet._async["websocket"] is engineio_eventlet.WebSocketWSGI
    eio = engineio.Server(async_mode="threading")
    made = []
    eio._async = {**eio._async, "websocket": lambda *args: made.append(args) or (lambda e, s: [])}
    eio_socket = engineio.socket.Socket(eio, "sid")
    eio_socket._upgrade_websocket({}, None)
    handler, server = made[0]
    assert (handler.__self__, handler.__func__, server) == (
        eio_socket,
        engineio.socket.Socket._websocket_handler,
        eio,
    )


def test_socketio_hands_every_recipient_of_a_broadcast_the_same_packet_object():
    server = socketio.Server(async_mode="threading")
    sent = []
    server.eio.send_packet = lambda sid, pkt: sent.append((sid, pkt))
    for eio_sid in ("e1", "e2", "e3"):
        sid = server.manager.connect(eio_sid, "/")
        server.manager.enter_room(sid, "/", "room")
    server.emit("changes", {"from": 1}, to="room")
    assert [sid for sid, _ in sent] == ["e1", "e2", "e3"]
    assert len({id(pkt) for _, pkt in sent}) == 1
    assert sent[0][1].packet_type == packet.MESSAGE


@pytest.mark.parametrize("enabled", [True, False])
def test_the_eventlet_server_installs_direct_fanout_unless_configured_off(monkeypatch, enabled):
    eio = engineio.Server(async_mode="threading")
    monkeypatch.setattr(flask_socketio, "server", SimpleNamespace(eio=eio))
    fanout = entry_point._direct_fanout(SimpleNamespace(DIRECT_FANOUT=enabled))
    assert (fanout is not None) is enabled
    if enabled:
        assert (fanout.eio, fanout.green_socket_class) == (eio, greenio.GreenSocket)
        assert eio.send_packet == fanout.send_packet
