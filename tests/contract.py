"""Check every /api/v1 response the suite receives against the OpenAPI document.

openapi-core finds the operation by path template and method, then checks the status
code is one the operation lists, and the body (and headers) against that response's
schema. Anything the document does not describe raises, failing the test that got it.
"""

import contextlib
from functools import cache, wraps
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

PREFIX = "/api/v1"


@cache
def openapi() -> OpenAPI:
    """Return the validator of the document, built once per test process."""
    from liveqa.api.openapi import spec

    return OpenAPI.from_dict(spec())


def is_api(path: str) -> bool:
    """Tell whether PATH is under /api/v1."""
    return path == PREFIX or path.startswith(PREFIX + "/")


class _SentRequest(WerkzeugOpenAPIRequest):
    """The test client's request, whose body the app has already read."""

    @property
    def body(self) -> None:
        # Only the response is checked: its operation is found without the body.
        return None


def check_flask(response) -> None:
    """Raise unless the Flask test client's RESPONSE is one the document describes."""
    request = response.request
    if is_api(request.path):
        openapi().validate_response(_SentRequest(request), WerkzeugOpenAPIResponse(response))


def check_requests(response, *args, **kwargs) -> None:
    """Raise unless the requests RESPONSE is one the document describes (a response hook)."""
    if is_api(urlsplit(response.request.url).path):
        openapi().validate_response(
            RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
        )


@contextlib.contextmanager
def checking_test_clients():
    """Check every response of every Flask test client while inside."""
    unchecked = FlaskClient.open

    @wraps(unchecked)
    def open_and_check(self, *args, **kwargs):
        response = unchecked(self, *args, **kwargs)
        check_flask(response)
        return response

    # FlaskClient itself, so subclasses (fresh contexts, fresh locales) and the plain
    # app.test_client() that socket tests log in with are all checked alike.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FlaskClient, "open", open_and_check)
        yield
