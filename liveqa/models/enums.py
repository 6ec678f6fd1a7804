"""The closed sets of values the tables store: roles, statuses, channels, reasons, kinds."""

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    OPERATOR = "operator"
    OFFICIAL = "official"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    LIVE = "live"
    CLOSED = "closed"


class QuestionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ROUTED = "routed"
    ON_AIR = "on_air"
    ANSWERED = "answered"
    REJECTED = "rejected"
    MERGED = "merged"
    CARRIED_OVER = "carried_over"
    UNANSWERED = "unanswered"


class Channel(enum.StrEnum):
    WEB = "web"
    PHONE = "phone"


class RejectReason(enum.StrEnum):
    DUPLICATE = "duplicate"
    OFF_TOPIC = "off_topic"
    NOT_MUNICIPAL = "not_municipal"
    OFFENSIVE = "offensive"
    PERSONAL_DATA = "personal_data"
    UNCLEAR = "unclear"
    OTHER = "other"


class AnswerKind(enum.StrEnum):
    WRITTEN = "written"
    VERBAL = "verbal"


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
