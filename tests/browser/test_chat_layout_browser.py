"""The chat page's layout in Chromium, on a 390×844 phone and a 1366×900 desktop: nothing
scrolls sideways, the conversation keeps most of the screen, the conversations are a drawer
and the settings a sheet on the phone, a side panel on the desktop that stays closed once
closed, examples on the first visit, and Stop leaves the answer where the reader had it."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def assert_no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def messages_height(page) -> float:
    return page.locator("#messages").bounding_box()["height"]


def answer_text_top(page) -> float:
    """Where the latest answer's text starts, from the top of the visible messages."""
    return page.locator("#messages").evaluate(
        """log => {
          const answer = [...log.querySelectorAll("article.message--assistant")].pop();
          const body = answer.querySelector(".message__body");
          return body.getBoundingClientRect().top - log.getBoundingClientRect().top;
        }"""
    )


def test_the_chat_page_on_a_phone_and_on_a_desktop(browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    signup_in_browser(page)
    sidebar = page.locator("#chat-sidebar")
    panel = page.locator("#settings-panel")

    # Phone: the message area keeps most of the screen, with the message box under it.
    expect(page.get_by_label("Message")).to_be_visible()
    assert messages_height(page) >= 0.6 * PHONE["height"]
    assert_no_sideways_scroll(page)
    expect(sidebar).to_be_hidden()
    expect(panel).to_be_hidden()

    # The conversations are a drawer: opened from the bar, closed with Escape or beside it.
    page.get_by_role("link", name="Chats").click()
    expect(page.get_by_label("Search conversations")).to_be_visible()
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    page.get_by_role("link", name="Chats").click()
    expect(sidebar).to_be_visible()
    page.mouse.click(PHONE["width"] - 10, PHONE["height"] / 2)  # the dimmed page beside it
    expect(sidebar).to_be_hidden()

    # The settings are a sheet over the conversation, which keeps its size.
    page.get_by_role("link", name="Settings", exact=True).click()
    expect(page.get_by_label("Model")).to_be_visible()
    assert messages_height(page) >= 0.6 * PHONE["height"]
    page.get_by_role("link", name="Close the settings").click()
    expect(panel).to_be_hidden()

    # The first visit says what to try; an example is one click.
    expect(page.get_by_role("heading", name="What would you like to ask?")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Write some code")).click()
    answer = page.locator("article.message--assistant").last
    expect(answer.locator(".message__footer")).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"/c/\d+/$"))
    expect(page.locator(".chat-bar__name")).to_contain_text("Write a Python function")
    assert_no_sideways_scroll(page)  # code blocks scroll inside the answer
    assert messages_height(page) >= 0.6 * PHONE["height"]
    page.get_by_role("link", name="Chats").click()
    expect(page.locator("#conversation-list .conversation-list__link")).to_have_count(1)
    page.keyboard.press("Escape")

    # Desktop: the drawer is a sidebar, the settings a side panel beside the conversation.
    page.set_viewport_size(DESKTOP)
    expect(sidebar).to_be_visible()
    expect(panel).to_be_visible()
    expect(page.get_by_role("link", name="Chats")).to_be_hidden()
    assert_no_sideways_scroll(page)
    assert messages_height(page) >= 0.6 * DESKTOP["height"]

    # The model picker's filter: by ability, Enter takes the first match.
    model = page.get_by_label("Model")
    page.get_by_label("Filter the list").fill("audio video")
    expect(model.locator("option:not([hidden])")).to_have_count(4)  # the Gemini models
    with page.expect_response(lambda response: "/composer/options/" in response.url):
        page.get_by_label("Filter the list").press("Enter")
    expect(model).to_have_value("gemini-2.5-flash")
    expect(page.locator(".model-card")).to_contain_text("Gemini 2.5 Flash")
    expect(page.locator(".model-card")).to_contain_text(
        "Gemini generateContent, passed straight to Google (Gemini models)"
    )

    # Closed, the panel gives its room to the conversation, and stays closed after a reload.
    width_with_panel = page.locator("#messages").bounding_box()["width"]
    with page.expect_response(lambda response: "/settings-panel/" in response.url):
        page.get_by_role("button", name="Hide the settings panel").click()
    expect(panel).to_be_hidden()
    assert page.locator("#messages").bounding_box()["width"] > width_with_panel + 200
    page.reload()
    expect(panel).to_be_hidden()
    with page.expect_response(lambda response: "/settings-panel/" in response.url):
        page.locator(".chat-bar__panel").click()
    expect(panel).to_be_visible()

    # Stop leaves the answer's text where the reader was reading it, though its reasoning
    # folds away above it.
    with page.expect_response(lambda response: "/composer/options/" in response.url):
        model.select_option("moonshotai/kimi-k2.5")
    box = page.get_by_label("Message")
    box.fill("Tell me about tides [sim tokens=2000 rate=80 reasoning_tokens=250]")
    box.press("Enter")
    live_text = page.locator("article.message--assistant").last.locator(".live-answer")
    log = page.locator("#messages")
    for _ in range(400):
        if log.evaluate("l => l.scrollHeight > 2.2 * l.clientHeight"):
            break
        page.wait_for_timeout(25)
    expect(live_text).not_to_be_empty()
    middle = log.bounding_box()
    page.mouse.move(middle["x"] + middle["width"] / 2, middle["y"] + middle["height"] / 2)
    for _ in range(3):  # the reader scrolls up to read: the newest text is no longer followed
        page.mouse.wheel(0, -150)
        page.wait_for_timeout(50)
    page.wait_for_timeout(100)
    reading_at = answer_text_top(page)
    page.locator(".composer__stop").click()
    stopped = page.locator("article.message--assistant").last
    expect(stopped.locator(".message__note")).to_have_text("Stopped.", timeout=15_000)
    expect(stopped.locator("details.reasoning")).not_to_have_attribute("open", "")
    assert abs(answer_text_top(page) - reading_at) <= 2
    expect(stopped.locator(".message__body")).to_be_in_viewport()
