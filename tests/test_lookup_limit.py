"""Guessing tracking codes: wrong lookups per address are limited on every channel."""

import pytest

from liveqa.extensions import db, socketio
from liveqa.models import QuestionStatus

WRONG = ["12345678", "00000000", "۹۹۹۹۹۹۹۹"]  # well-formed but unknown, or malformed


@pytest.fixture
def limited(app, factory):
    """Return a known tracking code, with at most two wrong lookups a minute allowed."""
    app.config["TRACKING_FAILURES_PER_MINUTE"] = 2
    code = factory.question(status=QuestionStatus.APPROVED).tracking_code
    # End the test's read transaction: on SQLite it holds the write lock.
    db.session.commit()
    return code


def test_api_refuses_lookups_after_too_many_wrong_codes(client, limited):
    assert client.get(f"/api/v1/questions/{limited}").status_code == 200
    assert [client.get(f"/api/v1/questions/{c}").status_code for c in WRONG[:2]] == [404, 404]
    refused = client.get(f"/api/v1/questions/{limited}")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_right_codes_do_not_count(client, limited):
    for _ in range(5):
        assert client.get(f"/api/v1/questions/{limited}").status_code == 200
    assert client.get(f"/api/v1/questions/{WRONG[0]}").status_code == 404


def test_tracking_page_refuses_after_too_many_wrong_codes(client, limited):
    assert [client.get(f"/track/{c}").status_code for c in WRONG[:2]] == [404, 404]
    assert client.get(f"/track/{limited}").status_code == 429


def test_socket_track_refuses_after_too_many_wrong_codes(app, client, limited):
    sock = socketio.test_client(app, flask_test_client=client)
    for code in WRONG[:2]:
        ack = sock.emit("track", {"code": code}, callback=True)
        assert ack["error"]["code"] in {"invalid_code", "unknown_code"}
    refused = sock.emit("track", {"code": limited}, callback=True)
    assert refused["error"]["code"] == "rate_limited"
    sock.disconnect()
