"""Guessing: wrong tracking codes and wrong passwords per address are limited everywhere."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from liveqa import create_app
from liveqa.domain.tracking import check_digit
from liveqa.extensions import db, socketio
from liveqa.models import QuestionStatus
from tests.conftest import PASSWORD, login

# Well-formed (valid check digit) but unknown codes: what guessing produces.
WRONG = [body + check_digit(body) for body in ("1234567", "7654321", "1111111")]
TYPO = "12345670" if check_digit("1234567") != "0" else "12345671"


@pytest.fixture
def limited(app, factory):
    """Return a known tracking code, with at most two wrong lookups a minute allowed."""
    app.config["TRACKING_FAILURES_PER_MINUTE"] = 2
    code = factory.question(status=QuestionStatus.APPROVED).tracking_code
    # End the test's read transaction: on SQLite it holds the write lock.
    db.session.commit()
    return code


def test_api_refuses_lookups_after_too_many_wrong_codes(client, limited):
    assert client.get(f"/api/v1/questions/{limited}").status_code == 200
    assert [client.get(f"/api/v1/questions/{c}").status_code for c in WRONG[:2]] == [404, 404]
    refused = client.get(f"/api/v1/questions/{limited}")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_typos_do_not_count(client, limited):
    for _ in range(5):
        assert client.get(f"/api/v1/questions/{TYPO}").status_code == 404
        assert client.get(f"/track/{TYPO}").status_code == 404
    assert client.get(f"/api/v1/questions/{limited}").status_code == 200


def test_right_codes_do_not_count(client, limited):
    for _ in range(5):
        assert client.get(f"/api/v1/questions/{limited}").status_code == 200
    assert client.get(f"/api/v1/questions/{WRONG[0]}").status_code == 404


def test_tracking_page_refuses_after_too_many_wrong_codes(client, limited):
    assert [client.get(f"/track/{c}").status_code for c in WRONG[:2]] == [404, 404]
    assert client.get(f"/track/{limited}").status_code == 429


def test_socket_track_refuses_after_too_many_wrong_codes(app, client, limited):
    sock = socketio.test_client(app, flask_test_client=client)
    for code in WRONG[:2]:
        ack = sock.emit("track", {"code": code}, callback=True)
        assert ack["error"]["code"] == "unknown_code"
    refused = sock.emit("track", {"code": limited}, callback=True)
    assert refused["error"]["code"] == "rate_limited"
    sock.disconnect()


def test_behind_a_proxy_each_citizen_has_their_own_allowance(app, client, limited):
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # what PROXY_HOPS=1 installs
    guesser = {"X-Forwarded-For": "10.0.0.1"}
    citizen = {"X-Forwarded-For": "10.0.0.2"}
    for code in WRONG[:2]:
        assert client.get(f"/api/v1/questions/{code}", headers=guesser).status_code == 404
    assert client.get(f"/api/v1/questions/{limited}", headers=guesser).status_code == 429
    assert client.get(f"/api/v1/questions/{limited}", headers=citizen).status_code == 200


def test_proxy_hops_setting_installs_the_proxy_fix(tmp_path):
    proxied = create_app(
        "test", PROXY_HOPS=1, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}"
    )
    assert isinstance(proxied.wsgi_app, ProxyFix)
    assert not isinstance(create_app("test").wsgi_app, ProxyFix)


@pytest.mark.parametrize("via", ["api", "page"])
def test_log_ins_are_refused_after_too_many_wrong_passwords(app, client, factory, via):
    app.config["LOGIN_FAILURES_PER_MINUTE"] = 2
    user = factory.user("moderator", username="mod")
    db.session.commit()

    def attempt(password):
        if via == "api":
            return login(client, user.username, password).status_code
        form = {"username": user.username, "password": password}
        return client.post("/login", data=form).status_code

    ok = 200 if via == "api" else 303
    assert attempt(PASSWORD) == ok  # successes do not count
    assert [attempt("wrong-password"), attempt("wrong-password")] == [401, 401]
    assert attempt(PASSWORD) == 429
