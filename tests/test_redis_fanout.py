"""Production mode: two server processes share one live session through Redis."""

import socket
import uuid

import pytest
from realclients import http_session, socket_client, staff_question
from realserver import server_logs, start_servers, wait_for

from config import TestConfig
from tests.conftest import ON_POSTGRES

REDIS = ("127.0.0.1", 6379)
# Redis pub/sub ignores the database number, so events of other runs may arrive too:
# the test only looks for the question it made.
REDIS_DB = 11


def redis_answers() -> bool:
    """Tell whether a Redis server answers PING on 127.0.0.1:6379."""
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def two_servers(tmp_path):
    """Start two seeded servers on one database and one Redis message queue."""
    # On PostgreSQL, this worker's own database: seeding drops its schema.
    database_url = TestConfig.SQLALCHEMY_DATABASE_URI if ON_POSTGRES else None
    servers, info = start_servers(
        tmp_path,
        count=2,
        database_url=database_url,
        env_extra={
            "LIVEQA_MESSAGE_QUEUE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
            # A channel of this test's own: other workers and runs share the Redis server.
            "LIVEQA_MESSAGE_QUEUE_CHANNEL": f"liveqa-test-{uuid.uuid4().hex}",
        },
    )
    yield servers, info
    for server in servers:
        server.stop()
    print(server_logs(servers))


def test_change_made_on_one_process_reaches_a_client_of_the_other(two_servers):
    (first, second), info = two_servers
    session_id = info["session_id"]
    listener = socket_client(first)
    changes = []
    listener.on("change", changes.append)
    try:
        joined = listener.call("join", {"session_id": session_id, "room": "public"}, timeout=15)
        assert joined["ok"] is True, joined

        staff = http_session(second, info["moderator"])
        text = f"پرسش دو فرایند {uuid.uuid4().hex}"
        submitted = staff.post(
            second.url(f"/api/v1/sessions/{session_id}/questions"), json={"text": text}, timeout=15
        )
        assert submitted.status_code == 201, submitted.text
        code = submitted.json()["question"]["tracking_code"]
        question_id = staff_question(staff, second, session_id, code)["id"]
        approved = staff.post(
            second.url(f"/api/v1/questions/{question_id}/approve"), json={}, timeout=15
        )
        assert approved.status_code == 200, approved.text

        def approved_change():
            return next(
                (
                    c
                    for c in changes
                    if c.get("question_id") == question_id
                    and (c.get("question") or {}).get("status") == "approved"
                ),
                None,
            )

        change = wait_for(approved_change)
        assert change is not None, f"no change for question {question_id} on process 1: {changes}"
        assert change["session_id"] == session_id
        assert change["question"]["text"] == text
    finally:
        listener.disconnect()
