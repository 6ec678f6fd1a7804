"""Live pages catch up on a lost change through the heartbeat alone, with no later change."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import live_connected
from realclients import StaffApi
from realserver import server_logs, start_servers

pytestmark = [pytest.mark.server, pytest.mark.browser]

SNAPSHOT = re.compile(r".*/api/v1/sessions/\d+/(snapshot|queue)$")
SOCKET = re.compile(r".*/socket\.io/.*")
HEARTBEAT_SECONDS = 1
# A heartbeat, its grace (1 s) and the reload jitter (up to 1.5 s), with room to spare.
CATCH_UP_MS = 6000


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Start one seeded server beating every HEARTBEAT_SECONDS; yield (server, seed info)."""
    env = {"LIVEQA_HEARTBEAT_SECONDS": HEARTBEAT_SECONDS}
    servers, info = start_servers(tmp_path_factory.mktemp("e2e"), env_extra=env)
    yield servers[0], info
    for server in servers:
        server.stop()
    print(server_logs(servers))


def losing_changes(page) -> dict:
    """Drop every `changes` batch on its way to PAGE while state["drop"]; note their kinds."""
    state = {"drop": False, "dropped": []}

    def handle(ws):
        upstream = ws.connect_to_server()

        def from_server(message):
            if state["drop"] and str(message).startswith('42["changes"'):
                batch = json.loads(str(message)[2:])[1]
                state["dropped"].extend(c["kind"] for c in batch["changes"])
                return
            ws.send(message)

        upstream.on_message(from_server)

    page.route_web_socket(SOCKET, handle)
    return state


def test_lost_changes_are_caught_up_by_the_heartbeat(contexts, server, seed_info):
    board = contexts.new()
    desk = contexts.staff(seed_info["moderator"])
    pages = {"board": board, "desk": desk}
    lost = {name: losing_changes(page) for name, page in pages.items()}
    board.goto("/")
    desk.goto("/moderate")
    for page in pages.values():
        live_connected(page)
    board.wait_for_timeout(2000)  # let the first loads settle
    loads = {name: 0 for name in pages}

    def counter(name):
        def count(request):
            if SNAPSHOT.match(request.url):
                loads[name] += 1

        return count

    for name, page in pages.items():
        page.on("request", counter(name))
    # Heartbeats at a seq the page already has change nothing.
    board.wait_for_timeout(3 * HEARTBEAT_SECONDS * 1000)
    assert loads == {"board": 0, "desk": 0}

    for state in lost.values():
        state["drop"] = True
    api = StaffApi(server, seed_info["moderator"])
    session_id = seed_info["session_id"]
    text = f"پرسش گمشده {uuid.uuid4().hex[:8]}"
    made = api.post(f"/sessions/{session_id}/operator-questions", expect=201, text=text)
    question = api.question(session_id, made["question"]["tracking_code"])
    api.command(question["id"], "approve")

    # Route handlers run only while Playwright waits: let both pages lose the approval (the
    # board never hears of the submission; the desk may hear both in one batch).
    def lost_approval():
        return all("question.approved" in state["dropped"] for state in lost.values())

    for _ in range(50):
        if lost_approval():
            break
        board.wait_for_timeout(100)
    assert lost_approval(), lost
    for state in lost.values():
        state["drop"] = False

    # No further change: only the heartbeat can tell the pages what they missed.
    selector = f"[data-id='{question['id']}']"
    item = board.locator(f"[data-testid=board-question]{selector}")
    expect(item).to_contain_text(text, timeout=CATCH_UP_MS)
    expect(desk.locator(f"[data-testid=queue-item]{selector}")).to_be_visible(timeout=CATCH_UP_MS)
    assert loads["board"] >= 1 and loads["desk"] >= 1
