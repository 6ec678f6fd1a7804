"""The desk shows a question's support burst live, from the staff payload's flag."""

import uuid

import pytest
import requests
from playwright.sync_api import expect
from realbrowser import live_connected
from realclients import StaffApi, http_session
from realserver import server_logs, start_servers

pytestmark = [pytest.mark.server, pytest.mark.browser]

BURST = 3


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Start a server flagging BURST supports from one address within a minute."""
    workdir = tmp_path_factory.mktemp("e2e-burst")
    servers, info = start_servers(
        workdir,
        env_extra={"LIVEQA_SUPPORT_BURST_COUNT": str(BURST), "LIVEQA_SUPPORT_BURST_SECONDS": "60"},
    )
    yield servers[0], info
    for server in servers:
        server.stop()
    print(server_logs(servers))


def test_the_desk_card_shows_a_support_burst(contexts, server, seed_info):
    session_id = seed_info["session_id"]
    citizen = http_session(server)
    submitted = citizen.post(
        server.url(f"/api/v1/sessions/{session_id}/questions"),
        json={"text": f"پرسش حمایت‌های پیاپی {uuid.uuid4().hex[:8]}"},
        timeout=15,
    )
    assert submitted.status_code == 201, submitted.text
    moderator = StaffApi(server, seed_info["moderator"])
    question = moderator.question(session_id, submitted.json()["question"]["tracking_code"])
    moderator.command(question["id"], "approve")

    desk = contexts.staff(seed_info["moderator"])
    desk.goto("/moderate")
    live_connected(desk)
    card = desk.locator(f"[data-testid=queue-item][data-id='{question['id']}']")
    expect(card).to_be_visible()
    expect(card.locator("[data-testid=support-burst]")).to_have_count(0)

    # One address, a new browser each time (no identity cookie): the burst.
    headers = {
        "Cookie": "; ".join(
            f"{c.name}={c.value}" for c in citizen.cookies if c.name != "liveqa_cid"
        ),
        "X-CSRFToken": citizen.headers["X-CSRFToken"],
        "Origin": server.origin,
    }
    for _ in range(BURST):
        reply = requests.post(
            server.url(f"/api/v1/questions/{question['id']}/support"),
            json={},
            headers=headers,
            timeout=15,
        )
        assert reply.status_code == 201, reply.text

    flag = card.locator("[data-testid=support-burst]")
    expect(flag).to_be_visible()
    expect(flag).to_have_text("هجوم حمایت")
    # A desk opened afterwards draws it from the queue snapshot.
    desk.reload()
    live_connected(desk)
    expect(
        desk.locator(
            f"[data-testid=queue-item][data-id='{question['id']}'] [data-testid=support-burst]"
        )
    ).to_be_visible()
