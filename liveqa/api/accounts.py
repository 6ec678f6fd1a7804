"""Staff log-in (with a second factor when set up), log-out, who-am-I and TOTP enrolment."""

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from liveqa.api.common import actor, commit_with, json_body, text_field
from liveqa.domain.accounts import INVALID_OTP, OTP_REQUIRED, log_in, log_out
from liveqa.domain.second_factor import confirm_enrolment, must_enrol, start_enrolment
from liveqa.errors import json_error
from liveqa.extensions import db
from liveqa.serializers import official_json

bp = Blueprint("accounts", __name__)

MAX_CREDENTIAL_CHARS = 256


def user_json(user) -> dict:
    """Return the logged-in user as the API shows it."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "official": official_json(user.official),
        "totp_enabled": bool(user.totp_enabled),
        # True: this account may do nothing but enrol (POST /auth/totp/start) first.
        "totp_enrolment_required": must_enrol(user),
    }


def _refusal_message(refusal: str) -> str:
    if refusal == OTP_REQUIRED:
        return _("Enter the code from your authenticator app.")
    if refusal == INVALID_OTP:
        return _("This code is not correct or was already used.")
    return _("The user name or password is not correct.")


@bp.post("/auth/login")
def login():
    """Log a staff member in with user name, password and, when set up, a TOTP code."""
    body = json_body()
    username = text_field(body, "username", MAX_CREDENTIAL_CHARS)
    password = text_field(body, "password", MAX_CREDENTIAL_CHARS)
    attempt = log_in(username, password, request.remote_addr or "", otp=body.get("otp"))
    user_body = {"user": user_json(attempt.user)} if attempt.refusal is None else None
    # Every checked attempt, failed ones too, leaves its audit row.
    db.session.commit()
    if attempt.refusal is not None:
        field = "otp" if attempt.refusal in (OTP_REQUIRED, INVALID_OTP) else None
        return json_error(401, attempt.refusal, _refusal_message(attempt.refusal), field=field)
    login_user(attempt.user)
    return user_body


@bp.post("/auth/logout")
def logout():
    """Log the current user out (harmless when nobody is logged in)."""
    json_body()
    if current_user.is_authenticated:
        # Server-side too: a copy of this cookie, and the user's sockets, stop working.
        log_out(current_user)
        db.session.commit()
    logout_user()
    return {"user": None}


@bp.get("/me")
def me():
    """Return the logged-in staff member, or 401."""
    if not current_user.is_authenticated:
        return json_error(401, "login_required", _("Please log in."))
    return {"user": user_json(current_user)}


@bp.post("/auth/totp/start")
def totp_start():
    """Start setting up a second factor: a new secret, its otpauth URI and QR code."""
    json_body()
    if not current_user.is_authenticated:
        return json_error(401, "login_required", _("Please log in."))
    return commit_with({"enrolment": start_enrolment(actor())})


@bp.post("/auth/totp/confirm")
def totp_confirm():
    """Turn the second factor on with a code from the newly set-up app."""
    body = json_body()
    if not current_user.is_authenticated:
        return json_error(401, "login_required", _("Please log in."))
    user = actor()
    confirm_enrolment(user, body.get("otp"))
    return commit_with({"user": user_json(user)})
