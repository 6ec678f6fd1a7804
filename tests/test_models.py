"""Invariants the database itself enforces, even for writes that bypass the domain."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from liveqa.extensions import db
from liveqa.models import (
    Answer,
    AnswerKind,
    FollowUp,
    LiveSession,
    Question,
    QuestionStatus,
    SessionStatus,
    Support,
)

S = QuestionStatus


def _sql(statement, **params):
    db.session.execute(text(statement), params)
    db.session.flush()


def _refused(statement, **params):
    """Assert the database refuses STATEMENT, then roll back."""
    with pytest.raises(IntegrityError):
        _sql(statement, **params)
    db.session.rollback()


# Each row: the status the question starts in, a raw UPDATE the database must refuse,
# and a nearby UPDATE it must accept (so the refusal is about the rule, not the SQL).
QUESTION_RULES = {
    "rejected_without_reason": (
        S.SUBMITTED,
        "status = 'rejected'",
        "status = 'rejected', reject_reason = 'other'",
    ),
    "reason_without_rejection": (S.SUBMITTED, "reject_reason = 'other'", "reject_note = 'n'"),
    "unknown_reject_reason": (
        S.SUBMITTED,
        "status = 'rejected', reject_reason = 'boring'",
        "status = 'rejected', reject_reason = 'offensive'",
    ),
    "merged_without_target": (
        S.SUBMITTED,
        "status = 'merged'",
        "status = 'merged', merged_into_id = :other",
    ),
    "target_without_merge": (S.SUBMITTED, "merged_into_id = :other", "position = 1"),
    "merged_into_itself": (
        S.SUBMITTED,
        "status = 'merged', merged_into_id = id",
        "status = 'merged', merged_into_id = :other",
    ),
    "unknown_status": (S.SUBMITTED, "status = 'deleted'", "status = 'approved'"),
    "negative_support_count": (S.APPROVED, "support_count = -1", "support_count = 0"),
    "text_too_long": (S.SUBMITTED, "text = :long", "text = :limit"),
    "text_empty": (S.SUBMITTED, "text = ''", "text = 'a'"),
    "edited_text_too_long": (S.SUBMITTED, "edited_text = :long", "edited_text = :limit"),
    "edited_text_empty": (S.SUBMITTED, "edited_text = ''", "edited_text = NULL"),
    "routed_without_official": (
        S.APPROVED,
        "status = 'routed'",
        "status = 'rejected', reject_reason = 'other'",
    ),
    "on_air_without_official": (
        S.ROUTED,
        "status = 'on_air', official_id = NULL",
        "status = 'on_air'",
    ),
    "answered_without_time": (
        S.ON_AIR,
        "status = 'answered'",
        "status = 'answered', answered_at = on_air_at",
    ),
    "carried_without_target": (
        S.SUBMITTED,
        "status = 'carried_over'",
        "status = 'carried_over', carried_to_session_id = session_id",
    ),
    "target_without_carry": (
        S.SUBMITTED,
        "carried_to_session_id = session_id",
        "carried_from_session_id = session_id",
    ),
    "phone_without_operator": (
        S.SUBMITTED,
        "channel = 'phone'",
        "channel = 'phone', entered_by_id = :user",
    ),
    "unknown_channel": (S.SUBMITTED, "channel = 'fax'", "channel = 'web'"),
}


@pytest.mark.parametrize("rule", list(QUESTION_RULES))
def test_question_rules_are_enforced_by_the_database(factory, rule):
    status, bad, good = QUESTION_RULES[rule]
    live = factory.session(SessionStatus.LIVE)
    other = factory.question(live)
    question = factory.question(live, status)
    params = {
        "id": question.id,
        "other": other.id,
        "user": factory._staff.id,
        "long": "ق" * 1001,
        "limit": "ق" * 1000,
    }
    _refused(f"UPDATE questions SET {bad} WHERE id = :id", **params)
    _sql(f"UPDATE questions SET {good} WHERE id = :id", **params)
    db.session.commit()


def test_two_questions_on_air_in_one_session_are_refused(factory):
    live = factory.session(SessionStatus.LIVE)
    factory.question(live, S.ON_AIR)
    waiting = factory.question(live, S.ROUTED)
    _refused("UPDATE questions SET status = 'on_air' WHERE id = :id", id=waiting.id)
    # One on air in each of two sessions is fine.
    elsewhere = factory.question(factory.session(SessionStatus.LIVE), S.ROUTED)
    _sql("UPDATE questions SET status = 'on_air' WHERE id = :id", id=elsewhere.id)
    db.session.commit()


def test_a_browser_supports_a_question_once(factory):
    question = factory.question(status=S.APPROVED)
    db.session.add(Support(question_id=question.id, client_id="browser-1"))
    db.session.commit()
    db.session.add(Support(question_id=question.id, client_id="browser-1"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Support(question_id=question.id, client_id="browser-2"))
    db.session.commit()


@pytest.mark.parametrize("column", ["tracking_code", "client_key"])
def test_tracking_codes_and_idempotency_keys_are_unique(factory, column):
    live = factory.session(SessionStatus.LIVE)
    first = factory.question(live, client_key="key-aaaa-0001")
    second = factory.question(live, client_key="key-aaaa-0002")
    _refused(
        f"UPDATE questions SET {column} = :value WHERE id = :id",
        value=getattr(first, column),
        id=second.id,
    )


def test_one_answer_per_question(factory):
    question = factory.question(status=S.ANSWERED)
    db.session.add(
        Answer(
            question_id=question.id,
            official_id=question.official_id,
            kind=AnswerKind.VERBAL,
            text="again",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("answer_text", "ok"), [("", False), ("پ" * 4001, False), ("پ" * 4000, True)]
)
def test_answer_text_length(factory, answer_text, ok):
    question = factory.question(status=S.ON_AIR)
    db.session.add(
        Answer(
            question_id=question.id,
            official_id=question.official_id,
            kind=AnswerKind.WRITTEN,
            text=answer_text,
        )
    )
    if ok:
        db.session.commit()
    else:
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_follow_up_needs_a_unit(factory):
    question = factory.question()
    db.session.add(
        FollowUp(question_id=question.id, responsible_unit="", due_on=datetime.now(UTC).date())
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


SESSION_RULES = {
    "ends_before_start": (SessionStatus.OPEN, "ends_at = starts_at", "ends_at = ends_at"),
    "negative_seq": (SessionStatus.OPEN, "seq = -1", "seq = 0"),
    "negative_public_seq": (SessionStatus.OPEN, "public_seq = -1", "public_seq = 0"),
    "open_without_time": (SessionStatus.OPEN, "opened_at = NULL", "live_at = opened_at"),
    "closed_without_time": (
        SessionStatus.OPEN,
        "status = 'closed'",
        "status = 'closed', closed_at = opened_at",
    ),
    "unknown_status": (SessionStatus.OPEN, "status = 'paused'", "status = 'live'"),
    "opened_without_time": (
        SessionStatus.SCHEDULED,
        "status = 'open'",
        "status = 'open', opened_at = starts_at",
    ),
}


@pytest.mark.parametrize("rule", list(SESSION_RULES))
def test_session_rules_are_enforced_by_the_database(factory, rule):
    status, bad, good = SESSION_RULES[rule]
    live_session = factory.session(status)
    _refused(f"UPDATE live_sessions SET {bad} WHERE id = :id", id=live_session.id)
    _sql(f"UPDATE live_sessions SET {good} WHERE id = :id", id=live_session.id)
    db.session.commit()


def test_edition_numbers_are_positive(factory):
    edition = factory.edition()
    _refused("UPDATE editions SET number = 0 WHERE id = :id", id=edition.id)


def test_the_orm_refuses_an_unknown_status(factory):
    question = factory.question()
    question.status = "deleted"
    with pytest.raises((StatementError, LookupError, ValueError)):
        db.session.flush()
    db.session.rollback()


def test_times_are_stored_as_utc_and_returned_aware(factory):
    tehran = timezone(timedelta(hours=3, minutes=30))
    start = datetime(2026, 2, 4, 18, 0, tzinfo=tehran)
    live_session = LiveSession(
        edition=factory.edition(),
        title="جلسه",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    db.session.add(live_session)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(LiveSession, live_session.id)
    assert loaded.starts_at == datetime(2026, 2, 4, 14, 30, tzinfo=UTC)
    assert loaded.starts_at.tzinfo is not None
    assert loaded.status == SessionStatus.SCHEDULED
    assert loaded.seq == 0


def test_naive_times_are_refused(factory):
    naive = datetime(2026, 2, 4, 18, 0)
    live_session = LiveSession(
        edition=factory.edition(), title="x", starts_at=naive, ends_at=naive + timedelta(hours=1)
    )
    db.session.add(live_session)
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()


def test_display_text_prefers_the_edit():
    question = Question(text="اصلی")
    assert question.display_text == "اصلی"
    question.edited_text = "ویرایش"
    assert question.display_text == "ویرایش"
