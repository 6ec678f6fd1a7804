"""The response check fails a test that gets an answer the OpenAPI document does not describe."""

import json

import pytest
import requests
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.response.exceptions import InvalidData

from liveqa.api import public
from liveqa.api.openapi import spec
from liveqa.models import QuestionStatus
from tests import contract

DISTRICTS = "/api/v1/districts"


@pytest.fixture
def district(factory):
    return factory.district()


def _serve_districts(monkeypatch, change):
    """Make GET /districts send each district changed by CHANGE."""
    real = public.district_json
    monkeypatch.setattr(public, "district_json", lambda found: change(real(found)))


def _replace_view(app, monkeypatch, endpoint, view):
    """Make ENDPOINT (which must exist) answer with VIEW."""
    assert endpoint in app.view_functions
    monkeypatch.setitem(app.view_functions, endpoint, view)


def test_the_same_answer_unchanged_passes(client, district):
    assert client.get(DISTRICTS).get_json()["districts"][0]["number"] == district.number


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d | {"number": str(d["number"])}, id="wrong-type"),
        pytest.param(lambda d: d | {"name": None}, id="null-not-allowed"),
        pytest.param(lambda d: d | {"population": 1}, id="undocumented-field"),
        pytest.param(lambda d: {k: v for k, v in d.items() if k != "name_en"}, id="missing-field"),
    ],
)
def test_a_body_unlike_its_schema_fails_the_test(client, district, monkeypatch, change):
    _serve_districts(monkeypatch, change)
    with pytest.raises(InvalidData):
        client.get(DISTRICTS)


def test_an_undocumented_status_fails_the_test(app, client, monkeypatch):
    _replace_view(app, monkeypatch, "api.public.districts", lambda: ({"districts": []}, 202))
    with pytest.raises(ResponseNotFound):
        client.get(DISTRICTS)


def test_a_server_error_fails_the_test(app, client, monkeypatch):
    def broken():
        raise RuntimeError("a bug")

    _replace_view(app, monkeypatch, "api.public.districts", broken)
    with pytest.raises(ResponseNotFound):
        client.get(DISTRICTS)


def test_an_error_not_in_the_error_shape_fails_the_test(app, client, monkeypatch):
    _replace_view(app, monkeypatch, "api.public.get_session", lambda session_id: ({}, 404))
    with pytest.raises(InvalidData):
        client.get("/api/v1/sessions/1")


def test_an_undocumented_path_fails_the_test(client):
    with pytest.raises(PathNotFound):
        client.get("/api/v1/no-such-thing")


def _requests_response(path: str, status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.request = requests.Request("GET", f"http://127.0.0.1:5000{path}").prepare()
    response.url = response.request.url
    response.status_code = status
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(body).encode()
    return response


def test_real_server_answers_are_checked_the_same_way():
    contract.check_requests(_requests_response(DISTRICTS, 200, {"districts": []}))
    with pytest.raises(InvalidData):
        contract.check_requests(_requests_response(DISTRICTS, 200, {"districts": [{"id": 0}]}))
    with pytest.raises(ResponseNotFound):
        contract.check_requests(_requests_response(DISTRICTS, 500, {"districts": []}))


def test_open_questions_publish_a_null_outcome_and_reject_reason(client, factory):
    question = factory.question(status=QuestionStatus.APPROVED)
    tracked = client.get(f"/api/v1/questions/{question.tracking_code}").get_json()["question"]
    assert tracked["outcome"] is None
    assert tracked["reject_reason"] is None
    schema = spec()["components"]["schemas"]["QuestionTracking"]["properties"]
    assert None in schema["outcome"]["enum"]
    assert None in schema["reject_reason"]["enum"]
