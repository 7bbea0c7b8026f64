"""The simulated videos and images load in Chromium (Debian's build, H.264 in MP4).

Like every browser test this runs in a pytest session of its own (`make test`), because
Playwright's sync API keeps an event loop running in the test thread.
"""

import time

import httpx
import pytest

from tests.simulator.media.support import AUTH

pytestmark = pytest.mark.browser


def test_video_and_image_play_in_chromium(live_url, page):
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

    state = _play(page, video_url, image_url)
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
