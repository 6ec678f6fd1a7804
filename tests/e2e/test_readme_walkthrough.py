"""README's demo walk-through, step by step, on the demo data exactly as `make run` makes it."""

import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import live_connected
from realserver import server_logs, start_demo_server

pytestmark = [pytest.mark.server, pytest.mark.browser]

# What README.md's "Demo walk-through" says, verbatim.
DEMO_PASSWORD = "demo-pass-137"
MODERATOR = "moderator"
OFFICIAL = "deputy-services"
OFFICIAL_TITLE_EN = "Urban Services & Environment"
CATEGORY = "جمع‌آوری پسماند"
GO_LIVE = "شروع پخش زنده"
ANSWERED = "پاسخ داده شد"
EXPECT_MS = 15_000


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Serve the demo data alone: no e2e accounts, the open session not yet live."""
    server = start_demo_server(tmp_path_factory.mktemp("readme"))
    yield server, {"password": DEMO_PASSWORD}
    server.stop()
    # Shown by pytest only when something in the module failed.
    print(server_logs([server]))


def services_deputy(page) -> dict:
    """Return the official README calls the Deputy for Urban Services & Environment."""
    response = page.request.get("/api/v1/officials", headers={"Accept-Language": "en"})
    assert response.ok, (response.status, response.text())
    found = [o for o in response.json()["officials"] if OFFICIAL_TITLE_EN in o["title_en"]]
    assert len(found) == 1, found
    return found[0]


def mark_loaded(page) -> None:
    """Tag PAGE's window so a later reload would show (the tag would be gone)."""
    page.evaluate("window.__readmeWalkthrough = true")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__readmeWalkthrough === true"), f"{page.url} was reloaded"


def test_readme_demo_walkthrough(contexts):
    text = f"کامیون پسماند سه روز است به کوچه ما در خیابان امام نیامده. {uuid.uuid4().hex[:8]}"
    answer = f"از فردا جمع‌آوری در این کوچه هر شب انجام می‌شود. {uuid.uuid4().hex[:8]}"

    citizen = contexts.new()
    citizen.goto("/")
    screen = contexts.new()
    screen.goto("/screen/current")
    moderator = contexts.staff(MODERATOR, DEMO_PASSWORD)
    moderator.goto("/moderate")
    panel = contexts.staff(OFFICIAL, DEMO_PASSWORD)
    panel.goto("/panel")
    for page in (citizen, screen, moderator, panel):
        live_connected(page)
    for page in (citizen, screen):
        mark_loaded(page)
    deputy = services_deputy(citizen)

    # 1. The citizen asks in the waste-collection category and gets a tracking code.
    form = citizen.locator("form#ask-form")
    form.locator("textarea[name=text]").fill(text)
    form.locator("select[name=category_id]").select_option(label=CATEGORY)
    citizen.click("[data-testid=ask-submit]")
    expect(citizen.locator("[data-testid=tracking-code]")).not_to_be_empty(timeout=EXPECT_MS)
    mine = citizen.locator("[data-testid=my-question]", has_text=text)
    expect(mine).to_have_count(1, timeout=EXPECT_MS)

    # 2. The moderator approves it, routes it to the category's default official, goes live.
    item = moderator.locator("[data-testid=queue-item]", has_text=text)
    expect(item).to_have_attribute("data-status", "submitted", timeout=EXPECT_MS)
    item.locator("[data-action=approve]").click()
    expect(item).to_have_attribute("data-status", "approved", timeout=EXPECT_MS)
    route = item.locator("select[name=official_id]")
    expect(route).to_have_value(str(deputy["id"]), timeout=EXPECT_MS)
    item.locator("[data-action=route]").click()
    expect(item).to_have_attribute("data-status", "routed", timeout=EXPECT_MS)
    expect(mine).to_have_attribute("data-status", "routed", timeout=EXPECT_MS)

    go_live = moderator.get_by_role("button", name=GO_LIVE, exact=True)
    expect(go_live).to_be_visible(timeout=EXPECT_MS)
    go_live.click()
    expect(moderator.locator("[data-testid=session-status]")).to_have_attribute(
        "data-status", "live", timeout=EXPECT_MS
    )

    # 3. The deputy takes it on air; the big screen shows the question and who answers.
    panel_item = panel.locator("[data-testid=panel-item]", has_text=text)
    expect(panel_item).to_have_attribute("data-status", "routed", timeout=EXPECT_MS)
    panel_item.locator("[data-action=on-air]").click()
    expect(panel_item).to_have_attribute("data-status", "on_air", timeout=EXPECT_MS)
    expect(screen.locator("[data-testid=screen-question]")).to_contain_text(text, timeout=EXPECT_MS)
    expect(screen.locator("[data-testid=screen-official]")).to_contain_text(
        deputy["name"], timeout=EXPECT_MS
    )

    answer_form = panel.locator("form#answer-form")
    answer_form.locator("input[name=kind][value=written]").check()
    answer_form.locator("textarea[name=text]").fill(answer)
    answer_form.locator("[data-testid=answer-submit]").click()
    expect(panel_item).to_have_attribute("data-status", "answered", timeout=EXPECT_MS)

    # 4. The citizen page and the big screen show the answer without a reload.
    expect(mine).to_have_attribute("data-status", "answered", timeout=EXPECT_MS)
    expect(mine.locator("[data-role=status]")).to_have_text(ANSWERED, timeout=EXPECT_MS)
    expect(mine.locator("[data-testid=my-answer]")).to_contain_text(answer, timeout=EXPECT_MS)
    expect(screen.locator("[data-testid=screen-answer]")).to_contain_text(answer, timeout=EXPECT_MS)
    for page in (citizen, screen):
        assert_not_reloaded(page)
