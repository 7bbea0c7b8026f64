"""The chat page in Chromium: sign up, stream an answer, reload, find it again."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import signup_in_browser

# What rendering removes from the text shown: a fence with its language, a numbered item's
# number (the list draws it), punctuation. Fences first: punctuation before one would take
# its backticks and leave the language.
MARKUP = (re.compile(r"```\w*"), re.compile(r"(?m)^\s*\d+[.)](?=\s)"), re.compile(r"[\W_]+"))


def letters_shown(text: str) -> int:
    for pattern in MARKUP:
        text = pattern.sub("", text)
    return len(text)


# The database comes through live_app (transactional), set up after the ORM guard is relaxed.
pytestmark = pytest.mark.browser


def test_sign_up_send_watch_the_answer_grow_then_reload_and_find_it(browser_page):
    page = browser_page
    signup_in_browser(page)
    expect(page.get_by_text("Demo mode")).to_be_visible()

    page.get_by_label("Model").select_option("deepseek-v3")
    box = page.get_by_label("Message")
    box.fill("Tell me about tides")
    box.press("Shift+Enter")
    box.press_sequentially("[sim tokens=120 rate=60]")
    box.press("Enter")

    answer = page.locator("article.message--assistant").last
    streaming_text = answer.locator(".live-answer")
    footer = answer.locator(".message__footer")
    seen_lengths = []
    while footer.count() == 0 and len(seen_lengths) < 400:
        shown = streaming_text.all_inner_texts()  # no waiting: it is replaced at the end
        # Counted in letters: the Markdown renders as it comes, its syntax goes.
        length = letters_shown(shown[0]) if shown else 0
        if length and (not seen_lengths or length != seen_lengths[-1]):
            seen_lengths.append(length)
        page.wait_for_timeout(40)
    assert len(seen_lengths) >= 3, f"the answer should grow in steps, saw {seen_lengths}"
    assert seen_lengths == sorted(seen_lengths)

    expect(footer).to_contain_text("deepseek-v3")
    expect(footer).to_contain_text("120 out")
    expect(footer).to_contain_text("tokens/s")
    expect(answer.locator(".markdown pre code")).to_be_visible()  # rendered Markdown, with code
    expect(page).to_have_url(re.compile(r"/c/\d+/$"))
    final_text = answer.locator(".markdown").inner_text()
    # The user's message kept its line break, and the box is empty for the next one.
    expect(page.locator("article.message--user").last).to_contain_text("Tell me about tides\n")
    expect(page.get_by_label("Message")).to_have_value("")

    page.reload()
    sidebar_entry = page.locator("#conversation-list a.conversation-list__link").first
    expect(sidebar_entry).to_have_text(re.compile("^Tell me about tides"))
    expect(page.locator("article.message--assistant .markdown")).to_have_text(final_text)

    page.goto(page.base_url + "/")
    page.locator("#conversation-list a.conversation-list__link").first.click()
    expect(page.locator("article.message--assistant .markdown")).to_have_text(final_text)


def test_reasoning_streams_into_a_collapsible_block(browser_page):
    page = browser_page
    signup_in_browser(page)
    page.get_by_label("Model").select_option("moonshotai/kimi-k2.5")
    page.get_by_label("Message").fill(
        "Why is the sky blue? [sim tokens=30 reasoning_tokens=30 rate=40]"
    )
    page.get_by_label("Message").press("Enter")
    answer = page.locator("article.message--assistant").last
    live_reasoning = answer.locator(".run .reasoning__text")
    expect(answer.locator(".run__status")).to_have_text("Thinking…")  # not "Waiting for …"
    expect(live_reasoning).not_to_be_empty()
    expect(answer.locator(".message__footer")).to_be_visible()
    block = answer.locator("details.reasoning")
    expect(block).not_to_have_attribute("open", "")  # collapsed once the answer is done
    block.locator("summary").click()
    expect(block.locator(".reasoning__text")).to_be_visible()


def test_an_error_is_shown_in_plain_words(browser_page):
    page = browser_page
    signup_in_browser(page)
    page.get_by_label("Message").fill("Hello [sim error=402]")
    page.get_by_label("Message").press("Enter")
    expect(page.locator(".message__error")).to_contain_text("balance")


def test_a_refused_message_shows_why_and_keeps_what_was_typed(browser_page):
    page = browser_page
    signup_in_browser(page)
    page.get_by_label("System prompt").fill("Answer like a pirate.")  # the panel is open
    page.get_by_label("Temperature").fill("5")
    page.get_by_label("Message").fill("Keep this text")
    page.get_by_role("button", name="Send").click()
    # The browser itself refuses the out-of-range temperature before sending.
    assert page.get_by_label("Temperature").evaluate("field => field.validationMessage")
    page.get_by_label("Temperature").fill("0.5")
    page.get_by_label("Message").fill("   ")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Type a message first.")).to_be_visible()
    expect(page.get_by_label("System prompt")).to_have_value("Answer like a pirate.")
    expect(page.get_by_label("Temperature")).to_have_value("0.5")
    assert page.locator("article.message").count() == 0


def test_rename_and_delete_from_the_sidebar(browser_page):
    page = browser_page
    signup_in_browser(page)
    for text in ("First chat [sim tokens=3 rate=0]", "Second chat [sim tokens=3 rate=0]"):
        page.goto(page.base_url + "/")
        page.get_by_label("Message").fill(text)
        page.get_by_label("Message").press("Enter")
        expect(page.locator(".message__footer")).to_be_visible()
    entries = page.locator("#conversation-list .conversation-list__item")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("Second chat")

    entries.first.get_by_role("link", name=re.compile("Rename")).click()
    title = page.get_by_label("New title")
    title.fill("Renamed chat")
    title.press("Enter")
    expect(entries.first).to_contain_text("Renamed chat")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#conversation-list .conversation-list__item", has_text="First chat").get_by_role(
        "button", name=re.compile("Delete")
    ).click()
    expect(entries).to_have_count(1)
    page.reload()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Renamed chat")
