"""Audit records for staff actions."""

from liveqa.domain.privacy import mask_numbers
from liveqa.extensions import db
from liveqa.models import AuditRecord, Question, User

_FIELDS = (
    "status",
    "edited_text",
    "category_id",
    "district_id",
    "official_id",
    "merged_into_id",
    "reject_reason",
    "reject_note",
    "position",
    "session_id",
)
# Free text a moderator wrote: a personal number in it is not kept in the audit trail.
_TEXT_FIELDS = ("edited_text", "reject_note")


def question_state(question: Question) -> dict:
    """Return the audited fields of QUESTION as plain JSON values."""
    state = {}
    for name in _FIELDS:
        value = getattr(question, name)
        state[name] = value.value if hasattr(value, "value") else value
    for name in _TEXT_FIELDS:
        state[name] = mask_numbers(state[name])
    return state


def record_audit(
    actor: User | None,
    action: str,
    *,
    question: Question | None = None,
    session_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditRecord:
    """Add an audit row; ACTOR None means the system acted."""
    if question is not None and after is None:
        after = question_state(question)
    record = AuditRecord(
        actor_id=actor.id if actor is not None else None,
        action=action,
        question_id=question.id if question is not None else None,
        session_id=session_id if session_id is not None else getattr(question, "session_id", None),
        before=before,
        after=after,
    )
    db.session.add(record)
    return record
