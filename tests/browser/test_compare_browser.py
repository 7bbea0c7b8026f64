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
