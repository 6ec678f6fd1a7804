"""Socket.IO fan-out seen by clients: room views, sequence numbers, resync, savepoints."""

import pytest

from liveqa.domain import questions as verbs
from liveqa.domain.errors import DomainError
from liveqa.extensions import db
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus
from liveqa.serializers import public_snapshot, question_public, question_staff
from tests.conftest import connect, events, fresh, idle, join

S = QuestionStatus
PRIVATE_KEYS = {"tracking_code", "asker_phone", "verbatim_text", "edited_text", "version"}


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
