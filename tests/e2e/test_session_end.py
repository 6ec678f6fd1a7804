"""A staff page whose session ends elsewhere goes to the log-in page by itself."""

import re

import pytest
from playwright.sync_api import expect
from realbrowser import live_connected
from realclients import StaffApi

pytestmark = [pytest.mark.server, pytest.mark.browser]


@pytest.mark.parametrize("path", ["/moderate", "/panel"])
def test_logging_out_elsewhere_sends_an_open_staff_page_to_log_in(
    contexts, server, seed_info, path
):
    username = seed_info["moderator"]
    page = contexts.staff(username)
    page.goto(path)
    live_connected(page)

    # The same account logs out from another browser: every session of it ends.
    StaffApi(server, username).post("/auth/logout")

    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("input[name=username]")).to_be_visible()
