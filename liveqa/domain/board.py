"""The public board: which questions it shows and in what order, for the API and the pages."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from liveqa.domain.errors import ValidationError
from liveqa.domain.lifecycle import PUBLIC_STATUSES
from liveqa.extensions import db
from liveqa.models import Answer, LiveSession, Question, QuestionStatus, Support

S = QuestionStatus
WAITING = frozenset({S.APPROVED, S.ROUTED})
MY_QUESTIONS_LIMIT = 20
# Ties go to the earlier question, as on the citizen page's live board.
_ORDER_BY = {
    "support": (Question.support_count.desc(), Question.submitted_at, Question.id),
    "time": (Question.submitted_at.desc(), Question.id.desc()),
    "answered": (Question.answered_at.desc(), Question.id.desc()),
}
ORDERS = ("support", "time")


def board_questions(
    live_session: LiveSession, order: str = "support", statuses=PUBLIC_STATUSES
) -> list[Question]:
    """Return LIVE_SESSION's questions in STATUSES (public ones only), by ORDER."""
    if order not in ORDERS:
        raise ValidationError(_l("Not a valid choice."), code="invalid_choice", field="order")
    return _public_questions(live_session, _ORDER_BY[order], statuses)


def answered_questions(live_session: LiveSession) -> list[Question]:
    """Return LIVE_SESSION's answered questions, the latest answer first."""
    return _public_questions(live_session, _ORDER_BY["answered"], {S.ANSWERED})


def _public_questions(live_session: LiveSession, order_by, statuses) -> list[Question]:
    shown = frozenset(statuses) & PUBLIC_STATUSES
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.session_id == live_session.id, Question.status.in_(shown))
            .order_by(*order_by)
            # The public view reads these for every row; load them in a few queries, not N.
            .options(
                selectinload(Question.category),
                selectinload(Question.district),
                selectinload(Question.official),
                selectinload(Question.answer).selectinload(Answer.official),
                selectinload(Question.follow_ups),
            )
        )
    )


def supported_by(live_session: LiveSession, client_id: str) -> list[int]:
    """Return the ids of LIVE_SESSION's questions the browser CLIENT_ID supports."""
    return list(
        db.session.scalars(
            select(Support.question_id)
            .join(Question, Question.id == Support.question_id)
            .where(Support.client_id == client_id, Question.session_id == live_session.id)
        )
    )


def asked_by(client_id: str, limit: int = MY_QUESTIONS_LIMIT) -> list[Question]:
    """Return the latest questions the browser CLIENT_ID asked, newest first."""
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.client_id == client_id)
            .order_by(Question.id.desc())
            .limit(limit)
        )
    )
