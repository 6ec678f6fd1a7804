"""Column types every table shares: aware UTC times, checked enums, encrypted text."""

import enum
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import DateTime, Enum, Text, TypeDecorator

# Where the app keeps the object that seals and opens phone numbers (liveqa/domain/phones.py).
PHONE_VAULT = "liveqa_phone_vault"


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


def db_enum(cls: type[enum.Enum], name: str) -> Enum:
    """Return the column type storing enum CLS under constraint name NAME."""
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


class SealedText(TypeDecorator):
    """Text stored encrypted by the app's phone vault, read back in clear."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return current_app.extensions[PHONE_VAULT].seal(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return current_app.extensions[PHONE_VAULT].open(value)
