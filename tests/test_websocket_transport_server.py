"""The websocket transport in a real eventlet server: no deflate, broadcasts delivered in order.

Without RefuseDeflate, eventlet accepts the offer (the LIVEQA_WEBSOCKET_DEFLATE=1 case shows
it does); without DirectFanout's ordering rules, the websocket clients below (written to
directly) would see the session's events in another order than the polling client (which
the upstream queue serves) or miss some.
"""

import uuid

import pytest
from realclients import StaffApi, handshake_head, socket_client
from realserver import wait_for

pytestmark = pytest.mark.server

OFFER = "permessage-deflate; client_max_window_bits"
APPROVALS = 4


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
@pytest.mark.parametrize(
    ("env", "accepted"), [({}, False), ({"LIVEQA_WEBSOCKET_DEFLATE": "1"}, True)]
)
def test_permessage_deflate_is_refused_unless_configured(make_server, mode, env, accepted):
    # eventlet and simple-websocket (gevent) both accept any offer they see.
    server, _info = make_server(LIVEQA_ASYNC_MODE=mode, **env)
    head = handshake_head(server, OFFER).lower()
    assert head.startswith("http/1.1 101"), head
    assert ("sec-websocket-extensions: permessage-deflate" in head) is accepted, head


def question_ids(event, data):
    """Return the question ids a live event carries."""
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
