"""The split streams' delivery: numbering last in the transaction, batches, coalescing."""

import time

import pytest
from flask import current_app
from sqlalchemy import event

from liveqa import broadcast
from liveqa.batcher import ChangeBatcher, batches
from liveqa.domain import questions as verbs
from liveqa.extensions import db
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus
from tests.conftest import changes, connect, events, fresh, idle, join
from tests.factories import Factory

S = QuestionStatus


def item(seq, question_id, kind="question.edited", question=None):
    """Return one stream item, as change_items builds them."""
    return {
        "seq": seq,
        "session_id": 1,
        "kind": kind,
        "question_id": question_id,
        "question": question,
    }


class Clock:
    """A hand-moved clock and a spawn that keeps tasks until the test runs them."""

    def __init__(self):
        self.now = 1000.0
        self.tasks = []
        self.sent = []

    def batcher(self, interval=0.1) -> ChangeBatcher:
        return ChangeBatcher(
            interval,
            emit=lambda name, payload, to: self.sent.append((name, payload, to)),
            spawn=lambda fn, *args: self.tasks.append((fn, args)),
            sleep=self.sleep,
            clock=lambda: self.now,
        )

    def sleep(self, seconds):
        self.now += seconds

    def run_tasks(self):
        tasks, self.tasks = self.tasks, []
        for fn, args in tasks:
            fn(*args)


def streams(*items, rooms=("room",)):
    return {"public": (list(items), list(rooms))}


def test_a_batch_keeps_the_latest_item_per_question_and_every_session_item():
    run = [
        item(5, 1, question={"v": 1}),
        item(6, 2),
        item(7, None, kind="session.live"),
        item(8, 1, question={"v": 2}),
        item(9, None, kind="queue.reordered"),
    ]
    [batch] = batches(1, run)
    assert (batch["from"], batch["to"]) == (5, 9)
    assert [(c["seq"], c["question_id"]) for c in batch["changes"]] == [
        (6, 2),
        (7, None),
        (8, 1),
        (9, None),
    ]
    assert batch["changes"][2]["question"] == {"v": 2}


def test_a_batch_never_spans_a_seq_it_does_not_hold():
    # Seq 6 was numbered by another process: clients must not skip it on our `to`.
    sent = batches(1, [item(7, 1), item(5, 1), item(8, 2)])
    assert [(b["from"], b["to"]) for b in sent] == [(5, 5), (7, 8)]


def test_the_first_change_after_a_quiet_spell_goes_at_once_then_changes_wait():
    clock = Clock()
    batcher = clock.batcher()
    batcher.add(1, streams(item(1, 10)))
    assert [p["to"] for _n, p, _to in clock.sent] == [1]
    clock.now += 0.02
    batcher.add(1, streams(item(2, 10, question={"v": 2})))
    batcher.add(1, streams(item(3, 11)))
    batcher.add(1, streams(item(4, 10, question={"v": 4})))
    assert len(clock.sent) == 1
    assert len(clock.tasks) == 1  # one timer for the session, however many changes
    clock.run_tasks()
    name, payload, to = clock.sent[-1]
    assert (name, to) == ("changes", ["room"])
    assert (payload["from"], payload["to"]) == (2, 4)
    assert [(c["seq"], c["question"]) for c in payload["changes"]] == [
        (3, None),
        (4, {"v": 4}),
    ]
    assert clock.now == pytest.approx(1000.1)
    # Quiet for a whole interval again: the next change goes at once.
    clock.now += 1
    batcher.add(1, streams(item(5, 10)))
    assert clock.sent[-1][1]["from"] == 5
    assert clock.tasks == []


def test_changes_arriving_while_a_batch_goes_out_wait_for_the_next_one():
    clock = Clock()
    late = []

    def slow_emit(name, payload, to):
        clock.sent.append((name, payload, to))
        clock.now += 0.5  # a process that has fallen behind
        if payload["to"] == 1:
            for seq in (2, 3, 4):
                late.append(seq)
                batcher.add(1, streams(item(seq, 7)))

    batcher = ChangeBatcher(
        0.1,
        emit=slow_emit,
        spawn=lambda fn, *args: clock.tasks.append((fn, args)),
        sleep=clock.sleep,
        clock=lambda: clock.now,
    )
    batcher.add(1, streams(item(1, 7)))
    assert late == [2, 3, 4]
    # Nothing was sent from inside the send in flight: one batch is due, coalesced.
    assert [p["to"] for _n, p, _to in clock.sent] == [1]
    assert len(clock.tasks) == 1
    clock.run_tasks()
    assert [(p["from"], p["to"], len(p["changes"])) for _n, p, _to in clock.sent] == [
        (1, 1, 1),
        (2, 4, 1),
    ]


def test_streams_and_sessions_are_batched_apart():
    clock = Clock()
    batcher = clock.batcher()
    batcher.add(1, {"public": ([item(1, 3)], ["p"]), "staff": ([item(1, 3)], ["s"])})
    batcher.add(2, streams(item(1, 4)))
    assert sorted(to[0] for _n, _p, to in clock.sent) == ["p", "room", "s"]


def test_an_interval_of_zero_sends_each_commit_at_once():
    clock = Clock()
    batcher = clock.batcher(interval=0)
    for seq in (1, 2):
        batcher.add(1, streams(item(seq, 3)))
    assert [p["to"] for _n, p, _to in clock.sent] == [1, 2]
    assert clock.tasks == []


@pytest.fixture
def batching_app(make_app):
    """Return an app batching changes over 100 ms, its timers run by the test."""
    application = make_app(BROADCAST_BATCH_MS=100)
    with application.app_context():
        yield application


def test_a_sessions_changes_in_one_interval_reach_clients_as_one_coalesced_batch(
    batching_app, monkeypatch
):
    batcher = current_app.extensions[broadcast.BATCHER_KEY]
    assert batcher.interval == pytest.approx(0.1)
    timers = []
    monkeypatch.setattr(batcher, "_spawn", lambda fn, *args: timers.append((fn, args)))
    monkeypatch.setattr(batcher, "_sleep", lambda seconds: None)
    monkeypatch.setattr(batcher, "_clock", lambda: 0.0)
    monkeypatch.setattr(batcher, "interval", 0)  # the setting up goes out at commit
    factory = Factory()
    live = factory.session(SessionStatus.LIVE)
    question = factory.question(live, status=S.APPROVED)
    other = factory.question(live, status=S.APPROVED)
    moderator = factory.user("moderator")
    ids = live.id, question.id, other.id
    session_id, question_id, other_id = ids
    public, staff = connect(batching_app), connect(batching_app, moderator)
    join(public, session_id, "public")
    join(staff, session_id, "moderators")
    batcher.interval = 0.1

    verbs.edit_question(fresh(Question, question_id), moderator, "یکم")
    db.session.commit()
    [first] = changes(public)
    assert first["question"]["text"] == "یکم"
    for text in ("دوم", "سوم"):
        verbs.edit_question(fresh(Question, question_id), moderator, text)
        db.session.commit()
    verbs.route_question(fresh(Question, other_id), moderator, factory.official().id)
    db.session.commit()
    verbs.submit_question(fresh(LiveSession, session_id), text="پنهان")
    db.session.commit()
    idle()
    assert events(public, "changes") == []
    assert len(timers) == 1

    fn, args = timers.pop()
    fn(*args)
    [batch] = events(public, "changes")
    assert (batch["from"], batch["to"]) == (first["seq"] + 1, first["seq"] + 3)
    assert [(c["seq"], c["question_id"]) for c in batch["changes"]] == [
        (first["seq"] + 2, question_id),
        (first["seq"] + 3, other_id),
    ]
    assert batch["changes"][0]["question"]["text"] == "سوم"
    staff_batches = events(staff, "changes")
    # The staff stream also carried the submission, in its own numbering.
    assert [len(b["changes"]) for b in staff_batches] == [1, 3]
    assert staff_batches[-1]["to"] - staff_batches[-1]["from"] == 3


def test_numbering_is_the_last_statement_before_commit(app, factory):
    live = factory.session(SessionStatus.LIVE)
    question = factory.question(live)
    moderator = factory.user("moderator")
    idle()
    statements = []

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).upper())

    def on_commit(conn):
        statements.append("COMMIT")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", on_commit)
    try:
        official_id = factory.official().id
        idle()
        statements.clear()
        verbs.approve_question(question, moderator)
        verbs.route_question(question, moderator, official_id)
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", before_execute)
        event.remove(engine, "commit", on_commit)
    assert statements[-1] == "COMMIT"
    last = statements[-2]
    assert last.startswith("UPDATE LIVE_SESSIONS SET SEQ="), statements
    assert "PUBLIC_SEQ=" in last and "RETURNING" in last
    # One UPDATE numbers the whole transaction: the session row is written (locked) last.
    assert sum(s.startswith("UPDATE LIVE_SESSIONS") for s in statements) == 1
    assert any(s.startswith("UPDATE QUESTIONS") for s in statements[:-2])


@pytest.fixture
def background_app(make_app):
    """Return an app batching over 50 ms with its real background timers."""
    application = make_app(BROADCAST_BATCH_MS=50)
    with application.app_context():
        yield application


def test_background_batches_deliver_every_seq_of_a_burst_once(background_app):
    factory = Factory()
    live = factory.session(SessionStatus.LIVE)
    ids = [factory.question(live, status=S.APPROVED).id for _ in range(3)]
    moderator = factory.user("moderator")
    session_id = live.id
    sock = connect(background_app)
    start = join(sock, session_id, "public")

    for n in range(12):
        verbs.edit_question(fresh(Question, ids[n % 3]), moderator, f"متن {n}")
        db.session.commit()
    idle()

    def batches_so_far():
        # Read without consuming: the background timer appends to this list concurrently.
        # The factory's last approval may come after the join: the client ignores it.
        batches = [m["args"][0] for m in list(sock.queue) if m["name"] == "changes"]
        return [b for b in batches if b["to"] > start]

    for _ in range(200):
        sent = batches_so_far()
        if sent and sent[-1]["to"] == start + 12:
            break
        time.sleep(0.05)
    sent = batches_so_far()
    assert sent and sent[-1]["to"] == start + 12
    # Contiguous from the join on, each seq covered once, and the board ends up current.
    assert [b["from"] for b in sent] == [start + 1] + [b["to"] + 1 for b in sent[:-1]]
    latest = {c["question_id"]: c["question"]["text"] for b in sent for c in b["changes"]}
    assert latest == {ids[0]: "متن 9", ids[1]: "متن 10", ids[2]: "متن 11"}
