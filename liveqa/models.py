"""Database models: the tables LiveQA stores, and the invariants the database enforces."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveqa.extensions import db


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store naive UTC, return aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; LiveQA stores aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # A VARCHAR plus a CHECK constraint: portable, and the database refuses unknown values.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


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


class User(db.Model):
    """A staff account: admin, moderator, 137 operator or official."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    official: Mapped[Official | None] = relationship(back_populates="user")

    # Flask-Login's protocol, written out so the model needs no mixin import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Edition(db.Model):
    """A season of weekly sessions (دوره), e.g. the ninth edition."""

    __tablename__ = "editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    sessions: Mapped[list[LiveSession]] = relationship(
        back_populates="edition", order_by="LiveSession.starts_at"
    )

    __table_args__ = (CheckConstraint("number > 0", name="number_positive"),)


session_officials = db.Table(
    "session_officials",
    db.Column("session_id", ForeignKey("live_sessions.id", ondelete="CASCADE"), primary_key=True),
    db.Column("official_id", ForeignKey("officials.id", ondelete="CASCADE"), primary_key=True),
)


class LiveSession(db.Model):
    """One Wednesday live event; `seq` numbers every change broadcast for it."""

    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship(back_populates="sessions")
    officials: Mapped[list[Official]] = relationship(
        secondary=session_officials, order_by="Official.rank"
    )

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("seq >= 0", name="seq_not_negative"),
        CheckConstraint("status = 'scheduled' OR opened_at IS NOT NULL", name="opened_has_time"),
        CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
        Index("ix_live_sessions_starts_at", "starts_at"),
    )


class Official(db.Model):
    """The mayor, a deputy or a head of department who answers on air."""

    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    portfolio: Mapped[str] = mapped_column(String(200))
    rank: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User | None] = relationship(back_populates="official")


class District(db.Model):
    """A municipal district (منطقه)."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")


class Category(db.Model):
    """A question topic (موضوع) and the official it is routed to by default."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(default=100)
    default_official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))

    default_official: Mapped[Official | None] = relationship()


_S = QuestionStatus


class Question(db.Model):
    """A citizen's question; `text` is verbatim and never changed."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    edited_text: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    asker_name: Mapped[str | None] = mapped_column(String(80))
    asker_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "question_channel"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[QuestionStatus] = mapped_column(
        _enum(QuestionStatus, "question_status"), default=QuestionStatus.SUBMITTED
    )
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    reject_reason: Mapped[RejectReason | None] = mapped_column(_enum(RejectReason, "reject_reason"))
    reject_note: Mapped[str | None] = mapped_column(String(500))
    carried_from_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"))
    carried_to_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"))
    position: Mapped[int | None] = mapped_column(Integer)
    support_count: Mapped[int] = mapped_column(default=0, server_default=sql_text("0"))
    version: Mapped[int] = mapped_column(default=1, server_default=sql_text("1"))

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_air_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[LiveSession] = relationship(foreign_keys=[session_id])
    category: Mapped[Category | None] = relationship()
    district: Mapped[District | None] = relationship()
    official: Mapped[Official | None] = relationship()
    merged_into: Mapped[Question | None] = relationship(remote_side=[id])
    answer: Mapped[Answer | None] = relationship(back_populates="question", uselist=False)
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="question", order_by="FollowUp.id"
    )

    # Optimistic locking: two staff acting on one question at once cannot both win.
    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint("length(text) BETWEEN 1 AND 1000", name="text_length"),
        CheckConstraint(
            "edited_text IS NULL OR length(edited_text) BETWEEN 1 AND 1000",
            name="edited_text_length",
        ),
        CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        CheckConstraint(
            "(status = 'rejected') = (reject_reason IS NOT NULL)", name="rejected_has_reason"
        ),
        CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_self"),
        CheckConstraint(
            "status NOT IN ('routed', 'on_air', 'answered') OR official_id IS NOT NULL",
            name="routed_has_official",
        ),
        CheckConstraint(
            "status <> 'answered' OR answered_at IS NOT NULL", name="answered_has_time"
        ),
        CheckConstraint(
            "(status = 'carried_over') = (carried_to_session_id IS NOT NULL)",
            name="carried_has_target",
        ),
        CheckConstraint(
            "channel <> 'phone' OR entered_by_id IS NOT NULL", name="phone_has_operator"
        ),
        # The hall has one screen: at most one question on air per session.
        Index(
            "uq_questions_one_on_air",
            "session_id",
            unique=True,
            sqlite_where=sql_text("status = 'on_air'"),
            postgresql_where=sql_text("status = 'on_air'"),
        ),
        Index("ix_questions_session_status", "session_id", "status"),
    )

    @property
    def display_text(self) -> str:
        """Return the moderator's edit if any, else the verbatim text."""
        return self.edited_text or self.text


class Answer(db.Model):
    """An official's answer: written text, or a summary of a spoken answer."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), unique=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    kind: Mapped[AnswerKind] = mapped_column(_enum(AnswerKind, "answer_kind"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="answer")
    official: Mapped[Official] = relationship()

    __table_args__ = (CheckConstraint("length(text) BETWEEN 1 AND 4000", name="text_length"),)


class FollowUp(db.Model):
    """A commitment to act after the session, tracked until done."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    responsible_unit: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[FollowUpStatus] = mapped_column(
        _enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="follow_ups")
    answer: Mapped[Answer | None] = relationship()

    __table_args__ = (CheckConstraint("length(responsible_unit) >= 1", name="unit_not_empty"),)


class Support(db.Model):
    """One citizen browser's support for one question."""

    __tablename__ = "supports"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("question_id", "client_id", name="uq_supports_once"),)


class AuditRecord(db.Model):
    """Who did what to which question, when, with the state before and after."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
