"""In Chromium: a number in a question is flagged on the desk and masked on the public board."""

import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import ask, live_connected
from realclients import StaffApi

pytestmark = [pytest.mark.server, pytest.mark.browser]

PHONE = "۰۹۱۲۳۴۵۶۷۸۹"


def test_desk_flags_the_number_and_the_board_masks_it(contexts, server, seed_info):
    session_id = seed_info["session_id"]
    tag = uuid.uuid4().hex[:8]
    text = f"آسفالت کوچه ما خراب است {tag} لطفا تماس بگیرید {PHONE}"

    citizen = contexts.new()
    citizen.goto("/")
    live_connected(citizen)
    citizen.fill("#ask-form [name=text]", text)
    citizen.fill("#ask-form [name=name]", "مریم ۰۰۱۳۵۴۲۴۱۹")
    citizen.click("[data-testid=ask-submit]")
    mine = citizen.locator("[data-testid=my-question]", has_text=tag)
    expect(mine).to_have_count(1)
    # The asker's own tracking card is masked too: a tracking code is shared and shown.
    expect(mine).to_contain_text("•••••••••••")
    assert PHONE not in mine.inner_text()
    code = mine.get_attribute("data-code")
    moderator = StaffApi(server, seed_info["moderator"])
    question = moderator.question(session_id, code)
    qid = question["id"]

    desk = contexts.staff(seed_info["moderator"])
    desk.goto("/moderate")
    live_connected(desk)
    item = desk.locator(f"[data-testid=queue-item][data-id='{qid}']")
    flag = item.locator("[data-testid=privacy-flag]")
    # The desk names both kinds from the served labels, and still shows what was written.
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("شماره تلفن")
    expect(flag).to_contain_text("کد ملی")
    expect(item).to_contain_text(PHONE)

    moderator.command(qid, "approve")
    board_card = citizen.locator(f"[data-testid=board-question][data-id='{qid}']")
    expect(board_card).to_contain_text(tag)
    expect(board_card).to_contain_text("•••••••••••")
    assert PHONE not in board_card.inner_text()
    assert "۰۰۱۳۵۴۲۴۱۹" not in board_card.inner_text()
    # Reloaded, the server-drawn board masks it the same way.
    citizen.reload()
    reloaded = citizen.locator(f"[data-testid=board-question][data-id='{qid}']")
    expect(reloaded).to_contain_text(tag)
    assert PHONE not in citizen.content()

    # A question without a number carries no flag.
    plain_code = ask(citizen, f"پارک محله کی تعمیر می‌شود؟ {tag}")
    plain = moderator.question(session_id, plain_code)
    plain_item = desk.locator(f"[data-testid=queue-item][data-id='{plain['id']}']")
    expect(plain_item).to_be_visible()
    expect(plain_item.locator("[data-testid=privacy-flag]")).to_have_count(0)
