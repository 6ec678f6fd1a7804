"""SQLite: readers never wait for the write lock, and bodies are read before any query."""

import io
import sqlite3

import pytest

from liveqa import broadcast
from liveqa.domain import accounts
from liveqa.extensions import db, socketio
from liveqa.models import QuestionStatus, SessionStatus
from tests.conftest import ON_POSTGRES, PASSWORD, login

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's locking only")


@pytest.fixture
def writer_elsewhere(app):
    """Hold SQLite's write lock from another connection, as another process would."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    holder = {"connection": other}

    def hold():
        other.execute("BEGIN IMMEDIATE")

    holder["hold"] = hold
    yield holder
    other.close()


@pytest.fixture
def seeded(factory):
    """Return a live session with an approved question and a moderator; end the test's read."""
    live_session = factory.session(SessionStatus.LIVE)
    question = factory.question(live_session, status=QuestionStatus.SUBMITTED)
    moderator = factory.user("moderator", username="mod")
    ids = live_session.id, question.id, moderator.username
    db.session.commit()
    return ids


def test_reads_go_on_while_another_process_writes(client, seeded, writer_elsewhere):
    session_id, _question_id, username = seeded
    # A log-in writes its audit row, so it comes before the lock is taken elsewhere.
    assert login(client, username).status_code == 200
    writer_elsewhere["hold"]()
    # Each of these would wait out SQLITE_LOCK_WAIT_SECONDS and answer 503 as a writer.
    assert client.get(f"/api/v1/sessions/{session_id}/snapshot").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get(f"/api/v1/sessions/{session_id}/queue").status_code == 200


def test_a_log_in_hashes_as_a_reader_then_writes_its_audit_row(
    client, seeded, writer_elsewhere, monkeypatch
):
    _session_id, _question_id, username = seeded
    held_while_hashing = []

    def verify(hashed, password):
        # Another process writes while this log-in's password is being checked: the log-in
        # holds no lock then, and its audit row does not trip over the newer data after.
        writer_elsewhere["hold"]()
        held_while_hashing.append(True)
        writer_elsewhere["connection"].execute("UPDATE editions SET title = 'changed'")
        writer_elsewhere["connection"].execute("COMMIT")
        return real_verify(hashed, password)

    real_verify = accounts._hasher.verify

    class Hasher:
        pass

    hasher = Hasher()
    hasher.verify, hasher.hash = verify, accounts._hasher.hash
    monkeypatch.setattr(accounts, "_hasher", hasher)
    form = {"username": username, "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 303
    assert held_while_hashing == [True]


def test_writes_wait_for_the_lock_and_then_give_up_with_503(app, client, seeded, writer_elsewhere):
    session_id, question_id, username = seeded
    assert login(client, username).status_code == 200
    writer_elsewhere["hold"]()
    response = client.post(f"/api/v1/questions/{question_id}/approve", json={})
    # After TestConfig.SQLITE_LOCK_WAIT_SECONDS of cooperative waiting.
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "busy"
    writer_elsewhere["connection"].execute("ROLLBACK")
    response = client.post(f"/api/v1/sessions/{session_id}/questions", json={"text": "پرسش"})
    assert response.status_code == 201


def test_socket_events_only_read(app, client, seeded, writer_elsewhere):
    session_id, _question_id, _username = seeded
    writer_elsewhere["hold"]()
    sock = socketio.test_client(app, flask_test_client=client)
    ack = sock.emit("join", {"session_id": session_id, "room": "public"}, callback=True)
    assert ack["ok"] is True
    sock.disconnect()


class _WatchfulBody(io.BytesIO):
    """A request body that records whether a transaction was open when it was read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_in_transaction = []

    def _note(self):
        self.read_in_transaction.append(db.session().in_transaction())

    def read(self, *args):
        self._note()
        return super().read(*args)

    def readinto(self, buffer):
        self._note()
        return super().readinto(buffer)


def test_request_bodies_are_read_before_any_query(client, seeded):
    _session_id, question_id, username = seeded
    assert login(client, username).status_code == 200
    body = _WatchfulBody(b"{}")
    response = client.post(
        f"/api/v1/questions/{question_id}/approve",
        input_stream=body,
        content_type="application/json",
        content_length=2,
    )
    assert response.status_code == 200
    assert body.read_in_transaction and not any(body.read_in_transaction)


def test_support_tallies_are_read_without_the_write_lock(app, seeded, writer_elsewhere):
    session_id, question_id, _username = seeded
    tallies = broadcast.coalescer(app)
    tallies.mark([(session_id, question_id)])
    writer_elsewhere["hold"]()
    # A writer's BEGIN IMMEDIATE would wait out the lock and raise DatabaseBusy.
    assert tallies.flush() == 1
