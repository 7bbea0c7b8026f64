"""An answer as it is written, in Chromium: its Markdown renders while it streams, the status
follows it, the conversation's totals count it once it ends, and the keyboard and the code
blocks' Copy buttons work (at 1366 and at 390 wide)."""

import pytest
from playwright.sync_api import expect

from playground.simulator.app import application as simulator
from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser

CODE = '    return " ".join(text.split()[:limit])'  # the last line of the simulator's code block


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_a_live_answer_then_the_keyboard_and_copy_buttons(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base_url)
    simulator.reset()
    signup_in_browser(page)
    expect(page.locator("#page-stream-state [data-listening]")).to_be_attached()
    totals = page.locator("#conversation-totals")
    expect(totals).to_be_hidden()  # a new chat has none yet

    # A reasoning model: "Waiting for …" gives way to "Thinking…", which goes once the answer
    # itself comes; the answer's Markdown renders while it is written.
    page.get_by_label("Model").select_option("moonshotai/kimi-k2.5")
    box = page.get_by_role("textbox", name="Message")
    box.fill("Why is the sky blue? [sim tokens=120 reasoning_tokens=40 rate=40]")
    box.press("Enter")
    answer = page.locator("article.message--assistant").last
    status = answer.locator(".run__status")
    expect(status).to_have_text("Thinking…")
    live = answer.locator(".live-answer")
    expect(live.locator("strong").first).to_have_text("Simulated answer")
    expect(status).to_be_hidden()
    expect(live.locator("li").first).to_contain_text("Your prompt has")
    expect(live.locator("pre code")).to_contain_text("def summarize")
    assert answer.locator(".message__footer").count() == 0, "all of that while it streamed"
    # Its code block has a Copy button already; the raw text after the rendered part is brief.
    expect(live.get_by_role("button", name="Copy code")).to_be_visible()

    # Once it ends: the totals count it, without a reload.
    expect(answer.locator(".message__footer")).to_contain_text("160 out")  # reasoning too
    expect(totals).to_contain_text("1 answer ·")
    expect(totals).to_contain_text("160 out")

    # Every code block has a Copy button, which copies the code alone.
    expect(answer.get_by_role("button", name="Copy code")).to_have_count(1)
    copy = answer.locator(".code-copy")  # its name says "Copied" for a moment
    copy.click()
    expect(copy).to_have_accessible_name("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("def summarize(") and copied.rstrip().endswith(CODE.strip()), copied
    # Copying the whole answer takes its text, not the buttons' labels.
    answer.get_by_role("button", name="Copy the text").click()
    whole = page.evaluate("navigator.clipboard.readText()")
    assert "Simulated answer" in whole and "Copy" not in whole.replace("Copy code", ""), whole

    # In the message box, letters are typed, not taken as shortcuts.
    box.click()
    box.press("r")
    expect(box).to_have_value("r")
    box.fill("")
    # Esc with nothing to stop leaves the box; then "?" shows every shortcut.
    page.keyboard.press("Escape")
    expect(box).not_to_be_focused()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for what in ("Stop the answer", "New chat", "Regenerate", "Write a message", "Show these"):
        expect(dialog).to_contain_text(what)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # "r" regenerates the latest answer; Esc stops it, even from the message box.
    page.keyboard.press("r")
    regenerated = page.locator("article.message--assistant").last
    expect(regenerated.locator(".live-answer strong").first).to_be_visible()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    box.press("Escape")
    expect(regenerated.locator(".message__note")).to_have_text("Stopped.")
    expect(regenerated.locator(".branch-nav__count")).to_have_text("2/2")
    expect(totals).to_contain_text("2 answers ·")

    # "n" starts a new chat (once out of the message box).
    conversation = page.url
    box.press("Escape")
    page.keyboard.press("n")
    expect(page).to_have_url(f"{page.base_url}/")

    # At phone width: the answer's code block and its button fit, and so does the dialog.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(conversation)
    page.get_by_role("button", name="Previous version").click()  # the first, whole answer
    button = page.get_by_role("button", name="Copy code")  # on a block htmx swapped in
    expect(button).to_be_visible()
    assert button.bounding_box()["x"] + button.bounding_box()["width"] <= 390
    assert no_horizontal_overflow(page)
    box.press("Escape")  # the box has the focus as the page opens
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    box_of_dialog = dialog.bounding_box()
    assert box_of_dialog["x"] >= 0 and box_of_dialog["x"] + box_of_dialog["width"] <= 390
    assert no_horizontal_overflow(page)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_lines_being_written_read_as_they_will_once_whole(browser_page):
    """No empty bullet for a list item just begun, the code line being written shows in the
    code's font under its block, and the Copy button sits above the code (at 390 wide)."""
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    simulator.reset()
    signup_in_browser(page)
    expect(page.locator("#page-stream-state [data-listening]")).to_be_attached()
    page.evaluate("""() => {
        window.emptyBullets = 0;
        new MutationObserver(() => {
            for (const item of document.querySelectorAll('.live-answer li'))
                if (!item.textContent.trim()) window.emptyBullets += 1;
        }).observe(document.body, {childList: true, subtree: true, characterData: true});
    }""")
    box = page.get_by_role("textbox", name="Message")
    box.fill("Notes, then code [sim tokens=160 rate=20]")
    box.press("Enter")
    # While the code block is the block being written, the text after it is code.
    page.wait_for_function("""() => {
        const open = document.querySelector('.live-answer__open');
        const tail = open && open.nextElementSibling;
        return open && open.lastElementChild?.matches('.code-wrap') && tail.textContent.trim();
    }""")
    tail_font = page.evaluate(
        "getComputedStyle(document.querySelector('.live-answer__tail')).fontFamily"
    )
    code_font = page.evaluate(
        "getComputedStyle(document.querySelector('.live-answer pre code')).fontFamily"
    )
    assert tail_font == code_font, (tail_font, code_font)
    answer = page.locator("article.message--assistant").last
    expect(answer.locator(".message__footer")).to_be_visible(timeout=20_000)
    assert page.evaluate("window.emptyBullets") == 0
    # On a phone the code's lines scroll sideways: its Copy button sits above them, not on them.
    button, code = answer.locator(".code-copy"), answer.locator("pre code")
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= code.bounding_box()["y"]
