"""Staff accounts: creation, password rules and checks (argon2id), log-in, ending sessions."""

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from liveqa.database import leave_reading, reading_only
from liveqa.domain import audit, totp
from liveqa.domain.errors import Conflict, NotFound, ValidationError
from liveqa.domain.limits import login_succeeded, start_login
from liveqa.domain.login_delay import clear_account, give_back_attempt, start_account_attempt
from liveqa.domain.text import clean_text, local_number
from liveqa.domain.validation import choice, credential, optional_text
from liveqa.extensions import db
from liveqa.models import Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_CHARS = 12
# Stripped from a password's end before the list is asked: "qwertyuiop1234!" is "qwertyuiop".
_COMMON_SUFFIX = "0123456789!@#$%^&*()-_=+.,?~ "
MAX_DISPLAY_NAME_CHARS = 120
# How much of a failed log-in's user name its audit row keeps.
MAX_TYPED_NAME_CHARS = 128
# The users whose sessions this transaction ends; told to the sockets after commit.
ENDED_KEY = "liveqa_sessions_ended"


def _off_the_loop(function, *args):
    # Hashing is deliberately slow C code; under eventlet it would stall every client, so
    # the server entry point may supply RUN_BLOCKING to run it in an OS thread.
    runner = current_app.config.get("RUN_BLOCKING") if has_app_context() else None
    return runner(function, *args) if runner else function(*args)


@cache
def _dummy_hash() -> str:
    # Verifying against this keeps the timing of "no such user" like a wrong password.
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Return an argon2id hash of PASSWORD."""
    return _off_the_loop(_hasher.hash, password)


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 passwords most found in leaks, lower case.
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common_password(password: str) -> bool:
    """Return whether PASSWORD, ignoring case and a tail of digits or symbols, is a common one."""
    lowered = password.strip().lower()
    return bool({lowered, lowered.rstrip(_COMMON_SUFFIX)} & _common_passwords())


def _check_password(password: str) -> None:
    # Checked where a password is chosen only: log-in still takes an older, weaker one.
    if len(credential(password, "password")) < MIN_PASSWORD_CHARS:
        raise ValidationError(
            _l("Passwords need at least %(n)s characters.", n=local_number(MIN_PASSWORD_CHARS)),
            code="weak_password",
            field="password",
        )
    if is_common_password(password):
        raise ValidationError(
            _l("This password is too common; choose one that is harder to guess."),
            code="common_password",
            field="password",
        )


def create_user(username: str, password: str, role, display_name: str | None = None) -> User:
    """Add a staff account; raise if the name is taken or the password too short."""
    username = credential(username, "username").strip().lower()
    if not username or len(username) > 64:
        raise ValidationError(_l("Enter a user name."), code="invalid_username", field="username")
    role = choice(Role, role, "role", _l("Unknown role."), "invalid_role")
    _check_password(password)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_l("This user name is taken."), code="username_taken")
    user = User(
        username=username,
        display_name=optional_text(display_name, "display_name", MAX_DISPLAY_NAME_CHARS)
        or username,
        password_hash=hash_password(password),
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with USERNAME and PASSWORD, or None; raise if either is unusable."""
    username, password = credential(username, "username"), credential(password, "password")
    # The hash check yields (it runs off the event loop); as a reader this transaction
    # holds no SQLite lock meanwhile, so other clients' writes are not held up.
    with reading_only():
        user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    try:
        _off_the_loop(_hasher.verify, user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


INVALID_CREDENTIALS = "invalid_credentials"
OTP_REQUIRED = "otp_required"
INVALID_OTP = "invalid_otp"


@dataclass(frozen=True)
class LogIn:
    """What a log-in attempt came to: the account its password opened, and why not in."""

    user: User | None
    # None: logged in; else INVALID_CREDENTIALS, OTP_REQUIRED or INVALID_OTP.
    refusal: str | None = None


def _account(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def _failed(user: User | None, username: str, address: str, reason: str, refusal: str) -> LogIn:
    # As typed, less what no stored text may hold (controls, stray format characters).
    typed = clean_text(username, multiline=False)[:MAX_TYPED_NAME_CHARS]
    audit.record_account_event(
        user, audit.LOGIN_FAILED, username=typed, address=address, reason=reason
    )
    db.session.flush()
    return LogIn(user if refusal != INVALID_CREDENTIALS else None, refusal)


def _logged_in(user: User, address: str, second_factor: bool) -> LogIn:
    login_succeeded(address, user.username)
    clear_account(user.username)
    audit.record_account_event(user, audit.LOGIN, address=address, second_factor=second_factor)
    db.session.flush()
    return LogIn(user)


def _check_code(user: User, username: str, otp: str, address: str) -> LogIn:
    code = totp.normalize_code(otp)
    secret = totp.unseal(user.totp_secret) if user.totp_secret else None
    step = totp.matching_step(secret, code) if code and secret else None
    if step is None or not totp.use_step(user, step):
        return _failed(user, username, address, "wrong_code", INVALID_OTP)
    return _logged_in(user, address, second_factor=True)


def log_in(username: str, password: str, address: str, otp: str | None = None) -> LogIn:
    """Check a log-in from ADDRESS (with OTP when the account has a second factor).

    Raise RateLimited while the address or the account must wait. Every attempt that was
    checked writes an audit row, so the caller commits whatever the outcome.
    """
    # Refused before counting: text that no account can hold is no guess at a password.
    username, password = credential(username, "username"), credential(password, "password")
    otp = credential(otp, "otp")
    # Counted before the password check, which yields, so attempts sent together cannot
    # all slip through; a right password gives the counts back.
    start_login(address, username)
    start_account_attempt(username)
    user = authenticate(username, password)
    # The hash was checked in a reader transaction; the audit row starts a writer.
    leave_reading(db.session)
    if user is None:
        known = _account(username)
        reason = "unknown_user" if known is None else "wrong_password"
        if known is not None and not known.active:
            reason = "inactive"
        return _failed(known, username, address, reason, INVALID_CREDENTIALS)
    if not user.totp_enabled:
        return _logged_in(user, address, second_factor=False)
    if not otp:
        # The password was right: asking for the code is no failure.
        login_succeeded(address, username)
        give_back_attempt(username)
        return LogIn(user, OTP_REQUIRED)
    return _check_code(user, username, otp, address)


def log_in_with_code(user: User, otp: str, address: str) -> LogIn:
    """Finish the log-in of USER, whose password was right, with the code OTP."""
    otp = credential(otp, "otp")
    start_login(address, user.username)
    start_account_attempt(user.username)
    return _check_code(user, user.username, otp, address)


def pending_log_in(token: str) -> User | None:
    """Return the user TOKEN (User.get_id) names if they still await their code, else None."""
    user_id, _sep, generation = (token or "").partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not user.totp_enabled:
        return None
    return user if user.session_generation == int(generation) else None


def find_user(username: str) -> User:
    """Return the staff account named USERNAME; raise NotFound if there is none."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise NotFound(_l("No such user."), code="unknown_user")
    return user


def end_sessions(user: User) -> None:
    """End every session USER has: their cookies stop loading them, their sockets close."""
    # An UPDATE of the column itself, so two concurrent ends both count.
    user.session_generation = User.session_generation + 1
    db.session.flush()
    db.session.info.setdefault(ENDED_KEY, set()).add(user.id)


def ended_sessions(session) -> set[int]:
    """Return the ids of the users whose sessions SESSION's transaction ends."""
    return set(session.info.get(ENDED_KEY, ()))


def forget_ended_sessions(session) -> None:
    """Forget which users' sessions SESSION's transaction ends."""
    session.info.pop(ENDED_KEY, None)


def log_out(user: User) -> None:
    """Log USER out everywhere: this browser, their other browsers and their sockets."""
    audit.record_account_event(user, audit.LOGOUT)
    end_sessions(user)


def change_password(user: User, password: str) -> None:
    """Give USER a new PASSWORD and end every session made with the old one."""
    _check_password(password)
    user.password_hash = hash_password(password)
    end_sessions(user)


def deactivate_user(user: User) -> None:
    """Stop USER from logging in and end every session they have."""
    user.active = False
    end_sessions(user)
