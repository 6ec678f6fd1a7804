"""Bound what clients cost a process: an event budget per socket, a socket cap per address,
an admission rate for new connections.

Where a flood's cost goes without this (python-socketio 5.x, python-engineio 4.x, eventlet):
the greenlet reading a websocket (or answering a polling POST) decodes each Engine.IO
packet and hands it to Socket.IO's `_handle_eio_message` in the same greenlet (Socket.IO
turns Engine.IO's own `async_handlers` off); that decodes the Socket.IO packet (JSON) and,
with `async_handlers` on (Flask-SocketIO's default), spawns one greenlet per event, which
pushes a Flask request context and runs our handler (an app context, often a query). The
reader never waits for those greenlets, so a client sending as fast as it can queues
greenlets faster than the hub runs them, and every other client's work waits behind them.

This guard sits on the Engine.IO `message` handler, the earliest point a Socket.IO packet
is seen: an event over the socket's budget is answered with an error acknowledgement and
never given a greenlet; a malformed event (no name, a name that is not a string, bad JSON)
is dropped and counts as a refusal; binary packets (our protocol has none,
and their attachment count is the client's word) close the connection; a socket that keeps
going over budget is disconnected. The connection cap sits on Engine.IO's `connect`
handler, before a session is made. Both are registered with `eio.on()` around the
handlers python-socketio registered, as python-socketio's own admin instrumentation does;
tests/test_socket_guard.py pins the library internals this relies on.

The admission rate sits in front of all of that, as WSGI middleware (AdmissionGate): an
Engine.IO handshake (a GET with no session id) over the process's rate is answered 503 with
Retry-After before python-engineio makes a session, so a reconnect storm after a restart or
a network blip is spread over seconds instead of landing on the hub at once. Engine.IO's
connect handler can only refuse with 401, which a client reads as "go away", not "later".
"""

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from socketio import packet as sio_packet

logger = logging.getLogger(__name__)

# The first character of an encoded Socket.IO packet is its type.
_EVENT = str(sio_packet.EVENT)
_DISCONNECT = str(sio_packet.DISCONNECT)
_BINARY = frozenset({str(sio_packet.BINARY_EVENT), str(sio_packet.BINARY_ACK)})


@dataclass
class TokenBucket:
    """CAPACITY tokens, refilled at RATE a second; take() spends one if there is one."""

    rate: float
    capacity: float
    # Monotonic seconds of the last refill; the bucket starts full.
    stamp: float = 0.0
    tokens: float = field(init=False)

    def __post_init__(self):
        self.tokens = float(self.capacity)

    def take(self, now: float) -> bool:
        """Spend one token at time NOW (monotonic seconds); return whether there was one."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(frozen=True)
class Budget:
    """The limits: events a second and burst per socket, refusals tolerated, sockets per address."""

    events_per_second: float = 10.0
    burst: int = 60
    # Over-budget events a socket may send before it is disconnected; one is forgiven a second.
    refusals_to_disconnect: int = 60
    # Sockets one address may hold open on this process; 0: no cap.
    sockets_per_address: int = 256
    # New connections (Engine.IO handshakes) this process admits a second, and its burst; 0: all.
    admissions_per_second: float = 200.0
    admission_burst: int = 500

    @property
    def limits_events(self) -> bool:
        return self.events_per_second > 0

    @classmethod
    def from_config(cls, config) -> "Budget":
        """Return the budget an app's CONFIG sets."""
        return cls(
            events_per_second=float(config["SOCKET_EVENTS_PER_SECOND"]),
            burst=int(config["SOCKET_EVENT_BURST"]),
            refusals_to_disconnect=int(config["SOCKET_REFUSALS_TO_DISCONNECT"]),
            sockets_per_address=int(config["SOCKETS_PER_ADDRESS"]),
            admissions_per_second=float(config["SOCKET_ADMISSIONS_PER_SECOND"]),
            admission_burst=int(config["SOCKET_ADMISSION_BURST"]),
        )


@dataclass
class _Socket:
    address: str
    events: TokenBucket | None
    patience: TokenBucket
    refusal_ack: object = None


class SocketGuard:
    """The per-socket budgets and per-address counts of one Socket.IO server."""

    def __init__(
        self,
        server,
        budget: Budget,
        refusal_ack: Callable[[dict], object],
        connection_refusal: Callable[[dict], object],
        clock: Callable[[], float] = time.monotonic,
    ):
        self.server = server
        self.budget = budget
        # Each builds, from a connection's WSGI environ, what a refused client is told.
        self.refusal_ack = refusal_ack
        self.connection_refusal = connection_refusal
        self.clock = clock
        self.sockets: dict[str, _Socket] = {}
        self.per_address: dict[str, int] = {}
        # Made at the first handshake, on the clock then in use (tests swap it in).
        self.admissions: TokenBucket | None = None
        self.refused_events = 0
        self.refused_connections = 0
        self.refused_admissions = 0
        self.disconnected = 0
        eio = server.eio
        self._connect = eio.handlers["connect"]
        self._message = eio.handlers["message"]
        self._disconnect = eio.handlers["disconnect"]

    def install(self) -> "SocketGuard":
        """Put the guard in front of python-socketio's Engine.IO handlers."""
        self.server.eio.on("connect", self.on_connect)
        self.server.eio.on("message", self.on_message)
        self.server.eio.on("disconnect", self.on_disconnect)
        return self

    # --- connections ----------------------------------------------------------------------

    def admit(self) -> float:
        """Spend an admission for a new connection; return 0, or the seconds until one frees."""
        budget = self.budget
        if budget.admissions_per_second <= 0:
            return 0.0
        now = self.clock()
        if self.admissions is None:
            self.admissions = TokenBucket(
                budget.admissions_per_second, max(1, budget.admission_burst), stamp=now
            )
        if self.admissions.take(now):
            return 0.0
        self.refused_admissions += 1
        if self.refused_admissions % 1000 == 1:
            logger.warning(
                "socket handshake refused: over %g a second (%d refused so far)",
                budget.admissions_per_second,
                self.refused_admissions,
            )
        return (1.0 - self.admissions.tokens) / budget.admissions_per_second

    def on_connect(self, eio_sid, environ):
        """Refuse a connection over its address's cap; else count it and let Socket.IO have it."""
        address = environ.get("REMOTE_ADDR") or ""
        cap = self.budget.sockets_per_address
        if cap and self.per_address.get(address, 0) >= cap:
            self.refused_connections += 1
            if self.refused_connections % 100 == 1:
                # A host retrying in a loop should not flood the log instead.
                logger.warning(
                    "socket refused: %s already holds %d sockets (%d refused so far)",
                    address,
                    cap,
                    self.refused_connections,
                )
            # python-engineio answers 401 with this as the JSON body.
            return self.connection_refusal(environ)
        result = self._connect(eio_sid, environ)
        if result is not None and result is not True:
            return result
        self.per_address[address] = self.per_address.get(address, 0) + 1
        budget = self.budget
        events = (
            TokenBucket(budget.events_per_second, budget.burst, stamp=self.clock())
            if budget.limits_events
            else None
        )
        patience = TokenBucket(1.0, budget.refusals_to_disconnect, stamp=self.clock())
        self.sockets[eio_sid] = _Socket(address, events, patience)
        return result

    def on_disconnect(self, eio_sid, reason):
        """Forget the socket and uncount its address, then let Socket.IO clean up."""
        state = self.sockets.pop(eio_sid, None)
        if state is not None:
            left = self.per_address.get(state.address, 1) - 1
            if left > 0:
                self.per_address[state.address] = left
            else:
                self.per_address.pop(state.address, None)
        return self._disconnect(eio_sid, reason)

    # --- events ---------------------------------------------------------------------------

    def on_message(self, eio_sid, data):
        """Pass a Socket.IO packet on if the socket's budget allows it; else refuse it cheaply."""
        state = self.sockets.get(eio_sid)
        if state is None:
            # A socket this guard closed: its reader may still hold buffered packets.
            self._yield()
            return None
        if not isinstance(data, str) or data[:1] in _BINARY:
            # No event of ours takes binary data, and a binary packet makes the server buffer
            # as many attachments as the client announces.
            self._close(eio_sid, "binary packet")
            return None
        if state.events is None or data[:1] == _DISCONNECT or state.events.take(self.clock()):
            if data[:1] == _EVENT:
                return self._dispatch_event(eio_sid, state, data)
            return self._message(eio_sid, data)
        self.refused_events += 1
        if not state.patience.take(self.clock()):
            self._close(eio_sid, "sustained flood")
            return None
        if data[:1] == _EVENT:
            self._refuse_event(eio_sid, state, data)
        self._yield()
        return None

    def _dispatch_event(self, eio_sid, state: _Socket, data: str):
        """Hand a well-formed event to Socket.IO; drop a malformed one as a refusal."""
        # Decoded once here, as python-socketio's _handle_eio_message would, because
        # python-socketio raises on an event with no name or a name that is not a string
        # (a traceback in the log each), one of them in the handler task it has spawned.
        try:
            pkt = self.server.packet_class(encoded_packet=data)
        except Exception:
            pkt = None
        named = pkt is not None and isinstance(pkt.data, list) and pkt.data
        if named and isinstance(pkt.data[0], str):
            return self.server._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        self.refused_events += 1
        if not state.patience.take(self.clock()):
            self._close(eio_sid, "malformed events")
        return None

    def _yield(self) -> None:
        """Let other greenlets run before this socket's reader takes its next packet."""
        # Under eventlet a read that finds data waiting does not yield, so a client that
        # keeps sending keeps its reader running: every other client, and the writer that
        # would send this one its answers and close its connection, waits.
        self.server.sleep(0)

    def _refuse_event(self, eio_sid, state: _Socket, data: str) -> None:
        """Answer an over-budget event's acknowledgement request with an error, run nothing."""
        # Decoding finds the ack id (bounded: max_http_buffer_size, at most the socket's
        # patience in refusals). An undecodable packet is just dropped.
        try:
            pkt = self.server.packet_class(encoded_packet=data)
        except Exception:
            return
        if pkt.id is None:
            return
        if state.refusal_ack is None:
            state.refusal_ack = self.refusal_ack(self.server.environ.get(eio_sid, {}))
        ack = self.server.packet_class(
            sio_packet.ACK, namespace=pkt.namespace, id=pkt.id, data=[state.refusal_ack]
        )
        self.server._send_packet(eio_sid, ack)

    def _close(self, eio_sid, reason: str) -> None:
        """Disconnect the socket as the server ("io server disconnect"), then its transport."""
        state = self.sockets.get(eio_sid)
        self.disconnected += 1
        logger.warning("socket from %s disconnected: %s", state.address if state else "?", reason)
        server = self.server
        for namespace in list(server.manager.get_namespaces()):
            sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
            if sid is not None:
                # Sends DISCONNECT, so a browser does not reconnect on its own.
                server.disconnect(sid, namespace=namespace, ignore_queue=True)
        socket = server.eio.sockets.get(eio_sid)
        if socket is not None:
            # Not Server.disconnect(): it waits for the outgoing queue to drain, which a
            # client that does not read never lets happen.
            socket.close(wait=False, reason=server.eio.reason.SERVER_DISCONNECT)
            server.eio.sockets.pop(eio_sid, None)
        else:
            self.on_disconnect(eio_sid, server.eio.reason.SERVER_DISCONNECT)
        # The writer sends DISCONNECT and CLOSE and closes the connection, which ends the
        # reader's loop.
        self._yield()


class AdmissionGate:
    """WSGI middleware answering Engine.IO handshakes over the guard's admission rate with 503."""

    def __init__(
        self, app, guard: SocketGuard, refusal: Callable[[dict], object], path="/socket.io/"
    ):
        self.app = app
        self.guard = guard
        # Builds, from the handshake's WSGI environ, the JSON error a refused client is told.
        self.refusal = refusal
        self.path = path.rstrip("/") + "/"

    def __call__(self, environ, start_response):
        if not self._is_handshake(environ):
            return self.app(environ, start_response)
        wait = self.guard.admit()
        if not wait:
            return self.app(environ, start_response)
        body = json.dumps(self.refusal(environ), ensure_ascii=False).encode()
        start_response(
            "503 SERVICE UNAVAILABLE",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                # Whole seconds, at least one; socket.io-client backs off on its own anyway.
                ("Retry-After", str(max(1, math.ceil(wait)))),
            ],
        )
        return [body]

    def _is_handshake(self, environ) -> bool:
        """Return whether ENVIRON opens a new Engine.IO session (a GET with no sid)."""
        if environ.get("REQUEST_METHOD") != "GET":
            return False
        if not environ.get("PATH_INFO", "").startswith(self.path):
            return False
        return "sid" not in parse_qs(environ.get("QUERY_STRING", ""))
