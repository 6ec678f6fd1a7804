"""Time-based one-time codes (RFC 6238, pyotp): secrets encrypted at rest, codes good once."""

import base64
import re
import time

import pyotp
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from liveqa.domain.sealing import Sealer
from liveqa.domain.text import ascii_digits
from liveqa.extensions import db
from liveqa.models import User

STEP_SECONDS = 30
# Codes of the step before and after are accepted too: phones' clocks drift.
VALID_WINDOW = 1
CODE = re.compile(r"[0-9]{6}")


def _sealer() -> Sealer:
    keys = list(current_app.config.get("TOTP_KEYS") or ())
    if not keys:
        # Derived, not the secret key itself: a key for this one purpose.
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"liveqa totp secrets"
        ).derive(current_app.secret_key.encode())
        keys = [base64.urlsafe_b64encode(derived)]
    return Sealer(keys)


def new_secret() -> str:
    """Return a fresh random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def seal(secret: str) -> str:
    """Return SECRET encrypted for storage."""
    return _sealer().seal(secret)


def unseal(sealed: str) -> str | None:
    """Return the secret SEALED holds, or None if no configured key opens it."""
    return _sealer().open(sealed)


def provisioning_uri(secret: str, account: str) -> str:
    """Return the otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=account, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def qr_data_uri(uri: str) -> str:
    """Return URI as a QR code in an SVG data: URI (an <img>, which the CSP allows)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def normalize_code(code) -> str | None:
    """Return CODE as six ASCII digits (Persian and Arabic-Indic digits too), or None."""
    if not isinstance(code, str):
        return None
    digits = re.sub(r"[\s\-]", "", ascii_digits(code))
    return digits if CODE.fullmatch(digits) else None


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step whose code CODE is (within the drift window), or None."""
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now = time.time() if now is None else now
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def use_step(user: User, step: int) -> bool:
    """Record STEP as USER's last used one; return False if it (or a later one) was used."""
    # One conditional UPDATE: of two requests with the same code, only one changes the row.
    used = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True
