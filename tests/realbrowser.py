"""Browser helpers for Playwright pages on a real server."""


def ask(page, text: str, name: str = "") -> str:
    """Submit TEXT with the citizen form on PAGE (JS on); return the ASCII tracking code."""
    from playwright.sync_api import expect

    page.fill("#ask-form [name=text]", text)
    if name:
        page.fill("#ask-form [name=name]", name)
    page.click("[data-testid=ask-submit]")
    expect(page.locator("[data-testid=tracking-code]")).not_to_be_empty()
    mine = page.locator("[data-testid=my-question]", has_text=text)
    expect(mine).to_have_count(1)
    return mine.get_attribute("data-code")


def live_connected(page) -> None:
    """Wait until PAGE's connection indicator says connected."""
    from playwright.sync_api import expect

    expect(page.locator("[data-testid=connection]").first).to_have_attribute(
        "data-state", "connected"
    )
