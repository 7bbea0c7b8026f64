"""Behaviour every media family shares: knobs, stateless ids, media links, unknown ids."""

import asyncio

import httpx
import pytest

from playground.simulator.app import Simulator
from playground.simulator.media.tasks import Spec
from tests.simulator.media.support import AUTH, client, mp4_info, png_size

# family -> (create path, body with {prompt} for the prompt, poll path with {id} or None: fal)
FAMILIES = {
    "kling-image": (
        "/v1/images/generations",
        {"model": "kling-v2-1", "prompt": "{prompt}"},
        "/v1/images/tasks/{id}",
    ),
    "o1": ("/queue/fal-ai/kling-image/o1", {"prompt": "{prompt}"}, None),
    "veo": (
        "/v1/videos/generations",
        {
            "model": "veo-3.0-generate-preview",
            "instances": [{"prompt": "{prompt}"}],
            "parameters": {"durationSeconds": 4},
        },
        "/v1/videos/generations/{id}",
    ),
    "sora": ("/v1/videos", {"model": "sora-2", "prompt": "{prompt}"}, "/v1/videos/{id}"),
    "kling-video": (
        "/v1/videos",
        {"model": "kling-v2-5-turbo", "prompt": "{prompt}"},
        "/v1/videos/{id}",
    ),
    "seedance": (
        "/v3/contents/generations/tasks",
        {
            "model": "bytedance/doubao-seedance-2-0-260128",
            "content": [{"type": "text", "text": "{prompt}"}],
        },
        "/v3/contents/generations/tasks/{id}",
    ),
    "vidu": ("/queue/fal-ai/vidu/q2/text-to-video", {"prompt": "{prompt}"}, None),
}


def _body(template, prompt: str):
    if isinstance(template, dict):
        return {key: _body(value, prompt) for key, value in template.items()}
    if isinstance(template, list):
        return [_body(value, prompt) for value in template]
    return template.replace("{prompt}", prompt) if isinstance(template, str) else template


def _task_id(created: dict) -> str:
    return created.get("task_id") or created.get("request_id") or created["id"]


def _poll_path(family: str, created: dict) -> str:
    template = FAMILIES[family][2]
    if template is None:
        return created["status_url"].removeprefix("http://simulator.local")
    return template.replace("{id}", _task_id(created))


def _media_urls(body: dict) -> list[str]:
    """Every result URL in a finished task body, whatever the family."""
    urls: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("url", "video_url") and isinstance(item, str):
                    urls.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return urls


async def _create(http: httpx.AsyncClient, family: str, prompt: str, **kwargs) -> httpx.Response:
    path, template, _ = FAMILIES[family]
    return await http.post(path, json=_body(template, prompt), **kwargs)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_task_created_in_one_simulator_is_polled_and_served_by_another(family):
    async def main():
        async with client(Simulator()) as web, client(Simulator()) as worker:
            created = (await _create(web, family, "Stateless [sim job=0.1]")).json()
            await asyncio.sleep(0.15)
            polled = await worker.get(_poll_path(family, created))
            urls = _media_urls(polled.json())
            media = [await fetch_elsewhere(url) for url in urls]
            return polled, urls, media

    async def fetch_elsewhere(url):  # a third instance serves the bytes
        async with client(Simulator()) as cdn:
            return await cdn.get(url, headers={"Authorization": ""})

    polled, urls, media = asyncio.run(main())
    assert polled.status_code == 200
    assert urls and all(url.startswith("http://simulator.local/sim-media/") for url in urls)
    for response in media:
        assert response.status_code == 200
        if response.headers["content-type"] == "image/png":
            assert png_size(response.content)[0] == 1024
        else:
            assert response.headers["content-type"] == "video/mp4"
            assert mp4_info(response.content)[0] > 0


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize(("knob", "status"), [("error=401", 401), ("error=500", 500)])
def test_error_knob_on_create(family, knob, status):
    async def main():
        async with client() as http:
            return await _create(http, family, f"x [sim {knob}]")

    response = asyncio.run(main())
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_error_knob_by_header_with_retry_after_and_fail_times():
    async def main():
        simulator = Simulator()
        async with client(simulator) as http:
            headers = {"X-Sim-Error": "429", "X-Sim-Retry-After": "2", "X-Sim-Fail-Times": "1"}
            first = await _create(http, "sora", "x", headers=headers)
            second = await _create(http, "sora", "x", headers=headers)
            billing = await _create(http, "seedance", "x [sim error=402]")
            return first, second, billing

    first, second, billing = asyncio.run(main())
    assert (first.status_code, first.headers["retry-after"]) == (429, "2")
    assert first.json()["error"]["type"] == "rate_limit_error"
    assert second.status_code == 200
    assert billing.status_code == 402


@pytest.mark.parametrize("family", list(FAMILIES))
def test_expired_links(family):
    async def main():
        async with client() as http:
            created = (await _create(http, family, "x [sim job=0 expired]")).json()
            polled = await http.get(_poll_path(family, created))
            urls = _media_urls(polled.json())
            return polled, [await http.get(url) for url in urls]

    polled, media = asyncio.run(main())
    assert polled.status_code == 200
    assert media
    assert {response.status_code for response in media} == {410}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/images/tasks/image-1762159125266058362",
        "/queue/fal-ai/kling-image/requests/qimage-root-1770199726278452760/status",
        "/queue/fal-ai/kling-image/requests/qimage-root-1770199726278452760",
        "/v1/videos/generations/chatvideo-1709712000000000000-uid123",
        "/v1/videos/qvideo-user123-1766391125174150336",
        "/v3/contents/generations/tasks/qvideo-xxxxxxxxxxxxxxxx",
        "/queue/fal-ai/vidu/requests/qvideo-root-1770718628185826174/status",
        "/queue/fal-ai/vidu/requests/qvideo-root-1770718628185826174",
        "/sim-media/qvideo-sim-garbage/0.mp4",
    ],
)
def test_unknown_ids_are_404(path):
    async def main():
        async with client() as http:
            return await http.get(path)

    response = asyncio.run(main())
    assert response.status_code == 404


def test_ids_of_one_family_are_unknown_to_another():
    async def main():
        async with client() as http:
            seedance = (await _create(http, "seedance", "x [sim job=0]")).json()["id"]
            vidu = (await _create(http, "vidu", "x [sim job=0]")).json()["request_id"]
            return (
                await http.get(f"/v1/videos/{seedance}"),
                await http.get(f"/queue/fal-ai/kling-image/requests/{vidu}/status"),
                await http.get(f"/v3/contents/generations/tasks/{seedance}"),
            )

    as_sora, as_o1, as_seedance = asyncio.run(main())
    assert as_sora.status_code == as_o1.status_code == 404
    assert as_seedance.status_code == 200


def test_ids_carry_the_task_and_default_durations():
    async def main():
        async with client() as http:
            image = await _create(http, "kling-image", "An orange cat " * 40)
            video = await _create(http, "sora", "A cat")
            return image.json()["task_id"], video.json()["id"]

    image_id, video_id = asyncio.run(main())
    assert len(image_id) <= 300 and len(video_id) <= 300
    image, video = Spec.decode(image_id), Spec.decode(video_id)
    assert (image.f, image.m, image.j) == ("kling-image", "kling-v2-1", 3.0)
    assert image.p.startswith("An orange cat")
    assert (video.f, video.m, video.j, video.s) == ("videos", "sora-2", 8.0, 4.0)
    assert video.phase() == "queued"


def test_media_before_completion_range_head_and_no_auth():
    async def main():
        async with client() as http:
            created = (await _create(http, "sora", "Range [sim job=0.1]")).json()
            url = f"/sim-media/{created['id']}/0.mp4"
            early = await http.get(url)
            await asyncio.sleep(0.15)
            full = await http.get(url, headers={"Authorization": ""})
            part = await http.get(url, headers={"Range": "bytes=0-99"})
            tail = await http.get(url, headers={"Range": "bytes=-10"})
            head = await http.head(url)
            wrong = await http.get(f"/sim-media/{created['id']}/0.png")
            beyond = await http.get(f"/sim-media/{created['id']}/1.mp4")
            return early, full, part, tail, head, wrong, beyond

    early, full, part, tail, head, wrong, beyond = asyncio.run(main())
    assert early.status_code == 404
    assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206
    assert part.content == full.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(full.content)}"
    assert tail.status_code == 206 and tail.content == full.content[-10:]
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(full.content)
    assert wrong.status_code == beyond.status_code == 404


def test_bad_knob_auth_and_received():
    async def main():
        simulator = Simulator()
        async with client(simulator) as http:
            bad = await _create(http, "sora", "x [sim job=soon]")
            chat_only = await _create(http, "kling-image", "x [sim tokens=5]")
            unknown = await _create(http, "vidu", "x [sim colour=red]")
            anonymous = await _create(http, "veo", "x", headers={"Authorization": ""})
            wrong_method = await http.delete("/v1/videos/qvideo-1")
            return simulator, bad, chat_only, unknown, anonymous, wrong_method

    simulator, bad, chat_only, unknown, anonymous, wrong_method = asyncio.run(main())
    assert bad.status_code == chat_only.status_code == unknown.status_code == 400
    assert "job" in bad.json()["error"]["message"]
    assert "tokens" in chat_only.json()["message"]
    assert "colour" in unknown.json()["detail"]
    assert anonymous.status_code == 401
    assert wrong_method.status_code == 405
    assert [(r["method"], r["path"]) for r in simulator.received][:2] == [
        ("POST", "/v1/videos"),
        ("POST", "/v1/images/generations"),
    ]
    assert simulator.received[0]["json"]["model"] == "sora-2"


def test_queue_knob_keeps_a_task_queued():
    async def main():
        async with client() as http:
            created = (await _create(http, "sora", "x [sim job=5 queue=5]")).json()
            await asyncio.sleep(0.05)
            return (await http.get(f"/v1/videos/{created['id']}")).json()

    body = asyncio.run(main())
    assert (body["status"], body["progress"]) == ("queued", 0)


def test_over_real_http_urls_use_the_host_and_port(live_url):
    created = httpx.post(
        f"{live_url}/queue/fal-ai/vidu/q2/text-to-video",
        json={"prompt": "Over HTTP [sim job=0]", "duration": 2},
        headers=AUTH,
    ).json()
    assert created["status_url"].startswith(f"{live_url}/queue/fal-ai/vidu/requests/")
    status = httpx.get(created["status_url"], headers=AUTH).json()
    url = status["result"]["video"]["url"]
    assert url.startswith(f"{live_url}/sim-media/")
    video = httpx.get(url)
    assert video.status_code == 200
    assert abs(mp4_info(video.content)[0] - 2) < 0.2
