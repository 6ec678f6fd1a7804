"""Socket.IO fan-out seen by clients: room views, sequence numbers, resync, savepoints."""

import pytest

from liveqa import broadcast
from liveqa.domain import questions as verbs
from liveqa.domain.errors import DomainError
from liveqa.extensions import db
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus
from liveqa.serializers import public_snapshot, question_public, question_staff, staff_snapshot
from tests.conftest import changes, connect, events, fresh, idle, join

S = QuestionStatus
PRIVATE_KEYS = {"tracking_code", "asker_phone", "verbatim_text", "edited_text", "version"}


def test_public_and_staff_rooms_get_their_own_view(app, desk):
    clients, moderator = desk["clients"], desk["moderator"]
    question, _ = verbs.submit_question(
        desk["live"],
        text="چرا خیابان صفائیه شلوغ است؟",
        asker_name="علی",
        asker_phone="09121234567",
    )
    db.session.commit()
    question_id = question.id

    # A submitted question is not public: citizens and the screen hear nothing of it...
    assert events(clients["public"], "changes") == []
    assert events(clients["screen"], "changes") == []
    [batch] = events(clients["moderators"], "changes")
    assert batch | {"changes": None} == {
        "session_id": desk["session_id"],
        "from": 1,
        "to": 1,
        "changes": None,
    }
    [staff] = batch["changes"]
    assert staff["question"]["tracking_code"] == question.tracking_code
    assert staff["question"]["asker_phone"] == "0912•••••67"
    assert staff["question"] == question_staff(fresh(Question, question_id))
    assert "counters" not in staff
    assert changes(clients["official"]) == [staff]
    # ...but the next tally's counters: one more received, one more waiting.
    broadcast.coalescer(app).flush()
    counted = {"received": 1, "answered": 0, "waiting": 1}
    for room, sock in clients.items():
        [tally] = events(sock, "tally")
        assert (tally["counts"], tally["counters"]) == ({}, counted), room
        assert tally["seq"] == (0 if room in ("public", "screen") else 1), room

    verbs.approve_question(fresh(Question, question_id), moderator)
    db.session.commit()

    [screen] = changes(clients["screen"])
    [public] = changes(clients["public"])
    [staff] = changes(clients["moderators"])
    [official] = changes(clients["official"])
    question = fresh(Question, question_id)
    assert public == screen
    assert public["question"] == question_public(question)
    assert not PRIVATE_KEYS & set(public["question"])
    assert "09121234567" not in repr(public)
    assert staff["question"] == official["question"] == question_staff(question)
    # Each stream numbers its own changes: the public one never counted the submission.
    assert (public["seq"], staff["seq"]) == (1, 2)
    # Approving moves no counter: no tally is due.
    assert broadcast.coalescer(app).flush() == 0


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
    assert fresh(LiveSession, desk["session_id"]).public_seq == 0
    # The next committed change takes the next numbers: nothing was skipped.
    verbs.approve_question(fresh(Question, question_id), desk["moderator"])
    db.session.commit()
    assert [c["seq"] for c in changes(desk["clients"]["public"])] == [1]
    assert [c["seq"] for c in changes(desk["clients"]["moderators"])] == [2]


def test_each_stream_reaches_its_rooms_contiguous_and_in_order(desk):
    moderator, official_id = desk["moderator"], desk["official"].id
    live = fresh(LiveSession, desk["session_id"])
    start, public_start = live.seq, live.public_seq

    first, _ = verbs.submit_question(desk["live"], text="پرسش یکم")
    db.session.commit()
    second, _ = verbs.submit_question(desk["live"], text="پرسش دوم")
    db.session.commit()
    verbs.approve_question(first, moderator)
    verbs.approve_question(second, moderator)  # two changes in one transaction
    db.session.commit()
    verbs.route_question(first, moderator, official_id)
    db.session.commit()
    hidden, _ = verbs.submit_question(desk["live"], text="پرسش سوم")
    db.session.commit()
    verbs.edit_question(hidden, moderator, "پرسش سوم، ویرایش‌شده")  # still not public
    db.session.commit()
    verbs.reject_question(second, moderator, "off_topic")  # leaves the public board
    db.session.commit()

    staff_range = list(range(start + 1, start + 9))
    public_range = list(range(public_start + 1, public_start + 5))
    for room, sock in desk["clients"].items():
        batches = events(sock, "changes")
        expected = public_range if room in ("public", "screen") else staff_range
        assert [c["seq"] for b in batches for c in b["changes"]] == expected, room
        # Batches follow each other without a hole: each starts where the last ended.
        assert [b["from"] for b in batches[1:]] == [b["to"] + 1 for b in batches[:-1]], room
    live = fresh(LiveSession, desk["session_id"])
    assert (live.seq, live.public_seq) == (staff_range[-1], public_range[-1])


class Board:
    """A client's copy of one stream's view, kept the way the protocol tells clients to."""

    def __init__(self, snapshot):
        self.seq = snapshot["seq"]
        self.counters = snapshot["counters"]
        self.questions = {q["id"]: q for q in snapshot["questions"]}

    def apply(self, batch) -> bool:
        """Apply a `changes` BATCH if it reaches past the board; False on a gap (reload)."""
        if batch["to"] <= self.seq:
            return True
        if batch["from"] > self.seq + 1:
            return False
        for change in batch["changes"]:
            if change["seq"] <= self.seq:
                continue
            if change["question"] is not None:
                self.questions[change["question_id"]] = change["question"]
            elif change["question_id"] is not None:
                self.questions.pop(change["question_id"], None)
        self.seq = batch["to"]
        return True

    def tally(self, tally) -> None:
        """Take the counters (and support counts) of a TALLY no older than the board."""
        if tally["seq"] >= self.seq:
            self.counters = tally["counters"]

    def state(self):
        return self.seq, self.counters, self.questions


SNAPSHOTS = {"public": public_snapshot, "moderators": staff_snapshot}


def load_board(session_id, room="public") -> Board:
    """Load ROOM's snapshot the way a (re)connecting client does."""
    board = Board(SNAPSHOTS[room](fresh(LiveSession, session_id)))
    idle()
    return board


@pytest.mark.parametrize("room", ["public", "moderators"])
def test_reconnecting_client_resyncs_to_the_server_state(app, factory, room):
    live = factory.session(SessionStatus.LIVE)
    session_id = live.id
    moderator = factory.user("moderator")
    official_id = factory.official().id
    ids = [factory.question(live, status=S.APPROVED).id for _ in range(3)]
    submitted_id = factory.question(live).id
    sock = connect(app, moderator if room == "moderators" else None)
    join(sock, session_id, room)
    board = load_board(session_id, room)

    def act(verb, question_id, *args):
        verb(fresh(Question, question_id), moderator, *args)
        db.session.commit()

    act(verbs.edit_question, ids[0], "متن ویرایش‌شده")
    assert all(board.apply(b) for b in events(sock, "changes"))
    assert board.state() == load_board(session_id, room).state()

    sock.disconnect()
    act(verbs.route_question, ids[1], official_id)
    act(verbs.reject_question, ids[2], "offensive")
    # Changes the public stream does not carry, while the staff stream does.
    verbs.submit_question(fresh(LiveSession, session_id), text="پرسشی تازه")
    db.session.commit()
    act(verbs.approve_question, submitted_id)
    sock.connect()
    assert sock.get_received() == []
    assert board.state() != load_board(session_id, room).state()

    ack_seq = join(sock, session_id, room)
    # A change lands between joining and loading the snapshot: the snapshot already has it.
    act(verbs.take_on_air, ids[1])
    board = load_board(session_id, room)
    assert board.seq == ack_seq + 1
    act(verbs.edit_question, submitted_id, "متن تازه")

    batches = events(sock, "changes")
    assert [c["seq"] for b in batches for c in b["changes"]] == [ack_seq + 1, ack_seq + 2]
    assert all(board.apply(b) for b in batches)
    broadcast.coalescer(app).flush()
    for tally in events(sock, "tally"):
        board.tally(tally)
    server = load_board(session_id, room)
    assert board.state() == server.state()
    if room == "moderators":
        assert board.questions[ids[2]]["status"] == "rejected"
    else:
        assert ids[2] not in board.questions
    assert board.questions[ids[1]]["status"] == "on_air"
    assert board.questions[submitted_id]["text"] == "متن تازه"


def test_a_board_behind_a_batch_applies_only_its_newer_changes(desk):
    clients = desk["clients"]
    first, second = (quiet_question(desk) for _ in range(2))
    verbs.approve_question(fresh(Question, first), desk["moderator"])
    db.session.commit()
    board = load_board(desk["session_id"])
    assert board.seq == 1
    changes(clients["public"])
    # A batch overlapping the board (from 1, which it has): only seq 2 and 3 are applied.
    overlapping = {
        "session_id": desk["session_id"],
        "from": 1,
        "to": 3,
        "changes": [
            {"seq": 1, "question_id": first, "question": None},
            {"seq": 3, "question_id": second, "question": {"id": second}},
        ],
    }
    assert board.apply(overlapping)
    assert board.seq == 3
    assert first in board.questions
    assert board.questions[second] == {"id": second}
    assert board.apply(overlapping | {"from": 2}) and board.seq == 3  # nothing newer
    assert not board.apply(overlapping | {"from": 5, "to": 5})  # a gap: reload


def test_a_savepoint_neither_sends_nor_drops_the_transactions_changes(desk):
    question_id = quiet_question(desk)

    question = fresh(Question, question_id)
    verbs.approve_question(question, desk["moderator"])
    verbs.support_question(question, "browser-1")  # its savepoint commits
    with pytest.raises(DomainError):
        verbs.support_question(question, "browser-1")  # its savepoint rolls back
    assert all(sock.get_received() == [] for sock in desk["clients"].values())
    db.session.commit()

    [change] = changes(desk["clients"]["public"])
    assert (change["kind"], change["question_id"]) == ("question.approved", question_id)
