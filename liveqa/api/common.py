"""What every API view shares: strict JSON bodies, loaders, the error and header hooks."""

import json

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import UnsupportedMediaType

from liveqa.domain.errors import DomainError, NotFound, ValidationError
from liveqa.domain.text import local_number
from liveqa.domain.validation import MAX_ID, optional_id
from liveqa.errors import domain_error_response
from liveqa.extensions import db
from liveqa.i18n import current_locale
from liveqa.models import LiveSession, Question, User


class InvalidJSON(DomainError):
    status = 400
    code = "invalid_json"


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_body() -> dict:
    """Return the request's JSON object ({} for an empty body), or raise 415/400."""
    data = request.get_data(cache=True)
    if not data.strip():
        return {}
    if not request.is_json:
        raise UnsupportedMediaType()
    # Lone surrogate escapes ("\ud800") decode as they are, as in Socket.IO payloads: the
    # domain drops them from text and refuses them in credentials, one rule for every edge.
    try:
        body = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise InvalidJSON(_("The request body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise InvalidJSON(_("The request body must be a JSON object."))
    return body


def text_field(body: dict, field: str, max_chars: int) -> str:
    """Return BODY[FIELD] exactly as given (not cleaned), or raise if missing or not text."""
    value = body.get(field)
    if value is None or value == "":
        raise ValidationError(_("This field is required."), code="required", field=field)
    if not isinstance(value, str):
        raise ValidationError(_("This field must be text."), code="not_text", field=field)
    if len(value) > max_chars:
        raise ValidationError(
            _("At most %(max)s characters are allowed.", max=local_number(max_chars)),
            code="too_long",
            field=field,
        )
    return value


def load_session(session_id: int) -> LiveSession:
    """Return the session SESSION_ID, or raise 404."""
    found = db.session.get(LiveSession, session_id) if session_id <= MAX_ID else None
    if found is None:
        raise NotFound(_("There is no such session."), code="unknown_session")
    return found


def load_question(question_id: int) -> Question:
    """Return the question QUESTION_ID, or raise 404."""
    found = db.session.get(Question, question_id) if question_id <= MAX_ID else None
    if found is None:
        raise NotFound(_("There is no such question."), code="unknown_question")
    return found


def referenced_question(body: dict, field: str) -> Question:
    """Return the question whose id BODY[FIELD] names, or raise 422 on FIELD."""
    ident = optional_id(body.get(field), field)
    if ident is None:
        raise ValidationError(_("This field is required."), code="required", field=field)
    found = db.session.get(Question, ident)
    if found is None:
        raise ValidationError(_("Not a valid choice."), code=f"unknown_{field}", field=field)
    return found


def actor() -> User:
    """Return the logged-in staff user as a plain model object."""
    return current_user._get_current_object()


# The domain names the row a field refers to; API clients sent that row's id field.
_FIELD_NAMES = {"category": "category_id", "district": "district_id", "official": "official_id"}


def domain_error(error: DomainError):
    """Answer a domain refusal in the error shape, naming fields as the request did."""
    return domain_error_response(error, field=_FIELD_NAMES.get(error.field))


def api_headers(response):
    """Say which language messages are in; keep live data out of caches."""
    response.headers["Content-Language"] = current_locale()
    response.vary.update(("Accept-Language", "Cookie"))
    if not response.cache_control.public:
        response.cache_control.no_store = True
    return response


def commit_with(body: dict, status: int = 200):
    """Commit the view's one transaction and return BODY, built before the commit."""
    # Built first: after the commit every attribute would be reloaded, and on PostgreSQL
    # under eventlet that query yields until the whole fan-out has been written.
    db.session.commit()
    return body, status
