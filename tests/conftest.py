"""Shared fixtures: an app on a throwaway database, clients, and factories."""

from datetime import date, timedelta

import pytest
from argon2 import PasswordHasher
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestConfig
from liveqa import create_app
from liveqa.domain import accounts
from liveqa.domain import questions as verbs
from liveqa.domain.accounts import create_user
from liveqa.extensions import db, socketio
from liveqa.models import (
    Category,
    District,
    Edition,
    LiveSession,
    Official,
    QuestionStatus,
    SessionStatus,
    utcnow,
)
from tests import contract

PASSWORD = "correct-horse-137"
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


class Factory:
    """Build domain objects with sensible defaults; every method commits."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role="moderator", username=None, password=PASSWORD):
        username = username or f"{role}{self._next()}"
        user = create_user(username, password, role, display_name=username.title())
        db.session.commit()
        return user

    def official(self, name=None, user=None, **kw):
        n = self._next()
        if user is None:
            user = self.user("official", username=f"official{n}")
        official = Official(
            name=name or f"Official {n}",
            title=kw.pop("title", "معاون"),
            portfolio=kw.pop("portfolio", f"Portfolio {n}"),
            user=user,
            **kw,
        )
        db.session.add(official)
        db.session.commit()
        return official

    def edition(self):
        edition = Edition(number=self._next() + 8, title="دوره", starts_on=date(2026, 1, 1))
        db.session.add(edition)
        db.session.commit()
        return edition

    def session(self, status=SessionStatus.OPEN, starts_in=timedelta(0), edition=None):
        start = utcnow() + starts_in
        live_session = LiveSession(
            edition=edition or self.edition(),
            title=f"Session {self._next()}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status=status,
            opened_at=None if status == SessionStatus.SCHEDULED else start,
            live_at=start if status == SessionStatus.LIVE else None,
            closed_at=start if status == SessionStatus.CLOSED else None,
        )
        db.session.add(live_session)
        db.session.commit()
        return live_session

    def category(self, slug=None, official=None):
        n = self._next()
        category = Category(
            slug=slug or f"cat{n}",
            name=f"موضوع {n}",
            name_en=f"Topic {n}",
            default_official=official,
        )
        db.session.add(category)
        db.session.commit()
        return category

    def district(self, number=None):
        n = number or self._next()
        district = District(number=n, name=f"منطقه {n}", name_en=f"District {n}")
        db.session.add(district)
        db.session.commit()
        return district

    def question(self, live_session=None, status=QuestionStatus.SUBMITTED, text=None, **kw):
        """Create a question and walk it through the real verbs to STATUS."""
        live_session = live_session or self.session(SessionStatus.LIVE)
        question, _ = verbs.submit_question(
            live_session, text=text or f"پرسش شماره {self._next()}", **kw
        )
        db.session.commit()
        path = {
            QuestionStatus.SUBMITTED: [],
            QuestionStatus.APPROVED: ["approve"],
            QuestionStatus.ROUTED: ["approve", "route"],
            QuestionStatus.ON_AIR: ["approve", "route", "on_air"],
            QuestionStatus.ANSWERED: ["approve", "route", "on_air", "answer"],
            QuestionStatus.REJECTED: ["reject"],
        }[QuestionStatus(status)]
        if path:
            mod = self._staff
            official = None
            for step in path:
                if step == "approve":
                    verbs.approve_question(question, mod)
                elif step == "reject":
                    verbs.reject_question(question, mod, "off_topic")
                elif step == "route":
                    official = self.official()
                    verbs.route_question(question, mod, official.id)
                elif step == "on_air":
                    verbs.take_on_air(question, mod)
                elif step == "answer":
                    verbs.answer_question(question, mod, kind="written", text="پاسخ")
                db.session.commit()
        return question

    @property
    def _staff(self):
        if not hasattr(self, "_moderator"):
            self._moderator = self.user("moderator")
        return self._moderator


@pytest.fixture
def factory(ctx):
    """Return a Factory bound to the test's app context."""
    return Factory()


def login(client, username, password=PASSWORD, **kwargs):
    """Log CLIENT in through the API; return the response."""
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, **kwargs
    )


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
                cookie["_user_id"] = str(user.id)
                cookie["_fresh"] = True
        else:
            assert response.status_code == 200, response.get_json()
    idle()
    return socketio.test_client(
        app, flask_test_client=http, headers=headers, query_string=query_string
    )
