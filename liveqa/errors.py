"""Error handling: one JSON shape for the API, a readable page for the screens."""

import logging

from flask import g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from liveqa.database import DatabaseBusy
from liveqa.domain.errors import DomainError, RateLimited
from liveqa.extensions import db, login_manager

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}

# Seconds a client is asked to wait when the database is busy or out of reach.
RETRY_AFTER_SECONDS = 5


def is_api_request() -> bool:
    """Return whether the request is for the JSON API."""
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, **extra):
    """Return the one JSON error shape: {"error": {"code", "message", ...}}."""
    body = {"code": code, "message": str(message)}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _respond(status: int, code: str, message: str, **extra):
    try:
        db.session.rollback()
    except SQLAlchemyError:
        # The database is out of reach: there is nothing to roll back, answer anyway.
        log.warning("rollback failed", exc_info=True)
    if is_api_request():
        return json_error(status, code, message, **extra)
    return (
        render_template("error.html", status=status, code=code, message=message),
        status,
    )


def domain_error_response(error: DomainError, field: str | None = None):
    """Answer a domain refusal; FIELD renames the field to how the request named it."""
    response = make_response(
        _respond(
            error.status,
            error.code,
            str(error.message),
            field=field or error.field,
            details=error.details or None,
        )
    )
    retry_after = error.details.get("retry_after") if isinstance(error, RateLimited) else None
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _http_message(status: int) -> str:
    messages = {
        400: _("The request was not understood."),
        401: _("Please log in."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("Send JSON with Content-Type: application/json."),
        429: _("Too many requests; please wait a minute and try again."),
    }
    return messages.get(status, _("The request could not be carried out."))


def is_database_down(error: DBAPIError) -> bool:
    """Return whether ERROR means the database cannot be reached or cannot work now."""
    # PEP 249: OperationalError is "not under the control of the programmer" (refused
    # connection, lost connection, server shutting down); InterfaceError is the driver's.
    return error.connection_invalidated or isinstance(error, (OperationalError, InterfaceError))


def _internal_error():
    log.exception("unhandled error")
    return _respond(500, "internal", _("Something went wrong on our side; nothing was lost."))


def _retry_later(code: str, message: str):
    response = make_response(_respond(503, code, message))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app) -> None:
    """Map domain, HTTP and database errors to responses; never a 500 for bad input."""

    app.register_error_handler(DomainError, domain_error_response)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _respond(400, "csrf_failed", _("The form expired; reload the page and try again."))

    @app.errorhandler(StaleDataError)
    def _stale(error):
        return _respond(
            409, "stale", _("Someone else changed this question first; it has been reloaded.")
        )

    @app.errorhandler(IntegrityError)
    def _integrity(error):
        # The first line names the constraint; PostgreSQL's DETAIL lines quote row values.
        log.info("integrity error answered with 409: %s", str(error.orig).splitlines()[0])
        return _respond(409, "conflict", _("This conflicts with the current state; reload."))

    @app.errorhandler(DatabaseBusy)
    def _busy(error):
        return _retry_later("busy", _("The server is busy; please try again in a moment."))

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError):
        if not is_database_down(error):
            return _internal_error()
        log.warning("database unavailable: %s", error.orig)
        # The page's header would load the logged-in user, from the database that is down.
        if "_login_user" not in g:
            g._login_user = login_manager.anonymous_user()
        return _retry_later(
            "unavailable", _("The service is briefly unavailable; please try again in a moment.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        return _respond(status, _HTTP_CODES.get(status, "http_error"), _http_message(status))

    @app.errorhandler(Exception)
    def _unexpected(error):
        return _internal_error()
