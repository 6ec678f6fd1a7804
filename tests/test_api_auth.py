"""Staff log-in, log-out and /me through the API."""

import pytest

from liveqa.extensions import db
from tests.conftest import PASSWORD, login


def test_login_then_me_then_logout(client, factory):
    user = factory.user("moderator", username="sara")

    response = login(client, " Sara ")

    assert response.status_code == 200
    assert response.get_json()["user"] == {
        "id": user.id,
        "username": "sara",
        "display_name": "Sara",
        "role": "moderator",
        "official": None,
        "totp_enabled": False,
        "totp_enrolment_required": False,
    }
    assert client.get("/api/v1/me").get_json()["user"]["id"] == user.id
    assert client.post("/api/v1/auth/logout").get_json() == {"user": None}
    assert client.get("/api/v1/me").status_code == 401


def test_me_of_an_official_names_the_official(client, factory):
    official = factory.official(name="شهردار")
    login(client, official.user.username)
    me = client.get("/api/v1/me").get_json()["user"]
    assert me["role"] == "official"
    assert me["official"]["id"] == official.id
    assert me["official"]["name"] == "شهردار"


def test_me_without_login_is_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"


@pytest.mark.parametrize(
    ("username", "password"),
    [("sara", "wrong-password-1"), ("nobody", PASSWORD), ("retired", PASSWORD)],
)
def test_bad_credentials_are_401(client, factory, username, password):
    factory.user("moderator", username="sara")
    factory.user("moderator", username="retired").active = False
    db.session.commit()

    response = login(client, username, password)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"password": PASSWORD}, "username", "required"),
        ({"username": "sara"}, "password", "required"),
        ({"username": ["sara"], "password": PASSWORD}, "username", "not_text"),
        ({"username": "sara", "password": 12345678901}, "password", "not_text"),
        ({"username": "sara", "password": "p" * 300}, "password", "too_long"),
    ],
)
def test_login_field_errors_are_422(client, body, field, code):
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["field"], error["code"]) == (field, code)


def test_logout_without_login_is_harmless(client):
    assert client.post("/api/v1/auth/logout").status_code == 200
