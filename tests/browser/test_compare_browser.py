"""A comparison in Chromium: three answers stream side by side over one connection."""

import pytest
from playwright.sync_api import expect

from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser


def test_three_columns_stream_interleaved_over_one_event_stream(browser_page):
    page = browser_page
    streams = []
    page.on(
        "request",
        lambda request: streams.append(request.url) if "/events/" in request.url else None,
    )
    signup_in_browser(page)
    page.goto(f"{page.base_url}/compare/")
    streams.clear()  # the chat page's own stream, opened before, is not this page's
    page.get_by_label("Model 1", exact=True).select_option("deepseek-v3")
    page.get_by_label("Model 2", exact=True).select_option("claude-4.5-sonnet")
    page.get_by_label("Model 3", exact=True).select_option("openai/gpt-5")
    page.get_by_label("Prompt").fill("Explain tides [sim tokens=60 rate=25 reasoning=off]")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url("**/compare/*/")

    cells = page.locator(".compare__cell")
    expect(cells).to_have_count(3)
    # Sample each column's streaming text: all three grow while none has finished.
    grew = [set(), set(), set()]
    for _ in range(60):
        if page.locator(".compare__cell .metrics").count():
            break
        for index in range(3):
            text = cells.nth(index).locator(".message__body--streaming").all_inner_texts()
            if text:
                grew[index].add(len(text[0]))
        page.wait_for_timeout(50)
    assert all(len(lengths) >= 3 for lengths in grew), grew

    expect(page.locator(".compare__cell .metrics")).to_have_count(3, timeout=15_000)
    expect(page.locator("#compare-charts svg").first).to_be_visible(timeout=10_000)
    assert len(streams) == 1, streams


def _no_sideways_scroll(page):
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= viewport, f"{page.url} is {width}px wide at {viewport}px"


def test_compare_on_a_phone_and_a_laptop_votes_open_when_every_answer_ends(browser_page):
    """At 390 px: the first visit's examples, the columns stacked, votes locked until the
    last answer ends (no reload), a share link copied, the leaderboard; nothing scrolls
    sideways, at 390 px nor at 1366 px."""
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size({"width": 390, "height": 844})
    signup_in_browser(page)
    page.goto(f"{page.base_url}/compare/")
    expect(page.get_by_role("heading", name="What to try")).to_be_visible()
    expect(page.get_by_role("button", name="Try “Blind taste test”")).to_be_visible()
    _no_sideways_scroll(page)

    page.get_by_label("Model 1", exact=True).select_option("deepseek-v3")
    page.get_by_label("Model 2", exact=True).select_option("claude-4.5-sonnet")
    page.get_by_label("Model 3", exact=True).select_option("openai/gpt-5")
    page.get_by_label("Prompt").fill("Explain tides [sim tokens=40 rate=20 reasoning=off]")
    page.get_by_label("Blind").check()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url("**/compare/*/")
    tie = page.get_by_role("button", name="Tie")
    expect(tie).to_be_disabled()
    expect(page.get_by_text("Votes open once every answer has finished.")).to_be_visible()
    page.evaluate("() => { window.notReloaded = true }")
    # Stacked: each answer names its column.
    expect(page.locator(".compare__cell-label")).to_have_text(["Model A", "Model B", "Model C"])
    _no_sideways_scroll(page)

    expect(tie).to_be_enabled(timeout=15_000)
    expect(page.locator(".compare__cell .metrics")).to_have_count(3)
    assert page.evaluate("() => window.notReloaded === true")  # opened in place
    expect(page.get_by_role("status").filter(has_text="votes are open")).to_be_visible()
    _no_sideways_scroll(page)
    tie.click()
    expect(page.get_by_text("You voted: Tie.")).to_be_visible()

    page.get_by_role("button", name="Make a link").click()
    address = page.locator(".share-link__url")
    expect(address).to_contain_text("/s/")
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    expect(page.locator(".share-link__copy .share-link__done")).to_be_visible()  # said in sight
    assert page.evaluate("() => navigator.clipboard.readText()") == address.inner_text()
    _no_sideways_scroll(page)
    comparison_url = page.url

    page.get_by_role("link", name="Leaderboard").click()
    expect(page.locator("table.leaderboard tbody tr")).to_have_count(3)
    expect(page.locator(".leaderboard__rank").first).to_contain_text("on 1 vote")
    _no_sideways_scroll(page)

    page.set_viewport_size({"width": 1366, "height": 900})
    _no_sideways_scroll(page)
    page.goto(comparison_url)
    expect(page.locator(".compare__head").first).to_be_visible()  # side by side again
    _no_sideways_scroll(page)
