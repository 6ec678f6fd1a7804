"""An administrator sets up the second factor in Chromium, then logs in with a code."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect
from realserver import PASSWORD, server_logs, start_servers

pytestmark = [pytest.mark.server, pytest.mark.browser]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Start one seeded server whose administrators must use a second factor."""
    servers, info = start_servers(
        tmp_path_factory.mktemp("e2e-totp"), env_extra={"LIVEQA_TOTP_REQUIRED_ROLES": "admin"}
    )
    yield servers[0], info
    for server in servers:
        server.stop()
    print(server_logs(servers))


def submit(page, testid):
    with page.expect_navigation():
        page.get_by_test_id(testid).click()


def log_in_with_password(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    submit(page, "login-submit")


def test_an_admin_enrols_then_logs_in_with_a_code(contexts, seed_info):
    admin = seed_info["admin"]
    violations = []
    page = contexts.new()
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )

    # After the password, an admin without a second factor can only set it up.
    log_in_with_password(page, admin)
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))
    expect(page.get_by_test_id("totp-required")).to_be_visible()
    page.goto("/moderate")
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))

    submit(page, "totp-start")
    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code did not load"
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    authenticator = pyotp.TOTP(secret)
    page.get_by_test_id("totp-otp").fill(authenticator.now())
    submit(page, "totp-confirm")
    expect(page).to_have_url(re.compile(r"/moderate$"))

    # Log out, and in again: now the code is asked for after the password. The code of the
    # next time step: the one just used for enrolment cannot be used twice.
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("خروج|Log out")).click()
    log_in_with_password(page, admin)
    code_field = page.get_by_test_id("login-otp")
    expect(code_field).to_be_visible()
    code_field.fill(authenticator.at(time.time() + 30))
    submit(page, "code-submit")

    expect(page).to_have_url(re.compile(r"/moderate$"))
    assert violations == []


def test_other_roles_are_not_asked_for_a_code(contexts, seed_info):
    moderator = seed_info["moderator"]  # no second factor, and the role needs none
    page = contexts.new()
    log_in_with_password(page, moderator)
    expect(page).to_have_url(re.compile(r"/moderate$"))
