"""Video families: Veo, sora-2 / Kling (/v1/videos), Seedance and Vidu."""

import asyncio

import pytest

from playground.simulator.media.families.vidu import VIDU_ROUTES
from tests.simulator.media.support import (
    BASE,
    client,
    distinct,
    moov_before_mdat,
    mp4_info,
    poll,
)

PROGRESS = "[sim job=1.2 queue=0.4]"  # wide windows: each phase is seen under load


def test_veo_progression_and_videos():
    async def main():
        async with client() as http:
            created = await http.post(
                "/v1/videos/generations",
                json={
                    "model": "veo-3.1-generate-preview",
                    "instances": [
                        {
                            "prompt": f"Day fades into night over the harbour {PROGRESS}",
                            "image": {"uri": "https://example.com/a.png", "mimeType": "image/png"},
                            "lastFrame": {"uri": "https://e.com/b.png", "mimeType": "image/png"},
                        }
                    ],
                    "parameters": {"durationSeconds": 4, "aspectRatio": "9:16", "sampleCount": 2},
                },
            )
            video_id = created.json()["id"]
            responses = await poll(
                http,
                f"/v1/videos/generations/{video_id}",
                lambda body: body["status"] in ("Completed", "Failed"),
            )
            videos = responses[-1].json()["data"]["videos"]
            return created, responses, await http.get(videos[1]["url"])

    created, responses, video = asyncio.run(main())
    assert list(created.json()) == ["id"]
    assert created.json()["id"].startswith("chatvideo-")
    assert distinct([r.json()["status"] for r in responses]) == [
        "Initializing",
        "Queued",
        "Running",
        "Completed",
    ]
    final = responses[-1].json()
    assert final["model"] == "veo-3.1-generate-preview"
    assert final["created_at"].endswith("+00:00") and "T" in final["created_at"]
    assert final["data"]["raiMediaFilteredCount"] == 0
    assert [v["mimeType"] for v in final["data"]["videos"]] == ["video/mp4"] * 2
    assert responses[0].json()["data"]["videos"] == []
    assert video.headers["content-type"] == "video/mp4"
    duration, width, height, codec = mp4_info(video.content)
    assert abs(duration - 4) < 0.2
    assert (width, height, codec) == (180, 320, "h264")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"instances": [{"prompt": "x"}]}, "model"),
        ({"model": "veo-9", "instances": [{"prompt": "x"}]}, "not supported"),
        ({"model": "veo-3.0-generate-preview", "instances": []}, "instances"),
        ({"model": "veo-3.0-generate-preview", "instances": [{}]}, "prompt"),
        (
            {
                "model": "veo-3.0-generate-preview",
                "instances": [{"prompt": "x"}],
                "parameters": {"durationSeconds": 5},
            },
            "durationSeconds",
        ),
        (
            {
                "model": "veo-2.0-generate-001",
                "instances": [{"prompt": "x"}],
                "parameters": {"aspectRatio": "1:1"},
            },
            "aspectRatio",
        ),
        (
            {"model": "veo-3.0-generate-preview", "instances": [{"prompt": "x", "image": {}}]},
            "image",
        ),
    ],
)
def test_veo_validation(body, words):
    async def main():
        async with client() as http:
            return await http.post("/v1/videos/generations", json=body)

    response = asyncio.run(main())
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type"}
    assert words in response.json()["error"]["message"]


def test_veo_moderation_failure():
    async def main():
        async with client() as http:
            created = await http.post(
                "/v1/videos/generations",
                json={
                    "model": "veo-2.0-generate-001",
                    "instances": [{"prompt": "x [sim job=0 fail=moderation]"}],
                    "parameters": {"durationSeconds": 5},
                },
            )
            return (await http.get(f"/v1/videos/generations/{created.json()['id']}")).json()

    body = asyncio.run(main())
    assert body["status"] == "Failed"
    assert body["message"]
    assert body["data"] == {"videos": [], "raiMediaFilteredCount": 1}


def test_sora_progression_progress_and_mp4():
    async def main():
        async with client() as http:
            created = await http.post(
                "/v1/videos",
                json={"model": "sora-2", "prompt": f"A cat surfing {PROGRESS}", "seconds": "4"},
            )
            responses = await poll(
                http,
                f"/v1/videos/{created.json()['id']}",
                lambda body: body["status"] in ("completed", "failed"),
            )
            url = responses[-1].json()["task_result"]["videos"][0]["url"]
            return created, responses, await http.get(url)

    created, responses, video = asyncio.run(main())
    body = created.json()
    assert body["id"].startswith("qvideo-")
    assert body | {"id": "", "created_at": 0, "updated_at": 0} == {
        "id": "",
        "object": "video",
        "model": "sora-2",
        "status": "queued",
        "progress": 0,
        "created_at": 0,
        "updated_at": 0,
        "seconds": "4",
        "size": "1280x720",
    }
    statuses = [r.json()["status"] for r in responses]
    assert distinct(statuses) == ["queued", "in_progress", "completed"]
    running = [r.json()["progress"] for r in responses if r.json()["status"] == "in_progress"]
    assert running == sorted(running) and running[-1] > running[0]
    final = responses[-1].json()
    assert final["progress"] == 100
    assert final["completed_at"] >= final["created_at"]
    assert final["expires_at"] == final["completed_at"] + 7 * 86400
    (result,) = final["task_result"]["videos"]
    assert result["duration"] == "4.0"
    assert result["url"] == f"{BASE}/sim-media/{final['id']}/0.mp4"
    assert int(video.headers["content-length"]) == len(video.content)
    duration, width, height, codec = mp4_info(video.content)
    assert abs(duration - 4) < 0.2
    assert (width, height, codec) == (320, 180, "h264")
    assert moov_before_mdat(video.content)


def test_sora_remix():
    async def main():
        async with client() as http:
            source = (
                await http.post(
                    "/v1/videos",
                    json={
                        "model": "sora-2-pro",
                        "prompt": "A lighthouse [sim job=0.2]",
                        "size": "1024x1792",
                        "seconds": "8",
                    },
                )
            ).json()
            early = await http.post(f"/v1/videos/{source['id']}/remix", json={"prompt": "night"})
            await asyncio.sleep(0.25)
            remix = await http.post(
                f"/v1/videos/{source['id']}/remix", json={"prompt": "At night [sim job=0]"}
            )
            extra = await http.post(
                f"/v1/videos/{source['id']}/remix", json={"prompt": "x", "seconds": "4"}
            )
            polled = (await http.get(f"/v1/videos/{remix.json()['id']}")).json()
            missing = await http.post("/v1/videos/qvideo-nope/remix", json={"prompt": "x"})
            return source, early, remix, extra, polled, missing

    source, early, remix, extra, polled, missing = asyncio.run(main())
    assert early.status_code == 400 and "not completed" in early.json()["error"]["message"]
    assert remix.status_code == 200
    body = remix.json()
    assert body["id"] != source["id"]
    assert body["remixed_from_video_id"] == source["id"]
    assert (body["model"], body["seconds"], body["size"]) == ("sora-2-pro", "8", "1024x1792")
    assert polled["status"] == "completed"
    assert polled["remixed_from_video_id"] == source["id"]
    assert extra.status_code == 400
    assert missing.status_code == 404


def test_kling_video_object_and_no_remix():
    async def main():
        async with client() as http:
            created = await http.post(
                "/v1/videos",
                json={
                    "model": "kling-v2-6",
                    "prompt": "A speaker on stage [sim job=0.8 queue=0.4]",
                    "mode": "pro",
                    "sound": "on",
                    "seconds": "10",
                    "size": "1080x1080",
                },
            )
            video_id = created.json()["id"]
            responses = await poll(
                http, f"/v1/videos/{video_id}", lambda body: body["status"] == "completed"
            )
            remix = await http.post(f"/v1/videos/{video_id}/remix", json={"prompt": "x"})
            url = responses[-1].json()["task_result"]["videos"][0]["url"]
            return created, responses, remix, await http.get(url)

    created, responses, remix, video = asyncio.run(main())
    assert created.json()["mode"] == "pro"
    assert created.json()["status"] == "initializing"
    assert distinct([r.json()["status"] for r in responses]) == [
        "initializing",
        "queued",
        "in_progress",
        "completed",
    ]
    final = responses[-1].json()
    assert final["expires_at"] == final["completed_at"] + 30 * 86400
    assert final["task_result"]["videos"][0]["duration"] == "10.0"
    assert remix.status_code == 400
    duration, width, height, _ = mp4_info(video.content)
    assert abs(duration - 10) < 0.2 and (width, height) == (320, 320)


@pytest.mark.parametrize(
    "body",
    [
        {"model": "kling-v2-1", "prompt": "no image"},
        {"model": "kling-v2-5-turbo", "prompt": "x", "seconds": "7"},
        {"model": "kling-v2-5-turbo", "prompt": "x", "size": "640x480"},
        {"model": "kling-v2-5-turbo", "prompt": "x", "image_tail": "https://e.com/a.png"},
        {
            "model": "kling-v2-1",
            "prompt": "x",
            "input_reference": "https://e.com/a.png",
            "image_tail": "https://e.com/b.png",
            "mode": "pro",
            "seconds": "5",
        },
        {"model": "kling-v3", "prompt": "x", "seconds": "16"},
        {"model": "kling-video-o1", "prompt": "x", "image_list": [{"type": "first_frame"}]},
        {"model": "kling-v3-omni"},
        {"model": "sora-2", "prompt": "x", "size": "1792x1024"},
        {"model": "sora-2", "prompt": "x", "seconds": "5"},
        {"model": "sora-3", "prompt": "x"},
        {"prompt": "x"},
    ],
)
def test_videos_validation(body):
    async def main():
        async with client() as http:
            return await http.post("/v1/videos", json=body)

    response = asyncio.run(main())
    assert response.status_code == 400, response.json()
    assert set(response.json()["error"]) == {"message", "type", "code"}


def test_kling_v3_accepts_long_seconds_and_omni_multi_shot():
    async def main():
        async with client() as http:
            long = await http.post(
                "/v1/videos", json={"model": "kling-v3", "prompt": "x", "seconds": "15"}
            )
            omni = await http.post(
                "/v1/videos",
                json={
                    "model": "kling-v3-omni",
                    "multi_shot": True,
                    "shot_type": "customize",
                    "multi_prompt": [{"index": 1, "prompt": "a harbour", "duration": "5"}],
                    "image_list": [{"image": "https://e.com/a.jpg", "type": "first_frame"}],
                },
            )
            return long, omni

    long, omni = asyncio.run(main())
    assert long.status_code == 200 and long.json()["mode"] == "pro"
    assert omni.status_code == 200


def test_videos_failures():
    async def main():
        async with client() as http:
            results = []
            for model, mode in (("sora-2", "moderation"), ("kling-v2-5-turbo", "error")):
                created = await http.post(
                    "/v1/videos", json={"model": model, "prompt": f"x [sim job=0 fail={mode}]"}
                )
                assert (created.json()["status"], created.json()["progress"]) == ("queued", 0)
                results.append((await http.get(f"/v1/videos/{created.json()['id']}")).json())
            return results

    moderation, error = asyncio.run(main())
    assert moderation["status"] == error["status"] == "failed"
    assert moderation["error"]["code"] == "moderation_blocked"
    assert error["error"]["message"]
    assert "task_result" not in moderation


def test_seedance_progression():
    async def main():
        async with client() as http:
            created = await http.post(
                "/v3/contents/generations/tasks",
                json={
                    "model": "bytedance/doubao-seedance-2-0-260128",
                    "content": [
                        {"type": "text", "text": f"Camera pushes in on a rainy street {PROGRESS}"},
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://example.com/first.png"},
                            "role": "first_frame",
                        },
                    ],
                    "resolution": "720p",
                    "ratio": "9:16",
                    "duration": 5,
                    "generate_audio": True,
                },
            )
            task_id = created.json()["id"]
            responses = await poll(
                http,
                f"/v3/contents/generations/tasks/{task_id}",
                lambda body: body["status"] in ("succeeded", "failed"),
            )
            return created, responses, await http.get(responses[-1].json()["content"]["video_url"])

    created, responses, video = asyncio.run(main())
    assert list(created.json()) == ["id"] and created.json()["id"].startswith("qvideo-")
    assert distinct([r.json()["status"] for r in responses]) == ["queued", "running", "succeeded"]
    final = responses[-1].json()
    assert final["error"] is None
    assert (final["resolution"], final["ratio"], final["duration"]) == ("720p", "9:16", 5)
    assert final["generate_audio"] is True
    assert final["usage"]["total_tokens"] > 0
    assert "content" not in responses[0].json()
    duration, width, height, _ = mp4_info(video.content)
    assert abs(duration - 5) < 0.2 and (width, height) == (180, 320)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "bytedance/doubao-seedance-2-0-260128"}, 400),
        ({"model": "bytedance/doubao-seedance-2-0-260128", "content": [{"type": "text"}]}, 400),
        (
            {
                "model": "bytedance/doubao-seedance-2-0-260128",
                "content": [{"type": "text", "text": "x"}],
                "duration": 3,
            },
            400,
        ),
        (
            {
                "model": "bytedance/doubao-seedance-2-0-260128",
                "content": [{"type": "text", "text": "x"}],
                "ratio": "2:1",
            },
            400,
        ),
        ({"model": "seedance-9", "content": [{"type": "text", "text": "x"}]}, 400),
    ],
)
def test_seedance_validation(body, status):
    async def main():
        async with client() as http:
            return await http.post("/v3/contents/generations/tasks", json=body)

    response = asyncio.run(main())
    assert response.status_code == status
    assert response.json()["error"]["code"] == "InvalidParameter"


def test_seedance_failure():
    async def main():
        async with client() as http:
            created = await http.post(
                "/v3/contents/generations/tasks",
                json={
                    "model": "bytedance/doubao-seedance-2-0-260128",
                    "content": [{"type": "text", "text": "x [sim job=0 fail=moderation]"}],
                },
            )
            return (await http.get(f"/v3/contents/generations/tasks/{created.json()['id']}")).json()

    body = asyncio.run(main())
    assert body["status"] == "failed"
    assert body["error"]["code"] == "OutputVideoSensitiveContentDetected"
    assert "content" not in body


# Required on the reference routes by Qiniu's cookbook (docs/api/media-modes.md §1).
REFERENCE_MUSTS = {"aspect_ratio": "16:9", "bgm": False}
VIDU_BODIES = {
    "text": {"prompt": "An orange cat chases butterflies", "duration": 5},
    "image": {"image_url": "https://example.com/a.png", "duration": 5},
    "start-end": {
        "start_image_url": "https://example.com/a.png",
        "end_image_url": "data:image/png;base64,iVBORw0KGgo=",
        "duration": 5,
    },
    "reference": {
        "prompt": "@girl waves to @dog",
        "duration": 5,
        "aspect_ratio": "16:9",
        "bgm": False,
        "subjects": [
            {"id": "girl", "images": ["https://example.com/girl.png"], "voice_id": ""},
            {"id": "dog", "images": ["https://example.com/dog.png"], "voice_id": "v1"},
        ],
    },
}


@pytest.mark.parametrize("route", list(VIDU_ROUTES))
def test_vidu_every_route_creates_a_queued_request(route):
    async def main():
        async with client() as http:
            body = VIDU_BODIES[VIDU_ROUTES[route].kind]
            return await http.post(f"/queue/fal-ai/vidu/{route}", json=body)

    response = asyncio.run(main())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "IN_QUEUE"
    assert body["request_id"].startswith("qvideo-root-")
    assert body["status_url"] == f"{BASE}/queue/fal-ai/vidu/requests/{body['request_id']}/status"
    assert body["cancel_url"] == ""


def test_vidu_progression_and_result():
    async def main():
        async with client() as http:
            created = await http.post(
                "/queue/fal-ai/vidu/q2/text-to-video",
                json={
                    "prompt": f"An orange cat chases butterflies {PROGRESS}",
                    "seed": 1,
                    "duration": 3,
                    "resolution": "1080p",
                    "movement_amplitude": "auto",
                    "aspect_ratio": "1:1",
                },
            )
            request_id = created.json()["request_id"]
            early = await http.get(f"/queue/fal-ai/vidu/requests/{request_id}")
            statuses = await poll(
                http,
                f"/queue/fal-ai/vidu/requests/{request_id}/status",
                lambda body: body["status"] == "COMPLETED",
            )
            result = await http.get(f"/queue/fal-ai/vidu/requests/{request_id}")
            return early, statuses, result, await http.get(result.json()["video"]["url"])

    early, statuses, result, video = asyncio.run(main())
    assert early.status_code == 202
    assert distinct([r.json()["status"] for r in statuses]) == [
        "IN_QUEUE",
        "IN_PROGRESS",
        "COMPLETED",
    ]
    assert [r.status_code for r in statuses][-2:] == [202, 200]
    final = statuses[-1].json()
    assert final["result"]["video"]["content_type"] == "video/mp4"
    assert final["metrics"]["inference_time"] >= 1
    assert result.json()["video"] == final["result"]["video"]
    duration, width, height, _ = mp4_info(video.content)
    assert abs(duration - 3) < 0.2 and (width, height) == (320, 320)


@pytest.mark.parametrize(
    ("route", "body", "words"),
    [
        ("q1/text-to-video", {"prompt": "x", "duration": 4}, "duration"),
        ("q1/text-to-video", {"prompt": "x", "resolution": "720p"}, "resolution"),
        ("q1/text-to-video", {"prompt": "x", "aspect_ratio": "4:3"}, "aspect_ratio"),
        ("q2/text-to-video", {"duration": 5}, "prompt"),
        ("q2/text-to-video", {"prompt": "x", "movement_amplitude": "huge"}, "movement"),
        ("q2/image-to-video/pro", {"prompt": "x"}, "image_url"),
        ("q3/start-end-to-video/turbo", {"start_image_url": "u"}, "end_image_url"),
        ("q2/reference-to-video", {"prompt": "x", **REFERENCE_MUSTS}, "reference_image_urls"),
        (
            "q1/reference-to-video",
            {"prompt": "x", "reference_image_urls": ["u"] * 8, **REFERENCE_MUSTS},
            "reference_image_urls",
        ),
    ],
)
def test_vidu_validation(route, body, words):
    async def main():
        async with client() as http:
            return await http.post(f"/queue/fal-ai/vidu/{route}", json=body)

    response = asyncio.run(main())
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_vidu_failure_is_completed_with_detail():
    async def main():
        async with client() as http:
            created = await http.post(
                "/queue/fal-ai/vidu/q3/text-to-video/turbo",
                json={"prompt": "x [sim job=0 fail=moderation]"},
            )
            request_id = created.json()["request_id"]
            status = await http.get(f"/queue/fal-ai/vidu/requests/{request_id}/status")
            result = await http.get(f"/queue/fal-ai/vidu/requests/{request_id}")
            return status, result

    status, result = asyncio.run(main())
    assert status.status_code == 200
    assert status.json()["status"] == "COMPLETED"
    assert status.json()["detail"] and "result" not in status.json()
    assert result.status_code == 400 and result.json()["detail"]
