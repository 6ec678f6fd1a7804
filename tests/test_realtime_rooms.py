"""Socket.IO edge: who may join which room, tracking codes, and refused events."""

import pytest
from sqlalchemy import select

from liveqa import realtime, rooms
from liveqa.domain.tracking import display_code, parse_code
from liveqa.extensions import db, socketio
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus
from tests.conftest import connect, idle


def emit(sock, event, *args):
    """Send EVENT from SOCK and return the server's acknowledgement."""
    idle()
    return sock.emit(event, *args, callback=True)


def socket_rooms(sock) -> set[str]:
    """Return the rooms SOCK is in, apart from its own and its user's (see rooms.user_room)."""
    sid = socketio.server.manager.sid_from_eio_sid(sock.eio_sid, "/")
    return {r for r in socketio.server.rooms(sid, "/") if r != sid and not r.startswith("user:")}


@pytest.fixture
def people(factory):
    """Return one user of every role (None is a citizen) and two officials."""
    mine = factory.official(name="Own official")
    other = factory.official(name="Other official")
    idle()
    return {
        "citizen": None,
        "admin": factory.user("admin"),
        "moderator": factory.user("moderator"),
        "operator": factory.user("operator"),
        "official": mine.user,
        "mine": mine,
        "other": other,
    }


ROLES = ("citizen", "admin", "moderator", "operator", "official")
# (room, whose official room) -> roles allowed; every other role is refused with the code.
TABLE = [
    ("public", None, set(ROLES), None),
    ("screen", None, set(ROLES), None),
    ("moderators", None, {"admin", "moderator", "operator"}, "forbidden"),
    ("official", None, {"official"}, "forbidden"),
    ("official", "other", {"admin", "moderator"}, "forbidden"),
    ("official", "mine", {"admin", "moderator", "official"}, "forbidden"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("room", "whose", "allowed", "refusal"), TABLE)
def test_room_authorization(app, factory, people, role, room, whose, allowed, refusal):
    live = factory.session()
    session_id = live.id
    payload = {"session_id": session_id, "room": room}
    if whose is not None:
        payload["official_id"] = people[whose].id
    expected_room = {
        "public": rooms.public_room(session_id),
        "screen": rooms.screen_room(session_id),
        "moderators": rooms.moderators_room(session_id),
        "official": rooms.official_room(session_id, people[whose or "mine"].id),
    }[room]
    sock = connect(app, people[role])

    ack = emit(sock, "join", payload)

    if role in allowed:
        assert ack == {"ok": True, "seq": 0}
        assert socket_rooms(sock) == {expected_room}
    else:
        assert ack["ok"] is False
        if role == "citizen":
            assert ack["error"]["code"] == "login_required"
        elif role in ("admin", "moderator") and whose is None:
            assert ack["error"]["code"] == "invalid"
            assert ack["error"]["field"] == "official_id"
        else:
            assert ack["error"]["code"] == refusal
        assert ack["error"]["message"]
        assert socket_rooms(sock) == set()


def test_deactivated_staff_loses_staff_rooms(app, factory, people):
    live = factory.session()
    sock = connect(app, people["moderator"])
    people["moderator"].active = False
    idle()

    ack = emit(sock, "join", {"session_id": live.id, "room": "moderators"})

    assert ack["error"]["code"] == "login_required"
    assert socket_rooms(sock) == set()


@pytest.mark.parametrize(
    ("room", "column", "expected"),
    [
        ("public", LiveSession.public_seq, 1),
        ("screen", LiveSession.public_seq, 1),
        ("moderators", LiveSession.seq, 2),
    ],
)
def test_join_acks_the_current_number_of_the_rooms_stream(app, factory, room, column, expected):
    question = factory.question(status=QuestionStatus.APPROVED)
    session_id = question.session_id
    seq = db.session.scalar(select(column).where(LiveSession.id == session_id))
    sock = connect(app, factory.user("moderator") if room == "moderators" else None)

    assert emit(sock, "join", {"session_id": session_id, "room": room}) == {
        "ok": True,
        "seq": seq,
    }
    # Submitted, then approved: only the approval is on the public stream.
    assert seq == expected


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("not an object", "bad_request"),
        ([1, "public"], "bad_request"),
        ({"room": "public"}, "invalid"),
        ({"session_id": "1", "room": "public"}, "invalid"),
        ({"session_id": True, "room": "public"}, "invalid"),
        ({"session_id": -1, "room": "public"}, "invalid"),
        ({"session_id": "SESSION", "room": "lobby"}, "unknown_room"),
        ({"session_id": "SESSION", "room": "session:1:moderators"}, "unknown_room"),
        ({"session_id": "SESSION", "room": None}, "unknown_room"),
        ({"session_id": 999_999, "room": "public"}, "unknown_session"),
    ],
)
def test_join_refuses_malformed_payloads(app, factory, payload, code):
    live = factory.session()
    if isinstance(payload, dict) and payload.get("session_id") == "SESSION":
        payload = payload | {"session_id": live.id}
    sock = connect(app)

    ack = emit(sock, "join", payload)

    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert socket_rooms(sock) == set()


def test_join_without_payload_is_refused(app, factory):
    sock = connect(app)
    assert emit(sock, "join")["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    ("query_string", "headers", "message"),
    [
        ("lang=en", None, "Unknown room."),
        # The socket belongs to a page, and pages stay Persian whatever the phone's language.
        (None, {"Accept-Language": "en"}, "اتاق ناشناخته است."),
    ],
)
def test_error_messages_follow_the_page_language(app, factory, query_string, headers, message):
    live = factory.session()
    sock = connect(app, headers=headers, query_string=query_string)

    ack = emit(sock, "join", {"session_id": live.id, "room": "lobby"})

    assert ack["error"] == {"code": "unknown_room", "message": message, "field": "room"}


def test_rooms_per_socket_are_bounded(app, factory, monkeypatch):
    monkeypatch.setattr(realtime, "MAX_ROOMS_PER_SOCKET", 2)
    first, second = factory.session(), factory.session()
    sock = connect(app)
    assert emit(sock, "join", {"session_id": first.id, "room": "public"})["ok"]
    assert emit(sock, "join", {"session_id": first.id, "room": "screen"})["ok"]

    ack = emit(sock, "join", {"session_id": second.id, "room": "public"})

    assert ack["error"]["code"] == "too_many_rooms"
    # Joining a room already joined is not a new room.
    assert emit(sock, "join", {"session_id": first.id, "room": "public"})["ok"]
    assert len(socket_rooms(sock)) == 2


def test_ping(app):
    with app.app_context():
        sock = connect(app)
        assert emit(sock, "ping") == {"ok": True}
        assert emit(sock, "ping", {"anything": 1}) == {"ok": True}


def test_connect_refuses_auth_data_it_does_not_understand(app):
    with app.app_context():
        idle()
        refused = socketio.test_client(app, auth="token-in-a-string")
        accepted = socketio.test_client(app, auth={})

    assert not refused.is_connected()
    assert accepted.is_connected()


def test_disconnect_forgets_the_socket(app, factory):
    live = factory.session()
    sock = connect(app)
    emit(sock, "join", {"session_id": live.id, "room": "public"})
    assert len(app.extensions[realtime.EXTENSION_KEY]) == 1

    sock.disconnect()

    assert app.extensions[realtime.EXTENSION_KEY] == {}


@pytest.mark.parametrize("digits", ["ascii", "persian", "spaced"])
def test_track_acks_the_tracking_view_and_joins_its_room(app, factory, digits):
    question = factory.question(asker_phone="09121234567")
    code = question.tracking_code
    raw = {"ascii": code, "persian": display_code(code), "spaced": f"{code[:4]} {code[4:]}"}
    sock = connect(app)

    ack = emit(sock, "track", {"code": raw[digits]})

    assert ack["ok"] is True
    assert ack["question"]["tracking_code"] == code
    assert ack["question"]["status"] == "submitted"
    assert "asker_phone" not in ack["question"]
    assert socket_rooms(sock) == {rooms.tracking_room(code)}


def test_track_refuses_bad_and_unknown_codes(app, factory):
    question = factory.question()
    code = question.tracking_code
    wrong_check = code[:-1] + str((int(code[-1]) + 1) % 10)
    sock = connect(app)

    assert emit(sock, "track", {"code": wrong_check})["error"]["code"] == "invalid_code"
    assert emit(sock, "track", {"code": 12345678})["error"]["code"] == "invalid_code"
    assert emit(sock, "track", {"code": "1" * 5000})["error"]["code"] == "invalid_code"
    assert emit(sock, "track", "nope")["error"]["code"] == "bad_request"
    unknown = "1234567" + next(d for d in "0123456789" if parse_code("1234567" + d))
    assert emit(sock, "track", {"code": unknown})["error"]["code"] == "unknown_code"
    assert socket_rooms(sock) == set()


def test_tracked_codes_per_socket_are_bounded(app, factory, monkeypatch):
    monkeypatch.setattr(realtime, "MAX_TRACKED_CODES", 2)
    live = factory.session()
    codes = [factory.question(live).tracking_code for _ in range(3)]
    sock = connect(app)
    assert emit(sock, "track", {"code": codes[0]})["ok"]
    assert emit(sock, "track", {"code": codes[1]})["ok"]

    assert emit(sock, "track", {"code": codes[2]})["error"]["code"] == "too_many_codes"
    assert emit(sock, "track", {"code": codes[0]})["ok"]
    assert socket_rooms(sock) == {rooms.tracking_room(c) for c in codes[:2]}


STAFF_LOOKING_EVENTS = [
    ("approve", {"question_id": "QID"}),
    ("reject", {"question_id": "QID", "reason": "offensive"}),
    ("on_air", {"question_id": "QID"}),
    ("message", "hello"),
    ("join_room", "MODROOM"),
    ("leave", {"session_id": "SID", "room": "public"}),
]


@pytest.mark.parametrize(("event", "payload"), STAFF_LOOKING_EVENTS)
def test_citizen_events_change_nothing(app, factory, event, payload):
    question = factory.question(status=QuestionStatus.APPROVED, asker_phone="09121234567")
    live = question.session
    live.status = SessionStatus.LIVE
    question_id, session_id = question.id, question.session_id
    before = (question.status, question.version, live.seq)
    fill = {"QID": question_id, "SID": session_id, "MODROOM": rooms.moderators_room(session_id)}
    if isinstance(payload, dict):
        payload = {k: fill.get(v, v) for k, v in payload.items()}
    else:
        payload = fill.get(payload, payload)
    sock = connect(app, query_string="lang=en")

    ack = emit(sock, event, payload)

    assert ack == {"ok": False, "error": {"code": "unknown_event", "message": "Unknown event."}}
    refused = emit(sock, "join", {"session_id": session_id, "room": "moderators"})
    assert refused["error"]["code"] == "login_required"
    assert socket_rooms(sock) == set()
    question = db.session.get(Question, question_id)
    live = db.session.get(LiveSession, session_id)
    assert (question.status, question.version, live.seq) == before
    assert sock.get_received() == []
