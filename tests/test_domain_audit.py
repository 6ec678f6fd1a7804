"""Every question verb audits once and numbers its changes; dates follow the city day."""

from datetime import UTC, date, datetime, timedelta

import pytest

from liveqa.domain import questions as verbs
from liveqa.domain.changes import pending_changes
from liveqa.domain.questions import common
from liveqa.extensions import db
from liveqa.models import (
    LiveSession,
    Question,
    QuestionStatus,
    SessionStatus,
)
from tests.conftest import audit_records, session_seq

S = QuestionStatus


# --- Audit and numbered changes ---


def _walk(factory, mod, verb):
    """Prepare a question for VERB; return (question, call, expected action, changes)."""
    live = factory.session(SessionStatus.LIVE)
    official = factory.official()
    starting = {
        "approved": S.SUBMITTED,
        "rejected": S.SUBMITTED,
        "edited": S.SUBMITTED,
        "classified": S.SUBMITTED,
        "merged": S.SUBMITTED,
        "routed": S.APPROVED,
        "transferred": S.ROUTED,
        "on_air": S.ROUTED,
        "put_back": S.ON_AIR,
        "answered": S.ON_AIR,
    }[verb]
    question = factory.question(live, starting)
    target = factory.question(live, S.APPROVED) if verb == "merged" else None
    calls = {
        "approved": lambda: verbs.approve_question(question, mod),
        "rejected": lambda: verbs.reject_question(question, mod, "unclear"),
        "edited": lambda: verbs.edit_question(question, mod, "ویرایش"),
        "classified": lambda: verbs.classify_question(question, mod),
        "merged": lambda: verbs.merge_question(question, target, mod),
        "routed": lambda: verbs.route_question(question, mod, official.id),
        "transferred": lambda: verbs.transfer_question(question, mod, official.id),
        "on_air": lambda: verbs.take_on_air(question, mod),
        "put_back": lambda: verbs.put_back_question(question, mod),
        "answered": lambda: verbs.answer_question(question, mod, kind="verbal", text="پاسخ"),
    }
    changes = 2 if verb == "merged" else 1
    return question, calls[verb], changes


VERBS = [
    "approved",
    "rejected",
    "edited",
    "classified",
    "merged",
    "routed",
    "transferred",
    "on_air",
    "put_back",
    "answered",
]


@pytest.mark.parametrize("action", VERBS)
def test_every_staff_verb_writes_exactly_one_audit_record(factory, mod, action):
    question, call, _ = _walk(factory, mod, action)
    already = {a.id for a in audit_records()}
    before_status = question.status.value
    call()
    db.session.commit()
    new = [a for a in audit_records() if a.id not in already]
    assert len(new) == 1
    [audit] = new
    assert audit.action == action
    assert audit.actor_id == mod.id
    assert audit.question_id == question.id
    assert audit.session_id == question.session_id
    assert audit.before["status"] == before_status
    assert audit.after["status"] == question.status.value
    assert audit.created_at is not None


@pytest.mark.parametrize("action", VERBS)
def test_every_verb_numbers_its_changes(factory, mod, action):
    question, call, changes = _walk(factory, mod, action)
    session_id = question.session_id
    seq = session_seq(session_id)
    public_seq = session_seq(session_id, LiveSession.public_seq)
    assert pending_changes(db.session) == []
    call()
    queued = pending_changes(db.session)
    assert len(queued) == changes
    # Numbers are taken at commit, not when the verb runs.
    assert [c.seq for c in queued] == [None] * changes
    assert session_seq(session_id) == seq
    assert all(c.session_id == session_id for c in queued)
    assert queued[0].question_id == question.id
    public = sum(c.public for c in queued)
    db.session.commit()
    assert session_seq(session_id) == seq + changes
    assert session_seq(session_id, LiveSession.public_seq) == public_seq + public
    assert pending_changes(db.session) == []


def test_support_queues_a_tally_not_a_change(factory):
    question = factory.question(status=S.APPROVED)
    seq = session_seq(question.session_id)
    verbs.support_question(question, "browser-1")
    assert pending_changes(db.session) == []
    db.session.commit()
    assert session_seq(question.session_id) == seq


def test_pending_changes_are_dropped_on_rollback(factory, mod):
    question = factory.question()
    seq = session_seq(question.session_id)
    verbs.approve_question(question, mod)
    verbs.edit_question(question, mod, "ویرایش")
    assert len(pending_changes(db.session)) == 2
    db.session.rollback()
    assert pending_changes(db.session) == []
    assert session_seq(question.session_id) == seq
    assert db.session.get(Question, question.id).status == S.SUBMITTED
    # The next transaction numbers from where the committed sequence stands.
    verbs.approve_question(question, mod)
    db.session.commit()
    assert session_seq(question.session_id) == seq + 1


@pytest.mark.parametrize(
    ("utc", "tehran_today"),
    [
        # 20:29 UTC is 23:59 in Tehran; 20:30 UTC is already the next day there.
        (datetime(2025, 12, 2, 20, 29, tzinfo=UTC), date(2025, 12, 2)),
        (datetime(2025, 12, 2, 20, 30, tzinfo=UTC), date(2025, 12, 3)),
    ],
)
def test_dates_follow_the_city_day_not_utc(ctx, monkeypatch, utc, tehran_today):
    # The city's day is computed where the verbs share it.
    monkeypatch.setattr(common, "utcnow", lambda: utc)
    assert verbs.city_today() == tehran_today
    assert verbs.follow_up_due_default() == tehran_today + timedelta(days=7)
