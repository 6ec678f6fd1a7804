"""The websocket transport hooks, on stand-ins for python-engineio's and eventlet's objects.

What the stand-ins stand for is pinned against the installed libraries in
test_websocket_transport_pins.py; the real server runs them in
test_websocket_transport_server.py.
"""

import contextlib
import select
import socket
import threading
from types import SimpleNamespace

import pytest
from engineio import packet

from liveqa import websocket_transport
from liveqa.websocket_transport import DirectFanout, RefuseDeflate, text_frame

OFFER = "permessage-deflate; client_max_window_bits"


def test_refuse_deflate_hides_the_offer_on_the_socketio_path_only():
    seen = []
    app = RefuseDeflate(lambda environ, start: seen.append(dict(environ)), "/socket.io")
    app({"PATH_INFO": "/socket.io/", "HTTP_SEC_WEBSOCKET_EXTENSIONS": OFFER}, None)
    app({"PATH_INFO": "/elsewhere", "HTTP_SEC_WEBSOCKET_EXTENSIONS": OFFER}, None)
    assert [e.get("HTTP_SEC_WEBSOCKET_EXTENSIONS") for e in seen] == [None, OFFER]


class GreenSocket:
    """Stands for eventlet's GreenSocket: a non-blocking .fd, and a sendall that waits."""

    def __init__(self, fd):
        fd.setblocking(False)
        self.fd = fd

    def sendall(self, data):
        data = memoryview(data)
        while data:
            select.select([], [self.fd], [], 5)
            with contextlib.suppress(BlockingIOError):
                data = data[self.fd.send(data) :]


class EioSocket:
    """Stands for engineio.socket.Socket: state flags, a queue, a websocket handler."""

    def __init__(self, sid):
        self.sid = sid
        self.upgraded = True
        self.upgrading = False
        self.closing = False
        self.queue = SimpleNamespace(qsize=lambda: 0)
        self.alive = True
        self.during = None

    def check_ping_timeout(self):
        return self.alive

    def _websocket_handler(self, ws):
        return self.during(ws)


class Eio:
    """Stands for engineio.Server: a websocket factory, send_packet and background tasks."""

    def __init__(self):
        self.queued = []
        self.tasks = []
        # The driver's factory; here it returns the handler to call with a websocket.
        self._async = {"websocket": lambda handler, server: handler}

    def send_packet(self, sid, pkt):
        self.queued.append((sid, pkt.encode()))

    def start_background_task(self, target, *args):
        task = threading.Thread(target=target, args=args)
        task.start()
        self.tasks.append(task)
        return task


@pytest.fixture
def pairs():
    """Return a function making connected socket pairs (server end, client end); close all."""
    made = []

    def make(buffer=None):
        server_end, client_end = socket.socketpair()
        if buffer:
            server_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer)
            client_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
        made.extend((server_end, client_end))
        return server_end, client_end

    yield make
    for sock in made:
        sock.close()


@pytest.fixture
def fanout():
    eio = Eio()
    yield DirectFanout(eio, GreenSocket).install()
    for task in eio.tasks:
        task.join(10)


def websocket(server_end, **overrides):
    fields = dict(
        version=13,
        extensions={},
        socket=GreenSocket(server_end),
        _sendlock=threading.Semaphore(),
    )
    return SimpleNamespace(**(fields | overrides))


def connect(fanout, sid, ws, during):
    """Run Engine.IO's websocket handler for SID on WS through the hook, calling DURING."""
    eio_socket = EioSocket(sid)
    eio_socket.during = lambda ws: during(eio_socket)
    handler = fanout.eio._async["websocket"](eio_socket._websocket_handler, fanout.eio)
    return handler(ws)


def receive(client_end, size):
    client_end.settimeout(5)
    data = b""
    while len(data) < size:
        data += client_end.recv(size - len(data))
    return data


def message(text):
    return packet.Packet(packet.MESSAGE, data=text)


def test_one_frame_built_per_packet_and_written_directly(fanout, pairs, monkeypatch):
    built = []
    monkeypatch.setattr(
        websocket_transport, "text_frame", lambda text: built.append(text) or text_frame(text)
    )
    pkt = message('2["changes",{"from":1,"to":1}] سلام')
    frame = text_frame(pkt.encode())
    (a_server, a_client), (b_server, b_client) = pairs(), pairs()

    def broadcast(_socket):
        connect(
            fanout, "b", websocket(b_server), lambda _s: [fanout.send_packet(s, pkt) for s in "ab"]
        )

    connect(fanout, "a", websocket(a_server), broadcast)
    assert receive(a_client, len(frame)) == frame
    assert receive(b_client, len(frame)) == frame
    assert (built, fanout.eio.queued, fanout.direct) == ([pkt.encode()], [], 2)
    # Once its handler returned, a socket's packets take the upstream path again.
    fanout.send_packet("a", pkt)
    assert fanout.eio.queued == [("a", pkt.encode())]


BUSY = {
    "polling": lambda s, ws: s,
    "upgrading": lambda s, ws: setattr(s, "upgrading", True),
    "not upgraded": lambda s, ws: setattr(s, "upgraded", False),
    "closing": lambda s, ws: setattr(s, "closing", True),
    "packets queued": lambda s, ws: setattr(s, "queue", SimpleNamespace(qsize=lambda: 1)),
    "writer mid-send": lambda s, ws: ws._sendlock.acquire(),
}


@pytest.mark.parametrize("state", sorted(BUSY))
def test_a_socket_not_idle_gets_the_upstream_queue(fanout, pairs, state):
    server_end, _client_end = pairs()
    ws = websocket(server_end)
    pkt = message("hello")

    def during(eio_socket):
        BUSY[state](eio_socket, ws)
        fanout.send_packet("other" if state == "polling" else "a", pkt)

    connect(fanout, "a", ws, during)
    assert len(fanout.eio.queued) == 1 and fanout.direct == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"extensions": {"permessage-deflate": {}}},
        {"version": 76},
        {"socket": SimpleNamespace(fd=None)},
    ],
    ids=["deflate", "legacy framing", "not a plain green socket (TLS)"],
)
def test_websockets_we_cannot_frame_for_are_never_written_directly(fanout, pairs, overrides):
    server_end, _client_end = pairs()
    connect(
        fanout,
        "a",
        websocket(server_end, **overrides),
        lambda s: fanout.send_packet("a", message("x")),
    )
    connect(
        fanout,
        "a",
        websocket(server_end, **overrides),
        lambda s: fanout.send_packet("a", message("x")),
    )
    assert (len(fanout.eio.queued), fanout.direct, fanout.sockets) == (2, 0, {})


def test_binary_packets_take_the_upstream_path(fanout, pairs):
    server_end, _client_end = pairs()
    pkt = packet.Packet(packet.MESSAGE, data=b"\x00\x01")
    connect(fanout, "a", websocket(server_end), lambda s: fanout.send_packet("a", pkt))
    assert (len(fanout.eio.queued), fanout.direct) == (1, 0)


def test_a_client_past_its_ping_timeout_is_sent_nothing(fanout, pairs):
    server_end, client_end = pairs()
    ws = websocket(server_end)

    def during(eio_socket):
        eio_socket.alive = False
        fanout.send_packet("a", message("late"))

    connect(fanout, "a", ws, during)
    client_end.setblocking(False)
    with pytest.raises(BlockingIOError):
        client_end.recv(10)
    assert (fanout.eio.queued, ws._sendlock.acquire(blocking=False)) == ([], True)


def test_a_partial_write_holds_the_socket_until_the_rest_is_written(fanout, pairs):
    server_end, client_end = pairs(buffer=4096)
    ws = websocket(server_end)
    big = message("x" * 500_000)
    after = message("after")

    def during(_eio_socket):
        fanout.send_packet("a", big)
        # The rest is still being written: the next packet queues behind it.
        fanout.send_packet("a", after)
        assert fanout.eio.queued == [("a", after.encode())]
        frame = text_frame(big.encode())
        assert receive(client_end, len(frame)) == frame

    connect(fanout, "a", ws, during)
    for task in fanout.eio.tasks:
        task.join(10)
    assert (fanout.spilled, ws._sendlock.acquire(blocking=False)) == (1, True)


def test_a_peer_gone_releases_the_socket(fanout, pairs):
    server_end, client_end = pairs()
    ws = websocket(server_end)
    client_end.close()

    def during(_eio_socket):
        for _ in range(3):
            fanout.send_packet("a", message("nobody"))

    connect(fanout, "a", ws, during)
    assert ws._sendlock.acquire(blocking=False)
