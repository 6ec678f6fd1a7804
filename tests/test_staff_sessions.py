"""Staff sessions end on the server: log-out, password change and deactivation.

A signed cookie cannot be recalled, so each user's session generation is stamped into
the log-in; ending the sessions bumps it, and every copy of the old cookie stops working,
and the user's sockets are closed.
"""

import pytest
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import select, update
from sqlalchemy import text as sql_text

from liveqa.domain.accounts import authenticate
from liveqa.extensions import db
from liveqa.models import QuestionStatus, SessionStatus, User
from liveqa.realtime import EXTENSION_KEY, WATCH_KEY
from tests.conftest import (
    FreshContextClient,
    connect,
    events,
    fresh,
    idle,
    join,
    login,
)

NEW_PASSWORD = "a-brand-new-pass-42"


def _replay(app, cookie: str) -> FreshContextClient:
    """Return a new client carrying only a copy of the session cookie COOKIE."""
    thief = FreshContextClient(app, app.response_class, use_cookies=True)
    thief.set_cookie("session", cookie)
    return thief


def _assert_logged_out(client, session_id: int) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/api/v1/sessions/{session_id}/queue").status_code == 401
    page = client.get("/moderate")
    assert page.status_code == 302
    assert "/login" in page.headers["Location"]


@pytest.fixture
def logged_in(app, client, factory):
    """Return (moderator, a live session, the moderator's client, a copy of its cookie)."""
    live = factory.session(SessionStatus.LIVE)
    moderator = factory.user("moderator")
    assert login(client, moderator.username).status_code == 200
    assert client.get(f"/api/v1/sessions/{live.id}/queue").status_code == 200
    return moderator, live, client, client.get_cookie("session").value


def _runner(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        idle()
        with force_locale("en"):
            return runner.invoke(args=list(args), input=input)

    return invoke


def test_a_copy_of_the_cookie_works_before_log_out(app, logged_in):
    _moderator, live, _client, cookie = logged_in
    thief = _replay(app, cookie)
    assert thief.get("/api/v1/me").status_code == 200
    assert thief.get(f"/api/v1/sessions/{live.id}/queue").status_code == 200


def test_log_out_ends_the_session_for_a_replayed_cookie(app, logged_in):
    _moderator, live, client, cookie = logged_in

    assert client.post("/api/v1/auth/logout", json={}).status_code == 200

    _assert_logged_out(_replay(app, cookie), live.id)


def test_page_log_out_ends_the_session_for_a_replayed_cookie(app, logged_in):
    _moderator, live, client, cookie = logged_in

    assert client.post("/logout").status_code == 303

    _assert_logged_out(_replay(app, cookie), live.id)


def test_deactivation_ends_the_session(app, logged_in):
    moderator, live, client, cookie = logged_in

    result = _runner(app)("deactivate-user", moderator.username)

    assert result.exit_code == 0, result.output
    assert "Deactivated" in result.output
    assert fresh(User, moderator.id).active is False
    _assert_logged_out(client, live.id)
    _assert_logged_out(_replay(app, cookie), live.id)


def test_password_change_ends_the_session_and_the_new_password_works(app, logged_in):
    moderator, live, client, cookie = logged_in

    result = _runner(app)("set-password", moderator.username, "--password", NEW_PASSWORD)

    assert result.exit_code == 0, result.output
    _assert_logged_out(client, live.id)
    _assert_logged_out(_replay(app, cookie), live.id)
    assert login(client, moderator.username).status_code == 401
    assert login(client, moderator.username, NEW_PASSWORD).status_code == 200
    assert client.get(f"/api/v1/sessions/{live.id}/queue").status_code == 200


def test_a_short_new_password_is_refused_and_changes_nothing(app, logged_in):
    moderator, live, client, _cookie = logged_in

    result = _runner(app)("set-password", moderator.username, "--password", "short")

    assert result.exit_code != 0
    assert "at least" in result.output
    assert client.get(f"/api/v1/sessions/{live.id}/queue").status_code == 200
    assert authenticate(moderator.username, NEW_PASSWORD) is None


def test_an_unknown_user_is_refused(app, ctx):
    result = _runner(app)("deactivate-user", "nobody-here")
    assert result.exit_code != 0
    assert "No such user" in result.output


def test_logging_in_again_after_log_out_works(app, logged_in):
    moderator, live, client, cookie = logged_in
    client.post("/api/v1/auth/logout", json={})

    assert login(client, moderator.username).status_code == 200

    assert client.get(f"/api/v1/sessions/{live.id}/queue").status_code == 200
    assert _replay(app, cookie).get("/api/v1/me").status_code == 401


def test_log_out_ends_the_other_browsers_sessions_too(app, factory, logged_in):
    moderator, live, client, _cookie = logged_in
    other = FreshContextClient(app, app.response_class, use_cookies=True)
    assert login(other, moderator.username).status_code == 200

    client.post("/api/v1/auth/logout", json={})

    _assert_logged_out(other, live.id)


# --- sockets -----------------------------------------------------------------------


@pytest.fixture
def moderator_socket(app, factory):
    """Return (moderator, a live session, their socket in the moderators room)."""
    live = factory.session(SessionStatus.LIVE)
    moderator = factory.user("moderator")
    sock = connect(app, moderator)
    join(sock, live.id, "moderators")
    sock.get_received()
    return moderator, live, sock


def _staff_change(app, factory, live) -> None:
    """Make a change every moderators room hears of (a question approved by another)."""
    question = factory.question(live, status=QuestionStatus.SUBMITTED)
    idle()
    other = FreshContextClient(app, app.response_class, use_cookies=True)
    assert login(other, factory.user("moderator").username).status_code == 200
    approved = other.post(f"/api/v1/questions/{question.id}/approve", json={})
    assert approved.status_code == 200, approved.get_json()


def test_a_moderator_socket_hears_staff_changes_while_logged_in(app, factory, moderator_socket):
    _moderator, live, sock = moderator_socket
    _staff_change(app, factory, live)
    assert sock.is_connected()
    assert events(sock, "changes")


def test_log_out_disconnects_the_users_sockets(app, factory, moderator_socket):
    _moderator, live, sock = moderator_socket
    http = sock.flask_test_client

    assert http.post("/api/v1/auth/logout", json={}).status_code == 200

    assert not sock.is_connected()
    _staff_change(app, factory, live)
    assert not sock.is_connected()


def test_deactivation_disconnects_the_users_sockets(app, factory, moderator_socket):
    moderator, _live, sock = moderator_socket

    assert _runner(app)("deactivate-user", moderator.username).exit_code == 0

    assert not sock.is_connected()


def test_the_session_check_closes_sockets_whose_session_ended_elsewhere(
    app, factory, moderator_socket
):
    # As when another process without a message queue (the command line) ends it: only
    # the database changed, no message reached this process.
    moderator, _live, sock = moderator_socket
    citizen = connect(app)
    db.session.execute(
        update(User)
        .where(User.id == moderator.id)
        .values(session_generation=User.session_generation + 1)
    )
    idle()
    assert sock.is_connected()

    assert app.extensions[WATCH_KEY].check() == 1

    assert not sock.is_connected()
    assert citizen.is_connected()
    remembered = app.extensions[EXTENSION_KEY].values()
    assert [state.user_id for state in remembered] == [None]
    assert app.extensions[WATCH_KEY].check() == 0


def test_a_socket_whose_session_ended_may_not_join_staff_rooms(app, factory, moderator_socket):
    moderator, live, sock = moderator_socket
    db.session.execute(
        update(User)
        .where(User.id == moderator.id)
        .values(session_generation=User.session_generation + 1)
    )
    idle()

    ack = sock.emit("join", {"session_id": live.id, "room": "moderators"}, callback=True)

    assert ack["ok"] is False
    assert ack["error"]["code"] == "login_required"


def test_a_session_without_a_generation_is_refused(app, client, factory):
    # Sessions from before generations (a bare user id) no longer load anyone.
    live = factory.session(SessionStatus.LIVE)
    moderator = factory.user("moderator")
    idle()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(moderator.id)

    _assert_logged_out(client, live.id)


def test_the_migration_gives_existing_accounts_generation_zero(app):
    with app.app_context():
        db.drop_all()
        upgrade(revision="14058a76547c")
        db.session.execute(
            sql_text(
                "INSERT INTO users (username, display_name, password_hash, role, active,"
                " created_at) VALUES ('old', 'Old', 'x', 'moderator', true, '2026-11-30')"
            )
        )
        db.session.commit()
        upgrade()
        user = db.session.scalar(select(User).where(User.username == "old"))
        assert user.session_generation == 0
        assert user.get_id() == f"{user.id}:0"
        db.session.remove()
