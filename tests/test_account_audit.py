"""Audit: log-ins, log-outs, failed log-ins and refused staff actions each leave a row."""

import json

import pytest
from sqlalchemy import select

from liveqa.domain import audit
from liveqa.extensions import db
from liveqa.models import AuditRecord, QuestionStatus, SessionStatus
from tests.conftest import PASSWORD, connect, idle, login

HERE = "10.7.0.1"


def rows(action):
    """Return the audit rows of ACTION, oldest first."""
    idle()
    db.session.expire_all()
    query = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
    return db.session.scalars(query).all()


def page_login(client, username, password, address=HERE):
    form = {"username": username, "password": password}
    return client.post("/login", data=form, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def moderator(factory):
    user = factory.user("moderator", username="mod")
    idle()
    return user


@pytest.mark.parametrize("via", ["api", "page"])
def test_a_log_in_is_audited_with_its_address(client, moderator, via):
    if via == "api":
        login(client, "mod", environ_base={"REMOTE_ADDR": HERE})
    else:
        page_login(client, "mod", PASSWORD)

    [row] = rows(audit.LOGIN)
    assert row.actor_id == moderator.id
    assert row.after == {"address": HERE, "second_factor": False}


@pytest.mark.parametrize("via", ["api", "page"])
def test_a_wrong_password_is_audited_with_the_name_as_typed_never_the_password(
    client, moderator, via
):
    secret = "my-wrong-secret-42"
    if via == "api":
        response = login(client, " Mod ", secret, environ_base={"REMOTE_ADDR": HERE})
    else:
        response = page_login(client, " Mod ", secret)
    assert response.status_code == 401

    [row] = rows(audit.LOGIN_FAILED)
    assert row.actor_id == moderator.id
    # As typed (case kept); only outer spaces and what no text may hold are dropped.
    assert row.after == {"username": "Mod", "address": HERE, "reason": "wrong_password"}
    assert secret not in json.dumps([row.before, row.after])
    assert rows(audit.LOGIN) == []


def test_an_unknown_user_name_is_audited_with_no_actor(client, moderator):
    assert (
        login(client, "nobody", "whatever-pass", environ_base={"REMOTE_ADDR": HERE}).status_code
        == 401
    )

    [row] = rows(audit.LOGIN_FAILED)
    assert row.actor_id is None
    assert row.after == {"username": "nobody", "address": HERE, "reason": "unknown_user"}


def test_a_deactivated_account_is_audited_as_such(client, factory):
    user = factory.user("moderator", username="gone")
    user.active = False
    idle()

    assert login(client, "gone").status_code == 401
    [row] = rows(audit.LOGIN_FAILED)
    assert (row.actor_id, row.after["reason"]) == (user.id, "inactive")


@pytest.mark.parametrize("via", ["api", "page"])
def test_a_log_out_is_audited(client, moderator, via):
    login(client, "mod")
    if via == "api":
        client.post("/api/v1/auth/logout")
    else:
        client.post("/logout")

    [row] = rows(audit.LOGOUT)
    assert row.actor_id == moderator.id


def test_a_forbidden_api_call_is_audited(client, factory):
    official = factory.official().user
    question = factory.question(
        factory.session(SessionStatus.LIVE), status=QuestionStatus.SUBMITTED
    )
    idle()
    login(client, official.username)

    refused = client.post(f"/api/v1/questions/{question.id}/approve", json={})

    assert refused.status_code == 403
    [row] = rows(audit.DENIED)
    assert row.actor_id == official.id
    assert row.after == {
        "code": "forbidden",
        "method": "POST",
        "path": f"/api/v1/questions/{question.id}/approve",
    }


def test_a_forbidden_staff_page_is_audited(client, factory):
    official = factory.official().user
    idle()
    login(client, official.username)

    assert client.get("/moderate").status_code == 403

    [row] = rows(audit.DENIED)
    assert (row.actor_id, row.after["path"], row.after["method"]) == (
        official.id,
        "/moderate",
        "GET",
    )


def test_a_verb_refused_by_the_domain_is_audited(client, factory):
    # An official may not answer a question routed to another official: the verb says so.
    question = factory.question(status=QuestionStatus.ROUTED)  # routed to its own official
    mine = factory.official()
    idle()
    login(client, mine.user.username)

    refused = client.post(f"/api/v1/questions/{question.id}/on-air", json={})

    assert refused.status_code == 403
    [row] = rows(audit.DENIED)
    assert (row.actor_id, row.after["code"]) == (mine.user.id, "not_yours")


def test_a_refused_staff_room_is_audited(app, factory):
    session_id = factory.session(SessionStatus.LIVE).id
    official = factory.official().user
    official_id = official.id
    sock = connect(app, official)

    ack = sock.emit("join", {"session_id": session_id, "room": "moderators"}, callback=True)

    assert ack["ok"] is False
    [row] = rows(audit.DENIED)
    assert row.actor_id == official_id
    assert row.after == {
        "code": "forbidden",
        "event": "join",
        "room": "moderators",
        "session_id": session_id,
    }


def test_citizens_refusals_are_not_audited(app, client, factory):
    live = factory.session(SessionStatus.LIVE)
    idle()
    sock = connect(app)

    assert (
        sock.emit("join", {"session_id": live.id, "room": "moderators"}, callback=True)["ok"]
        is False
    )
    assert client.get("/moderate").status_code == 302
    assert client.post("/api/v1/questions/1/approve", json={}).status_code == 401
    assert rows(audit.DENIED) == []


def test_allowed_staff_actions_leave_no_refusal(client, moderator, factory):
    question = factory.question(
        factory.session(SessionStatus.LIVE), status=QuestionStatus.SUBMITTED
    )
    idle()
    login(client, "mod")

    assert client.post(f"/api/v1/questions/{question.id}/approve", json={}).status_code == 200
    assert rows(audit.DENIED) == []
