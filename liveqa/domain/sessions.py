"""Session verbs and lookups: open, go live, close with nothing dropped."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from liveqa.domain.audit import question_state, record_audit
from liveqa.domain.changes import record_change, record_tracking
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.domain.labels import SESSION_STATUS
from liveqa.domain.lifecycle import OPEN_STATUSES, SESSION_TRANSITIONS, transition
from liveqa.domain.permissions import ensure_may_run_session
from liveqa.domain.questions.common import follow_up_due_default
from liveqa.extensions import db
from liveqa.models import (
    FollowUp,
    LiveSession,
    Question,
    QuestionStatus,
    SessionStatus,
    User,
    utcnow,
)

SS = SessionStatus
CARRY_OVER = "carry_over"
FOLLOW_UP = "follow_up"


def _check_move(live_session: LiveSession, target: SessionStatus) -> None:
    if target not in SESSION_TRANSITIONS[SessionStatus(live_session.status)]:
        raise Conflict(
            _l(
                "A session that is %(current)s cannot become %(target)s.",
                current=SESSION_STATUS[SessionStatus(live_session.status)],
                target=SESSION_STATUS[target],
            ),
            code="invalid_session_transition",
            details={"from": live_session.status.value, "to": target.value},
        )


def _move(live_session: LiveSession, target: SessionStatus) -> None:
    """Set the checked status; called last, as question verbs lock the session row last."""
    now = utcnow()
    live_session.status = target
    if live_session.opened_at is None:
        live_session.opened_at = now
    if target == SS.LIVE:
        live_session.live_at = now
    if target == SS.CLOSED:
        live_session.closed_at = now
    db.session.flush()


# Lock order: every verb writes question rows first and the session row last (the status
# and record_change's seq), as question verbs do; the other order could deadlock on
# PostgreSQL with a moderator acting on one of the questions at the same moment.


def open_session(live_session: LiveSession, actor: User | None) -> LiveSession:
    """Open LIVE_SESSION for questions and bring in questions carried over to it."""
    ensure_may_run_session(actor)
    _check_move(live_session, SS.OPEN)
    _receive_carried(live_session, actor)
    _move(live_session, SS.OPEN)
    record_audit(actor, "session_opened", session_id=live_session.id, after={"status": "open"})
    record_change(live_session.id, "session.opened")
    return live_session


def start_session(live_session: LiveSession, actor: User | None) -> LiveSession:
    """Put LIVE_SESSION on the air."""
    ensure_may_run_session(actor)
    _check_move(live_session, SS.LIVE)
    if live_session.status == SS.SCHEDULED:
        _receive_carried(live_session, actor)
    _move(live_session, SS.LIVE)
    record_audit(actor, "session_live", session_id=live_session.id, after={"status": "live"})
    record_change(live_session.id, "session.live")
    return live_session


def close_session(
    live_session: LiveSession, actor: User | None, disposition: str | None = None
) -> dict:
    """Close LIVE_SESSION, giving every unfinished question an explicit outcome."""
    ensure_may_run_session(actor)
    _check_move(live_session, SS.CLOSED)
    following = next_session_after(live_session)
    if disposition is None:
        disposition = CARRY_OVER if following is not None else FOLLOW_UP
    if disposition not in (CARRY_OVER, FOLLOW_UP):
        raise ValidationError(
            _l("Choose carry over or follow up."), code="invalid_disposition", field="disposition"
        )
    if disposition == CARRY_OVER and following is None:
        raise Conflict(
            _l("There is no later session to carry questions over to."), code="no_next_session"
        )
    now = utcnow()
    # FOR UPDATE: wait for a moderator's change in flight and act on its result, instead
    # of failing as stale when the question's version moved on under us.
    unfinished = db.session.scalars(
        select(Question)
        .where(Question.session_id == live_session.id, Question.status.in_(OPEN_STATUSES))
        .order_by(Question.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    outcome = "carried_over" if disposition == CARRY_OVER else "unanswered_at_close"
    for question in unfinished:
        before = question_state(question)
        if disposition == CARRY_OVER:
            question.carried_to_session_id = following.id
            transition(question, QuestionStatus.CARRIED_OVER, now)
        else:
            transition(question, QuestionStatus.UNANSWERED, now)
            db.session.add(
                FollowUp(
                    question=question,
                    responsible_unit=_responsible_unit(question),
                    due_on=follow_up_due_default(),
                )
            )
        record_audit(actor, outcome, question=question, before=before)
    db.session.flush()
    # An already open session never runs open_session again: receive the questions now,
    # and have its boards reload to show them.
    carried_now = disposition == CARRY_OVER and following.status != SS.SCHEDULED
    if carried_now and _receive_carried(following, actor):
        record_change(following.id, "session.questions_carried_in")
    for question in unfinished:
        record_tracking(question.id)
    summary = {
        "disposition": disposition,
        "questions": len(unfinished),
        "next_session_id": following.id if following is not None else None,
    }
    _move(live_session, SS.CLOSED)
    record_audit(actor, "session_closed", session_id=live_session.id, after=summary)
    record_change(live_session.id, "session.closed")
    return summary


def _receive_carried(live_session: LiveSession, actor: User | None) -> list[Question]:
    """Bring the questions carried over to LIVE_SESSION into its queue; tell their askers."""
    carried = db.session.scalars(
        select(Question)
        .where(
            Question.carried_to_session_id == live_session.id,
            Question.status == QuestionStatus.CARRIED_OVER,
        )
        .order_by(Question.id)
        .with_for_update()
    ).all()
    now = utcnow()
    for question in carried:
        before = question_state(question)
        question.carried_from_session_id = question.session_id
        question.session_id = live_session.id
        question.carried_to_session_id = None
        target = QuestionStatus.APPROVED if question.approved_at else QuestionStatus.SUBMITTED
        transition(question, target, now)
        # It starts afresh in this session: the old session's routing, queue place and
        # closing time no longer describe it (the audit trail keeps them).
        question.official_id = None
        question.position = None
        question.routed_at = question.on_air_at = question.closed_at = None
        record_audit(actor, "carried_in", question=question, before=before)
    db.session.flush()
    for question in carried:
        record_tracking(question.id)
    return carried


def _responsible_unit(question: Question) -> str:
    official = question.official or (question.category and question.category.default_official)
    return official.portfolio if official is not None else "137"


def next_session_after(live_session: LiveSession) -> LiveSession | None:
    """Return the earliest session after LIVE_SESSION that is not closed."""
    return db.session.scalar(
        select(LiveSession)
        .where(
            LiveSession.starts_at > live_session.starts_at,
            LiveSession.status != SS.CLOSED,
            LiveSession.id != live_session.id,
        )
        .order_by(LiveSession.starts_at)
        .limit(1)
    )


def find_current_session(now: datetime | None = None) -> LiveSession | None:
    """Return the live session, else the open one, else the next, else the last closed."""
    now = now or utcnow()
    for status in (SS.LIVE, SS.OPEN):
        found = db.session.scalar(
            select(LiveSession)
            .where(LiveSession.status == status)
            .order_by(LiveSession.starts_at)
            .limit(1)
        )
        if found is not None:
            return found
    upcoming = db.session.scalar(
        select(LiveSession)
        .where(LiveSession.status == SS.SCHEDULED, LiveSession.ends_at >= now)
        .order_by(LiveSession.starts_at)
        .limit(1)
    )
    if upcoming is not None:
        return upcoming
    return db.session.scalar(select(LiveSession).order_by(LiveSession.starts_at.desc()).limit(1))


def find_next_session(live_session: LiveSession | None) -> LiveSession | None:
    """Return the scheduled session after LIVE_SESSION (or the first upcoming one)."""
    if live_session is None:
        return find_current_session()
    return next_session_after(live_session)
