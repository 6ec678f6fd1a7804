"""Socket.IO tallies: supports coalesced into one tally per session, sent even after a failure."""

import time

import pytest

from liveqa import broadcast
from liveqa.domain import questions as verbs
from liveqa.extensions import db, socketio
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus
from tests.conftest import connect, events, fresh, idle, join
from tests.factories import Factory

S = QuestionStatus


def support(question_id, client_number):
    """Record one browser's support and commit, as the support endpoint does."""
    verbs.support_question(db.session.get(Question, question_id), f"{client_number:032x}")
    db.session.commit()


def test_supports_are_coalesced_into_one_tally_per_session(app, factory):
    first = factory.session(SessionStatus.LIVE)
    second = factory.session(SessionStatus.LIVE)
    a, b = (factory.question(first, status=S.APPROVED).id for _ in range(2))
    c = factory.question(second, status=S.APPROVED).id
    first_id, second_id = first.id, second.id
    watchers = {first_id: connect(app), second_id: connect(app)}
    join(watchers[first_id], first_id, "public")
    join(watchers[second_id], second_id, "public")
    moderator = connect(app, factory.user("moderator"))
    join(moderator, first_id, "moderators")

    for n in range(5):
        support(a, n)
    for n in range(3):
        support(b, n)
    for n in range(4):
        support(c, n)
    idle()
    assert all(sock.get_received() == [] for sock in (*watchers.values(), moderator))

    assert broadcast.coalescer(app).flush() == 2

    sessions = {sid: fresh(LiveSession, sid) for sid in watchers}
    counters = {"received": 2, "answered": 0, "waiting": 2}
    idle()
    # Public rooms hear the public stream's number, staff rooms the staff stream's.
    assert events(watchers[first_id], "tally") == [
        {
            "session_id": first_id,
            "seq": sessions[first_id].public_seq,
            "counts": {str(a): 5, str(b): 3},
            "counters": counters,
        }
    ]
    assert events(watchers[second_id], "tally") == [
        {
            "session_id": second_id,
            "seq": sessions[second_id].public_seq,
            "counts": {str(c): 4},
            "counters": counters | {"received": 1, "waiting": 1},
        }
    ]
    assert events(moderator, "tally") == [
        {
            "session_id": first_id,
            "seq": sessions[first_id].seq,
            "counts": {str(a): 5, str(b): 3},
            "counters": counters,
        }
    ]
    assert sessions[first_id].seq > sessions[first_id].public_seq
    assert broadcast.coalescer(app).flush() == 0
    assert all(sock.get_received() == [] for sock in watchers.values())


def test_a_failed_tally_is_sent_on_the_next_flush(app, factory, monkeypatch):
    live = factory.session(SessionStatus.LIVE)
    question_id = factory.question(live, status=S.APPROVED).id
    session_id = live.id
    sock = connect(app)
    join(sock, session_id, "public")
    support(question_id, 1)
    support(question_id, 2)
    idle()

    def broken_emit(*args, **kwargs):
        raise ConnectionError("message queue down")

    with monkeypatch.context() as patch:
        patch.setattr(socketio, "emit", broken_emit)
        with pytest.raises(ConnectionError):
            broadcast.coalescer(app).flush()
    assert events(sock, "tally") == []

    assert broadcast.coalescer(app).flush() == 1
    assert [t["counts"] for t in events(sock, "tally")] == [{str(question_id): 2}]


@pytest.fixture
def burst_app(make_app):
    """Return an app whose tally coalescer ticks every 0.2 seconds in the background."""
    application = make_app(SUPPORT_TALLY_INTERVAL=0.2)
    with application.app_context():
        yield application


def test_a_burst_of_supports_yields_few_tallies_ending_with_the_final_count(burst_app):
    factory = Factory()
    live = factory.session(SessionStatus.LIVE)
    question_id = factory.question(live, status=S.APPROVED).id
    session_id = live.id
    sock = connect(burst_app)
    join(sock, session_id, "public")

    for n in range(30):
        support(question_id, n)
    idle()

    def tallies():
        # Read without consuming: the background task appends to this list concurrently.
        return [m["args"][0] for m in list(sock.queue) if m["name"] == "tally"]

    for _ in range(200):
        if tallies() and tallies()[-1]["counts"] == {str(question_id): 30}:
            break
        time.sleep(0.05)
    received = tallies()
    assert received, "no tally arrived"
    assert received[-1]["counts"] == {str(question_id): 30}
    assert len(received) < 30
    # A tally of the counters alone (the factory's submission) may come first.
    counts = [t["counts"][str(question_id)] for t in received if t["counts"]]
    assert counts == sorted(counts)
