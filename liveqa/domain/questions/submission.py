"""What citizens and 137 operators do: submit a question (supports are in support.py)."""

import hashlib
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from liveqa.domain.audit import record_audit
from liveqa.domain.changes import record_question_change
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.domain.lifecycle import accepts_questions
from liveqa.domain.limits import check_submit_rate
from liveqa.domain.phones import phone_hash
from liveqa.domain.questions.common import lookup
from liveqa.domain.tracking import new_code
from liveqa.domain.validation import (
    MAX_NAME_CHARS,
    MAX_QUESTION_CHARS,
    optional_phone,
    optional_text,
    required_text,
)
from liveqa.extensions import db
from liveqa.models import (
    Category,
    Channel,
    District,
    LiveSession,
    Question,
    QuestionStatus,
    User,
    utcnow,
)

S = QuestionStatus
# Visible ASCII only: a key is an opaque token, and PostgreSQL refuses NUL in text.
CLIENT_KEY = re.compile(r"[\x21-\x7e]{8,64}")


def _new_tracking_code() -> str:
    while True:
        code = new_code()
        taken = db.session.scalar(select(Question.id).where(Question.tracking_code == code))
        if taken is None:
            return code


def submission_from(mapping, fallback_key=None) -> dict:
    """Return submit_question's fields from a submitted form or JSON body MAPPING."""
    return {
        "text": mapping.get("text"),
        "category_id": mapping.get("category_id"),
        "district_id": mapping.get("district_id"),
        "asker_name": mapping.get("name"),
        "asker_phone": mapping.get("phone"),
        "client_key": mapping.get("idempotency_key") or fallback_key or None,
    }


def _by_client_key(client_key: str) -> Question | None:
    return db.session.scalar(select(Question).where(Question.client_key == client_key))


def _repeats(stored: Question, live_session: LiveSession, text) -> bool:
    """Return whether a request with TEXT for LIVE_SESSION repeats STORED."""
    try:
        cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    except ValidationError:
        return False
    # A carried-over question has moved on; a late retry still names its first session.
    return cleaned == stored.text and live_session.id in {
        stored.session_id,
        stored.carried_from_session_id,
    }


def _replayed(stored: Question, live_session: LiveSession, text) -> Question:
    """Return STORED if this request repeats it; refuse a key reused for another question."""
    if not _repeats(stored, live_session, text):
        raise ValidationError(
            _l("This idempotency key was already used for a different question."),
            code="idempotency_key_reused",
            field="idempotency_key",
        )
    return stored


def _key_for_new_text(client_key: str, live_session: LiveSession, text) -> str:
    """Return the key a form's other TEXT is stored under: sending it twice stays one question."""
    cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    material = f"{client_key}\0{live_session.id}\0{cleaned}".encode()
    return "form-" + hashlib.sha256(material).hexdigest()[:40]


def submit_question(
    live_session: LiveSession,
    *,
    text,
    category_id=None,
    district_id=None,
    asker_name=None,
    asker_phone=None,
    client_key=None,
    client_id=None,
    operator: User | None = None,
    on_key_reuse: str = "refuse",
) -> tuple[Question, bool]:
    """Store a new question, or return the one already stored under CLIENT_KEY."""
    if client_key is not None:
        if not isinstance(client_key, str) or not CLIENT_KEY.fullmatch(client_key):
            raise ValidationError(
                _l("The idempotency key must be 8 to 64 visible ASCII characters."),
                code="invalid_idempotency_key",
                field="idempotency_key",
            )
        stored = _by_client_key(client_key)
        # "new": a browser form sent again after going Back and editing asks a new
        # question; "refuse" (the API) treats the key as the client's promise of one.
        if (
            stored is not None
            and on_key_reuse == "new"
            and not _repeats(stored, live_session, text)
        ):
            client_key = _key_for_new_text(client_key, live_session, text)
            stored = _by_client_key(client_key)
        if stored is not None:
            return _replayed(stored, live_session, text), False
    if not accepts_questions(live_session):
        raise Conflict(_l("This session is not taking questions."), code="session_not_open")
    cleaned = required_text(text, "text", MAX_QUESTION_CHARS)
    phone = optional_phone(asker_phone)
    question = Question(
        session_id=live_session.id,
        tracking_code=_new_tracking_code(),
        client_key=client_key,
        client_id=client_id,
        text=cleaned,
        category=lookup(Category, category_id, "category"),
        district=lookup(District, district_id, "district"),
        asker_name=optional_text(asker_name, "name", MAX_NAME_CHARS),
        asker_phone=phone,
        asker_phone_hash=phone_hash(phone),
        channel=Channel.PHONE if operator is not None else Channel.WEB,
        entered_by_id=operator.id if operator is not None else None,
        status=S.SUBMITTED,
        submitted_at=utcnow(),
    )
    try:
        # A concurrent retry with the same key may commit first (PostgreSQL lets both
        # past the check above): only the savepoint is lost, not the transaction.
        with db.session.begin_nested():
            db.session.add(question)
    except IntegrityError:
        stored = _by_client_key(client_key) if client_key is not None else None
        if stored is None:
            raise
        return _replayed(stored, live_session, text), False
    if operator is not None:
        record_audit(operator, "entered", question=question)
    # Not public until approved: only the staff stream and the counters hear of it.
    record_question_change(question, "question.submitted", None)
    return question, True


def submit_from(
    live_session: LiveSession,
    mapping,
    *,
    idempotency_key=None,
    client_id=None,
    operator: User | None = None,
    on_key_reuse: str = "refuse",
) -> tuple[Question, bool]:
    """Submit the question a form or JSON body MAPPING sends, as every edge does."""
    # A citizen's browser is held to SUBMIT_RATE_PER_MINUTE; a 137 operator types what
    # callers dictate, and a busy line is not flooding.
    if operator is None:
        check_submit_rate(client_id)
    return submit_question(
        live_session,
        **submission_from(mapping, idempotency_key),
        client_id=client_id,
        operator=operator,
        on_key_reuse=on_key_reuse,
    )
