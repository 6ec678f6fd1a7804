"""Checks on raw input that the domain verbs share."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l

from liveqa.domain.errors import ValidationError
from liveqa.domain.text import ascii_digits, clean_text, local_number, storable

MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 4000
MAX_NAME_CHARS = 80
MAX_NOTE_CHARS = 500
MAX_UNIT_CHARS = 200
MAX_CREDENTIAL_CHARS = 256
MAX_ID = 2**31 - 1

# Joiners and direction marks are kept inside text but are not content on their own.
_BLANK = re.compile(r"[\s\u200c-\u200f]*")


def _blank(cleaned: str) -> bool:
    return _BLANK.fullmatch(cleaned) is not None


def _too_long(field: str, max_chars: int, length: int) -> ValidationError:
    return ValidationError(
        _l("At most %(max)s characters are allowed.", max=local_number(max_chars)),
        code="too_long",
        field=field,
        details={"max": max_chars, "length": length},
    )


def required_text(value, field: str, max_chars: int, *, multiline: bool = True) -> str:
    """Return VALUE cleaned, or raise if it is missing, blank or too long."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(_l("This field is required."), code="required", field=field)
    if not isinstance(value, str):
        raise ValidationError(_l("This field must be text."), code="not_text", field=field)
    cleaned = clean_text(value, multiline=multiline)
    if _blank(cleaned):
        raise ValidationError(_l("This field is required."), code="required", field=field)
    if len(cleaned) > max_chars:
        raise _too_long(field, max_chars, len(cleaned))
    return cleaned


def optional_text(value, field: str, max_chars: int, *, multiline: bool = False) -> str | None:
    """Return VALUE cleaned, None when it is missing or blank, or raise if too long."""
    if value is None or (isinstance(value, str) and _blank(clean_text(value))):
        return None
    return required_text(value, field, max_chars, multiline=multiline)


def credential(value, field: str) -> str:
    """Return a user name or password as given ("" for none), or raise if it cannot be stored."""
    # Not cleaned: a password is exactly what was typed. A lone surrogate or a NUL can be
    # in no stored account, and the hasher or PostgreSQL would fail on it, so it is refused.
    value = "" if value is None else value
    if not isinstance(value, str):
        raise ValidationError(_l("This field must be text."), code="not_text", field=field)
    if len(value) > MAX_CREDENTIAL_CHARS:
        raise _too_long(field, MAX_CREDENTIAL_CHARS, len(value))
    if not storable(value):
        raise ValidationError(
            _l("This field contains characters that cannot be used."),
            code="invalid_characters",
            field=field,
        )
    return value


def optional_phone(value) -> str | None:
    """Return a phone number as ASCII digits (with an optional leading +), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationError(_l("This field must be text."), code="not_text", field="phone")
    digits = re.sub(r"[\s\-()]", "", ascii_digits(clean_text(value)))
    if not re.fullmatch(r"\+?[0-9]{7,15}", digits):
        raise ValidationError(
            _l("Enter a phone number of 7 to 15 digits."), code="invalid_phone", field="phone"
        )
    return digits


def optional_id(value, field: str) -> int | None:
    """Return VALUE as a positive integer id, None when missing, or raise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValidationError(_l("Not a valid choice."), code="invalid_choice", field=field)
    try:
        number = int(ascii_digits(value) if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(
            _l("Not a valid choice."), code="invalid_choice", field=field
        ) from None
    # Beyond a 32-bit INTEGER no row can match, and the database driver would overflow.
    if not 0 < number <= MAX_ID:
        raise ValidationError(_l("Not a valid choice."), code="invalid_choice", field=field)
    return number


def parse_date(value, field: str) -> date:
    """Return VALUE (a date or YYYY-MM-DD in any digit script) as a date, or raise."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(ascii_digits(value.strip()))
        except ValueError:
            pass
    raise ValidationError(_l("Enter a date as YYYY-MM-DD."), code="invalid_date", field=field)


def choice(enum_type, value, field: str, message, code: str):
    """Return VALUE as a member of ENUM_TYPE, or raise 422 on FIELD with MESSAGE and CODE."""
    try:
        return enum_type(value)
    except ValueError:
        raise ValidationError(message, code=code, field=field) from None
