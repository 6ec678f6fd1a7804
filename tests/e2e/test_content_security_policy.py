"""With the Content-Security-Policy enforced, every screen works and the browser refuses nothing."""

import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import ask, live_connected

pytestmark = [pytest.mark.server, pytest.mark.browser]

# Runs before any page script (through DevTools, which the policy does not govern).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


class Watched:
    """Pages that record policy violations and console errors."""

    def __init__(self, contexts):
        self.contexts = contexts
        self.pages = []
        self.console_errors = []

    def _watch(self, page):
        page.add_init_script(RECORD_VIOLATIONS)
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and self.console_errors.append(f"{page.url}: {message.text}")
            ),
        )
        self.pages.append(page)
        return page

    def new(self, path):
        page = self._watch(self.contexts.new())
        page.goto(path)
        return page

    def staff(self, username, path):
        page = self._watch(self.contexts.staff(username))
        page.goto(path)
        return page

    def violations(self):
        return {page.url: page.evaluate("() => window.__cspViolations") for page in self.pages}


def test_every_screen_works_under_the_policy(contexts, server, seed_info):
    official = seed_info["officials"][0]
    text = f"چرا پارک محله روشنایی ندارد؟ {uuid.uuid4().hex[:8]}"
    watched = Watched(contexts)
    citizen = watched.new("/")
    moderator = watched.staff(seed_info["moderator"], "/moderate")
    panel = watched.staff(official["username"], "/panel")
    screen = watched.new(f"/screen/{seed_info['session_id']}")
    for page in (citizen, moderator, panel, screen):
        live_connected(page)
    policy = citizen.evaluate(
        "async () => (await fetch('/')).headers.get('content-security-policy')"
    )
    assert "script-src 'self'" in policy

    # The citizen's script asks; the desk's approves and routes; the panel's takes it on air.
    ask(citizen, text, name="سارا")
    item = moderator.locator("[data-testid=queue-item]", has_text=text)
    item.locator("[data-action=approve]").click()
    expect(item).to_have_attribute("data-status", "approved")
    item.locator("select[name=official_id]").select_option(str(official["id"]))
    item.locator("[data-action=route]").click()
    expect(item).to_have_attribute("data-status", "routed")
    panel_item = panel.locator("[data-testid=panel-item]", has_text=text)
    panel_item.locator("[data-action=on-air]").click()
    expect(panel_item).to_have_attribute("data-status", "on_air")
    expect(screen.locator("[data-testid=screen-question]")).to_contain_text(text)
    expect(citizen.locator("[data-testid=on-air]")).to_contain_text(text)
    panel_item.locator("[data-action=put-back]").click()
    expect(panel_item).to_have_attribute("data-status", "routed")

    assert all(found == [] for found in watched.violations().values()), watched.violations()
    assert watched.console_errors == []


def test_the_browser_enforces_the_policy(contexts, server):
    """The watch above can see a violation: an injected inline script is refused and reported."""
    watched = Watched(contexts)
    page = watched.new("/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.append(script);
        }"""
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in page.evaluate("() => window.__cspViolations"))
    assert any("Content Security Policy" in error for error in watched.console_errors)
