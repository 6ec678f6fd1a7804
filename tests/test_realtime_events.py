"""Socket.IO fan-out seen by clients: changes, sequence numbers, resync, tallies, tracking."""

import time
from datetime import timedelta

import pytest

from liveqa import broadcast
from liveqa.domain import questions as verbs
from liveqa.domain.errors import DomainError
from liveqa.domain.sessions import close_session, open_session, start_session
from liveqa.extensions import db, socketio
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus
from liveqa.serializers import public_snapshot, question_public, question_staff
from tests.conftest import Factory, connect, idle

S = QuestionStatus
PRIVATE_KEYS = {"tracking_code", "asker_phone", "verbatim_text", "edited_text", "version"}


def join(sock, session_id, room, **extra):
    """Join ROOM of SESSION_ID and return the acknowledged sequence number."""
    idle()
    ack = sock.emit("join", {"session_id": session_id, "room": room, **extra}, callback=True)
    assert ack["ok"] is True, ack
    return ack["seq"]


def events(sock, name):
    """Return and consume the payloads of the NAME events SOCK has received."""
    return [m["args"][0] for m in sock.get_received() if m["name"] == name]


def fresh(model, ident):
    """Return the row as committed now, not as this test's session remembers it."""
    db.session.expire_all()
    return db.session.get(model, ident)


@pytest.fixture
def desk(app, factory):
    """Return a live session with clients in its public, screen, moderators and official rooms."""
    live = factory.session(SessionStatus.LIVE)
    moderator = factory.user("moderator")
    official = factory.official()
    clients = {
        "public": connect(app),
        "screen": connect(app),
        "moderators": connect(app, moderator),
        "official": connect(app, official.user),
    }
    for room, sock in clients.items():
        join(sock, live.id, room)
    return {
        "session_id": live.id,
        "live": live,
        "moderator": moderator,
        "official": official,
        "clients": clients,
    }


def test_public_and_staff_rooms_get_their_own_view(desk):
    clients, moderator = desk["clients"], desk["moderator"]
    question, _ = verbs.submit_question(
        desk["live"],
        text="چرا خیابان صفائیه شلوغ است؟",
        asker_name="علی",
        asker_phone="09121234567",
    )
    db.session.commit()
    question_id = question.id

    public = events(clients["public"], "change")
    staff = events(clients["moderators"], "change")
    # A submitted question is not public: the board is told nothing is shown for it.
    assert [(c["kind"], c["question_id"], c["question"]) for c in public] == [
        ("question.submitted", question_id, None)
    ]
    assert [c["question"]["tracking_code"] for c in staff] == [question.tracking_code]
    assert staff[0]["question"]["asker_phone"] == "0912•••••67"
    assert staff[0]["question"] == question_staff(fresh(Question, question_id))
    assert events(clients["screen"], "change") == public
    assert events(clients["official"], "change") == staff

    verbs.approve_question(fresh(Question, question_id), moderator)
    db.session.commit()

    [screen] = events(clients["screen"], "change")
    [public] = events(clients["public"], "change")
    [staff] = events(clients["moderators"], "change")
    [official] = events(clients["official"], "change")
    question = fresh(Question, question_id)
    assert public == screen
    assert public["question"] == question_public(question)
    assert not PRIVATE_KEYS & set(public["question"])
    assert "09121234567" not in repr(public)
    assert staff["question"] == official["question"] == question_staff(question)
    assert staff["counters"] == public["counters"] == {"received": 1, "answered": 0, "waiting": 1}
    assert public["seq"] == staff["seq"] == 2


def quiet_question(desk) -> int:
    """Submit a question to DESK's session and forget the events it caused; return its id."""
    submitted, _ = verbs.submit_question(desk["live"], text="پرسش")
    db.session.commit()
    for sock in desk["clients"].values():
        sock.get_received()
    return submitted.id


def test_rolled_back_change_is_never_emitted(desk):
    question_id = quiet_question(desk)

    verbs.approve_question(fresh(Question, question_id), desk["moderator"])
    verbs.route_question(fresh(Question, question_id), desk["moderator"], desk["official"].id)
    db.session.rollback()
    idle()

    assert {room: sock.get_received() for room, sock in desk["clients"].items()} == {
        room: [] for room in desk["clients"]
    }
    assert fresh(LiveSession, desk["session_id"]).seq == 1
    # The next committed change takes the next number: nothing was skipped.
    verbs.approve_question(fresh(Question, question_id), desk["moderator"])
    db.session.commit()
    assert [c["seq"] for c in events(desk["clients"]["public"], "change")] == [2]


def test_every_room_sees_every_sequence_number_in_order(desk):
    moderator, official_id = desk["moderator"], desk["official"].id
    start = fresh(LiveSession, desk["session_id"]).seq

    first, _ = verbs.submit_question(desk["live"], text="پرسش یکم")
    db.session.commit()
    second, _ = verbs.submit_question(desk["live"], text="پرسش دوم")
    db.session.commit()
    verbs.approve_question(first, moderator)
    verbs.approve_question(second, moderator)  # two changes in one transaction
    db.session.commit()
    verbs.route_question(first, moderator, official_id)
    db.session.commit()
    verbs.reject_question(second, moderator, "off_topic")
    db.session.commit()

    expected = list(range(start + 1, start + 7))
    for room, sock in desk["clients"].items():
        seqs = [c["seq"] for c in events(sock, "change")]
        assert seqs == expected, room
    assert fresh(LiveSession, desk["session_id"]).seq == expected[-1]


class Board:
    """A public client's copy of the board, kept the way the contract tells clients to."""

    def __init__(self, snapshot):
        self.seq = snapshot["seq"]
        self.counters = snapshot["counters"]
        self.questions = {q["id"]: q for q in snapshot["questions"]}

    def apply(self, change) -> bool:
        """Apply CHANGE if newer than the board; return False on a gap (reload needed)."""
        if change["seq"] <= self.seq:
            return True
        if change["seq"] != self.seq + 1:
            return False
        self.seq = change["seq"]
        self.counters = change["counters"]
        if change["question"] is not None:
            self.questions[change["question_id"]] = change["question"]
        elif change["question_id"] is not None:
            self.questions.pop(change["question_id"], None)
        return True

    def state(self):
        return self.seq, self.counters, self.questions


def load_board(session_id) -> Board:
    """Load the public snapshot the way a (re)connecting client does."""
    board = Board(public_snapshot(fresh(LiveSession, session_id)))
    idle()
    return board


def test_reconnecting_client_resyncs_to_the_server_state(app, factory):
    live = factory.session(SessionStatus.LIVE)
    session_id = live.id
    moderator = factory.user("moderator")
    official_id = factory.official().id
    ids = [factory.question(live, status=S.APPROVED).id for _ in range(3)]
    submitted_id = factory.question(live).id
    sock = connect(app)
    join(sock, session_id, "public")
    board = load_board(session_id)

    def act(verb, question_id, *args):
        verb(fresh(Question, question_id), moderator, *args)
        db.session.commit()

    act(verbs.edit_question, ids[0], "متن ویرایش‌شده")
    assert all(board.apply(c) for c in events(sock, "change"))
    assert board.state() == load_board(session_id).state()

    sock.disconnect()
    act(verbs.route_question, ids[1], official_id)
    act(verbs.reject_question, ids[2], "offensive")
    act(verbs.approve_question, submitted_id)
    sock.connect()
    assert sock.get_received() == []
    assert board.state() != load_board(session_id).state()

    ack_seq = join(sock, session_id, "public")
    # A change lands between joining and loading the snapshot: the snapshot already has it.
    act(verbs.take_on_air, ids[1])
    board = load_board(session_id)
    assert board.seq == ack_seq + 1
    act(verbs.edit_question, submitted_id, "متن تازه")

    received = events(sock, "change")
    assert [c["seq"] for c in received] == [ack_seq + 1, ack_seq + 2]
    assert all(board.apply(c) for c in received)
    server = load_board(session_id)
    assert board.state() == server.state()
    assert ids[2] not in board.questions
    assert board.questions[ids[1]]["status"] == "on_air"
    assert board.questions[submitted_id]["text"] == "متن تازه"


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

    seqs = {sid: fresh(LiveSession, sid).seq for sid in watchers}
    idle()
    assert events(watchers[first_id], "tally") == [
        {"session_id": first_id, "seq": seqs[first_id], "counts": {str(a): 5, str(b): 3}}
    ]
    assert events(watchers[second_id], "tally") == [
        {"session_id": second_id, "seq": seqs[second_id], "counts": {str(c): 4}}
    ]
    assert [t["counts"] for t in events(moderator, "tally")] == [{str(a): 5, str(b): 3}]
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
    counts = [t["counts"][str(question_id)] for t in received]
    assert counts == sorted(counts)


def test_tracked_follows_a_question_and_the_one_it_was_merged_into(desk):
    moderator, official = desk["moderator"], desk["official"]
    asked, _ = verbs.submit_question(desk["live"], text="پرسش تکراری")
    target, _ = verbs.submit_question(desk["live"], text="پرسش اصلی")
    db.session.commit()
    asked_id, target_id = asked.id, target.id
    asked_code, target_code = asked.tracking_code, target.tracking_code
    citizen = connect(desk["clients"]["public"].app)
    bystander = connect(desk["clients"]["public"].app)
    idle()
    assert citizen.emit("track", {"code": asked_code}, callback=True)["ok"]
    assert bystander.emit("track", {"code": target_code}, callback=True)["ok"]

    verbs.approve_question(fresh(Question, target_id), moderator)
    db.session.commit()
    assert events(citizen, "tracked") == []
    assert [t["status"] for t in events(bystander, "tracked")] == ["approved"]

    verbs.merge_question(fresh(Question, asked_id), fresh(Question, target_id), moderator)
    db.session.commit()
    merged = events(citizen, "tracked")
    assert merged[-1]["tracking_code"] == asked_code
    assert merged[-1]["status"] == "merged"
    assert merged[-1]["merged_into"]["id"] == target_id

    verbs.route_question(fresh(Question, target_id), moderator, official.id)
    db.session.commit()
    verbs.take_on_air(fresh(Question, target_id), moderator)
    db.session.commit()
    verbs.answer_question(fresh(Question, target_id), moderator, kind="written", text="پاسخ شهردار")
    db.session.commit()

    received = events(citizen, "tracked")
    assert {t["tracking_code"] for t in received} == {asked_code}
    assert [t["effective_status"] for t in received] == ["routed", "on_air", "answered"]
    assert received[-1]["status"] == "merged"
    assert received[-1]["answer"]["text"] == "پاسخ شهردار"
    assert events(bystander, "tracked")[-1]["answer"]["text"] == "پاسخ شهردار"
    # Tracking rooms get the tracking view only, never board changes.
    assert events(citizen, "change") == []


def track(app, code):
    """Return a Socket.IO client following the question with tracking CODE."""
    citizen = connect(app)
    idle()
    assert citizen.emit("track", {"code": code}, callback=True)["ok"]
    return citizen


@pytest.mark.parametrize(
    ("disposition", "status"),
    [("carry_over", "carried_over"), ("follow_up", "unanswered")],
)
def test_closing_a_session_tells_each_tracked_question_its_outcome(
    app, factory, disposition, status
):
    live = factory.session(SessionStatus.LIVE)
    factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))
    question = factory.question(live, S.APPROVED)
    live_id = live.id
    moderator = factory.user("moderator")
    citizen = track(app, question.tracking_code)
    board = connect(app)
    join(board, live_id, "public")

    close_session(fresh(LiveSession, live_id), moderator, disposition)
    db.session.commit()

    [tracked] = events(citizen, "tracked")
    assert (tracked["status"], tracked["outcome"]) == (status, status)
    # Boards get one change, whatever the number of questions, and reload on it.
    assert [(c["kind"], c["question_id"]) for c in events(board, "change")] == [
        ("session.closed", None),
    ]


@pytest.mark.parametrize("verb", [open_session, start_session])
def test_the_next_session_tells_tracked_carried_questions_they_are_back(app, factory, verb):
    live = factory.session(SessionStatus.LIVE)
    following = factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))
    question = factory.question(live, S.APPROVED)
    following_id, question_id = following.id, question.id
    moderator = factory.user("moderator")
    close_session(live, moderator)
    db.session.commit()
    citizen = track(app, question.tracking_code)
    board = connect(app)
    join(board, following_id, "public")

    verb(fresh(LiveSession, following_id), moderator)
    db.session.commit()

    [tracked] = events(citizen, "tracked")
    assert (tracked["status"], tracked["session_id"]) == ("approved", following_id)
    changes = events(board, "change")
    # The board reloads on the session's change and finds the question there.
    assert [(c["kind"], c["question_id"]) for c in changes] == [
        (f"session.{'opened' if verb is open_session else 'live'}", None),
    ]
    assert question_id in {
        q["id"] for q in public_snapshot(fresh(LiveSession, following_id))["questions"]
    }


def test_a_savepoint_neither_sends_nor_drops_the_transactions_changes(desk):
    question_id = quiet_question(desk)

    question = fresh(Question, question_id)
    verbs.approve_question(question, desk["moderator"])
    verbs.support_question(question, "browser-1")  # its savepoint commits
    with pytest.raises(DomainError):
        verbs.support_question(question, "browser-1")  # its savepoint rolls back
    assert all(sock.get_received() == [] for sock in desk["clients"].values())
    db.session.commit()

    [change] = events(desk["clients"]["public"], "change")
    assert (change["kind"], change["question_id"]) == ("question.approved", question_id)
