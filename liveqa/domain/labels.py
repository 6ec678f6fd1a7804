"""What every state and choice is called: the one home of these names, in both languages.

Python reads the maps below, templates read them through the `labels` global, and the
pages serve `served_labels()` to their scripts as data, so no label is written twice.
"""

from flask_babel import lazy_gettext as _l

from liveqa.domain.privacy import NumberKind
from liveqa.models import (
    AnswerKind,
    Channel,
    QuestionStatus,
    RejectReason,
    SessionStatus,
)

S = QuestionStatus
SS = SessionStatus

# How a question's status reads to staff ("an approved question cannot …", desk badges).
QUESTION_STATUS = {
    S.SUBMITTED: _l("New"),
    S.APPROVED: _l("Approved"),
    S.ROUTED: _l("Routed"),
    S.ON_AIR: _l("On air"),
    S.ANSWERED: _l("Answered"),
    S.REJECTED: _l("Rejected"),
    S.MERGED: _l("Merged"),
    S.CARRIED_OVER: _l("Carried over"),
    S.UNANSWERED: _l("Unanswered"),
}

# How it reads to the asker following it by tracking code.
QUESTION_STATUS_PUBLIC = {
    S.SUBMITTED: _l("Received, waiting for review"),
    S.APPROVED: _l("Approved, waiting for an official"),
    S.ROUTED: _l("With the official, waiting to go on air"),
    S.ON_AIR: _l("On air now"),
    S.ANSWERED: _l("Answered"),
    S.REJECTED: _l("Not accepted"),
    S.MERGED: _l("Merged with a similar question"),
    S.CARRIED_OVER: _l("Carried over to the next session"),
    S.UNANSWERED: _l("Not answered in the session; followed up"),
}

SESSION_STATUS = {
    SS.SCHEDULED: _l("Scheduled"),
    SS.OPEN: _l("Open for questions"),
    SS.LIVE: _l("Live"),
    SS.CLOSED: _l("Closed"),
}

# How a session's state reads to citizens on the public page.
SESSION_STATUS_PUBLIC = {
    SS.SCHEDULED: _l("Scheduled"),
    SS.OPEN: _l("Taking questions"),
    SS.LIVE: _l("Live now"),
    SS.CLOSED: _l("Ended"),
}

REJECT_REASON = {
    RejectReason.DUPLICATE: _l("Duplicate of another question"),
    RejectReason.OFF_TOPIC: _l("Not about this programme"),
    RejectReason.NOT_MUNICIPAL: _l("Outside the municipality's remit"),
    RejectReason.OFFENSIVE: _l("Offensive or abusive"),
    RejectReason.PERSONAL_DATA: _l("Contains personal data"),
    RejectReason.UNCLEAR: _l("Not clear enough to answer"),
    RejectReason.OTHER: _l("Other reason"),
}

CHANNEL = {
    Channel.WEB: _l("Web"),
    Channel.PHONE: _l("Phone (137)"),
}

ANSWER_KIND = {
    AnswerKind.WRITTEN: _l("Written answer"),
    AnswerKind.VERBAL: _l("Spoken answer (summary)"),
}

# What a personal number found in a question or a name is (the desk's privacy flag).
PERSONAL_NUMBER = {
    NumberKind.PHONE: _l("phone number"),
    NumberKind.NATIONAL_ID: _l("national ID"),
    NumberKind.CARD: _l("bank card number"),
}

# Every kind of label by the name pages and scripts know it under.
KINDS = {
    "question_status": QUESTION_STATUS,
    "question_status_public": QUESTION_STATUS_PUBLIC,
    "session_status": SESSION_STATUS,
    "public_session_status": SESSION_STATUS_PUBLIC,
    "reject_reason": REJECT_REASON,
    "channel": CHANNEL,
    "answer_kind": ANSWER_KIND,
    "personal_number": PERSONAL_NUMBER,
}


def label(kind: str, value) -> str:
    """Return what VALUE of KIND (e.g. "question_status", "on_air") is called, translated."""
    names = KINDS[kind]
    enum_type = type(next(iter(names)))
    return str(names[enum_type(value)])


def served_labels() -> dict[str, dict[str, str]]:
    """Return every label, translated for this request, as the data pages give their scripts."""
    return {
        kind: {member.value: str(name) for member, name in names.items()}
        for kind, names in KINDS.items()
    }
