"""Staff passwords: at least twelve characters and not on the common-password list."""

import pytest
from flask_babel import force_locale

from config import Config
from liveqa.domain.accounts import (
    MIN_PASSWORD_CHARS,
    authenticate,
    change_password,
    create_user,
    hash_password,
    is_common_password,
)
from liveqa.domain.errors import ValidationError
from liveqa.extensions import db
from liveqa.models import Role, User
from tests.conftest import login
from tests.factories import PASSWORD
from tests.realserver import PASSWORD as SERVER_PASSWORD


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",
        "1q2w3e4r5t6y",
        "QWERTY123456",
        "leavemealone",
        "leavemealone2024!",
        "password123456",
    ],
)
def test_common_passwords_are_recognised(password):
    assert is_common_password(password)


@pytest.mark.parametrize("password", ["demo-pass-137", PASSWORD, "کلمه‌عبور-طولانی-۱۳۷"])
def test_uncommon_passwords_are_not(password):
    assert not is_common_password(password)


@pytest.mark.parametrize(
    ("password", "code"),
    [("short-pw-137", None), ("elevenchars", "weak_password"), ("qwerty123456", "common_password")],
)
def test_create_user_applies_the_rules(ctx, password, code):
    if code is None:
        assert len(password) == MIN_PASSWORD_CHARS
        assert create_user("sara", password, "moderator").username == "sara"
        return
    with pytest.raises(ValidationError) as refused:
        create_user("sara", password, "moderator")
    assert (refused.value.code, refused.value.field, refused.value.status) == (
        code,
        "password",
        422,
    )
    assert db.session.query(User).count() == 0


def test_the_refusal_is_persian_and_clear(ctx):
    with pytest.raises(ValidationError) as refused:
        create_user("sara", "qwerty123456", "moderator")
    with force_locale("fa"):
        assert "رایج" in str(refused.value.message)  # "too common"
    with force_locale("en"):
        assert "too common" in str(refused.value.message)


def test_changing_a_password_applies_the_rules(factory):
    user = factory.user("moderator", username="sara")
    with pytest.raises(ValidationError) as refused:
        change_password(user, "1qaz2wsx3edc")
    assert refused.value.code == "common_password"
    db.session.rollback()
    assert authenticate("sara", PASSWORD) is not None


def test_the_cli_refuses_a_common_password(app, ctx):
    runner = app.test_cli_runner()
    with force_locale("en"):
        result = runner.invoke(
            args=["create-user", "sara", "--role", "admin", "--password", "qwerty123456"]
        )
    assert result.exit_code == 1
    assert "too common" in result.output


def test_an_old_weak_password_still_logs_in(client, factory):
    # Stored before the rules: the hash is all there is, and log-in only checks it.
    user = factory.user("moderator", username="old")
    user.password_hash = hash_password("short")
    db.session.commit()
    assert login(client, "old", "short").status_code == 200


@pytest.mark.parametrize(
    "password", [Config.SEED_DEMO_PASSWORD, PASSWORD, SERVER_PASSWORD, "a-brand-new-pass-42"]
)
def test_the_demo_and_test_passwords_satisfy_the_rules(ctx, password):
    assert create_user(f"u{abs(hash(password)) % 1000}", password, Role.MODERATOR.value)
