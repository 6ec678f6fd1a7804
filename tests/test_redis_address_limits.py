"""Two server processes sharing Redis share each address's ceiling."""

import uuid

import pytest
import requests
from realclients import StaffApi, http_session
from realserver import server_logs, start_servers

from tests.realfixtures import REDIS, REDIS_DB, redis_answers

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379"),
]

CEILING = 6


@pytest.fixture
def limited_servers(tmp_path):
    """Start two servers on one database and one Redis, with a small support ceiling."""
    servers, info = start_servers(
        tmp_path,
        count=2,
        env_extra={
            "LIVEQA_MESSAGE_QUEUE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
            # A channel of this test's own names its counts apart from other runs'.
            "LIVEQA_MESSAGE_QUEUE_CHANNEL": f"liveqa-test-{uuid.uuid4().hex}",
            "LIVEQA_ADDRESS_LIMITS_ENABLED": "1",
            "LIVEQA_ADDRESS_LIMIT_SUPPORT": f"{CEILING} per minute",
        },
    )
    yield servers, info
    for server in servers:
        server.stop()
    print(server_logs(servers))


def test_supports_sent_to_two_processes_meet_one_ceiling(limited_servers):
    (first, second), info = limited_servers
    session_id = info["session_id"]
    citizen = http_session(first)
    submitted = citizen.post(
        first.url(f"/api/v1/sessions/{session_id}/questions"),
        json={"text": f"پرسش سقف نشانی {uuid.uuid4().hex}"},
        timeout=15,
    )
    assert submitted.status_code == 201, submitted.text
    staff = StaffApi(first, info["moderator"])
    question = staff.question(session_id, submitted.json()["question"]["tracking_code"])
    staff.command(question["id"], "approve")

    # The session cookie carries the CSRF token; no browser cookie, so every support is
    # a new browser, from one address.
    headers = {
        "Cookie": "; ".join(
            f"{c.name}={c.value}" for c in citizen.cookies if c.name != "liveqa_cid"
        ),
        "X-CSRFToken": citizen.headers["X-CSRFToken"],
        "Origin": first.origin,
    }
    replies = [
        requests.post(
            server.url(f"/api/v1/questions/{question['id']}/support"),
            json={},
            headers=headers | {"Origin": server.origin},
            timeout=15,
        )
        for server in (first, second) * CEILING
    ]
    statuses = [reply.status_code for reply in replies]
    assert statuses.count(201) == CEILING, statuses
    assert statuses[CEILING:] == [429] * CEILING, statuses
    refused = replies[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    board = requests.get(first.url(f"/api/v1/sessions/{session_id}/questions"), timeout=15)
    counts = {q["id"]: q["support_count"] for q in board.json()["questions"]}
    assert counts[question["id"]] == CEILING
