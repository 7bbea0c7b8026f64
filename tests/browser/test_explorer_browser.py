"""The API explorer in Chromium, one walk through its main flow at 1366 wide: search the
menu, the form and the JSON kept in step, a streamed chat answer whose events show as they
arrive, a video task polled until done and previewed, curl import and history replay; then
the same pages at phone width without sideways scrolling."""

import json

import pytest
from playwright.sync_api import expect

from playground.explorer.models import ExplorerRequest
from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_the_explorer_from_search_to_replay(_sync_orm_beside_playwright, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    signup_in_browser(page)
    page.goto(f"{page.base_url}/explorer/")

    # The menu, searched.
    page.get_by_label("Search the endpoints").fill("seedance")
    menu = page.locator("#explorer-menu")
    expect(menu.get_by_role("link")).to_have_count(2)
    page.get_by_label("Search the endpoints").fill("")
    expect(menu.get_by_role("link", name="Chat completions")).to_be_visible()
    menu.get_by_role("link", name="Chat completions").click()

    # A field writes into the JSON, and the JSON into the fields.
    page.get_by_label("Model", exact=True).select_option("deepseek-v3")
    expect(page.locator("#field-model")).to_have_value("deepseek-v3")
    page.locator("#field-temperature").fill("0.4")
    editor = page.get_by_label("Request body (JSON)")
    assert json.loads(editor.input_value())["temperature"] == 0.4
    body = json.loads(editor.input_value())
    body["max_tokens"] = 77
    body["messages"][0]["content"] = "Count slowly. [sim tokens=40 rate=20]"
    editor.fill(json.dumps(body, indent=2))
    expect(page.locator("#field-max_tokens")).to_have_value("77")
    expect(page.locator("#code-curl")).to_contain_text('"max_tokens": 77')  # the code follows

    # Events show as they arrive, through the app's own stream, then the whole result.
    page.get_by_role("button", name="Send").click()
    events = page.locator(".live__event")
    expect(events.nth(4)).to_be_visible()
    assert page.locator(".result-panel").count() == 0  # still arriving
    expect(events.first.locator("time")).to_contain_text("ms")
    result = page.locator(".result-panel")
    expect(result).to_be_visible(timeout=15_000)
    expect(result.locator(".status-code")).to_have_text("200")
    expect(result.locator(".assembled")).not_to_be_empty()

    # A video task: created, its id linked, polled until done, the result previewed.
    page.goto(f"{page.base_url}/explorer/e/kling-video-create/?model=kling-v2-5-turbo&mode=text")
    prompt = page.locator("#field-prompt")
    prompt.fill("A paper boat on a rainy street [sim job=3]")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".task").get_by_role("link", name="query task status")).to_be_visible()
    page.get_by_role("button", name="Poll until done").click()
    rounds = page.locator(".poll__round")
    expect(rounds.first).to_contain_text("queued")
    expect(page.locator('.poll__round[data-done="yes"]')).to_contain_text(
        "succeeded", timeout=20_000
    )
    assert rounds.count() >= 2
    video = page.locator(".poll__round video")
    expect(video).to_be_visible()
    video.evaluate(
        "v => new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r))"
    )
    page.locator(".poll__round").get_by_role("button", name="Save to gallery").click()
    expect(page.get_by_role("link", name="Open it in the gallery")).to_be_visible()

    # A curl command fills the form.
    page.locator("#curl-import summary").click()
    page.get_by_label("Paste a curl command for any endpoint").fill(
        "curl https://api-xmodel.nexconn.ai/v1/videos/generations \\\n"
        "  -H 'Authorization: Bearer sk-x' -H 'Content-Type: application/json' \\\n"
        """  -d '{"model": "veo-3.1-generate-preview", "instances": [{"prompt": "A heron"}]}'"""
    )
    page.get_by_role("button", name="Fill the form").click()
    expect(page.get_by_role("heading", name="Create task")).to_be_visible()
    expect(page.locator("#field-model")).to_have_value("veo-3.1-generate-preview")
    expect(page.locator('[id="field-instances-0-prompt"]')).to_have_value("A heron")

    # History: the chat request, replayed into its form.
    page.goto(f"{page.base_url}/explorer/history/")
    chat = ExplorerRequest.objects.get(endpoint="chat-completions")
    page.get_by_role("link", name=f"Replay request {chat.pk}").click()
    expect(page.get_by_label("Request body (JSON)")).to_contain_text("Count slowly.")
    expect(page.locator("#field-max_tokens")).to_have_value("77")
    assert no_sideways_scroll(page)

    # Phone width: no page scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (
        "/explorer/",
        "/explorer/e/veo-create/?model=veo-3.1-generate-preview&mode=first_last",
        "/explorer/history/",
        f"/explorer/history/{chat.pk}/",
    ):
        page.goto(page.base_url + path)
        assert no_sideways_scroll(page), path
