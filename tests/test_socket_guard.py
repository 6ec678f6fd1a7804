"""The socket guard: token buckets, event budgets, the per-address cap, and the internals it pins.

The guard's handlers are driven directly (as python-engineio calls them), with a clock the
test moves, so nothing here depends on how fast the machine is. The real-server behaviour
is in tests/test_socket_flood.py.
"""

import importlib.metadata
import inspect

import pytest
import socketio
from socketio import packet as sio_packet
from werkzeug.test import EnvironBuilder

from liveqa.extensions import socketio as flask_socketio
from liveqa.realtime import EXTENSION_KEY, GUARD_KEY
from liveqa.socket_guard import Budget, SocketGuard, TokenBucket

RATE_LIMITED_FA = "پیام‌های این اتصال بیش از اندازه است؛ لطفاً آهسته‌تر بفرستید."


# --- the bucket ------------------------------------------------------------------------------


def test_bucket_spends_its_burst_then_refuses():
    bucket = TokenBucket(rate=2.0, capacity=3, stamp=100.0)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]


@pytest.mark.parametrize(
    ("elapsed", "granted"),
    [(0.4, 0), (0.5, 1), (1.0, 2), (10.0, 3)],
)
def test_bucket_refills_at_its_rate_up_to_its_capacity(elapsed, granted):
    bucket = TokenBucket(rate=2.0, capacity=3, stamp=0.0)
    for _ in range(3):
        bucket.take(0.0)
    taken = sum(bucket.take(elapsed) for _ in range(5))
    assert taken == granted


def test_bucket_gains_nothing_when_the_clock_goes_back():
    bucket = TokenBucket(rate=1.0, capacity=1, stamp=50.0)
    assert bucket.take(50.0) is True
    assert bucket.take(10.0) is False
    assert bucket.take(50.5) is False
    assert bucket.take(51.0) is True


# --- the guard, driven through python-engineio's handlers ----------------------------------


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Wire:
    """Stand in for the network: drive the guarded Engine.IO handlers, record what is sent."""

    def __init__(self, app, monkeypatch):
        self.server = flask_socketio.server
        self.eio = self.server.eio
        self.guard: SocketGuard = app.extensions[GUARD_KEY]
        self.app = app
        self.sent: list[tuple[str, object]] = []
        self.spawned: list[tuple] = []
        monkeypatch.setattr(self.server, "_send_packet", self._record)
        # What async_handlers costs: one background task per event. Recorded, run inline.
        monkeypatch.setattr(self.server, "start_background_task", self._spawn)

    def _record(self, eio_sid, pkt):
        self.sent.append((eio_sid, pkt))

    def _spawn(self, target, *args, **kwargs):
        self.spawned.append(args)
        return target(*args, **kwargs)

    def connect(self, eio_sid, address="203.0.113.7", query=""):
        environ = EnvironBuilder(path="/socket.io/", query_string=query).get_environ()
        environ["REMOTE_ADDR"] = address
        # Flask-SocketIO's WSGI middleware adds this before Engine.IO sees the request.
        environ["flask.app"] = self.app
        refused = self.eio.handlers["connect"](eio_sid, environ)
        if refused is None:
            self.eio.handlers["message"](eio_sid, "0")
        return refused

    def message(self, eio_sid, data):
        self.eio.handlers["message"](eio_sid, data)

    def disconnect(self, eio_sid):
        self.eio.handlers["disconnect"](eio_sid, "client disconnect")

    def acks(self, eio_sid) -> dict[int, object]:
        return {
            pkt.id: pkt.data[0]
            for sid, pkt in self.sent
            if sid == eio_sid and pkt.packet_type == sio_packet.ACK
        }

    def disconnects(self, eio_sid) -> int:
        kinds = [pkt.packet_type for sid, pkt in self.sent if sid == eio_sid]
        return kinds.count(sio_packet.DISCONNECT)


@pytest.fixture
def wire(make_app, monkeypatch):
    def build(**settings):
        app = make_app(**settings)
        clock = Clock()
        app.extensions[GUARD_KEY].clock = clock
        made = Wire(app, monkeypatch)
        made.clock = clock
        return made

    return build


def ping(ack_id: int) -> str:
    return f'2{ack_id}["ping"]'


# A burst of 4: the connect packet and three events.
BUDGET = dict(SOCKET_EVENTS_PER_SECOND=1, SOCKET_EVENT_BURST=4, SOCKET_REFUSALS_TO_DISCONNECT=4)


def test_events_over_budget_get_rate_limited_acks_and_no_handler(wire):
    net = wire(**BUDGET)
    assert net.connect("e1") is None
    for ack_id in range(1, 8):
        net.message("e1", ping(ack_id))
    acks = net.acks("e1")
    # The burst runs (one background task each); the rest are refused before any spawn.
    assert len(net.spawned) == 3
    assert [acks[i] for i in (1, 2, 3)] == [{"ok": True}] * 3
    for ack_id in (4, 5, 6, 7):
        assert acks[ack_id] == {
            "ok": False,
            "error": {"code": "rate_limited", "message": RATE_LIMITED_FA},
        }
    assert net.disconnects("e1") == 0
    # The budget refills: a second later, one more event runs.
    net.clock.now += 1.0
    net.message("e1", ping(8))
    assert net.acks("e1")[8] == {"ok": True}


def test_sustained_abuse_disconnects_the_socket(wire):
    net = wire(**BUDGET)
    net.connect("e1")
    net.connect("e2")
    for ack_id in range(1, 9):
        net.message("e1", ping(ack_id))
    # 3 run, 4 refused (its patience), the 8th closes it, and later packets cost nothing.
    assert net.disconnects("e1") == 1
    assert "e1" not in net.guard.sockets
    # Socket.IO ran its disconnect: the app forgot the socket.
    assert len(net.app.extensions[EXTENSION_KEY]) == 1
    sent = len(net.sent)
    net.message("e1", ping(9))
    assert len(net.sent) == sent
    # Another socket keeps its own budget.
    net.message("e2", ping(1))
    assert net.acks("e2")[1] == {"ok": True}


def test_refused_acks_speak_the_sockets_language(wire):
    net = wire(**BUDGET)
    net.connect("e1", query="lang=en")
    for ack_id in range(1, 5):
        net.message("e1", ping(ack_id))
    message = net.acks("e1")[4]["error"]["message"]
    assert message == "Too many messages on this connection; please slow down."


def test_forgiven_refusals_keep_a_slow_client_connected(wire):
    net = wire(**BUDGET)
    net.connect("e1")
    ack_id = 0
    # Over budget by one event a second for a minute: never over its patience.
    for _second in range(60):
        for _ in range(2):
            ack_id += 1
            net.message("e1", ping(ack_id))
        net.clock.now += 1.0
    assert net.disconnects("e1") == 0
    assert "e1" in net.guard.sockets


def test_a_zero_rate_turns_the_budget_off(wire):
    net = wire(**(BUDGET | {"SOCKET_EVENTS_PER_SECOND": 0}))
    net.connect("e1")
    for ack_id in range(1, 101):
        net.message("e1", ping(ack_id))
    assert len(net.spawned) == 100
    assert net.disconnects("e1") == 0


@pytest.mark.parametrize(
    "data",
    [
        b"\x00" * 10,
        '51-["ping",{"_placeholder":true,"num":0}]',
        '61-[{"_placeholder":true,"num":0}]',
    ],
)
def test_binary_packets_close_the_socket(wire, data):
    net = wire()
    net.connect("e1")
    net.message("e1", data)
    assert net.disconnects("e1") == 1
    assert "e1" not in net.guard.sockets
    assert net.server._binary_packet == {}


MALFORMED = ["21[]", '21[{"a":1}]', '21{"x":1}', "21[5", '21[null,"x"]', "21[5]", '21"str"']


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_events_run_nothing_and_count_as_refusals(wire, data):
    net = wire(SOCKET_REFUSALS_TO_DISCONNECT=4)
    net.connect("e1")
    for _ in range(4):
        net.message("e1", data)
    assert net.spawned == []
    assert net.acks("e1") == {}
    assert net.disconnects("e1") == 0
    net.message("e1", data)
    assert net.disconnects("e1") == 1


def test_events_with_a_name_reach_their_handlers(wire):
    net = wire()
    net.connect("e1")
    net.message("e1", '21["ping"]')
    net.message("e1", '2/,2["no-such-event",{"x":1}]')
    acks = net.acks("e1")
    assert acks[1] == {"ok": True}
    assert acks[2]["error"]["code"] == "unknown_event"


# --- the per-address cap ---------------------------------------------------------------------


def refusal_body(refused) -> dict:
    assert refused is not None and refused is not True
    return refused


def test_an_address_over_its_cap_is_refused_with_a_reason(wire):
    net = wire(SOCKETS_PER_ADDRESS=2)
    assert net.connect("a1", "198.51.100.1") is None
    assert net.connect("a2", "198.51.100.1") is None
    refused = refusal_body(net.connect("a3", "198.51.100.1"))
    assert refused["error"]["code"] == "too_many_connections"
    assert refused["error"]["message"].startswith("اتصال‌های شبکهٔ شما")
    # Other addresses have their own count; a closed socket frees its slot.
    assert net.connect("b1", "198.51.100.2") is None
    net.disconnect("a1")
    assert net.connect("a4", "198.51.100.1") is None
    assert net.guard.per_address == {"198.51.100.1": 2, "198.51.100.2": 1}


def test_a_zero_cap_counts_but_never_refuses(wire):
    net = wire(SOCKETS_PER_ADDRESS=0)
    for index in range(300):
        assert net.connect(f"s{index}", "198.51.100.9") is None
    assert net.guard.per_address == {"198.51.100.9": 300}


def test_closed_sockets_leave_no_count_behind(wire):
    net = wire(SOCKETS_PER_ADDRESS=5, **BUDGET)
    net.connect("e1")
    net.connect("e2")
    net.disconnect("e2")
    for ack_id in range(1, 9):
        net.message("e1", ping(ack_id))
    assert net.guard.sockets == {}
    assert net.guard.per_address == {}


def test_default_settings_fit_a_reconnecting_page_and_a_shared_address(app):
    budget = Budget.from_config(app.config)
    # A page (re)connecting sends a join per room and a track per followed code at once.
    from liveqa.realtime import MAX_ROOMS_PER_SOCKET, MAX_TRACKED_CODES

    assert budget.burst >= MAX_ROOMS_PER_SOCKET + MAX_TRACKED_CODES
    assert budget.events_per_second >= 1
    assert budget.sockets_per_address >= 200


# --- the library internals the guard relies on ----------------------------------------------


def test_pinned_library_versions():
    assert importlib.metadata.version("python-socketio").split(".")[0] == "5"
    assert importlib.metadata.version("python-engineio").split(".")[0] == "4"


def test_socketio_registers_the_engineio_handlers_the_guard_wraps():
    server = socketio.Server(async_mode="threading")
    handlers = server.eio.handlers
    assert handlers["connect"] == server._handle_eio_connect
    assert handlers["message"] == server._handle_eio_message
    assert handlers["disconnect"] == server._handle_eio_disconnect
    # Engine.IO calls the message handler in the reading greenlet (no task of its own)...
    assert server.eio.async_handlers is False
    assert server.async_handlers is True
    # ...and what the guard calls on the server exists with the shape it uses.
    assert list(inspect.signature(server._send_packet).parameters) == ["eio_sid", "pkt"]
    assert isinstance(server.environ, dict)
    assert server.packet_class is sio_packet.Packet


def test_socketio_spawns_a_task_per_event_the_guard_lets_through(monkeypatch):
    """Pin the cost the guard saves: python-socketio starts one background task per event."""
    server = socketio.Server(async_mode="threading")
    server.on("ping", lambda sid, data=None: {"ok": True})
    spawned, sent = [], []
    monkeypatch.setattr(server, "start_background_task", lambda f, *a, **k: spawned.append(f))
    monkeypatch.setattr(server, "_send_packet", lambda sid, pkt: sent.append(pkt))
    server.eio.handlers["connect"]("x", {"REMOTE_ADDR": "192.0.2.1"})
    assert server.environ["x"]["REMOTE_ADDR"] == "192.0.2.1"
    server.eio.handlers["message"]("x", "0")
    for ack_id in range(5):
        server.eio.handlers["message"]("x", ping(ack_id))
    assert spawned == [server._handle_event_internal] * 5
    # The guard decodes events itself and hands them on as python-socketio would.
    handed = []
    monkeypatch.setattr(server, "_handle_event", lambda *args: handed.append(args))
    server.eio.handlers["message"]("x", '2/,7["track",{"code":"A"}]')
    assert handed == [("x", "/", 7, ["track", {"code": "A"}])]
    # The guard's disconnect path: the namespace's sid from the Engine.IO sid.
    sid = server.manager.sid_from_eio_sid("x", "/")
    assert sid is not None and "/" in list(server.manager.get_namespaces())
    # Attachments are buffered for as many as the packet announces.
    server.eio.handlers["message"]("x", '59-["ping",{"_placeholder":true,"num":0}]')
    assert server._binary_packet["x"].attachment_count == 9
