"""With the database out of reach: 503 and Retry-After everywhere, and the health checks say so."""

import pytest

from liveqa.app import create_app
from liveqa.database import CONNECT_TIMEOUT_SECONDS, engine_options
from liveqa.errors import RETRY_AFTER_SECONDS
from liveqa.extensions import db
from tests.conftest import html

UNREACHABLE = {
    # A directory that does not exist: SQLite cannot open the file.
    "sqlite": "sqlite:////nonexistent-liveqa-dir/nowhere/liveqa.db",
    # Nothing listens on port 1: the connection is refused at once.
    "postgresql": "postgresql+psycopg2://liveqa@127.0.0.1:1/liveqa?connect_timeout=2",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request):
    """Return an app whose database cannot be reached."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=UNREACHABLE[request.param])
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _assert_retry_later(response, status=503):
    assert response.status_code == status
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/v1/sessions/current"),
        ("GET", "/api/v1/sessions/1/questions"),
        ("POST", "/api/v1/sessions/1/questions"),
        ("POST", "/api/v1/auth/login"),
    ],
)
def test_the_api_answers_503_in_the_error_shape(down_app, method, url):
    body = {"text": "چرا آب قطع است؟", "username": "x", "password": "y"}
    response = down_app.test_client().open(url, method=method, json=body)
    _assert_retry_later(response)
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("url", ["/", "/screen/current", "/screen/1"])
def test_pages_answer_503_with_a_readable_page(down_app, url):
    response = down_app.test_client().get(url)
    _assert_retry_later(response)
    assert response.mimetype == "text/html"
    assert "<main" in html(response)


def test_a_logged_in_staff_page_answers_503_too(down_app):
    client = down_app.test_client()
    with client.session_transaction() as session:
        # A staff session as Flask-Login stores it: "<user id>:<session generation>".
        session["_user_id"] = "1:0"
        session["_fresh"] = True
    for url in ("/moderate", "/panel", "/"):
        response = client.get(url)
        _assert_retry_later(response)
        assert "<main" in html(response)
        assert response.cache_control.no_store


def test_the_process_is_healthy_but_not_ready(down_app):
    client = down_app.test_client()
    health = client.get("/healthz")
    assert (health.status_code, health.get_json()) == (200, {"status": "ok"})
    ready = client.get("/readyz")
    _assert_retry_later(ready)
    assert ready.get_json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
    assert ready.cache_control.no_store


def test_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "Retry-After" not in response.headers


def test_not_ready_when_the_message_queue_is_out_of_reach(make_app):
    app = make_app()
    # Set after the factory: a Socket.IO server built with a queue would outlive this test
    # in the shared extension object, and the socket test client refuses queues.
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:1/0"
    with app.app_context():
        response = app.test_client().get("/readyz")
    _assert_retry_later(response)
    assert response.get_json()["checks"] == {"database": "ok", "message_queue": "unreachable"}


@pytest.mark.parametrize(
    ("uri", "timeout"),
    [
        ("postgresql://liveqa@db/liveqa", CONNECT_TIMEOUT_SECONDS),
        ("postgresql://liveqa@db/liveqa?connect_timeout=2", None),
        ("sqlite:///instance/liveqa.db", None),
    ],
)
def test_postgresql_connections_give_up_in_bounded_time(uri, timeout):
    options = engine_options(uri)
    assert options.get("connect_args", {}).get("connect_timeout") == timeout
