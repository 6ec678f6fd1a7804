"""A real eventlet server under a flooding socket, and with many sockets from one address.

Without liveqa/socket_guard.py every flooded event runs its handler (no `rate_limited`
answer, no disconnect), and a fourth socket from one address is accepted like the first.
"""

import json
from collections import Counter

import pytest
import requests
import socketio
from realclients import socket_client
from realserver import wait_for

pytestmark = pytest.mark.server

RATE_LIMITED_FA = "پیام‌های این اتصال بیش از اندازه است؛ لطفاً آهسته‌تر بفرستید."
TOO_MANY_FA = "اتصال‌های شبکهٔ شما بیش از اندازه است؛ لطفاً کمی بعد دوباره تلاش کنید."
# Small limits, so the flood crosses them within a few hundred events.
FLOOD_ENV = {
    "LIVEQA_SOCKET_EVENTS_PER_SECOND": "5",
    "LIVEQA_SOCKET_EVENT_BURST": "20",
    "LIVEQA_SOCKET_REFUSALS_TO_DISCONNECT": "40",
}
FLOOD_EVENTS = 3000
TIMEOUT = 30


def flood(client, acks: list) -> int:
    """Send ping and track events as fast as the client can until it is cut off."""
    sent = 0
    for index in range(FLOOD_EVENTS):
        if not client.connected:
            break
        event, payload = ("ping", {}) if index % 2 else ("track", {"code": "NOPE-0000"})
        try:
            client.emit(event, payload, callback=lambda reply=None: acks.append(reply))
        except socketio.exceptions.SocketIOError:
            break
        sent += 1
    return sent


def test_a_flooding_socket_is_refused_then_disconnected_while_others_are_served(make_server):
    server, _info = make_server(**FLOOD_ENV)
    other = socket_client(server)
    flooder = socketio.Client(reconnection=False)
    reasons = []
    flooder.on("disconnect", lambda reason=None: reasons.append(reason))
    flooder.connect(server.origin, transports=["websocket"], wait_timeout=15)
    acks = []
    try:
        assert other.call("ping", timeout=TIMEOUT) == {"ok": True}

        sent = flood(flooder, acks)

        assert wait_for(lambda: reasons, timeout=TIMEOUT), "the flooding socket stayed connected"
        # Cut off as the server's own decision, so a browser would not reconnect by itself.
        assert reasons == [flooder.reason.SERVER_DISCONNECT]
        assert other.call("ping", timeout=TIMEOUT) == {"ok": True}
        codes = Counter("ok" if reply.get("ok") else reply["error"]["code"] for reply in acks)
        assert codes["rate_limited"] >= 1, codes
        refused = [reply for reply in acks if not reply.get("ok")]
        assert {r["error"]["message"] for r in refused if r["error"]["code"] == "rate_limited"} == {
            RATE_LIMITED_FA
        }
        # Far from every event was run: most got no answer at all once it was cut off.
        assert len(acks) < sent
        log = server.log_path.read_text(encoding="utf-8")
        assert "disconnected: sustained flood" in log
    finally:
        other.disconnect()
        flooder.disconnect()


def polling_url(server, sid=None):
    url = server.url("/socket.io/?EIO=4&transport=polling")
    return f"{url}&sid={sid}" if sid else url


def handshake(server, address):
    """Open an Engine.IO polling session as if from ADDRESS (through a proxy)."""
    return requests.get(polling_url(server), headers={"X-Forwarded-For": address}, timeout=15)


def session_id(answer) -> str:
    assert answer.status_code == 200, answer.text
    return json.loads(answer.text[1:])["sid"]


@pytest.mark.parametrize("hops", [0, 1])
def test_sockets_per_address_are_capped_at_connect(make_server, hops):
    server, _info = make_server(LIVEQA_SOCKETS_PER_ADDRESS="2", LIVEQA_PROXY_HOPS=str(hops))
    first = session_id(handshake(server, "198.51.100.1"))
    session_id(handshake(server, "198.51.100.1"))

    refused = handshake(server, "198.51.100.1")

    assert refused.status_code == 401
    assert refused.json() == {"error": {"code": "too_many_connections", "message": TOO_MANY_FA}}
    # Behind a proxy the forwarded address counts; without one the header is the client's
    # own word and every request here comes from 127.0.0.1.
    elsewhere = handshake(server, "198.51.100.2")
    assert elsewhere.status_code == (200 if hops else 401)
    # A closed session frees its slot.
    closed = requests.post(polling_url(server, first), data="1", timeout=15)
    assert closed.status_code == 200
    session_id(handshake(server, "198.51.100.1"))


def test_a_socketio_client_over_the_cap_gets_in_once_a_slot_frees(make_server):
    server, _info = make_server(LIVEQA_SOCKETS_PER_ADDRESS="1")
    first = socket_client(server)
    try:
        # Refused at the handshake (401, the reason in its JSON body): socket.io clients
        # retry that with their back-off, as they do any failed connection.
        with pytest.raises(socketio.exceptions.ConnectionError, match="401"):
            socket_client(server, transports=("polling",))
        assert first.call("ping", timeout=TIMEOUT) == {"ok": True}
    finally:
        first.disconnect()
    second = wait_for(lambda: _connected(server), timeout=TIMEOUT)
    assert second is not None and second.call("ping", timeout=TIMEOUT) == {"ok": True}
    second.disconnect()


def _connected(server):
    try:
        return socket_client(server, transports=("polling",))
    except socketio.exceptions.ConnectionError:
        return None
