"""The OpenAPI document: valid, and describing every /api/v1 route."""

import re

import pytest
from openapi_spec_validator import validate

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations_in_app(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        found.update((path, method.lower()) for method in rule.methods - IGNORED_METHODS)
    return found


def _operations_in_document(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "Error" in document["components"]["schemas"]
    assert document["components"]["securitySchemes"]["sessionCookie"]["in"] == "cookie"


def test_every_api_route_is_documented(app, document):
    in_app = _operations_in_app(app)
    assert ("/questions/{question_id}/approve", "post") in in_app
    assert len(in_app) >= 30
    missing = sorted(in_app - _operations_in_document(document))
    assert missing == []


def test_document_describes_no_route_that_does_not_exist(app, document):
    assert sorted(_operations_in_document(document) - _operations_in_app(app)) == []


def test_path_parameters_match_the_templates(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)


def test_error_responses_use_the_error_schema(document):
    for status, response in document["components"]["responses"].items():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, status
    staff_write = document["paths"]["/questions/{question_id}/approve"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(staff_write["responses"])
    assert staff_write["security"] == [{"sessionCookie": [], "csrfToken": []}]
