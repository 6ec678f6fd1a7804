"""Who is asking: staff logins and roles, and the citizen browser's identity."""

import secrets
from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, Signer

from liveqa.domain.second_factor import must_enrol, required_roles
from liveqa.errors import audit_refusal, is_api_request, json_error
from liveqa.extensions import db, login_manager
from liveqa.models import User

CLIENT_COOKIE = "liveqa_cid"
_CLIENT_SALT = "liveqa.client-id"


def _load_user(token: str) -> User | None:
    """Return the active user TOKEN (User.get_id) names, if its session has not ended."""
    user_id, _sep, generation = token.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def permission_required(allowed):
    """Let only logged-in staff for whom ALLOWED(user) holds through (401/403 or the login page).

    ALLOWED is one of the `can_*` predicates of liveqa.domain.permissions.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                if is_api_request():
                    return json_error(401, "login_required", _("Please log in."))
                return redirect(url_for("pages.public.login", next=request.full_path))
            if not allowed(current_user):
                if is_api_request():
                    audit_refusal("forbidden")
                    return json_error(
                        403, "forbidden", _("Your role may not do this."), role=current_user.role
                    )
                abort(403)  # the error handler records the refusal
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _client_signer() -> Signer:
    return Signer(current_app.secret_key, salt=_CLIENT_SALT)


def client_id_from_cookie(cookie: str) -> str | None:
    """Return the browser identity the signed COOKIE value carries, or None if forged."""
    try:
        value = _client_signer().unsign(cookie).decode()
    except (BadSignature, UnicodeError):
        return None
    if len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def client_id() -> str:
    """Return this citizen browser's identity, creating it on first use."""
    # Signed, so a client cannot mint identities of its own (a fresh one per request
    # would evade every per-browser limit without ever asking the server).
    value = client_id_from_cookie(request.cookies.get(CLIENT_COOKIE, ""))
    if value:
        return value
    if "new_client_id" not in g:
        g.new_client_id = secrets.token_hex(16)
    return g.new_client_id


def set_client_cookie(response):
    """Persist a newly created browser identity (an after_request hook)."""
    new = g.get("new_client_id")
    if new:
        response.set_cookie(
            CLIENT_COOKIE,
            _client_signer().sign(new).decode(),
            max_age=400 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            # Secure whenever the session cookie is (the production config).
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


# What a staff member who must still set up a second factor may reach: enrolment, log-in
# and log-out, who-am-I, static files and the health checks; of the API, all but the staff
# endpoints (the public ones are open to anyone anyway).
ENROLMENT_ENDPOINTS = frozenset(
    {
        "pages.account.second_factor",
        "pages.account.start_second_factor",
        "pages.account.confirm_second_factor",
        "pages.public.login",
        "pages.public.login_code",
        "pages.public.logout",
        "pages.health.healthz",
        "pages.health.readyz",
        "static",
    }
)
STAFF_API_BLUEPRINT = "api.staff"


def _gated() -> bool:
    if is_api_request():
        return request.blueprint == STAFF_API_BLUEPRINT
    return request.endpoint not in ENROLMENT_ENDPOINTS


def enrolment_gate():
    """Send a staff member whose role needs a second factor, and who has none, to enrol."""
    if not _gated() or not current_user.is_authenticated or not must_enrol(current_user):
        return None
    if is_api_request():
        return json_error(
            403,
            "totp_enrolment_required",
            _("Set up your second factor (an authenticator app) first."),
        )
    return redirect(url_for("pages.account.second_factor"))


def init_app(app) -> None:
    """Register the staff user loader, the second-factor gate and the browser-identity hook."""
    try:
        required_roles(app)
    except ValueError as error:
        raise RuntimeError(f"LIVEQA_TOTP_REQUIRED_ROLES: {error}") from None
    login_manager.user_loader(_load_user)
    login_manager.login_view = "pages.public.login"
    app.before_request(enrolment_gate)
    app.after_request(set_client_cookie)
