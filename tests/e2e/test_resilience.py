"""Pages that lose their connection catch up with what happened meanwhile, without reload."""

import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import ask, live_connected
from realclients import StaffApi

pytestmark = [pytest.mark.server, pytest.mark.browser]


# Records any moment the page's connection indicator leaves "connected". Polling the
# indicator instead races the page: after a quick restart it may already be connected
# again by the time we look.
WATCH_CONNECTION = """() => {
  const indicator = document.querySelector("[data-testid=connection]");
  window.__liveqaDropped = false;
  new MutationObserver(() => {
    if (indicator.getAttribute("data-state") !== "connected") window.__liveqaDropped = true;
  }).observe(indicator, {attributes: true, attributeFilter: ["data-state"]});
}"""


def watch_connection(page) -> None:
    page.evaluate(WATCH_CONNECTION)


def disconnected(page) -> None:
    page.wait_for_function("window.__liveqaDropped === true", timeout=20_000)


@pytest.mark.parametrize("offline", [True, False], ids=["offline-and-restart", "restart"])
def test_every_page_catches_up_after_an_interruption(contexts, server, seed_info, offline):
    session_id = seed_info["session_id"]
    official = seed_info["officials"][0]
    tag = uuid.uuid4().hex[:8]
    first_text = f"پرسش اول پیش از قطعی {tag}"
    second_text = f"پرسش دوم پیش از قطعی {tag}"
    answer = f"پاسخ داده شده در زمان قطعی {tag}"

    citizen = contexts.new()
    citizen.goto("/")
    first_code = ask(citizen, first_text)
    second_code = ask(citizen, second_text)
    moderator_api = StaffApi(server, seed_info["moderator"])
    first = moderator_api.question(session_id, first_code)
    second = moderator_api.question(session_id, second_code)
    moderator_api.command(first["id"], "approve")
    moderator_api.command(first["id"], "route", official_id=official["id"])

    desk = contexts.staff(seed_info["moderator"])
    desk.goto("/moderate")
    panel = contexts.staff(official["username"])
    panel.goto("/panel")
    screen = contexts.new()
    screen.goto(f"/screen/{session_id}")
    pages = (citizen, desk, panel, screen)
    for page in pages:
        live_connected(page)
    expect(panel.locator(f"[data-testid=panel-item][data-id='{first['id']}']")).to_be_visible()

    # Cut every page off; with the browsers offline they cannot reconnect before the
    # changes below, so they surely miss those events.
    for page in pages:
        watch_connection(page)
    if offline:
        for context in contexts.contexts:
            context.set_offline(True)
    server.restart()
    for page in pages:
        disconnected(page)

    moderator_api = StaffApi(server, seed_info["moderator"])
    official_api = StaffApi(server, official["username"])
    official_api.command(first["id"], "on-air")
    official_api.command(first["id"], "answer", kind="written", text=answer)
    moderator_api.command(second["id"], "approve")
    moderator_api.command(second["id"], "route", official_id=official["id"])

    if offline:
        for context in contexts.contexts:
            context.set_offline(False)
    for page in pages:
        live_connected(page)

    mine = citizen.locator(f"[data-testid=my-question][data-code='{first_code}']")
    expect(mine).to_have_attribute("data-status", "answered")
    expect(mine.locator("[data-testid=my-answer]")).to_contain_text(answer)
    expect(citizen.locator(f"[data-testid=answer-item][data-id='{first['id']}']")).to_contain_text(
        answer
    )
    expect(
        citizen.locator(f"[data-testid=board-question][data-id='{second['id']}']")
    ).to_contain_text(second_text)
    expect(
        citizen.locator(f"[data-testid=my-question][data-code='{second_code}']")
    ).to_have_attribute("data-status", "routed")

    expect(screen.locator("[data-testid=screen-answer]")).to_contain_text(answer)

    expect(panel.locator(f"[data-testid=panel-item][data-id='{second['id']}']")).to_have_attribute(
        "data-status", "routed"
    )

    expect(desk.locator(f"[data-testid=queue-item][data-id='{second['id']}']")).to_have_attribute(
        "data-status", "routed"
    )
    desk.click("[data-testid=filter-done]")
    expect(desk.locator(f"[data-testid=queue-item][data-id='{first['id']}']")).to_have_attribute(
        "data-status", "answered"
    )
