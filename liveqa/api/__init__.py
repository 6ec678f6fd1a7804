"""The JSON HTTP API at /api/v1: public, account and staff endpoints, and its OpenAPI."""

# The route modules register their views on `bp`; imported for that side effect.
from liveqa.api import accounts, public, staff  # noqa: F401
from liveqa.api.common import bp

PREFIX = "/api/v1"


def init_app(app) -> None:
    """Register the API blueprint at /api/v1."""
    app.register_blueprint(bp, url_prefix=PREFIX)
