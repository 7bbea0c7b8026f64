"""A blind comparison in Chromium: until the vote its columns are not in the chat sidebar and
do not open as chats; after it they do, with their models."""

import pytest
from playwright.sync_api import expect

from playground.chat.models import Run
from playground.compare.models import Comparison
from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser


def test_a_blind_comparisons_column_chats_show_up_only_after_the_vote(browser_page):
    page = browser_page
    signup_in_browser(page)
    page.goto(f"{page.base_url}/compare/")
    page.get_by_label("Model 1", exact=True).select_option("deepseek-v3")
    page.get_by_label("Model 2", exact=True).select_option("claude-4.5-sonnet")
    page.get_by_label("Prompt").fill("Explain tides [sim tokens=4 reasoning=off]")
    page.get_by_label("Blind").check()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url("**/compare/*/")
    for _ in range(200):  # both answers written, then the page as it is drawn after them
        if not Run.objects.filter(status__in=Run.ACTIVE).exists():
            break
        page.wait_for_timeout(50)
    page.reload()
    expect(page.locator(".compare__cell .metrics")).to_have_count(2)
    comparison_url = page.url
    conversation_id = Comparison.objects.get().columns.first().conversation_id

    page.get_by_role("link", name="Chat", exact=True).click()
    expect(page.locator("#conversation-list")).to_contain_text("No conversations yet.")
    page.goto(f"{page.base_url}/c/{conversation_id}/")
    assert page.url == comparison_url  # the column, still blind
    expect(page.locator(".compare__head strong").first).to_have_text("Model A")

    page.get_by_role("button", name="Tie").click()
    expect(page.locator(".compare__head strong").first).not_to_have_text("Model A")
    page.get_by_role("link", name="Chat", exact=True).click()
    columns = page.locator("#conversation-list a.conversation-list__link")
    expect(columns).to_have_count(2)
    page.goto(f"{page.base_url}/c/{conversation_id}/")
    model = Comparison.objects.get().columns.first().model
    expect(page.locator(".message__footer")).to_contain_text(model)
