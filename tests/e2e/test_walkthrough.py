"""The whole live session in four browsers: citizen, moderator, official, big screen."""

import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import ask, live_connected

pytestmark = [pytest.mark.server, pytest.mark.browser]


def test_question_travels_from_citizen_to_answer_without_reload(contexts, server, seed_info):
    official = seed_info["officials"][0]
    session_id = seed_info["session_id"]
    text = f"چرا خیابان صفاییه هنوز آسفالت نشده است؟ {uuid.uuid4().hex[:8]}"
    answer = f"آسفالت خیابان صفاییه تا پایان ماه انجام می‌شود. {uuid.uuid4().hex[:8]}"

    citizen = contexts.new()
    citizen.goto("/")
    moderator = contexts.staff(seed_info["moderator"])
    moderator.goto("/moderate")
    panel = contexts.staff(official["username"])
    panel.goto("/panel")
    screen = contexts.new()
    screen.goto(f"/screen/{session_id}")
    for page in (citizen, moderator, panel, screen):
        live_connected(page)

    code = ask(citizen, text, name="مریم")
    mine = citizen.locator(f"[data-testid=my-question][data-code='{code}']")

    # The moderator sees it arrive live, approves it and routes it to the official.
    item = moderator.locator("[data-testid=queue-item]", has_text=text)
    expect(item).to_have_attribute("data-status", "submitted")
    item.locator("[data-action=approve]").click()
    expect(item).to_have_attribute("data-status", "approved")
    item.locator("select[name=official_id]").select_option(str(official["id"]))
    item.locator("[data-action=route]").click()
    expect(item).to_have_attribute("data-status", "routed")
    expect(mine).to_have_attribute("data-status", "routed")

    # The official sees it live and takes it on air; the hall and the citizen see that.
    panel_item = panel.locator("[data-testid=panel-item]", has_text=text)
    expect(panel_item).to_have_attribute("data-status", "routed")
    panel_item.locator("[data-action=on-air]").click()
    expect(panel_item).to_have_attribute("data-status", "on_air")
    expect(screen.locator("[data-testid=screen-question]")).to_contain_text(text)
    expect(screen.locator("[data-testid=screen-official]")).to_contain_text(official["name"])
    expect(citizen.locator("[data-testid=on-air]")).to_contain_text(text)
    expect(citizen.locator("[data-testid=on-air-official]")).to_contain_text(official["name"])
    expect(mine).to_have_attribute("data-status", "on_air")

    form = panel.locator("form#answer-form")
    form.locator("input[name=kind][value=written]").check()
    form.locator("textarea[name=text]").fill(answer)
    form.locator("[data-testid=answer-submit]").click()
    expect(panel_item).to_have_attribute("data-status", "answered")

    # No reload anywhere: the answer reaches the citizen and the big screen live.
    expect(mine).to_have_attribute("data-status", "answered")
    expect(mine.locator("[data-testid=my-answer]")).to_contain_text(answer)
    expect(citizen.locator("[data-testid=answers]")).to_contain_text(answer)
    expect(screen.locator("[data-testid=screen-answer]")).to_contain_text(answer)
    expect(screen.locator("[data-testid=counter-answered]")).not_to_have_text("۰")
