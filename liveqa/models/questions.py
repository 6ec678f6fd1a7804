"""What citizens ask and what comes of it: questions, answers, follow-ups, supports, audit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveqa.extensions import db
from liveqa.models.enums import AnswerKind, Channel, FollowUpStatus, QuestionStatus, RejectReason
from liveqa.models.sessions import Category, District, LiveSession, Official, User
from liveqa.models.types import SealedText, UTCDateTime, db_enum, utcnow


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
    # Encrypted at rest; the keyed hash matches one caller's questions without the number.
    asker_phone: Mapped[str | None] = mapped_column(SealedText)
    asker_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "question_channel"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[QuestionStatus] = mapped_column(
        db_enum(QuestionStatus, "question_status"), default=QuestionStatus.SUBMITTED
    )
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    reject_reason: Mapped[RejectReason | None] = mapped_column(
        db_enum(RejectReason, "reject_reason")
    )
    reject_note: Mapped[str | None] = mapped_column(String(500))
    carried_from_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"))
    carried_to_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"))
    position: Mapped[int | None] = mapped_column(Integer)
    support_count: Mapped[int] = mapped_column(default=0, server_default=sql_text("0"))
    # When supports from one address first came in a burst (see support_question): staff see it.
    support_burst_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    kind: Mapped[AnswerKind] = mapped_column(db_enum(AnswerKind, "answer_kind"))
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
        db_enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.OPEN
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
    # A keyed hash of the sender's address, never the address (domain/questions/support.py).
    address_hash: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("question_id", "client_id", name="uq_supports_once"),
        # Counting one address's recent supports of one question reads only those rows.
        Index("ix_supports_address", "question_id", "address_hash", "created_at"),
    )


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
