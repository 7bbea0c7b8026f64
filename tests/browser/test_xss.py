"""Model output that tries to run code renders as inert text in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser

PAYLOAD = """[sim echo rate=60]
<script>document.title = "pwned-script"; fetch("/pwned-script")</script>
<img src=x onerror="document.title = 'pwned-img'; fetch('/pwned-img')">
[click me](javascript:document.title='pwned-link')
<a href="javascript:document.title='pwned-a'">raw link</a>
<div hx-get="/pwned-htmx" hx-trigger="load">raw htmx</div>
<svg onload="fetch('/pwned-svg')"></svg>"""


def test_hostile_markup_in_an_answer_renders_inert(browser_page):
    page = browser_page
    signup_in_browser(page)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("dialog", lambda dialog: requested.append(f"dialog: {dialog.message}"))
    page.get_by_label("Message").fill(PAYLOAD)
    page.get_by_role("button", name="Send").click()
    answer = page.locator("article.message--assistant").last
    # While it streams its Markdown renders (sanitized as at the end): nothing comes alive.
    live = answer.locator(".live-answer")
    expect(live).to_contain_text("<script>")
    samples = 0
    while answer.locator(".message__footer").count() == 0 and samples < 200:
        dangerous = "script, img, svg, iframe, [onerror], [onload], [hx-get], a[href^='javascript']"
        assert answer.locator(dangerous).count() == 0, answer.inner_html()
        samples += 1
        page.wait_for_timeout(20)
    assert samples >= 10, "sampled while it streamed"
    expect(answer.locator(".message__footer")).to_be_visible()

    rendered = answer.locator(".markdown")
    # The markup is shown as text, not run.
    expect(rendered).to_contain_text("<script>")
    expect(rendered).to_contain_text("onerror=")
    for dangerous in ("script", "img", "svg", "[onerror]", "[onload]", "[hx-get]", "iframe"):
        expect(answer.locator(dangerous)).to_have_count(0)
    expect(page.locator("a[href^='javascript']")).to_have_count(0)
    # The Markdown link became text, so clicking it does nothing.
    rendered.get_by_text("click me").click()
    page.wait_for_timeout(300)

    assert not page.title().startswith("pwned")
    assert not [url for url in requested if "pwned" in url or url.startswith("dialog")]
    # After a reload (the stored answer rendered from the database) it is still inert.
    page.reload()
    expect(page.locator("article.message--assistant .markdown")).to_contain_text("<script>")
    page.wait_for_timeout(300)
    assert not page.title().startswith("pwned")
    assert not [url for url in requested if "pwned" in url or url.startswith("dialog")]
