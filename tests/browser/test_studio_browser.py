"""The studio in Chromium: a video job from the form, progress without reloading (and in the
tab's title), the page closed and reopened mid-job, a notification when it is done, the video
playing from the gallery; an image-to-image job with an uploaded reference; modes switched
without touching other fields; a first visit on a phone, and the gallery's lightbox."""

import base64
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from playground.simulator.app import application as simulator
from playground.simulator.media.render import render_mp4
from playground.studio.models import Generation, Output
from playground.usage.models import MediaPrice
from tests.conftest import HeldRequests, signup_in_browser
from tests.studio.factories import finished_generation, png_bytes

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _studio(_sync_orm_beside_playwright, settings, tmp_path, worker_thread):
    settings.MEDIA_ROOT = tmp_path
    settings.STUDIO_POLL_FIRST_SECONDS = 0.2
    settings.STUDIO_POLL_MAX_SECONDS = 0.4
    simulator.reset()


def progress_values(page, *, seconds: float) -> set[str]:
    seen = set()
    for _ in range(int(seconds / 0.2)):
        bar = page.locator("#jobs progress[value]")
        if bar.count():
            seen.add(bar.first.get_attribute("value"))
        page.wait_for_timeout(200)
    return seen


# Notifications as a page sees them, granted, and recorded instead of shown.
NOTIFICATIONS = """
window.shownNotifications = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.shownNotifications.push([title, options.body]); }
  addEventListener() {}
};
"""


def test_a_text_to_video_job_from_the_form_to_the_gallery(browser_page, context):
    page = browser_page
    context.add_init_script(NOTIFICATIONS)
    signup_in_browser(page)
    page.goto(f"{page.base_url}/studio/")
    page.get_by_label("Tell me when a video is done").check()  # opt in, in this browser
    page.get_by_label("Model").select_option("video:kling-v2-5-turbo")
    expect(page.get_by_label("Duration")).to_be_visible()  # the options follow the model
    page.get_by_label("Describe what you want").fill("A paper boat on a rainy street [sim job=8]")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("#jobs .job").first
    expect(card).to_contain_text("A paper boat on a rainy street")
    expect(card.locator(".status")).to_have_text(re.compile("Queued|Generating"))
    expect(card).to_contain_text("so far")  # how long it has taken
    seen = progress_values(page, seconds=2.5)
    assert len(seen) >= 2, seen  # progress moved while we watched
    expect(page).to_have_title(re.compile(r"^\d+% · Studio"))  # the tab says how far
    assert page.evaluate("window.notReloaded") is True

    # Close the page mid-job, and come back in a new one.
    generation = Generation.objects.get()
    assert generation.is_active
    page.close()
    again = context.new_page()
    again.goto(f"{browser_page.base_url}/studio/")
    reopened = again.locator(f"#generation-{generation.pk}")
    expect(reopened.locator(".status")).to_have_text(re.compile("Queued|Generating"))
    expect(reopened.locator(".status")).to_have_text("Done", timeout=20_000)
    expect(again).to_have_title(re.compile("^Done · Studio"))
    assert again.evaluate("window.shownNotifications") == [
        ["Your video is ready", "A paper boat on a rainy street [sim job=8]"]
    ]

    again.get_by_role("link", name="Gallery", exact=True).click()
    again.locator(".tile__media").first.click()  # opens in the lightbox
    video = again.locator("video")
    expect(video).to_be_visible()
    again.wait_for_function(
        "() => { const v = document.querySelector('video'); return v.readyState >= 2 }"
    )
    duration = video.evaluate("v => v.duration")
    assert 4 < duration < 6
    video.evaluate("v => { v.muted = true; return v.play() }")
    again.wait_for_function("() => document.querySelector('video').currentTime > 0.3")
    assert len([r for r in simulator.received if r["method"] == "POST"]) == 1


def test_a_stored_video_seeks(browser_page):
    """The browser asks for the part it seeks to (a byte range) and gets just that part."""
    page = browser_page
    signup_in_browser(page)
    generation = Generation.objects.create(
        owner=get_user_model().objects.get(username="alice"),
        kind="video",
        model="kling-v2-5-turbo",
        mode="text",
        prompt="A clock ticking",
        status=Generation.Status.SUCCEEDED,
    )
    output = Output(generation=generation, content_type="video/mp4")
    clip = render_mp4(320, 180, 6.0, "tick", "seek")
    output.file.save("result.mp4", ContentFile(clip), save=False)
    poster = io.BytesIO()
    Image.new("RGB", (320, 180)).save(poster, format="WEBP")
    output.preview.save("preview.webp", ContentFile(poster.getvalue()), save=False)
    output.save()

    page.goto(page.base_url + reverse("studio:generation", args=[generation.pk]))
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    position = page.evaluate(
        """() => new Promise(resolve => {
            const video = document.querySelector('video')
            video.addEventListener('seeked', () => resolve(video.currentTime), {once: true})
            video.currentTime = 2
        })"""
    )
    assert 1.9 < position < 2.1


def test_an_image_to_image_job_with_an_uploaded_reference(browser_page, tmp_path):
    page = browser_page
    reference = tmp_path / "my-sketch.png"
    picture = png_bytes((120, 80), (30, 120, 200))
    reference.write_bytes(picture)
    signup_in_browser(page)
    page.goto(f"{page.base_url}/studio/")
    page.get_by_label("Model").select_option("image:kling-v2-1")
    page.locator("input[name=mode][value=image]").check()
    upload = page.locator("input[name=image__files]")
    expect(upload).to_be_attached()
    upload.set_input_files(str(reference))
    page.get_by_label("Describe what you want").fill("The same, as a watercolour [sim job=1]")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("#jobs .job").first
    expect(card.locator(".status")).to_have_text("Done", timeout=20_000)
    card.locator(".job__media").click()
    expect(page.locator("img[alt^='Reference']")).to_be_visible()
    result = page.locator(".result img")
    expect(result).to_be_visible()
    assert result.evaluate("img => img.complete && img.naturalWidth > 0")
    sent = [r for r in simulator.received if r["path"] == "/v1/images/generations"]
    assert len(sent) == 1
    assert base64.b64encode(picture).decode() in str(sent[0]["json"])  # the upload itself


def test_a_wrong_value_is_explained_and_nothing_typed_is_lost(browser_page):
    page = browser_page
    signup_in_browser(page)
    page.goto(f"{page.base_url}/studio/")
    page.get_by_label("Model").select_option("image:kling-v2-new")  # needs a reference image
    expect(page.locator("input[name=image__files]")).to_be_attached()
    page.get_by_label("Describe what you want").fill("keep this text")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#generation-form [role=alert]").first).to_be_visible()
    expect(page.get_by_label("Describe what you want")).to_have_value("keep this text")
    assert not Generation.objects.exists()


def test_what_is_chosen_and_typed_while_the_options_are_redrawn_is_kept(browser_page):
    page = browser_page
    signup_in_browser(page)
    page.goto(f"{page.base_url}/studio/")
    redraws = HeldRequests(page, "/studio/options/")
    page.get_by_label("Model").select_option("image:kling-v2-1")
    redraws.wait_for(1)
    page.locator("input[name=mode][value=image]").check()  # before the model's options came
    redraws.wait_for(2)
    redraws.release(redrawn="#studio-options")
    expect(page.locator("input[name=image__files]")).to_be_attached()
    expect(page.locator("input[name=mode][value=image]")).to_be_checked()

    redraws = HeldRequests(page, "/studio/options/")
    page.locator("input[name=mode][value=text]").check()
    redraws.wait_for(1)
    page.get_by_label("Number of images").fill("3")  # while the options for text are on the way
    redraws.release(redrawn="#studio-options")
    expect(page.locator("input[name=image__files]")).not_to_be_attached()
    expect(page.get_by_label("Number of images")).to_have_value("3")
    expect(page.get_by_label("Avoid")).to_be_visible()


# The form's elements that reach past a 390 px screen (the top bar is another matter).
FORM_OVERFLOW = """() => [...document.querySelectorAll('#generation-form *')]
    .filter(e => e.getBoundingClientRect().right > 390)
    .map(e => e.tagName + ' ' + (e.name || e.className))"""


def test_a_subjects_video_from_a_phone(browser_page, tmp_path):
    """Vidu's subject mode at 390 px: one subject open, the next unfolded on demand, nothing in
    the form wider than the screen, and a job that runs to done."""
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    picture = tmp_path / "host.png"
    picture.write_bytes(png_bytes((160, 160), (200, 120, 30)))
    signup_in_browser(page)
    page.goto(f"{page.base_url}/studio/")
    page.get_by_label("Model").select_option("video:viduq2")
    page.locator("input[name=mode][value=subjects]").check()
    first = page.locator(".group__block").first
    expect(first.get_by_label("Subject 1 name")).to_be_visible()
    expect(page.locator(".group__block[open]")).to_have_count(1)
    assert page.evaluate(FORM_OVERFLOW) == []

    first.get_by_label("Subject 1 name").fill("host")
    first.locator("input[name=subject_1__files]").set_input_files(str(picture))
    second = page.locator(".group__block").nth(1)
    second.locator("summary").click()
    second.get_by_label("Subject 2 name").fill("dog")
    second.get_by_label("Subject 2 voice id").fill("voice-7")
    second.locator("textarea[name=subject_2__urls]").fill("https://example.com/dog.png")
    assert page.evaluate(FORM_OVERFLOW) == []
    page.get_by_label("Describe what you want").fill("@host waves at @dog [sim job=1]")
    page.get_by_label("Sound and speech").check()
    page.get_by_role("button", name="Generate").click()

    card = page.locator("#jobs .job").first
    expect(card.locator(".status")).to_have_text("Done", timeout=20_000)
    sent = [
        r for r in simulator.received if r["path"] == "/queue/fal-ai/vidu/q2/reference-to-video"
    ]
    assert len(sent) == 1
    body = sent[0]["json"]
    assert body["audio"] is True
    assert [s["id"] for s in body["subjects"]] == ["host", "dog"]
    assert body["subjects"][1]["voice_id"] == "voice-7"


def test_switching_the_mode_changes_no_other_field_and_the_cost_follows(browser_page):
    """Vidu Q2 Pro, image to video and back through first and last frame: what was typed,
    picked, ticked and left unticked stays as it was; the cost beside Generate follows the
    length as it is typed."""
    MediaPrice.objects.create(model="viduq2-pro", per_video_second=Decimal("0.05"))
    page = browser_page
    signup_in_browser(page)
    page.goto(f"{page.base_url}/studio/?model=video:viduq2-pro")
    estimate = page.locator("#estimate")
    expect(estimate).to_contain_text("$0.25")  # 5 seconds by default
    page.get_by_label("Duration").fill("7")
    expect(estimate).to_contain_text("$0.35")  # while typing, before leaving the field
    page.get_by_label("Resolution").select_option("1080p")
    page.get_by_label("Movement").select_option(label="A lot")
    page.get_by_label("Seed").fill("42")
    page.get_by_label("Sound and speech").check()
    expect(page.get_by_label("Watermark")).not_to_be_checked()

    def switch_to(mode: str, slot: str) -> None:
        page.locator(f"input[name=mode][value={mode}]").check()
        expect(page.locator(f"input[name={slot}__files]")).to_be_attached()
        page.wait_for_function("() => !document.querySelector('.htmx-request')")

    def unchanged() -> None:
        expect(page.get_by_label("Duration")).to_have_value("7")
        expect(page.get_by_label("Resolution")).to_have_value("1080p")
        expect(page.get_by_label("Movement")).to_have_value("large")
        expect(page.get_by_label("Seed")).to_have_value("42")

    switch_to("first_last", "first_frame")
    unchanged()
    expect(page.get_by_label("Watermark")).not_to_be_checked()
    expect(estimate).to_contain_text("$0.35")
    page.get_by_label("Watermark").check()
    switch_to("image", "image")
    unchanged()
    expect(page.get_by_label("Watermark")).to_be_checked()
    expect(page.get_by_label("Sound and speech")).to_be_checked()


NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_a_first_visit_on_a_phone_then_the_gallery_and_its_lightbox(browser_page):
    """At 390 px: the empty gallery offers examples, one click makes one (demo mode), and
    no page scrolls sideways; the gallery shows every state, and the lightbox steps through
    the finished results with the arrow keys."""
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    signup_in_browser(page)
    page.goto(f"{page.base_url}/gallery/")
    expect(page.get_by_text("Your gallery is empty.")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_role("button", name=re.compile("A picture of a fox")).click()
    expect(page.locator(".detail__prompt")).to_contain_text("A red fox")  # its job page
    expect(page.locator("#detail-status .status")).to_have_text("Done", timeout=20_000)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    alice = get_user_model().objects.get(username="alice")
    for prompt in ("a lighthouse", "a harbour"):
        finished_generation(owner=alice, prompt=prompt)
    Generation.objects.create(
        owner=alice,
        kind="video",
        model="sora-2",
        mode="text",
        prompt="a storm",
        status="failed",
        error_message="The request was blocked by the provider's content filter.",
    )
    Generation.objects.create(
        owner=alice, kind="video", model="sora-2", mode="text", prompt="a tide", status="running"
    )
    page.goto(f"{page.base_url}/gallery/")
    expect(page.locator(".tile--failed")).to_contain_text("blocked by the provider's content")
    expect(page.locator(".tile--running progress")).to_be_attached()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.locator("a[data-lightbox]").first.click()
    lightbox = page.locator("#lightbox")
    expect(lightbox).to_be_visible()
    count = lightbox.locator(".lightbox__count")
    expect(count).to_have_text("1 of 3")
    expect(lightbox.locator(".lightbox__caption")).to_have_text("a harbour")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    for key, shown in (
        ("ArrowRight", "2 of 3"),
        ("ArrowRight", "3 of 3"),
        ("ArrowRight", "3 of 3"),
        ("ArrowLeft", "2 of 3"),
    ):
        page.keyboard.press(key)
        expect(count).to_have_text(shown)
    expect(lightbox.locator(".lightbox__caption")).to_have_text("a lighthouse")
    lightbox.get_by_role("button", name="Previous").click()
    expect(count).to_have_text("1 of 3")
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()

    page.goto(f"{page.base_url}/studio/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.set_viewport_size({"width": 1366, "height": 900})
    for path in ("/studio/", "/gallery/"):
        page.goto(page.base_url + path)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), path
