"""What officials do on air: take a question on air, put it back, transfer it, answer it."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from liveqa.domain.audit import question_state
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.domain.lifecycle import transition
from liveqa.domain.permissions import Verb, check_start, ensure_may
from liveqa.domain.questions.common import (
    active_official,
    check_version,
    city_today,
    finish_change,
    move_question,
)
from liveqa.domain.validation import (
    MAX_ANSWER_CHARS,
    MAX_UNIT_CHARS,
    choice,
    optional_text,
    parse_date,
    required_text,
)
from liveqa.extensions import db
from liveqa.models import (
    Answer,
    AnswerKind,
    FollowUp,
    Question,
    QuestionStatus,
    SessionStatus,
    User,
    utcnow,
)

S = QuestionStatus


def transfer_question(question: Question, actor: User, official_id, *, version=None) -> Question:
    """Hand QUESTION, routed or on air, over to another official."""
    check_version(question, version)
    ensure_may(actor, Verb.TRANSFER, question)
    official = active_official(official_id)
    check_start(question, Verb.TRANSFER)
    if official.id == question.official_id:
        raise Conflict(_l("The question is already with this official."), code="same_official")
    before = question_state(question)
    question.official_id = official.id
    transition(question, S.ROUTED, utcnow())
    return finish_change(question, actor, "transferred", before)


def put_back_question(question: Question, actor: User, *, version=None) -> Question:
    """Take QUESTION off the air and back into its official's queue."""
    return move_question(question, actor, Verb.PUT_BACK, "put_back", version)


def take_on_air(question: Question, actor: User, *, version=None) -> Question:
    """Put QUESTION on air; only one question of a session is on air at a time."""
    check_version(question, version)
    ensure_may(actor, Verb.ON_AIR, question)
    live_session = question.session
    if live_session.status != SessionStatus.LIVE:
        raise Conflict(_l("The session is not live."), code="session_not_live")
    on_air = db.session.scalar(
        select(Question.id).where(
            Question.session_id == question.session_id,
            Question.status == S.ON_AIR,
            Question.id != question.id,
        )
    )
    if on_air is not None:
        raise Conflict(
            _l("Another question is on air; answer it or put it back first."),
            code="another_on_air",
            details={"question_id": on_air},
        )
    check_start(question, Verb.ON_AIR)
    before = question_state(question)
    transition(question, S.ON_AIR, utcnow())
    return finish_change(question, actor, "on_air", before)


def answer_question(
    question: Question,
    actor: User,
    *,
    kind,
    text,
    follow_up_unit=None,
    follow_up_due=None,
    version=None,
    today: date | None = None,
) -> Question:
    """Answer the on-air QUESTION, optionally committing to a follow-up."""
    check_version(question, version)
    ensure_may(actor, Verb.ANSWER, question)
    kind = choice(AnswerKind, kind, "kind", _l("Choose written or verbal."), "invalid_kind")
    body = required_text(text, "text", MAX_ANSWER_CHARS)
    unit = optional_text(follow_up_unit, "follow_up_unit", MAX_UNIT_CHARS)
    due = None
    if follow_up_due not in (None, ""):
        due = parse_date(follow_up_due, "follow_up_due")
        if due < (today or city_today()):
            raise ValidationError(
                _l("The due date cannot be in the past."), code="due_in_past", field="follow_up_due"
            )
    if (unit is None) != (due is None):
        raise ValidationError(
            _l("A follow-up needs both a responsible unit and a due date."),
            code="follow_up_incomplete",
            field="follow_up_unit" if unit is None else "follow_up_due",
        )
    check_start(question, Verb.ANSWER)
    before = question_state(question)
    now = utcnow()
    transition(question, S.ANSWERED, now)
    answer = Answer(
        question=question, official_id=question.official_id, kind=kind, text=body, created_at=now
    )
    db.session.add(answer)
    if unit is not None:
        db.session.add(
            FollowUp(question=question, answer=answer, responsible_unit=unit, due_on=due)
        )
    return finish_change(question, actor, "answered", before)
