"""The second factor (TOTP): enrolment, log-in with a code, no replay, roles that must use it."""

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from config import ProductionConfig
from liveqa.app import create_app
from liveqa.domain import audit, totp
from liveqa.domain.permissions import roles_named
from liveqa.domain.second_factor import confirm_enrolment, start_enrolment
from liveqa.domain.text import local_number
from liveqa.extensions import db, socketio
from liveqa.models import AuditRecord, SessionStatus, User
from tests.conftest import PASSWORD, idle, login

NOW = 1_900_000_000.0  # a fixed moment, so each test chooses which time step a code is for


class Clock:
    """The `time` liveqa.domain.totp reads: stopped at NOW, moved on by hand."""

    now = NOW

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(totp, "time", fake)
    return fake


def code(secret, clock, steps=0):
    """Return the code of SECRET at CLOCK's time, STEPS time steps later."""
    return pyotp.TOTP(secret).at(clock.now + steps * totp.STEP_SECONDS)


@pytest.fixture
def enrolled(factory, clock):
    """Return (user name, secret) of a moderator whose second factor is on."""
    user = factory.user("moderator", username="mod")
    secret = start_enrolment(user)["secret"]
    confirm_enrolment(user, code(secret, clock, steps=-1))
    idle()
    return "mod", secret


def otp_login(client, username, otp=None, password=PASSWORD):
    payload = {"username": username, "password": password}
    if otp is not None:
        payload["otp"] = otp
    return client.post("/api/v1/auth/login", json=payload)


# --- enrolment ----------------------------------------------------------------------


def test_enrolment_through_the_api(client, factory, clock):
    user = factory.user("moderator", username="mod")
    idle()
    login(client, "mod")

    started = client.post("/api/v1/auth/totp/start").get_json()["enrolment"]
    assert started["uri"].startswith("otpauth://totp/LiveQA:mod?secret=" + started["secret"])
    assert started["qr"].startswith("data:image/svg+xml")
    wrong = client.post("/api/v1/auth/totp/confirm", json={"otp": "000000"})
    assert (wrong.status_code, wrong.get_json()["error"]["field"]) == (422, "otp")
    done = client.post("/api/v1/auth/totp/confirm", json={"otp": code(started["secret"], clock)})

    assert done.get_json()["user"]["totp_enabled"] is True
    # Never shown again, and stored encrypted.
    assert client.post("/api/v1/auth/totp/start").status_code == 409
    assert started["secret"] not in client.get("/api/v1/me").get_data(as_text=True)
    stored = db.session.scalar(select(User.totp_secret).where(User.id == user.id))
    assert started["secret"] not in stored
    assert totp.unseal(stored) == started["secret"]
    assert [r.actor_id for r in audit_rows(audit.SECOND_FACTOR_ON)] == [user.id]


def test_enrolment_needs_a_log_in(client):
    assert client.post("/api/v1/auth/totp/start").status_code == 401
    assert client.post("/api/v1/auth/totp/confirm", json={"otp": "123456"}).status_code == 401


def test_the_page_shows_a_qr_code_and_the_secret_then_turns_it_on(client, factory, clock):
    factory.user("moderator", username="mod")
    idle()
    login(client, "mod")

    assert "totp-start" in client.get("/account/second-factor").get_data(as_text=True)
    client.post("/account/second-factor/start")
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    done = client.post("/account/second-factor", data={"otp": code(secret, clock)})

    assert done.status_code == 303
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "totp-enabled" in page
    assert secret not in page


# --- log-in with a code -------------------------------------------------------------


def test_log_in_asks_for_the_code_after_the_right_password(client, enrolled, clock):
    name, secret = enrolled
    asked = otp_login(client, name)
    assert (asked.status_code, asked.get_json()["error"]["code"]) == (401, "otp_required")
    assert client.get("/api/v1/me").status_code == 401

    wrong_password = otp_login(client, name, code(secret, clock), password="not-the-password")
    assert wrong_password.get_json()["error"]["code"] == "invalid_credentials"

    assert otp_login(client, name, "123456").get_json()["error"]["code"] == "invalid_otp"
    assert otp_login(client, name, code(secret, clock)).status_code == 200
    assert client.get("/api/v1/me").get_json()["user"]["totp_enabled"] is True


def test_a_used_code_cannot_be_replayed(client, enrolled, clock):
    name, secret = enrolled
    used = code(secret, clock)
    assert otp_login(client, name, used).status_code == 200
    client.post("/api/v1/auth/logout")

    replayed = otp_login(client, name, used)
    assert replayed.get_json()["error"]["code"] == "invalid_otp"
    # Nor an older one still inside the drift window: the enrolment's own code.
    assert otp_login(client, name, code(secret, clock, -1)).status_code == 401
    assert otp_login(client, name, code(secret, clock, 1)).status_code == 200


def test_codes_outside_the_drift_window_are_refused(client, enrolled, clock):
    name, secret = enrolled
    assert otp_login(client, name, code(secret, clock, 2)).status_code == 401
    assert otp_login(client, name, code(secret, clock, 1)).status_code == 200


def test_persian_digits_are_accepted(client, enrolled, clock):
    name, secret = enrolled
    assert otp_login(client, name, local_number(code(secret, clock))).status_code == 200


def test_a_wrong_code_is_audited_and_a_right_one_logs_the_factor(client, enrolled, clock):
    name, secret = enrolled
    otp_login(client, name, "000000")
    otp_login(client, name, code(secret, clock))
    assert [r.after["reason"] for r in audit_rows(audit.LOGIN_FAILED)] == ["wrong_code"]
    assert audit_rows(audit.LOGIN)[-1].after["second_factor"] is True


def test_wrong_codes_are_delayed_per_account(client, enrolled, clock, app):
    app.config["LOGIN_ACCOUNT_FREE_FAILURES"] = 2
    name, _secret = enrolled
    statuses = [otp_login(client, name, "000000").status_code for _ in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert set(statuses[3:]) == {429}


def test_the_log_in_page_asks_for_the_code(client, enrolled, clock):
    name, secret = enrolled
    asked = client.post("/login", data={"username": name, "password": PASSWORD})
    assert asked.status_code == 200
    assert 'data-testid="login-otp"' in asked.get_data(as_text=True)
    assert client.get("/moderate").status_code == 302  # not logged in yet

    wrong = client.post("/login/code", data={"otp": "000000"})
    assert wrong.status_code == 401
    done = client.post("/login/code", data={"otp": code(secret, clock)})
    assert (done.status_code, done.headers["Location"]) == (303, "/moderate")
    assert client.get("/moderate").status_code == 200


def test_the_code_page_needs_a_right_password_first(client, enrolled, clock):
    _name, secret = enrolled
    refused = client.post("/login/code", data={"otp": code(secret, clock)})
    assert refused.status_code == 401
    assert client.get("/moderate").status_code == 302


def test_the_code_page_times_out(client, enrolled, clock, monkeypatch):
    name, secret = enrolled
    client.post("/login", data={"username": name, "password": PASSWORD})
    with client.session_transaction() as cookie:
        cookie["liveqa_pending_login"]["until"] = 0
        cookie.modified = True
    assert client.post("/login/code", data={"otp": code(secret, clock)}).status_code == 401


# --- roles that must use it ---------------------------------------------------------


@pytest.fixture
def admins_need_it(app):
    app.config["TOTP_REQUIRED_ROLES"] = ["admin"]
    app.extensions.pop("liveqa_totp_roles", None)


def test_an_admin_without_a_second_factor_can_only_enrol(client, factory, clock, admins_need_it):
    live = factory.session(SessionStatus.LIVE)
    factory.user("admin", username="boss")
    idle()

    me = login(client, "boss").get_json()["user"]
    assert me["totp_enrolment_required"] is True
    refused = client.get(f"/api/v1/sessions/{live.id}/queue")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (
        403,
        "totp_enrolment_required",
    )
    sent = client.get("/moderate")
    assert (sent.status_code, sent.headers["Location"]) == (302, "/account/second-factor")
    assert client.get("/").status_code == 302

    secret = client.post("/api/v1/auth/totp/start").get_json()["enrolment"]["secret"]
    client.post("/api/v1/auth/totp/confirm", json={"otp": code(secret, clock)})

    assert client.get(f"/api/v1/sessions/{live.id}/queue").status_code == 200
    assert client.get("/moderate").status_code == 200


def test_an_admin_socket_may_not_join_staff_rooms_before_enrolling(
    app, client, factory, admins_need_it
):
    session_id = factory.session(SessionStatus.LIVE).id
    factory.user("admin", username="boss")
    idle()
    login(client, "boss")
    sock = socketio.test_client(app, flask_test_client=client)

    ack = sock.emit("join", {"session_id": session_id, "room": "moderators"}, callback=True)

    assert ack["error"]["code"] == "totp_enrolment_required"
    assert ack["error"]["code"] == audit_rows(audit.DENIED)[-1].after["code"]


def test_other_roles_are_not_asked(client, factory, admins_need_it):
    factory.user("moderator", username="mod")
    idle()
    assert login(client, "mod").get_json()["user"]["totp_enrolment_required"] is False
    assert client.get("/moderate").status_code == 200


def test_production_requires_it_for_admins():
    assert roles_named(ProductionConfig.TOTP_REQUIRED_ROLES) == roles_named(["admin"])


def test_an_unknown_role_in_the_setting_stops_start_up():
    with pytest.raises(RuntimeError, match=r"LIVEQA_TOTP_REQUIRED_ROLES.*'mayor'"):
        create_app("test", TOTP_REQUIRED_ROLES=["admin", "mayor"])


# --- secrets at rest ----------------------------------------------------------------


def test_secrets_survive_a_key_rotation(app, ctx):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["TOTP_KEYS"] = [old]
    sealed = totp.seal("JBSWY3DPEHPK3PXP")
    app.config["TOTP_KEYS"] = [new, old]
    assert totp.unseal(sealed) == "JBSWY3DPEHPK3PXP"
    app.config["TOTP_KEYS"] = [new]
    assert totp.unseal(sealed) is None


def test_the_cli_resets_a_lost_second_factor(app, client, enrolled):
    result = app.test_cli_runner().invoke(args=["reset-second-factor", "mod"])
    assert result.exit_code == 0, result.output
    assert otp_login(client, "mod").status_code == 200  # no code asked any more


def audit_rows(action):
    idle()
    db.session.expire_all()
    query = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
    return db.session.scalars(query).all()
