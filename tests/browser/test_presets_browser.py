"""Presets in Chromium at desktop and phone width: saved from a chat's settings, listed on
the Presets page, applied in a new chat (the answer goes with its system prompt) and to a
new comparison; nothing wider than the screen."""

import pytest
from playwright.sync_api import expect

from playground.simulator.app import application as simulator
from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser
PIRATE = "Answer like a pirate."


@pytest.fixture(autouse=True)
def _fresh():
    simulator.reset()


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def open_settings(page):
    """On a desktop the settings panel starts open (the saved default)."""
    expect(page.locator("#settings-panel")).to_be_visible()


def test_presets_page_and_apply_flow_at_1366_and_390(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    signup_in_browser(page)

    # Save the chat's settings as a preset.
    open_settings(page)
    page.get_by_label("System prompt").fill(PIRATE)
    page.get_by_label("Temperature").fill("0.2")
    page.get_by_text("Save this setup as a preset").click()
    page.get_by_label("Name", exact=True).fill("Pirate")
    page.get_by_role("button", name="Save preset").click()
    expect(page.locator("#preset-picker [role=status]")).to_contain_text("Saved “Pirate”")

    # It is on the Presets page with the starters.
    page.goto(f"{page.base_url}/presets/")
    expect(page.locator("#preset-groups h2")).to_have_text(["Yours", "Starters"])
    pirate = page.locator(".preset", has_text="Pirate")
    expect(pirate).to_contain_text("Temperature 0.2")
    assert no_horizontal_overflow(page)

    # Applied in a new chat, it fills the settings; the answer goes with them.
    page.goto(f"{page.base_url}/")
    open_settings(page)
    page.get_by_label("Preset", exact=True).select_option(label="Pirate (deepseek-v3)")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#preset-picker [role=status]")).to_contain_text("Applied “Pirate”")
    expect(page.get_by_label("System prompt")).to_have_value(PIRATE)
    expect(page.get_by_label("Temperature")).to_have_value("0.2")
    box = page.get_by_label("Message")
    box.fill("Ahoy? [sim tokens=5 reasoning=off]")
    box.press("Enter")
    expect(page.locator("article.message--assistant .message__footer")).to_have_count(1)
    body = [r for r in simulator.received if r["method"] == "POST"][-1]["json"]
    assert body["messages"][0] == {"role": "system", "content": PIRATE}
    assert body["temperature"] == 0.2

    # At phone width: the page, a starter opened in a chat, a preset applied to a comparison.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/presets/")
    expect(pirate).to_be_visible()
    assert no_horizontal_overflow(page)
    reviewer = page.locator(".preset", has_text="Code reviewer")
    reviewer.get_by_role("link", name="Use in chat").click()
    page.wait_for_url("**/?preset=*")
    expect(page.get_by_label("Model")).to_have_value("claude-4.5-sonnet")
    expect(page.locator("#preset-picker [role=status]")).to_contain_text("Applied “Code reviewer”")
    expect(page.get_by_label("Thinking", exact=True)).to_have_value("true")
    assert no_horizontal_overflow(page)

    page.goto(f"{page.base_url}/compare/")
    page.get_by_label("Prompt").fill("Say hello")
    page.get_by_label("Preset", exact=True).select_option(label="Pirate (deepseek-v3)")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#preset-picker [role=status]")).to_contain_text("model 1 is deepseek-v3")
    expect(page.get_by_label("Instructions for every model (optional)")).to_have_value(PIRATE)
    expect(page.get_by_label("Prompt")).to_have_value("Say hello")
    assert no_horizontal_overflow(page)
