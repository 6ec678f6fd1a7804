"""Guessing: wrong tracking codes and wrong passwords per address are limited everywhere."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from liveqa.app import create_app
from liveqa.domain.limits import SlidingWindowLimiter
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
    assert any(isinstance(layer, ProxyFix) for layer in middleware(proxied))
    assert not any(isinstance(layer, ProxyFix) for layer in middleware(create_app("test")))


def middleware(app) -> list:
    """Return APP's WSGI middleware, outermost first (each wraps the next as `.app`)."""
    layers, layer = [], app.wsgi_app
    while layer is not None and layer not in layers:
        layers.append(layer)
        layer = getattr(layer, "app", None)
    return layers


def attempt(client, via, username, password, address="127.0.0.1") -> int:
    """Try to log in through the API or the login page; return the status code."""
    environ = {"REMOTE_ADDR": address}
    if via == "api":
        return login(client, username, password, environ_base=environ).status_code
    form = {"username": username, "password": password}
    return client.post("/login", data=form, environ_base=environ).status_code


def logged_in(via) -> int:
    return 200 if via == "api" else 303


@pytest.fixture
def two_failures_a_minute(app):
    """Allow two wrong passwords a minute per user name (ten per address)."""
    app.config["LOGIN_FAILURES_PER_MINUTE"] = 2


VIAS = pytest.mark.parametrize("via", ["api", "page"])


@VIAS
def test_log_ins_are_refused_after_too_many_wrong_passwords(
    client, factory, two_failures_a_minute, via
):
    name = factory.user("moderator", username="mod").username
    db.session.commit()
    ok = logged_in(via)

    # Successes, before and between the failures, do not count.
    assert attempt(client, via, name, PASSWORD) == ok
    assert attempt(client, via, name, "wrong-password") == 401
    assert [attempt(client, via, name, PASSWORD) for _ in range(3)] == [ok] * 3
    assert attempt(client, via, " MOD ", "wrong-password") == 401  # the same account
    assert attempt(client, via, name, PASSWORD) == 429


@VIAS
def test_log_ins_sent_at_once_cannot_pass_the_limit(
    app, client, factory, two_failures_a_minute, via
):
    name = factory.user("moderator", username="mod").username
    db.session.commit()
    checked, statuses = [], []

    def send():
        place = len(statuses)
        statuses.append(None)  # the attempt counts as sent from here on
        statuses[place] = attempt(client, via, name, "wrong-password")

    def run_blocking(function, *args):
        # Every remaining attempt arrives while this one's password check is still to come.
        checked.append(args)
        while len(statuses) < 5:
            send()
        return function(*args)

    app.config["RUN_BLOCKING"] = run_blocking
    send()

    assert len(checked) == 2
    assert sorted(statuses) == [401, 401, 429, 429, 429]


@VIAS
def test_one_users_wrong_passwords_do_not_lock_out_a_colleague(
    client, factory, two_failures_a_minute, via
):
    guessed = factory.user("moderator", username="mod").username
    colleague = factory.user("operator", username="op").username
    db.session.commit()

    assert [attempt(client, via, guessed, "wrong-password") for _ in range(2)] == [401, 401]
    assert attempt(client, via, guessed, PASSWORD) == 429
    assert attempt(client, via, colleague, "wrong-password") == 401
    assert attempt(client, via, colleague, PASSWORD) == logged_in(via)


@VIAS
def test_one_address_cannot_try_many_user_names(client, factory, two_failures_a_minute, via):
    name = factory.user("moderator", username="mod").username
    db.session.commit()

    tries = [attempt(client, via, f"user{n}", "wrong-password") for n in range(10)]
    assert tries == [401] * 10
    assert attempt(client, via, name, PASSWORD) == 429
    assert attempt(client, via, name, PASSWORD, address="10.0.0.9") == logged_in(via)


def test_a_hit_given_back_frees_its_place():
    limiter = SlidingWindowLimiter(2, window=60, clock=lambda: 0.0)
    assert [limiter.hit("a"), limiter.hit("a")] == [0, 0]
    assert limiter.hit("a") > 0
    limiter.give_back("a")
    limiter.give_back("b")  # nothing to give back: harmless
    assert limiter.hit("a") == 0
    assert limiter.hit("a") > 0


def test_pages_say_when_to_retry_too(app, client, limited):
    for code in WRONG[:2]:
        client.get(f"/track/{code}")
    refused = client.get(f"/track/{limited}")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
