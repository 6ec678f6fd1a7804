"""Session verbs: the session lifecycle, and closing with nothing dropped."""

from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy import event, select

from liveqa.domain import questions as verbs
from liveqa.domain.changes import pending_changes, pending_tracking
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.domain.lifecycle import OPEN_STATUSES
from liveqa.domain.sessions import (
    SESSION_TRANSITIONS,
    close_session,
    find_current_session,
    find_next_session,
    next_session_after,
    open_session,
    start_session,
)
from liveqa.extensions import db
from liveqa.models import AuditRecord, FollowUp, LiveSession, Question, QuestionStatus, utcnow
from liveqa.models import SessionStatus as SS

S = QuestionStatus
WEEK = timedelta(days=7)
# Every status the factory can reach in a live session, one question each.
MIX = [S.ANSWERED, S.SUBMITTED, S.APPROVED, S.ROUTED, S.ON_AIR, S.REJECTED]


@pytest.fixture
def mod(factory):
    return factory._staff


def _questions(live_session):
    return db.session.scalars(
        select(Question).where(Question.session_id == live_session.id).order_by(Question.id)
    ).all()


def _populate(factory, live_session, mod):
    """Add one question per reachable status, plus a merged one; return them by status."""
    made = {status: factory.question(live_session, status) for status in MIX}
    merged = factory.question(live_session)
    verbs.merge_question(merged, made[S.APPROVED], mod)
    db.session.commit()
    made[S.MERGED] = merged
    return made


# --- The session lifecycle ---

EXPECTED = {
    SS.SCHEDULED: {SS.OPEN, SS.LIVE},
    SS.OPEN: {SS.LIVE, SS.CLOSED},
    SS.LIVE: {SS.CLOSED},
    SS.CLOSED: set(),
}
VERB_TARGET = {"open": SS.OPEN, "start": SS.LIVE, "close": SS.CLOSED}
PAIRS = list(product(list(SS), VERB_TARGET))


def test_session_table_is_the_documented_lifecycle():
    assert {k: set(v) for k, v in SESSION_TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("status", "verb"), PAIRS, ids=[f"{s.value}-{v}" for s, v in PAIRS])
def test_session_verbs_follow_the_table(factory, mod, status, verb):
    live_session = factory.session(status)
    target = VERB_TARGET[verb]
    call = {
        "open": lambda: open_session(live_session, mod),
        "start": lambda: start_session(live_session, mod),
        "close": lambda: close_session(live_session, mod, "follow_up"),
    }[verb]
    seq = live_session.seq
    if target in EXPECTED[status]:
        call()
        db.session.commit()
        assert live_session.status == target
        assert live_session.opened_at is not None
        if target == SS.LIVE:
            assert live_session.live_at is not None
        if target == SS.CLOSED:
            assert live_session.closed_at is not None
        assert live_session.seq == seq + 1
        [audit] = db.session.scalars(select(AuditRecord)).all()
        assert audit.actor_id == mod.id
        assert audit.session_id == live_session.id
        assert audit.after["status" if verb != "close" else "disposition"]
    else:
        with pytest.raises(Conflict) as caught:
            call()
        assert caught.value.code == "invalid_session_transition"
        assert live_session.status == status
        assert pending_changes(db.session) == []


def test_open_then_start_keeps_the_opening_time(factory, mod):
    live_session = factory.session(SS.SCHEDULED)
    open_session(live_session, mod)
    db.session.commit()
    opened_at = live_session.opened_at
    start_session(live_session, mod)
    db.session.commit()
    assert live_session.opened_at == opened_at
    assert live_session.live_at >= opened_at


# --- Closing ---


def test_close_with_a_next_session_carries_every_unfinished_question(factory, mod):
    live_session = factory.session(SS.LIVE)
    made = _populate(factory, live_session, mod)
    following = factory.session(SS.SCHEDULED, starts_in=WEEK)
    summary = close_session(live_session, mod)
    db.session.commit()
    assert summary == {"disposition": "carry_over", "questions": 4, "next_session_id": following.id}
    assert live_session.status == SS.CLOSED
    for status, question in made.items():
        db.session.refresh(question)
        if status in OPEN_STATUSES:
            assert question.status == S.CARRIED_OVER
            assert question.carried_to_session_id == following.id
            assert question.closed_at is not None
        else:
            assert question.status == status
            assert question.carried_to_session_id is None
    assert not [q for q in _questions(live_session) if q.status in OPEN_STATUSES]
    assert db.session.scalars(select(FollowUp)).all() == []


def test_close_without_a_next_session_leaves_follow_ups(factory, mod):
    live_session = factory.session(SS.LIVE)
    made = _populate(factory, live_session, mod)
    summary = close_session(live_session, mod)
    db.session.commit()
    assert summary == {"disposition": "follow_up", "questions": 4, "next_session_id": None}
    assert not [q for q in _questions(live_session) if q.status in OPEN_STATUSES]
    for status in OPEN_STATUSES:
        question = made[status]
        assert question.status == S.UNANSWERED
        assert question.closed_at is not None
        [follow_up] = question.follow_ups
        assert follow_up.due_on == (question.closed_at + WEEK).date()
        assert follow_up.responsible_unit
    # A routed question's follow-up goes to its official's portfolio.
    assert made[S.ROUTED].follow_ups[0].responsible_unit == made[S.ROUTED].official.portfolio
    # An unrouted one without a category goes to the 137 call centre.
    assert made[S.SUBMITTED].follow_ups[0].responsible_unit == "137"
    for status in (S.ANSWERED, S.REJECTED, S.MERGED):
        assert made[status].status == status


def test_follow_up_unit_falls_back_to_the_category_official(factory, mod):
    live_session = factory.session(SS.LIVE)
    official = factory.official(portfolio="Urban services")
    question = factory.question(live_session, category_id=factory.category(official=official).id)
    close_session(live_session, mod, "follow_up")
    db.session.commit()
    assert question.follow_ups[0].responsible_unit == "Urban services"


def test_follow_up_disposition_may_be_chosen_despite_a_next_session(factory, mod):
    live_session = factory.session(SS.LIVE)
    question = factory.question(live_session, S.APPROVED)
    factory.session(SS.SCHEDULED, starts_in=WEEK)
    close_session(live_session, mod, "follow_up")
    db.session.commit()
    assert question.status == S.UNANSWERED


def test_carry_over_needs_a_next_session(factory, mod):
    live_session = factory.session(SS.LIVE)
    question = factory.question(live_session)
    factory.session(SS.SCHEDULED, starts_in=-WEEK)
    with pytest.raises(Conflict) as caught:
        close_session(live_session, mod, "carry_over")
    assert caught.value.code == "no_next_session"
    assert live_session.status == SS.LIVE
    assert question.status == S.SUBMITTED


def test_close_refuses_an_unknown_disposition(factory, mod):
    live_session = factory.session(SS.LIVE)
    with pytest.raises(ValidationError) as caught:
        close_session(live_session, mod, "shred")
    assert caught.value.field == "disposition"
    assert live_session.status == SS.LIVE


def test_close_audits_each_question_and_the_session(factory, mod):
    live_session = factory.session(SS.LIVE)
    first = factory.question(live_session)
    second = factory.question(live_session, S.ROUTED)
    seq = db.session.scalar(select(LiveSession.seq).where(LiveSession.id == live_session.id))
    already = set(db.session.scalars(select(AuditRecord.id)))
    close_session(live_session, mod)
    # One numbered change for the boards (they reload on it); each asker is told apart.
    assert [(c.kind, c.question_id) for c in pending_changes(db.session)] == [
        ("session.closed", None),
    ]
    assert pending_tracking(db.session) == [first.id, second.id]
    db.session.commit()
    new = db.session.scalars(
        select(AuditRecord).where(AuditRecord.id.not_in(already)).order_by(AuditRecord.id)
    ).all()
    assert [(a.action, a.question_id) for a in new] == [
        ("unanswered_at_close", first.id),
        ("unanswered_at_close", second.id),
        ("session_closed", None),
    ]
    assert all(a.actor_id == mod.id for a in new)
    assert new[1].before["status"] == "routed"
    assert new[1].after["status"] == "unanswered"
    assert live_session.seq == seq + 1


def test_closing_into_a_scheduled_session_tells_each_asker(factory, mod):
    live_session = factory.session(SS.LIVE)
    question = factory.question(live_session, S.APPROVED)
    factory.session(SS.SCHEDULED, starts_in=WEEK)
    close_session(live_session, mod)
    assert [(c.session_id, c.kind, c.question_id) for c in pending_changes(db.session)] == [
        (live_session.id, "session.closed", None),
    ]
    assert pending_tracking(db.session) == [question.id]


def test_closing_into_an_open_session_makes_its_boards_reload(factory, mod):
    live_session = factory.session(SS.LIVE)
    question = factory.question(live_session, S.APPROVED)
    following = factory.session(SS.OPEN, starts_in=WEEK)
    close_session(live_session, mod)
    assert [(c.session_id, c.kind) for c in pending_changes(db.session)] == [
        (following.id, "session.questions_carried_in"),
        (live_session.id, "session.closed"),
    ]
    assert pending_tracking(db.session) == [question.id]


def _statements_of(call) -> list[str]:
    """Run CALL and return the SQL statements it sent, in order."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sent


def _writes(statements, table) -> list[int]:
    return [i for i, sql in enumerate(statements) if sql.startswith(f"UPDATE {table} ")]


@pytest.mark.parametrize("verb", ["close", "open", "start", "close into an open session"])
def test_session_verbs_write_the_questions_before_the_session_row(factory, mod, verb):
    # Question verbs lock a question row, then the session row (the seq); doing it the
    # other way round here could deadlock with them on PostgreSQL.
    live_session = factory.session(SS.LIVE)
    factory.question(live_session, S.ROUTED)
    factory.question(live_session, S.APPROVED)
    status = SS.OPEN if verb == "close into an open session" else SS.SCHEDULED
    following = factory.session(status, starts_in=WEEK)
    if verb in ("open", "start"):
        close_session(live_session, mod)
        db.session.commit()
    call = {
        "close": lambda: close_session(live_session, mod),
        "open": lambda: open_session(following, mod),
        "start": lambda: start_session(following, mod),
        "close into an open session": lambda: close_session(live_session, mod),
    }[verb]
    statements = _statements_of(call)
    question_writes = _writes(statements, "questions")
    session_writes = _writes(statements, "live_sessions")
    assert len(question_writes) == 2 * (2 if verb == "close into an open session" else 1)
    assert session_writes
    assert max(question_writes) < min(session_writes), statements


# --- Carried questions come back ---


@pytest.mark.parametrize("verb", ["open", "start"])
def test_the_next_session_brings_carried_questions_back(factory, mod, verb):
    live_session = factory.session(SS.LIVE)
    made = _populate(factory, live_session, mod)
    following = factory.session(SS.SCHEDULED, starts_in=WEEK)
    close_session(live_session, mod)
    db.session.commit()
    (open_session if verb == "open" else start_session)(following, mod)
    db.session.commit()
    expected = {
        S.SUBMITTED: S.SUBMITTED,
        S.APPROVED: S.APPROVED,
        S.ROUTED: S.APPROVED,
        S.ON_AIR: S.APPROVED,
    }
    for status, arrived in expected.items():
        question = made[status]
        assert question.status == arrived, status
        assert question.session_id == following.id
        assert question.carried_from_session_id == live_session.id
        assert question.carried_to_session_id is None
        # The next session's officials route afresh; the old routing times go with it.
        assert question.official_id is None
        assert question.position is None
        assert question.routed_at is None and question.on_air_at is None
        assert question.closed_at is None
        if arrived == S.APPROVED:
            assert question.approved_at >= question.submitted_at
    assert {q.id for q in _questions(following)} == {made[s].id for s in expected}
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.session_id == following.id)
    ).all()
    assert actions.count("carried_in") == 4


def test_carried_questions_keep_their_supporters(factory, mod):
    live_session = factory.session(SS.LIVE)
    question = factory.question(live_session, S.APPROVED)
    verbs.support_question(question, "browser-1")
    db.session.commit()
    following = factory.session(SS.SCHEDULED, starts_in=WEEK)
    close_session(live_session, mod)
    open_session(following, mod)
    db.session.commit()
    db.session.refresh(question)
    assert question.support_count == 1
    with pytest.raises(Conflict):
        verbs.support_question(question, "browser-1")


@pytest.mark.parametrize("status", [SS.OPEN, SS.LIVE])
def test_carrying_into_an_already_open_session_brings_questions_in_at_once(factory, mod, status):
    live_session = factory.session(SS.LIVE)
    question = factory.question(live_session, S.APPROVED)
    following = factory.session(status, starts_in=WEEK)
    seq = following.seq
    close_session(live_session, mod)
    db.session.commit()
    assert question.status == S.APPROVED
    assert question.session_id == following.id
    # Boards of the receiving session learn about the question too.
    db.session.refresh(following)
    assert following.seq > seq


def test_next_session_after_skips_closed_and_earlier_sessions(factory):
    current = factory.session(SS.LIVE)
    factory.session(SS.SCHEDULED, starts_in=-WEEK)
    factory.session(SS.CLOSED, starts_in=WEEK)
    later = factory.session(SS.SCHEDULED, starts_in=3 * WEEK)
    nearer = factory.session(SS.SCHEDULED, starts_in=2 * WEEK)
    assert next_session_after(current) == nearer
    assert next_session_after(nearer) == later
    assert next_session_after(later) is None


def test_find_current_session_prefers_live_then_open_then_upcoming(factory):
    assert find_current_session() is None
    past = factory.session(SS.CLOSED, starts_in=-WEEK)
    assert find_current_session() == past
    upcoming = factory.session(SS.SCHEDULED, starts_in=WEEK)
    assert find_current_session() == upcoming
    opened = factory.session(SS.OPEN, starts_in=2 * WEEK)
    assert find_current_session() == opened
    live = factory.session(SS.LIVE, starts_in=3 * WEEK)
    assert find_current_session() == live
    assert find_next_session(live) is None
    assert find_next_session(past) == upcoming
    assert find_current_session(utcnow()) == live
