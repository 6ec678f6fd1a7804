"""Shared fixtures: an app on a throwaway database, clients, and factories."""

import os

import pytest
from argon2 import PasswordHasher
from flask import has_app_context
from flask.testing import FlaskClient
from flask_babel import refresh
from sqlalchemy import create_engine, make_url, select, text

from config import TestConfig
from liveqa.app import create_app
from liveqa.domain import accounts
from liveqa.extensions import db, socketio
from liveqa.models import (
    AuditRecord,
    LiveSession,
    Question,
    SessionStatus,
)
from tests import contract
from tests.factories import PASSWORD, Factory

# Fixtures kept in their own modules (real server processes, alone or sharing Redis).
pytest_plugins = ["tests.realfixtures"]


def _worker_database(url: str) -> str:
    """Return the database of this pytest-xdist worker on URL's server, made if missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    given = make_url(url)
    if given.database.endswith(f"_{worker}"):  # tests import this module a second time
        return url
    name = f"{given.database}_{worker}"
    # CREATE DATABASE cannot run in a transaction; the given database serves as the door.
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            if connection.scalar(query, {"name": name}) is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


# Every test drops and recreates the schema, so parallel workers each need a database.
TestConfig.SQLALCHEMY_DATABASE_URI = _worker_database(TestConfig.SQLALCHEMY_DATABASE_URI)
ON_POSTGRES = TestConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql")


def _reset_postgres(app):
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()


@pytest.fixture
def make_app(tmp_path):
    """Return a builder of apps with config overrides, each on its own empty database."""
    built = []

    def build(**overrides):
        overrides.setdefault("SUPPORT_TALLY_INTERVAL", 0)
        if not ON_POSTGRES:
            overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / f'db{len(built)}.db'}"
        application = create_app("test", **overrides)
        if ON_POSTGRES:
            _reset_postgres(application)
        with application.app_context():
            db.create_all()
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """Return an app on an empty, fully created database."""
    return make_app()


@pytest.fixture
def ctx(app):
    """Push an app context for tests that call the domain directly."""
    with app.app_context():
        yield
        db.session.rollback()


# Real argon2id costs ~0.1-0.4 s a hash; tests are about LiveQA, not about argon2.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def api_contract():
    """Fail any test that receives an /api/v1 response the OpenAPI document does not describe."""
    with contract.checking_test_clients():
        yield


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    """Hash passwords with cheap argon2id parameters so log-ins do not slow tests."""
    monkeypatch.setattr(accounts, "_hasher", CHEAP_HASHER)


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as on a server.

    With the `ctx` fixture's context pushed, plain test-client requests share its `g`,
    which caches the logged-in user and the locale from one request to the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            # End the test's own transaction so the request can take the write lock.
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    """Return a test client that gives each request a fresh app context."""
    return FreshContextClient(app, app.response_class, use_cookies=True)


class FreshLocaleClient(FlaskClient):
    """A test client that forgets the cached locale before each request."""

    def open(self, *args, **kwargs):
        # Requests reuse the test's app context, where Flask-Babel caches the locale.
        if has_app_context():
            refresh()
        return super().open(*args, **kwargs)


@pytest.fixture
def locale_client(app):
    """Return a test client whose requests each choose their own language."""
    app.test_client_class = FreshLocaleClient
    return app.test_client()


def html(response) -> str:
    """Return RESPONSE's body as text."""
    return response.get_data(as_text=True)


@pytest.fixture
def factory(ctx):
    """Return a Factory bound to the test's app context."""
    return Factory()


@pytest.fixture
def live(factory):
    """Return a LIVE session."""
    return factory.session(SessionStatus.LIVE)


@pytest.fixture
def mod(factory):
    """Return the factory's moderator, who walks questions through the verbs."""
    return factory._staff


@pytest.fixture
def desk(app, factory):
    """Return a live session with clients in its public, screen, moderators and official rooms."""
    live = factory.session(SessionStatus.LIVE)
    moderator = factory.user("moderator")
    official = factory.official()
    clients = {
        "public": connect(app),
        "screen": connect(app),
        "moderators": connect(app, moderator),
        "official": connect(app, official.user),
    }
    for room, sock in clients.items():
        join(sock, live.id, room)
    return {
        "session_id": live.id,
        "live": live,
        "moderator": moderator,
        "official": official,
        "clients": clients,
    }


def session_seq(session_id, column=LiveSession.seq):
    """Return the committed number of session SESSION_ID's staff (or COLUMN's) stream."""
    return db.session.scalar(select(column).where(LiveSession.id == session_id))


def audit_records(question=None):
    """Return the audit records, of QUESTION if given, oldest first."""
    query = select(AuditRecord).order_by(AuditRecord.id)
    if question is not None:
        query = query.where(AuditRecord.question_id == question.id)
    return db.session.scalars(query).all()


def login(client, username, password=PASSWORD, **kwargs):
    """Log CLIENT in through the API; return the response."""
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, **kwargs
    )


def login_as(client, factory, role):
    """Log CLIENT in as a new user with ROLE; return the user (an official's user too)."""
    user = factory.official().user if role == "official" else factory.user(role)
    assert login(client, user.username).status_code == 200
    return user


def question_state(question):
    """Return QUESTION's stored status and version and its session's status and seq."""
    db.session.expire_all()
    fresh = db.session.get(Question, question.id)
    session = db.session.get(LiveSession, fresh.session_id)
    return fresh.status, fresh.version, session.status, session.seq


def idle():
    """End the test's own transaction: on SQLite every transaction holds the write lock."""
    db.session.commit()


def connect(app, user=None, headers=None, query_string=None):
    """Return a Socket.IO test client carrying USER's login cookie (or none)."""
    idle()
    http = app.test_client()
    if user is not None:
        response = login(http, user.username)
        if response.status_code == 404:  # the HTTP API is not there: set the cookie directly
            with http.session_transaction() as cookie:
                cookie["_user_id"] = user.get_id()
                cookie["_fresh"] = True
        else:
            assert response.status_code == 200, response.get_json()
    idle()
    return socketio.test_client(
        app, flask_test_client=http, headers=headers, query_string=query_string
    )


def join(sock, session_id, room, **extra):
    """Join ROOM of SESSION_ID and return the acknowledged sequence number."""
    idle()
    ack = sock.emit("join", {"session_id": session_id, "room": room, **extra}, callback=True)
    assert ack["ok"] is True, ack
    return ack["seq"]


def events(sock, name):
    """Return and consume the payloads of the NAME events SOCK has received."""
    return [m["args"][0] for m in sock.get_received() if m["name"] == name]


def changes(sock):
    """Return and consume the items of the `changes` batches SOCK has received, in order."""
    return [item for batch in events(sock, "changes") for item in batch["changes"]]


def fresh(model, ident):
    """Return the row as committed now, not as this test's session remembers it."""
    db.session.expire_all()
    return db.session.get(model, ident)
