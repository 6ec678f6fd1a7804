"""The websocket transport in a real eventlet server: no deflate, broadcasts delivered in order.

Without RefuseDeflate, eventlet accepts the offer (the LIVEQA_WEBSOCKET_DEFLATE=1 case shows
it does); without DirectFanout's ordering rules, the websocket clients below (written to
directly) would see the session's events in another order than the polling client (which
the upstream queue serves) or miss some.
"""

import base64
import os
import socket
import uuid

import pytest
from realclients import StaffApi, socket_client
from realserver import server_logs, start_servers, wait_for

pytestmark = pytest.mark.server

OFFER = "permessage-deflate; client_max_window_bits"
APPROVALS = 4


@pytest.fixture
def make_server(tmp_path):
    started = []

    def make(**env):
        servers, info = start_servers(tmp_path, env_extra=env)
        started.extend(servers)
        return servers[0], info

    yield make
    for server in started:
        server.stop()
    print(server_logs(started))


def handshake_head(server, extensions):
    """Open a websocket to SERVER offering EXTENSIONS; return the response head, lower-cased."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"Origin: {server.origin}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Extensions: {extensions}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n")[0].decode().lower()


@pytest.mark.parametrize(
    ("env", "accepted"), [({}, False), ({"LIVEQA_WEBSOCKET_DEFLATE": "1"}, True)]
)
def test_permessage_deflate_is_refused_unless_configured(make_server, env, accepted):
    server, _info = make_server(**env)
    head = handshake_head(server, OFFER)
    assert head.startswith("http/1.1 101"), head
    assert ("sec-websocket-extensions: permessage-deflate" in head) is accepted, head


def question_ids(event, data):
    """Return the question ids a live event carries, in either protocol's shape."""
    if event == "change":
        return [data.get("question_id")]
    if event == "changes":
        return [item.get("question_id") for item in data.get("changes", [])]
    return []


@pytest.mark.parametrize("direct", ["1", "0"], ids=["direct fan-out", "upstream queue"])
def test_websocket_and_polling_clients_get_the_same_events_in_order(make_server, direct):
    server, info = make_server(LIVEQA_DIRECT_FANOUT=direct, LIVEQA_HEARTBEAT_SECONDS="1")
    session_id = info["session_id"]
    transports = [("websocket",)] * 3 + [("polling",)]
    clients, received = [], []
    try:
        for transport in transports:
            client = socket_client(server, transports=transport)
            events = []
            client.on("*", lambda event, data, events=events: events.append((event, data)))
            ack = client.call("join", {"session_id": session_id, "room": "public"}, timeout=15)
            assert ack["ok"] is True, ack
            clients.append(client)
            received.append(events)
        start = [len(events) for events in received]
        staff = StaffApi(server, info["moderator"])
        approved = []
        for i in range(APPROVALS):
            text = f"پرسش ترتیب {i} {uuid.uuid4().hex[:6]}"
            submitted = staff.post(f"/sessions/{session_id}/questions", expect=201, text=text)
            code = submitted["question"]["tracking_code"]
            approved.append(staff.command(staff.question(session_id, code)["id"], "approve")["id"])

        def seen(events):
            return [qid for event, data in events for qid in question_ids(event, data)]

        def settled():
            tails = [events[s:] for events, s in zip(received, start, strict=True)]
            done = all(set(approved) <= set(seen(tail)) for tail in tails)
            return tails if done and all(t == tails[0] for t in tails) else None

        tails = wait_for(settled)
        assert tails, [seen(events) for events in received]
        order = [qid for qid in seen(tails[0]) if qid in approved]
        assert sorted(set(order), key=order.index) == approved
    finally:
        for client in clients:
            client.disconnect()
