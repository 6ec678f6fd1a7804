"""Heartbeat: each process tells its joined session rooms their stream's current seq."""

from flask import current_app
from sqlalchemy import update

from liveqa import realtime
from liveqa.extensions import db
from liveqa.models import LiveSession, SessionStatus
from tests.conftest import connect, events, idle, join


def beat() -> int:
    """Run one heartbeat of this process, as its background task does."""
    idle()
    return current_app.extensions[realtime.HEARTBEAT_KEY].beat()


def test_heartbeat_sends_each_joined_room_its_sessions_current_seq(desk, factory):
    session_id = desk["session_id"]
    # A change whose event never went out (say the message queue was down).
    db.session.execute(
        update(LiveSession).where(LiveSession.id == session_id).values(seq=7, public_seq=4)
    )
    other = factory.session(SessionStatus.LIVE)
    other_id = other.id
    elsewhere = connect(current_app)
    join(elsewhere, other_id, "public")
    stranger = connect(current_app)
    for sock in [*desk["clients"].values(), elsewhere, stranger]:
        sock.get_received()

    assert beat() == 5

    # Public, screen and both staff rooms hear it, each once, with their own stream's seq.
    for room, sock in desk["clients"].items():
        seq = 4 if room in ("public", "screen") else 7
        assert events(sock, "heartbeat") == [{"session_id": session_id, "seq": seq}], room
    assert events(elsewhere, "heartbeat") == [{"session_id": other_id, "seq": 0}]
    assert events(stranger, "heartbeat") == []


def test_no_heartbeat_without_joined_sockets(app, live):
    sock = connect(app)
    join(sock, live.id, "public")
    sock.disconnect()
    assert beat() == 0
