"""The JSON HTTP API at /api/v1: public, account and staff endpoints, and its OpenAPI."""

from flask import Blueprint

from liveqa.api import accounts, public, staff
from liveqa.api.common import api_headers, domain_error
from liveqa.domain.errors import DomainError

PREFIX = "/api/v1"


def init_app(app) -> None:
    """Register the API at /api/v1: one blueprint holding each route module's own."""
    api = Blueprint("api", __name__, url_prefix=PREFIX)
    # On the parent, so they apply to every route module's views.
    api.register_error_handler(DomainError, domain_error)
    api.after_request(api_headers)
    for routes in (public, accounts, staff):
        api.register_blueprint(routes.bp)
    app.register_blueprint(api)
