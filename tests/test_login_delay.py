"""Distributed password guessing: attempts at one account wait longer, from any address."""

import uuid

import pytest
from limits.storage import memory
from sqlalchemy import select

from liveqa.domain.login_delay import delay_after
from liveqa.extensions import db
from liveqa.models import User
from tests.conftest import PASSWORD, login
from tests.factories import Factory
from tests.realfixtures import REDIS, redis_answers

VIAS = pytest.mark.parametrize("via", ["api", "page"])
FREE = 3


class Clock:
    """The `time` the limits library's memory storage reads: stopped, moved on by hand."""

    def __init__(self, real):
        self.real = real
        self.start = real.time()
        self.offset = 0.0

    def time(self):
        return self.start + self.offset

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def clock(monkeypatch):
    """Stop the stored delays' clock: a test moves it forward instead of sleeping."""
    fake = Clock(memory.time)
    monkeypatch.setattr(memory, "time", fake)
    return fake


@pytest.fixture
def delayed(app, factory):
    """Return a moderator's user name; three free failures per account, then 1, 2, 4 ... s."""
    app.config["LOGIN_ACCOUNT_FREE_FAILURES"] = FREE
    name = factory.user("moderator", username="mod").username
    db.session.commit()
    return name


def attempt(client, via, username, password, address):
    """Try to log in from ADDRESS through the API or the login page; return the response."""
    environ = {"REMOTE_ADDR": address}
    if via == "api":
        return login(client, username, password, environ_base=environ)
    form = {"username": username, "password": password}
    return client.post("/login", data=form, environ_base=environ)


def addresses(count):
    return [f"10.1.{n // 250}.{n % 250 + 1}" for n in range(count)]


@pytest.mark.parametrize(
    ("failures", "wait"), [(0, 0), (2, 0), (3, 1), (4, 2), (5, 4), (12, 300), (10**9, 300)]
)
def test_the_delay_grows_exponentially_and_is_capped(failures, wait):
    assert delay_after(failures, FREE, 300) == wait


def test_no_free_failures_setting_means_no_delay():
    assert delay_after(50, 0, 300) == 0


@VIAS
def test_forty_wrong_passwords_from_forty_addresses_are_throttled(client, delayed, clock, via):
    statuses = [
        attempt(client, via, delayed, "wrong-password", address).status_code
        for address in addresses(40)
    ]

    # Three free failures, the fourth attempt at once, then every one must wait.
    assert statuses[: FREE + 1] == [401] * (FREE + 1)
    assert statuses[FREE + 1 :] == [429] * (40 - FREE - 1)


@VIAS
def test_a_refusal_says_how_long_to_wait_in_persian(client, delayed, clock, via):
    for address in addresses(FREE + 1):
        attempt(client, via, delayed, "wrong-password", address)

    refused = attempt(client, via, delayed, PASSWORD, "10.9.9.9")

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    if via == "api":
        assert refused.get_json()["error"]["code"] == "login_delayed"
        text = refused.get_json()["error"]["message"]
    else:
        text = refused.get_data(as_text=True)
    assert "تلاش" in text  # "too many wrong attempts at this account", in Persian


@VIAS
def test_the_right_password_works_after_the_delay(client, delayed, clock, via):
    ok = 200 if via == "api" else 303
    wrong = [attempt(client, via, delayed, "wrong", a).status_code for a in addresses(FREE + 2)]
    assert wrong == [401] * (FREE + 1) + [429]

    # Each further attempt waits twice as long as the one before: 1 s, then 2 s.
    clock.offset += 1.5
    assert attempt(client, via, delayed, "wrong", "10.2.0.1").status_code == 401
    clock.offset += 1.5
    assert attempt(client, via, delayed, PASSWORD, "10.2.0.2").status_code == 429
    clock.offset += 1
    assert attempt(client, via, delayed, PASSWORD, "10.2.0.3").status_code == ok


def test_a_right_password_clears_the_count(client, delayed, clock):
    for address in addresses(FREE):
        assert attempt(client, "api", delayed, "wrong", address).status_code == 401
    assert attempt(client, "api", delayed, PASSWORD, "10.3.0.1").status_code == 200
    client.post("/api/v1/auth/logout")

    # Free failures again: nobody waits.
    for address in addresses(FREE):
        assert attempt(client, "api", delayed, "wrong", address).status_code == 401


def test_nothing_is_locked_for_good(client, delayed, clock, app):
    app.config["LOGIN_DELAY_MAX_SECONDS"] = 8
    for _ in range(30):
        clock.offset += 9  # past the cap: every attempt is allowed
        assert attempt(client, "api", delayed, "wrong", "10.4.0.1").status_code == 401
    clock.offset += 9
    assert attempt(client, "api", delayed, PASSWORD, "10.4.0.2").status_code == 200


def test_unknown_user_names_are_delayed_alike(client, delayed, clock):
    statuses = [
        attempt(client, "api", "nobody", "wrong", a).status_code for a in addresses(FREE + 3)
    ]
    # Known and unknown names answer alike, so the delay tells nobody which names exist.
    assert statuses == [401] * (FREE + 1) + [429, 429]


def test_other_accounts_are_not_delayed(client, delayed, factory):
    other = factory.user("moderator", username="other").username
    for address in addresses(FREE + 3):
        attempt(client, "api", delayed, "wrong", address)
    assert attempt(client, "api", other, PASSWORD, "10.5.0.1").status_code == 200


def test_the_same_name_in_other_case_and_spaces_is_one_account(client, delayed, clock):
    names = ["mod", " MOD ", "Mod", "mOd "]
    statuses = [
        attempt(client, "api", name, "wrong", a).status_code
        for name, a in zip(names * 2, addresses(8), strict=True)
    ]
    assert statuses[FREE + 1 :] == [429] * (8 - FREE - 1)


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_processes_sharing_redis_share_the_delay(make_app):
    # Two apps stand for two server processes: their memory is their own, Redis is shared.
    shared = {
        "LOGIN_ACCOUNT_FREE_FAILURES": FREE,
        # Long delays: the test must not depend on how fast the requests go.
        "LOGIN_DELAY_FIRST_SECONDS": 60,
        "LOGIN_THROTTLE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/11",
        "SOCKETIO_CHANNEL": f"liveqa-test-{uuid.uuid4().hex}",
    }
    first, second = make_app(**shared), make_app(**shared)
    for app in (first, second):
        with app.app_context():
            # On PostgreSQL both apps share this worker's database.
            if db.session.scalar(select(User.id).where(User.username == "mod")) is None:
                Factory().user("moderator", username="mod")
    clients = [first.test_client(), second.test_client()]

    statuses = [
        attempt(clients[n % 2], "api", "mod", "wrong", address).status_code
        for n, address in enumerate(addresses(10))
    ]

    assert statuses == [401] * (FREE + 1) + [429] * (10 - FREE - 1)
    assert int(attempt(clients[0], "api", "mod", PASSWORD, "10.6.0.1").headers["Retry-After"]) >= 55
