"""The staff log-in and log-out pages: where each role lands, local next only, wrong passwords."""

import pytest

from tests.conftest import PASSWORD, html


@pytest.fixture
def client(locale_client):
    """Pages are read in the language each request asks for."""
    return locale_client


@pytest.mark.parametrize(
    ("role", "target"),
    [("moderator", "/moderate"), ("operator", "/moderate"), ("admin", "/moderate")],
)
def test_login_redirects_by_role(client, factory, role, target):
    user = factory.user(role)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == target


def test_login_of_an_official_goes_to_the_panel(client, factory):
    official = factory.official()
    response = client.post(
        "/login", data={"username": official.user.username, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/panel"


@pytest.mark.parametrize(
    ("next_url", "target"),
    [
        ("/moderate?tab=new", "/moderate?tab=new"),
        ("https://evil.example/", "/moderate"),
        ("//evil.example/", "/moderate"),
        ("/\\evil.example", "/moderate"),
        ("javascript:alert(1)", "/moderate"),
    ],
)
def test_login_follows_only_local_next(client, factory, next_url, target):
    user = factory.user("moderator")
    response = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "next": next_url},
    )
    assert response.headers["Location"] == target


def test_login_with_a_wrong_password_rerenders(client, factory):
    user = factory.user("moderator")
    response = client.post("/login?lang=en", data={"username": user.username, "password": "x"})
    assert response.status_code == 401
    page = html(response)
    assert "not correct" in page
    assert f'value="{user.username}"' in page


def test_logout_ends_the_staff_session(client, factory):
    user = factory.user("moderator")
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert user.display_name in html(client.get("/"))
    response = client.post("/logout")
    assert response.status_code == 303
    assert user.display_name not in html(client.get("/"))
    assert client.get("/logout").status_code == 405


def test_login_page_when_logged_in_redirects(client, factory):
    user = factory.user("moderator")
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert client.get("/login").headers["Location"] == "/moderate"
