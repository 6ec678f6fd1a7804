"""Staff accounts: creation, password checks (argon2id), and ending their sessions."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from liveqa.database import reading_only
from liveqa.domain.errors import Conflict, NotFound, ValidationError
from liveqa.domain.limits import login_succeeded, start_login
from liveqa.domain.text import local_number
from liveqa.domain.validation import choice, credential, optional_text
from liveqa.extensions import db
from liveqa.models import Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_CHARS = 10
MAX_DISPLAY_NAME_CHARS = 120
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


def _check_password(password: str) -> None:
    if len(credential(password, "password")) < MIN_PASSWORD_CHARS:
        raise ValidationError(
            _l("Passwords need at least %(n)s characters.", n=local_number(MIN_PASSWORD_CHARS)),
            code="weak_password",
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


def log_in(username: str, password: str, address: str) -> User | None:
    """Return the user a log-in from ADDRESS names, or None; raise RateLimited if guessing."""
    # Refused before counting: text that no account can hold is no guess at a password.
    username, password = credential(username, "username"), credential(password, "password")
    # Counted before the password check (see start_login); a right password gives it back.
    start_login(address, username)
    user = authenticate(username, password)
    if user is not None:
        login_succeeded(address, username)
    return user


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
