"""Database models: the tables LiveQA stores, and the invariants the database enforces.

Importing this package defines every table, so the metadata Alembic compares is complete.
"""

from liveqa.models.enums import (
    AnswerKind,
    Channel,
    FollowUpStatus,
    QuestionStatus,
    RejectReason,
    Role,
    SessionStatus,
)
from liveqa.models.questions import Answer, AuditRecord, FollowUp, Question, Support
from liveqa.models.sessions import (
    Category,
    District,
    Edition,
    LiveSession,
    Official,
    User,
    session_officials,
)
from liveqa.models.types import UTCDateTime, utcnow

__all__ = [
    "Answer",
    "AnswerKind",
    "AuditRecord",
    "Category",
    "Channel",
    "District",
    "Edition",
    "FollowUp",
    "FollowUpStatus",
    "LiveSession",
    "Official",
    "Question",
    "QuestionStatus",
    "RejectReason",
    "Role",
    "SessionStatus",
    "Support",
    "UTCDateTime",
    "User",
    "session_officials",
    "utcnow",
]
