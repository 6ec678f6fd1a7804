"""The OpenAPI 3.1 description of /api/v1, built as a plain dict."""

from liveqa.api.openapi_accounts import account_paths
from liveqa.api.openapi_paths import paths
from liveqa.api.openapi_schemas import responses, schemas

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"


def spec() -> dict:
    """Return the OpenAPI document of /api/v1."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "LiveQA API",
            "version": API_VERSION,
            "description": (
                "Citizen Asks, Manager Answers. JSON bodies only; errors share the Error "
                "shape. Messages are Persian unless Accept-Language (or ?lang=) asks for "
                "English; Content-Language says which."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "public", "description": "Citizens and the big screen."},
            {"name": "accounts", "description": "Staff log-in."},
            {"name": "staff", "description": "Moderators, 137 operators and officials."},
            {"name": "meta"},
        ],
        "security": [],
        "paths": paths() | account_paths(),
        "components": {
            "schemas": schemas(),
            "responses": responses(),
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrfToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRFToken",
                    "description": "From <meta name=csrf-token>; needed by every POST.",
                },
            },
        },
    }
