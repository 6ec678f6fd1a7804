"""Staff log-in, log-out and who-am-I."""

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from liveqa.api.common import json_body, text_field
from liveqa.domain.accounts import log_in, log_out
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
    }


@bp.post("/auth/login")
def login():
    """Log a staff member in with user name and password."""
    body = json_body()
    username = text_field(body, "username", MAX_CREDENTIAL_CHARS)
    password = text_field(body, "password", MAX_CREDENTIAL_CHARS)
    user = log_in(username, password, request.remote_addr or "")
    if user is None:
        db.session.rollback()
        return json_error(
            401, "invalid_credentials", _("The user name or password is not correct.")
        )
    login_user(user)
    return {"user": user_json(user)}


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
