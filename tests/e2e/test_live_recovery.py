"""Live pages recover from refused joins and failed snapshots without hammering the server."""

import json
import re
import time
import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import live_connected
from realclients import StaffApi, http_session

pytestmark = [pytest.mark.server, pytest.mark.browser]

SNAPSHOT = re.compile(r".*/api/v1/sessions/\d+/snapshot$")
SOCKET = re.compile(r".*/socket\.io/.*")
# Socket.IO text packet of an emit with an ack id: 42<id>["join",{...}].
JOIN = re.compile(r'^42(\d+)\["join"')
FAILURES = 3


def refuse_joins(page, error: dict) -> dict:
    """Answer PAGE's socket `join` with ERROR while state["refuse"]; count the joins sent."""
    state = {"joins": 0, "refuse": True}

    def handle(ws):
        server = ws.connect_to_server()

        def from_page(message):
            match = JOIN.match(message) if isinstance(message, str) else None
            if match:
                state["joins"] += 1
                if state["refuse"]:
                    ws.send(f"43{match.group(1)}" + json.dumps([{"ok": False, "error": error}]))
                    return
            server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(SOCKET, handle)
    return state


def pump(page, predicate, timeout_ms=15_000):
    """Let PAGE's route handlers run until PREDICATE() holds."""
    waited = 0
    while not predicate():
        assert waited < timeout_ms, "timed out"
        page.wait_for_timeout(100)
        waited += 100


def new_public_question(server, seed_info, text: str) -> int:
    """Store TEXT as a phoned-in question, approve it, and return its id."""
    api = StaffApi(server, seed_info["moderator"])
    session_id = seed_info["session_id"]
    made = api.post(f"/sessions/{session_id}/operator-questions", expect=201, text=text)
    question = api.question(session_id, made["question"]["tracking_code"])
    api.command(question["id"], "approve")
    return question["id"]


@pytest.mark.parametrize(
    ("who", "path", "code"),
    [("citizen", "/", "busy"), ("moderator", "/moderate", "login_required")],
)
def test_refused_join_is_retried_with_backoff(contexts, seed_info, who, path, code):
    page = contexts.new() if who == "citizen" else contexts.staff(seed_info[who])
    state = refuse_joins(page, {"code": code, "message": "refused by the test"})
    page.goto(path)
    indicator = page.locator("[data-testid=connection]").first
    expect(indicator).to_have_attribute("data-state", "offline")
    if code == "login_required":
        message = page.evaluate(
            "JSON.parse(document.getElementById('i18n').textContent).live_login_required"
        )
        expect(indicator).to_contain_text(message)
        expect(page.locator("[data-testid=desk-notice]")).to_have_text(message)

    # Retried, but backing off: about 0.5-1 s, then 1-2 s, then 2-4 s between attempts.
    page.wait_for_timeout(3000)
    assert 2 <= state["joins"] <= 4

    state["refuse"] = False
    live_connected(page)
    if code == "login_required":
        expect(page.locator("[data-testid=desk-notice]")).to_have_text("")


def test_failed_snapshots_are_retried_without_a_storm(contexts, server, seed_info):
    page = contexts.new()
    state = {"requests": 0, "late": None}

    def snapshot(route):
        state["requests"] += 1
        if state["requests"] <= FAILURES:
            route.fulfill(
                status=503,
                content_type="application/json",
                body=json.dumps({"error": {"code": "busy", "message": "busy"}}),
            )
            return
        # The snapshot that works is overtaken by a change: the page must apply it on top.
        response = route.fetch()
        if state["late"] is None:
            text = f"پرسش پس از عکس لحظه‌ای {uuid.uuid4().hex[:8]}"
            state["late"] = (new_public_question(server, seed_info, text), text)
        route.fulfill(response=response)

    page.route(SNAPSHOT, snapshot)
    page.goto("/")
    live_connected(page)
    pump(page, lambda: state["requests"] >= 2)
    # Changes while waiting to retry are kept for later, not a reason to reload at once.
    before = state["requests"]
    made = [
        (new_public_question(server, seed_info, text), text)
        for text in (f"پرسش در زمان خطا {n} {uuid.uuid4().hex[:8]}" for n in range(3))
    ]
    page.wait_for_timeout(300)
    # At most the one retry that came due meanwhile (at 1-2 s), not one per change.
    assert state["requests"] - before <= 1
    pump(page, lambda: state["late"] is not None)

    board = page.locator("[data-testid=board]")
    for question_id, text in [*made, state["late"]]:
        expect(
            board.locator(f"[data-testid=board-question][data-id='{question_id}']")
        ).to_contain_text(text)
    assert state["requests"] == FAILURES + 1

    # Live again: a change arrives as an event, without another snapshot.
    live_text = f"پرسش زنده {uuid.uuid4().hex[:8]}"
    live_id = new_public_question(server, seed_info, live_text)
    expect(board.locator(f"[data-testid=board-question][data-id='{live_id}']")).to_contain_text(
        live_text
    )
    assert state["requests"] == FAILURES + 1


def test_a_snapshot_older_than_a_tally_keeps_the_tallied_count(contexts, server, seed_info):
    page = contexts.new()
    drop = {"next_change": False}

    def handle(ws):
        upstream = ws.connect_to_server()

        def from_server(message):
            if drop["next_change"] and str(message).startswith('42["changes"'):
                drop["next_change"] = False
                return
            ws.send(message)

        upstream.on_message(from_server)

    page.route_web_socket(SOCKET, handle)
    state = {"question": None}

    def snapshot(route):
        response = route.fetch()
        question_id = state["question"]
        if question_id is not None and not state.get("supported"):
            # Supports land after this snapshot was read; their tally reaches the page first.
            state["supported"] = True
            for _ in range(2):
                http = http_session(server)
                reply = http.post(server.url(f"/api/v1/questions/{question_id}/support"), json={})
                assert reply.status_code == 201, reply.text
            time.sleep(2.5)
        route.fulfill(response=response)

    page.route(SNAPSHOT, snapshot)
    page.goto("/")
    live_connected(page)

    # A missed change (dropped here: the approval) makes the page reload its snapshot on
    # the next one.
    drop["next_change"] = True
    api = StaffApi(server, seed_info["moderator"])
    made = api.post(
        f"/sessions/{seed_info['session_id']}/operator-questions",
        expect=201,
        text=f"پرسش شمارش حمایت {uuid.uuid4().hex[:8]}",
    )
    question = api.question(seed_info["session_id"], made["question"]["tracking_code"])
    api.command(question["id"], "approve")
    pump(page, lambda: not drop["next_change"])
    state["question"] = question["id"]
    with page.expect_response(SNAPSHOT):
        new_public_question(server, seed_info, f"پرسش پسین {uuid.uuid4().hex[:8]}")
    page.wait_for_timeout(500)
    item = page.locator(f"[data-testid=board-question][data-id='{question['id']}']")
    expect(item.locator("[data-testid=support-count]")).to_have_text("۲")
