"""Markup typed into any field shows as literal text on every screen and never runs."""

import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import ask
from realclients import StaffApi

pytestmark = [pytest.mark.server, pytest.mark.browser]

UID = uuid.uuid4().hex[:8]


def payload(field: str) -> str:
    """Return markup that would run script, or load an off-site image, if parsed as HTML."""
    return (
        f'<script>window.__xss="{field}";alert("{field}")</script>'
        f'<img src="http://203.0.113.7/{field}.png" onerror="alert(1)"><b>{field}-{UID}</b>'
    )


NAME = f"<script>alert(2)</script><i>{UID}</i>"


def assert_literal(locator, *texts):
    for text in texts:
        expect(locator).to_contain_text(text)
    assert "<script>" in locator.first.text_content()


def assert_not_run(*pages):
    for page in pages:
        assert page.evaluate("() => window.__xss === undefined"), page.url
        parsed = f"b:has-text('{UID}'), i:has-text('{UID}'), img[src*='203.0.113.7']"
        assert page.locator(parsed).count() == 0, page.url


def test_markup_in_every_field_is_shown_as_text(contexts, server, seed_info):
    session_id = seed_info["session_id"]
    official = seed_info["officials"][0]
    question_text, edited, note, answer = (
        payload(f) for f in ("question", "edited", "note", "answer")
    )

    citizen = contexts.new()
    citizen.goto("/")
    code = ask(citizen, question_text, name=NAME)
    rejected_code = ask(citizen, payload("rejected"))

    api = StaffApi(server, seed_info["moderator"])
    question = api.question(session_id, code)
    rejected = api.question(session_id, rejected_code)

    # The moderator edits one question and rejects the other through the desk.
    desk = contexts.staff(seed_info["moderator"])
    desk.goto("/moderate")
    item = desk.locator(f"[data-testid=queue-item][data-id='{question['id']}']")
    assert_literal(item, question_text, NAME)
    item.locator("[data-action=edit]").click()
    item.locator("[name=edited_text]").fill(edited)
    item.locator("[data-action=save-edit]").click()
    expect(item).to_contain_text(edited)
    other = desk.locator(f"[data-testid=queue-item][data-id='{rejected['id']}']")
    other.locator("[data-action=reject]").click()
    other.locator("select[name=reason]").select_option("other")
    other.locator("textarea[name=note]").fill(note)
    other.locator("[data-action=confirm-reject]").click()
    expect(other).to_have_attribute("data-status", "rejected")

    api.command(question["id"], "approve")
    api.command(question["id"], "route", official_id=official["id"])
    panel = contexts.staff(official["username"])
    panel.goto("/panel")
    panel_item = panel.locator(f"[data-testid=panel-item][data-id='{question['id']}']")
    assert_literal(panel_item, edited)
    screen = contexts.new()
    screen.goto(f"/screen/{session_id}")
    board_item = citizen.locator(f"[data-testid=board-question][data-id='{question['id']}']")
    assert_literal(board_item, edited)

    official_api = StaffApi(server, official["username"])
    official_api.command(question["id"], "on-air")
    assert_literal(screen.locator("[data-testid=screen-question]"), edited)
    assert_literal(citizen.locator("[data-testid=on-air]"), edited)
    official_api.command(question["id"], "answer", kind="written", text=answer)

    assert_literal(screen.locator("[data-testid=screen-answer]"), answer)
    mine = citizen.locator(f"[data-testid=my-question][data-code='{code}']")
    expect(mine).to_have_attribute("data-status", "answered")
    assert_literal(mine.locator("[data-testid=my-answer]"), answer)
    assert_literal(
        citizen.locator(f"[data-testid=answer-item][data-id='{question['id']}']"), edited, answer
    )
    mine_rejected = citizen.locator(f"[data-testid=my-question][data-code='{rejected_code}']")
    expect(mine_rejected).to_have_attribute("data-status", "rejected")
    assert_literal(mine_rejected, note)
    assert_literal(panel_item, edited)
    desk.click("[data-testid=filter-done]")
    assert_literal(item, question_text, edited, NAME, answer)
    assert_literal(other, note)

    # The server-rendered tracking pages escape too.
    tracking = contexts.new()
    tracking.goto(f"/track/{code}")
    assert_literal(tracking.locator("[data-testid=my-question]"), question_text, answer)
    tracking.goto(f"/track/{rejected_code}")
    assert_literal(tracking.locator("[data-testid=my-question]"), note)

    # A reload renders everything server-side: still text.
    citizen.reload()
    assert_literal(citizen.locator(f"[data-testid=my-question][data-code='{code}']"), answer)
    assert_literal(citizen.locator("[data-testid=answers]"), edited, answer)
    screen.reload()
    assert_literal(screen.locator("[data-testid=screen-answer]"), answer)
    assert_not_run(citizen, desk, panel, screen, tracking)
