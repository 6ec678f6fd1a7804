"""Who and where: staff accounts, editions, sessions, officials, districts, categories."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveqa.extensions import db
from liveqa.models.enums import Role, SessionStatus
from liveqa.models.types import UTCDateTime, db_enum, utcnow


class User(db.Model):
    """A staff account: admin, moderator, 137 operator or official."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(db_enum(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    # Stamped into every log-in; bumping it ends all of the user's sessions at once
    # (log-out, password change, deactivation), since a signed cookie cannot be recalled.
    session_generation: Mapped[int] = mapped_column(
        Integer, default=0, server_default=sql_text("0")
    )
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
        # Flask-Login's "alternative token": the session names this generation, so a
        # cookie from before the last log-out no longer loads the user.
        return f"{self.id}:{self.session_generation}"


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
    """One Wednesday live event; `seq` numbers every change, `public_seq` the public ones."""

    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[SessionStatus] = mapped_column(
        db_enum(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    # The public stream: only changes that alter the public board are numbered here.
    public_seq: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
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
        CheckConstraint("public_seq >= 0", name="public_seq_not_negative"),
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
