"""Production mode: two server processes share one live session through Redis."""

import uuid

import pytest
from realclients import http_session, socket_client, staff_question
from realserver import wait_for

from tests.realfixtures import redis_answers

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379"),
]


def test_change_made_on_one_process_reaches_a_client_of_the_other(two_servers):
    (first, second), info = two_servers
    session_id = info["session_id"]
    listener = socket_client(first)
    changes = []
    listener.on("changes", lambda batch: changes.extend(batch["changes"]))
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
