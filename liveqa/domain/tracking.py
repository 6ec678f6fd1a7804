"""Tracking codes: eight digits, the last a Damm check digit."""

import secrets

from liveqa.domain.text import ascii_digits, persian_digits

CODE_LENGTH = 8

# Damm's quasigroup: catches every single-digit error and every adjacent transposition.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def check_digit(digits: str) -> str:
    """Return the Damm check digit of the ASCII DIGITS."""
    interim = 0
    for d in digits:
        interim = _DAMM[interim][int(d)]
    return str(interim)


def new_code() -> str:
    """Return a fresh random tracking code (ASCII digits, no leading zero)."""
    body = str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(CODE_LENGTH - 2)
    )
    return body + check_digit(body)


def parse_code(raw: str) -> str | None:
    """Return the canonical code for RAW (any digit script), or None if it is not valid."""
    if not isinstance(raw, str):
        # Codes arrive from JSON and Socket.IO payloads, where anything may be sent.
        return None
    digits = "".join(ch for ch in ascii_digits(raw) if not ch.isspace() and ch != "-")
    if len(digits) != CODE_LENGTH or not digits.isascii() or not digits.isdigit():
        return None
    return digits if check_digit(digits) == "0" else None


def display_code(code: str) -> str:
    """Return CODE in Persian digits, as citizens see it."""
    return persian_digits(code)
