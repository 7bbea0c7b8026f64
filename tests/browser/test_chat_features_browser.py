"""Chat features in Chromium: an image attachment, a tool round trip, branch navigation,
and the code behind an answer."""

import json

import pytest
from playwright.sync_api import expect

from playground.chat.forms import MAX_MESSAGE_CHARS
from playground.simulator.app import application as simulator
from tests.conftest import HeldRequests, signup_in_browser
from tests.studio.factories import png_bytes

pytestmark = pytest.mark.browser

WEATHER_TOOL = [
    {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    simulator.reset()


def choose_model(page, model):
    """Pick a model, then wait for the composer's options to be drawn for it (what is set in
    them before that would be replaced)."""
    with page.expect_response(lambda response: "/composer/options/" in response.url):
        page.get_by_label("Model").select_option(model)


def send(page, text):
    box = page.get_by_label("Message")
    box.fill(text)
    box.press("Enter")


def finished_answers(page):
    return page.locator("article.message--assistant .message__footer")


def test_an_image_goes_with_the_message_and_shows_in_it(browser_page, tmp_path):
    page = browser_page
    picture = tmp_path / "photo.png"
    picture.write_bytes(png_bytes((90, 60)))
    signup_in_browser(page)
    choose_model(page, "openai/gpt-5")
    page.get_by_text("Attach").click()
    page.get_by_label("Images (PNG, JPEG, WebP, GIF)").set_input_files(str(picture))
    send(page, "What is in this picture? [sim tokens=6]")
    expect(finished_answers(page)).to_have_count(1)
    image = page.locator("article.message--user .message__image img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth === 90")
    sent = [r for r in simulator.received if r["path"] == "/v1/chat/completions"][-1]
    parts = sent["json"]["messages"][-1]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")


def attach_a_picture_and_a_link(page, tmp_path) -> None:
    """gpt-5 chosen, a 90×60 PNG and an image link attached to the next message."""
    picture = tmp_path / "photo.png"
    picture.write_bytes(png_bytes((90, 60)))
    choose_model(page, "openai/gpt-5")
    page.get_by_text("Attach").click()
    page.get_by_label("Images (PNG, JPEG, WebP, GIF)").set_input_files(str(picture))
    page.get_by_label("or image links, one per line").fill("https://example.com/cat.png")


def test_an_image_chosen_stays_when_the_model_changes(browser_page, tmp_path):
    """Switching to another model that takes images redraws the attachments beside the box:
    the file and the link chosen stay in sight (their panel open), and go with the message."""
    page = browser_page
    signup_in_browser(page)
    attach_a_picture_and_a_link(page, tmp_path)
    choose_model(page, "openai/gpt-5.2")
    expect(page.locator("#composer .composer__attach")).to_have_attribute("open", "")
    images = page.get_by_label("Images (PNG, JPEG, WebP, GIF)")
    assert images.evaluate("input => input.files.length") == 1
    expect(page.get_by_label("or image links, one per line")).to_have_value(
        "https://example.com/cat.png"
    )
    send(page, "What is in this picture? [sim tokens=6]")
    expect(finished_answers(page)).to_have_count(1)
    expect(page.locator("article.message--user .attachments > *")).to_have_count(2)
    sent = [r for r in simulator.received if r["path"] == "/v1/chat/completions"][-1]
    assert sent["json"]["model"] == "openai/gpt-5.2"


def test_a_preset_applied_keeps_the_image_and_names_its_model_in_the_bar(browser_page, tmp_path):
    from django.contrib.auth import get_user_model

    from playground.presets import services as presets

    page = browser_page
    signup_in_browser(page)
    alice = get_user_model().objects.get(username="alice")
    presets.preset_create(
        user=alice, name="Describer", model="claude-4.5-sonnet", system_prompt="Describe."
    )
    page.reload()  # the picker lists the new preset
    attach_a_picture_and_a_link(page, tmp_path)
    expect(page.locator("[data-current-model]")).to_have_text("GPT-5")
    page.get_by_label("Preset", exact=True).select_option(label="Describer (claude-4.5-sonnet)")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#preset-picker [role=status]")).to_contain_text("Applied “Describer”")
    expect(page.locator("[data-current-model]")).to_have_text("Claude Sonnet 4.5")
    expect(page.locator("#composer .composer__attach")).to_have_attribute("open", "")
    images = page.get_by_label("Images (PNG, JPEG, WebP, GIF)")
    assert images.evaluate("input => input.files.length") == 1


def test_an_attachment_goes_with_one_message_only(browser_page, tmp_path):
    """Once a message is sent its attachments are cleared: the next message does not send
    (and pay for) the same image again."""
    from playground.chat.models import Message

    page = browser_page
    signup_in_browser(page)
    attach_a_picture_and_a_link(page, tmp_path)
    send(page, "What is in this picture? [sim tokens=6]")
    expect(finished_answers(page)).to_have_count(1)
    expect(page.get_by_label("Images (PNG, JPEG, WebP, GIF)")).to_have_value("")
    expect(page.get_by_label("or image links, one per line")).to_have_value("")

    send(page, "And what colour is it? [sim tokens=6]")
    expect(finished_answers(page)).to_have_count(2)
    questions = page.locator("article.message--user")
    expect(questions.nth(0).locator(".attachments > *")).to_have_count(2)
    expect(questions.nth(1).locator(".attachments")).to_have_count(0)
    first, second = Message.objects.filter(role="user").order_by("id")
    assert first.attachments.count() == 2
    assert second.attachments.count() == 0
    sent = [r for r in simulator.received if r["path"] == "/v1/chat/completions"][-1]
    assert sent["json"]["messages"][-1]["content"] in (
        "And what colour is it? [sim tokens=6]",
        [{"type": "text", "text": "And what colour is it? [sim tokens=6]"}],
    )


def test_a_tool_call_is_shown_and_its_result_continues_the_answer(browser_page):
    page = browser_page
    signup_in_browser(page)
    choose_model(page, "deepseek-v3")
    page.get_by_label("Tools", exact=True).fill(json.dumps(WEATHER_TOOL))
    send(page, "What is the weather in Paris? [sim rate=200]")
    call = page.locator(".tool-call").first
    expect(call).to_contain_text("get_weather", timeout=15_000)
    expect(call.locator(".tool-call__args")).to_contain_text("city")
    page.get_by_label("Result of get_weather").fill('{"temperature": 21}')
    page.get_by_role("button", name="Give the result to the model").click()
    expect(page.locator(".tool-result")).to_contain_text('{"temperature": 21}')
    expect(finished_answers(page)).to_have_count(2)
    expect(page.locator("article.message--assistant").last).to_contain_text("21")


def test_regenerate_and_edit_make_versions_to_move_between(browser_page):
    page = browser_page
    signup_in_browser(page)
    choose_model(page, "deepseek-v3")
    send(page, "Name a colour [sim tokens=4]")
    expect(finished_answers(page)).to_have_count(1)

    page.get_by_role("button", name="Regenerate").click()
    expect(page.locator(".branch-nav__count")).to_have_text("2/2")
    expect(finished_answers(page)).to_have_count(1)  # one answer on show: the new one
    page.get_by_role("button", name="Previous version").click()
    expect(page.locator(".branch-nav__count")).to_have_text("1/2")

    page.get_by_role("link", name="Edit and ask again").click()
    page.get_by_label("Edited message").fill("Name a fruit [sim tokens=4]")
    page.get_by_role("button", name="Ask again as a new version").click()
    question = page.locator("article.message--user")
    expect(question).to_contain_text("Name a fruit")
    expect(question.locator(".branch-nav__count")).to_have_text("2/2")
    expect(finished_answers(page)).to_have_count(1)
    question.get_by_role("button", name="Previous version").click()
    expect(page.locator("article.message--user")).to_contain_text("Name a colour")

    page.reload()  # the branch on show is remembered
    expect(page.locator("article.message--user")).to_contain_text("Name a colour")


def test_view_code_from_an_answer(browser_page):
    page = browser_page
    signup_in_browser(page)
    choose_model(page, "deepseek-v3")
    send(page, "Hello [sim tokens=3]")
    expect(finished_answers(page)).to_have_count(1)
    page.get_by_role("link", name="View code").click()
    expect(page.get_by_role("heading", name="The request behind this answer")).to_be_visible()
    expect(page.locator("#code-curl")).to_contain_text("$NEXCONN_API_KEY")
    expect(page.locator("#code-curl")).to_contain_text("/v1/chat/completions")
    page.get_by_text("Python", exact=True).click()
    expect(page.locator("#code-python")).to_contain_text("from openai import")
    expect(page.locator(".exchange")).to_contain_text("[DONE]")


def test_settings_typed_while_the_models_options_are_redrawn_are_kept(browser_page):
    page = browser_page
    signup_in_browser(page)
    redraws = HeldRequests(page, "/composer/options/")
    page.get_by_label("Model").select_option("deepseek-v3")
    redraws.wait_for(1)
    page.get_by_label("Tools", exact=True).fill(json.dumps(WEATHER_TOOL))
    redraws.release(redrawn="#composer-options")

    expect(page.get_by_label("Tools", exact=True)).to_have_value(json.dumps(WEATHER_TOOL))
    expect(page.get_by_label("Tools", exact=True)).to_be_visible()
    send(page, "What is the weather in Paris?")
    expect(page.locator(".tool-call").first).to_contain_text("get_weather", timeout=15_000)


def test_a_failed_send_is_explained_and_the_message_is_kept(browser_page):
    page = browser_page
    page.expected_problems += ["/send/", "htmx:"]  # the failures brought about below
    signup_in_browser(page)
    box = page.get_by_label("Message")
    problem = page.get_by_role("alert").filter(has_text="nothing you typed was lost")

    page.route("**/send/", lambda route: route.fulfill(status=500, body="boom"))
    send(page, "Keep this question [sim tokens=3]")
    expect(problem).to_contain_text("Something went wrong on our side (error 500)")
    expect(box).to_have_value("Keep this question [sim tokens=3]")

    page.unroute("**/send/")
    page.route("**/send/", lambda route: route.abort("connectionrefused"))
    box.press("Enter")
    expect(problem).to_contain_text("The server could not be reached")
    expect(box).to_have_value("Keep this question [sim tokens=3]")

    page.unroute("**/send/")
    box.press("Enter")  # the same message, sent again as it was
    expect(finished_answers(page)).to_have_count(1)
    expect(problem).to_be_hidden()
    expect(page.locator("article.message--user")).to_have_count(1)


def test_an_edit_over_the_limit_is_refused_in_place_and_the_text_kept(browser_page):
    page = browser_page
    signup_in_browser(page)
    choose_model(page, "deepseek-v3")
    send(page, "Name a colour [sim tokens=4]")
    expect(finished_answers(page)).to_have_count(1)

    page.get_by_role("link", name="Edit and ask again").click()
    too_long = "word " * (MAX_MESSAGE_CHARS // 5) + "end"
    page.get_by_label("Edited message").fill(too_long)
    page.get_by_role("button", name="Ask again as a new version").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{MAX_MESSAGE_CHARS:,} characters")
    expect(page.get_by_label("Edited message")).to_have_value(too_long)
    expect(finished_answers(page)).to_have_count(1)  # the rest of the thread stays
    assert page.locator(".branch-nav__count").count() == 0  # no new version was made
