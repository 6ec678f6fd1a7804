"""Citizens whose browser runs no JavaScript can still ask and get a tracking code."""

import uuid

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.server, pytest.mark.browser]


def test_form_submit_without_javascript_shows_the_tracking_code(contexts, server):
    page = contexts.new(java_script_enabled=False)
    page.goto("/")
    text = f"ساعت کار کتابخانه عمومی محله چیست؟ {uuid.uuid4().hex[:8]}"
    page.fill("#ask-form [name=text]", text)
    page.fill("#ask-form [name=name]", "علی")
    with page.expect_navigation():
        page.click("[data-testid=ask-submit]")
    assert "/track/" in page.url, page.url
    expect(page.locator("[data-testid=tracking-code]")).not_to_be_empty()
    mine = page.locator("[data-testid=my-question]")
    expect(mine).to_contain_text(text)
    expect(mine).to_have_attribute("data-status", "submitted")


def test_invalid_form_without_javascript_keeps_the_input(contexts, server):
    page = contexts.new(java_script_enabled=False)
    page.goto("/")
    page.fill("#ask-form [name=name]", "علی")
    page.fill("#ask-form [name=phone]", "not a phone")
    with page.expect_navigation():
        page.click("[data-testid=ask-submit]")
    expect(page.locator("[data-testid=form-error]")).to_be_visible()
    expect(page.locator("#ask-form [name=name]")).to_have_value("علی")
