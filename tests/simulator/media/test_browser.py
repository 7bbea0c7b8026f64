"""The simulated videos and images load in Chromium (Debian's build, H.264 in MP4).

Playwright is started here rather than through the `page` fixture: its sync API keeps an event
loop running in the test thread while it lives, which the asyncio.run tests beside this one
cannot share when `pytest tests/simulator` runs them in one session.
"""

import time

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.simulator.media.support import AUTH

pytestmark = pytest.mark.browser


def test_video_and_image_play_in_chromium(live_url, browser_type_launch_args):
    video = httpx.post(
        f"{live_url}/v1/videos",
        json={"model": "sora-2", "prompt": "A cat surfing a wave [sim job=0.2]", "seconds": "4"},
        headers=AUTH,
    ).json()
    image = httpx.post(
        f"{live_url}/v1/images/generations",
        json={"model": "kling-v2-1", "prompt": "A cat [sim job=0.2]", "aspect_ratio": "1:1"},
        headers=AUTH,
    ).json()
    time.sleep(0.3)
    video_url = httpx.get(f"{live_url}/v1/videos/{video['id']}", headers=AUTH).json()[
        "task_result"
    ]["videos"][0]["url"]
    image_url = httpx.get(f"{live_url}/v1/images/tasks/{image['task_id']}", headers=AUTH).json()[
        "data"
    ][0]["url"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**browser_type_launch_args)
        try:
            state = _play(browser.new_page(), video_url, image_url)
        finally:
            browser.close()
    assert state["error"] is None
    assert state["readyState"] >= 2
    assert 3.8 < state["duration"] < 4.2
    assert (state["width"], state["height"]) == (320, 180)
    assert state["time"] > 0  # it actually plays
    assert state["image"] == [1024, 1024]


def _play(page, video_url: str, image_url: str) -> dict:
    page.set_content(
        f'<video id="v" muted playsinline preload="auto" src="{video_url}"></video>'
        f'<img id="i" src="{image_url}">'
    )
    page.wait_for_function(
        "() => { const v = document.getElementById('v'); return v.readyState >= 2 || v.error }",
        timeout=15_000,
    )
    return page.evaluate(
        """async () => {
            const v = document.getElementById('v');
            const i = document.getElementById('i');
            await i.decode();
            await v.play();
            await new Promise(resolve => setTimeout(resolve, 300));
            return {
                readyState: v.readyState, duration: v.duration, error: v.error && v.error.code,
                width: v.videoWidth, height: v.videoHeight, time: v.currentTime,
                image: [i.naturalWidth, i.naturalHeight],
            };
        }"""
    )
