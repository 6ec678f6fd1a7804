"""The second factor (TOTP): enrolment, which roles must have it, and resetting it."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from liveqa.domain import audit, totp
from liveqa.domain.accounts import end_sessions
from liveqa.domain.errors import Conflict, ValidationError
from liveqa.domain.permissions import must_use_second_factor, roles_named
from liveqa.domain.validation import credential
from liveqa.extensions import db
from liveqa.models import User

EXTENSION_KEY = "liveqa_totp_roles"


def required_roles(app=None) -> frozenset:
    """Return the roles the app's TOTP_REQUIRED_ROLES names; raise ValueError on an unknown one."""
    app = app or current_app
    found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = app.extensions.setdefault(
            EXTENSION_KEY, roles_named(app.config["TOTP_REQUIRED_ROLES"])
        )
    return found


def must_enrol(user) -> bool:
    """Return whether USER must set up a second factor before doing anything else."""
    return not getattr(user, "totp_enabled", True) and must_use_second_factor(
        user, required_roles()
    )


def _enrolment(user: User, secret: str) -> dict:
    uri = totp.provisioning_uri(secret, user.username)
    return {"secret": secret, "uri": uri, "qr": totp.qr_data_uri(uri)}


def _refuse_if_enabled(user: User) -> None:
    if user.totp_enabled:
        raise Conflict(_l("Your second factor is already set up."), code="totp_enabled")


def start_enrolment(user: User) -> dict:
    """Give USER a new secret awaiting a code; return it, its otpauth URI and QR code."""
    _refuse_if_enabled(user)
    secret = totp.new_secret()
    user.totp_secret = totp.seal(secret)
    user.totp_last_step = None
    db.session.flush()
    return _enrolment(user, secret)


def pending_enrolment(user: User) -> dict | None:
    """Return USER's enrolment awaiting a code, or None (none started, or already on)."""
    if user.totp_enabled or not user.totp_secret:
        return None
    secret = totp.unseal(user.totp_secret)
    return _enrolment(user, secret) if secret else None


def confirm_enrolment(user: User, otp) -> None:
    """Turn USER's second factor on once OTP shows their app has the secret."""
    _refuse_if_enabled(user)
    secret = totp.unseal(user.totp_secret) if user.totp_secret else None
    if secret is None:
        raise Conflict(_l("Start setting up the second factor first."), code="totp_not_started")
    code = totp.normalize_code(credential(otp, "otp"))
    step = totp.matching_step(secret, code) if code else None
    if step is None or not totp.use_step(user, step):
        raise ValidationError(
            _l("This code is not correct or was already used."), code="invalid_otp", field="otp"
        )
    user.totp_enabled = True
    audit.record_account_event(user, audit.SECOND_FACTOR_ON)
    db.session.flush()


def reset_second_factor(user: User) -> None:
    """Turn USER's second factor off (a lost phone) and end their sessions."""
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    audit.record_account_event(None, audit.SECOND_FACTOR_RESET, user_id=user.id)
    end_sessions(user)
