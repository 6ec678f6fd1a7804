"""Live pages on the split streams: citizens hear only public changes; gaps reload exactly."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import live_connected
from realclients import StaffApi, http_session

pytestmark = [pytest.mark.server, pytest.mark.browser]

SNAPSHOT = re.compile(r".*/api/v1/sessions/\d+/(snapshot|queue)$")
SOCKET = re.compile(r".*/socket\.io/.*")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def tapped(page) -> dict:
    """Record PAGE's `changes` batches; drop the next ones while state["drop"] > 0, or all
    server frames while state["deaf"]; state["close"]() cuts the page's socket."""
    state = {"batches": [], "drop": 0, "dropped": [], "deaf": False, "sockets": []}

    def handle(ws):
        upstream = ws.connect_to_server()
        state["sockets"].append(ws)

        def from_server(message):
            text = str(message)
            if state["deaf"]:
                return
            if text.startswith('42["changes"'):
                batch = json.loads(text[2:])[1]
                if state["drop"] > 0:
                    state["drop"] -= 1
                    state["dropped"].append(batch)
                    return
                state["batches"].append(batch)
            ws.send(message)

        upstream.on_message(from_server)

    page.route_web_socket(SOCKET, handle)
    state["close"] = lambda: state["sockets"][-1].close()
    return state


def snapshot_loads(page) -> list:
    """Count PAGE's snapshot requests from now on."""
    loads = []
    page.on("request", lambda r: loads.append(r.url) if SNAPSHOT.match(r.url) else None)
    return loads


def pump(page, predicate, timeout_ms=15_000):
    """Let PAGE's route handlers run until PREDICATE() holds."""
    waited = 0
    while not predicate():
        assert waited < timeout_ms, "timed out"
        page.wait_for_timeout(100)
        waited += 100


def pages(contexts, seed_info):
    board = contexts.new()
    desk = contexts.staff(seed_info["moderator"])
    taps = {"board": tapped(board), "desk": tapped(desk)}
    board.goto("/")
    desk.goto("/moderate")
    for page in (board, desk):
        live_connected(page)
    board.wait_for_timeout(1000)  # let the first loads settle
    return board, desk, taps


def citizen_submits(server, session_id, text) -> str:
    http = http_session(server)
    reply = http.post(
        server.url(f"/api/v1/sessions/{session_id}/questions"), json={"text": text}, timeout=15
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["question"]["tracking_code"]


def test_a_citizen_submit_reaches_the_board_only_as_counters(contexts, server, seed_info):
    board, desk, taps = pages(contexts, seed_info)
    session_id = seed_info["session_id"]
    text = f"پرسش تازه شهروند {uuid.uuid4().hex[:8]}"
    code = citizen_submits(server, session_id, text)
    api = StaffApi(server, seed_info["moderator"])
    question = api.question(session_id, code)

    expect(desk.locator(f"[data-testid=queue-item][data-id='{question['id']}']")).to_be_visible()
    received = api.http.get(server.url(f"/api/v1/sessions/{session_id}/snapshot")).json()
    count = str(received["counters"]["received"]).translate(PERSIAN)
    # The tally (about a second later) brings the counters; no change batch comes.
    expect(board.locator("[data-counter=received]").first).to_have_text(count)
    assert any(
        c["question_id"] == question["id"] for b in taps["desk"]["batches"] for c in b["changes"]
    )
    assert taps["board"]["batches"] == []


@pytest.mark.parametrize("cut", ["gap", "reconnect"])
def test_each_stream_reloads_exactly_after_a_gap(contexts, server, seed_info, cut):
    board, desk, taps = pages(contexts, seed_info)
    session_id = seed_info["session_id"]
    api = StaffApi(server, seed_info["moderator"])
    tag = uuid.uuid4().hex[:8]
    codes = [citizen_submits(server, session_id, f"پرسش {n} {tag}") for n in range(3)]
    ids = [api.question(session_id, code)["id"] for code in codes]
    for page in (board, desk):
        pump(page, lambda: bool(taps["desk"]["batches"]))
    loads = {"board": snapshot_loads(board), "desk": snapshot_loads(desk)}

    if cut == "gap":
        # Each page misses the next batch of its own stream, then hears the ones after it.
        for tap in taps.values():
            tap["drop"] = 1
        api.command(ids[0], "approve")
        pump(board, lambda: all(tap["drop"] == 0 for tap in taps.values()))
        api.command(ids[1], "approve")
        api.command(ids[2], "reject", reason="off_topic")
    else:
        # Deaf pages miss public changes and a staff-only one, then their sockets drop.
        for tap in taps.values():
            tap["deaf"] = True
        api.command(ids[0], "approve")
        citizen_submits(server, session_id, f"پرسش پنهان {tag}")
        api.command(ids[1], "approve")
        api.command(ids[2], "reject", reason="off_topic")
        board.wait_for_timeout(500)
        for tap in taps.values():
            tap["deaf"] = False
            tap["close"]()

    for question_id in ids[:2]:
        selector = f"[data-id='{question_id}']"
        expect(board.locator(f"[data-testid=board-question]{selector}")).to_be_visible()
        expect(desk.locator(f"[data-testid=queue-item]{selector}")).to_have_attribute(
            "data-status", "approved"
        )
    expect(board.locator(f"[data-testid=board-question][data-id='{ids[2]}']")).to_have_count(0)
    # One reload each, for the gap or the reconnect: not one per missed change.
    board.wait_for_timeout(1500)
    assert (len(loads["board"]), len(loads["desk"])) == (1, 1), loads
