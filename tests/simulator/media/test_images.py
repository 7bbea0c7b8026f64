"""Image families: Kling tasks (pattern A), Gemini sync images (B), kling-image-o1 (fal queue)."""

import asyncio
import base64

import pytest

from tests.simulator.media.support import BASE, client, distinct, png_size, poll

KLING_DONE = {"succeed", "failed"}


def test_kling_text_to_image_progression_and_pngs():
    async def main():
        async with client() as http:
            created = await http.post(
                "/v1/images/generations",
                json={
                    "model": "kling-v2-1",
                    "prompt": "An orange cat on a windowsill [sim job=0.9 queue=0.3]",
                    "aspect_ratio": "16:9",
                    "n": 2,
                },
            )
            assert created.status_code == 200
            assert list(created.json()) == ["task_id"]
            task_id = created.json()["task_id"]
            assert task_id.startswith("image-") and len(task_id) < 300
            responses = await poll(
                http, f"/v1/images/tasks/{task_id}", lambda body: body["status"] in KLING_DONE
            )
            final = responses[-1].json()
            images = [(await http.get(item["url"])) for item in final["data"]]
            return responses, final, images

    responses, final, images = asyncio.run(main())
    assert distinct([r.json()["status"] for r in responses]) == [
        "submitted",
        "processing",
        "succeed",
    ]
    assert final["task_id"] and isinstance(final["created"], int)
    assert final["status_message"] == "success"
    assert final["quantity"] == 2
    assert [item["index"] for item in final["data"]] == [0, 1]
    for item, image in zip(final["data"], images, strict=True):
        assert item["url"].startswith(f"{BASE}/sim-media/{final['task_id']}/")
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert int(image.headers["content-length"]) == len(image.content)
        assert png_size(image.content) == (1024, 576)
    assert images[0].content != images[1].content


@pytest.mark.parametrize(
    ("aspect", "size"), [("9:16", (576, 1024)), ("1:1", (1024, 1024)), ("21:9", (1024, 438))]
)
def test_kling_image_size_follows_aspect_ratio(aspect, size):
    async def main():
        async with client() as http:
            task = await http.post(
                "/v1/images/generations",
                json={"model": "kling-v1", "prompt": "Hills [sim job=0]", "aspect_ratio": aspect},
            )
            body = (await http.get(f"/v1/images/tasks/{task.json()['task_id']}")).json()
            return await http.get(body["data"][0]["url"])

    assert png_size(asyncio.run(main()).content) == size


def test_kling_multi_image_edits():
    async def main():
        async with client() as http:
            task = await http.post(
                "/v1/images/edits",
                json={
                    "model": "kling-v2",
                    "image": "",
                    "prompt": "Both people in one comic scene [sim job=0.05 count=3]",
                    "subject_image_list": [
                        {"subject_image": "https://example.com/a.png"},
                        {"subject_image": "data:image/png;base64,iVBORw0KGgo="},
                    ],
                    "scene_image": "https://example.com/park.jpg",
                    "aspect_ratio": "3:4",
                },
            )
            await asyncio.sleep(0.1)
            return (await http.get(f"/v1/images/tasks/{task.json()['task_id']}")).json()

    body = asyncio.run(main())
    assert body["status"] == "succeed"
    assert body["quantity"] == 3 and len(body["data"]) == 3


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/v1/images/generations", {"model": "kling-v2-1"}, "prompt"),
        ("/v1/images/generations", {"model": "kling-v2-1", "prompt": "[sim job=1]"}, "prompt"),
        ("/v1/images/generations", {"model": "kling-v2-new", "prompt": "x"}, "image"),
        (
            "/v1/images/generations",
            {"model": "kling-v1-5", "prompt": "x", "image": "https://e.com/a.png"},
            "image_reference",
        ),
        ("/v1/images/generations", {"model": "kling-v2", "prompt": "x", "n": 12}, "n"),
        (
            "/v1/images/generations",
            {"model": "kling-v2", "prompt": "x", "aspect_ratio": "5:4"},
            "aspect_ratio",
        ),
        ("/v1/images/edits", {"model": "kling-v1", "prompt": "x"}, "multi-image"),
        (
            "/v1/images/edits",
            {"model": "kling-v2-1", "prompt": "x", "subject_image_list": [{"subject_image": "u"}]},
            "subject_image_list",
        ),
    ],
)
def test_kling_image_validation(path, body, words):
    async def main():
        async with client() as http:
            return await http.post(path, json=body)

    response = asyncio.run(main())
    assert response.status_code == 400
    assert response.json()["status"] is False
    assert words in response.json()["message"]


def test_kling_image_failures_and_unknown_task():
    async def main():
        async with client() as http:
            results = []
            for mode in ("error", "moderation"):
                task = await http.post(
                    "/v1/images/generations",
                    json={"model": "kling-v2", "prompt": f"cat [sim job=0 fail={mode}]"},
                )
                results.append(
                    (await http.get(f"/v1/images/tasks/{task.json()['task_id']}")).json()
                )
            missing = await http.get("/v1/images/tasks/image-123456")
            return results, missing

    (error, moderation), missing = asyncio.run(main())
    assert error["status"] == moderation["status"] == "failed"
    assert "data" not in error
    assert "safety" in moderation["status_message"]
    assert missing.status_code == 404
    assert missing.json()["status"] is False


def test_gemini_text_to_image_is_synchronous_base64():
    async def main():
        async with client() as http:
            return await http.post(
                "/v1/images/generations",
                json={
                    "model": "gemini-3.0-pro-image-preview",
                    "prompt": "Elf cottage in a glowing forest [sim job=0.05 count=2]",
                    "image_config": {"aspect_ratio": "9:16", "image_size": "2K"},
                },
            )

    response = asyncio.run(main())
    assert response.status_code == 200
    body = response.json()
    assert body["output_format"] == "png"
    assert len(body["data"]) == 2
    for item in body["data"]:
        assert list(item) == ["b64_json"]
        assert png_size(base64.b64decode(item["b64_json"])) == (576, 1024)
    assert body["usage"]["output_tokens"] > 0
    assert body["usage"]["total_tokens"] == (
        body["usage"]["input_tokens"] + body["usage"]["output_tokens"]
    )


def test_gemini_edits_and_512_size():
    async def main():
        async with client() as http:
            edit = await http.post(
                "/v1/images/edits",
                json={
                    "model": "gemini-3.1-flash-image-preview",
                    "prompt": "Make it snow [sim job=0]",
                    "image": ["https://example.com/a.png", "data:image/png;base64,iVBORw0KGgo="],
                    "image_config": {"aspect_ratio": "4:1", "image_size": "512"},
                },
            )
            missing = await http.post(
                "/v1/images/edits",
                json={"model": "gemini-2.5-flash-image", "prompt": "Make it snow [sim job=0]"},
            )
            return edit, missing

    edit, missing = asyncio.run(main())
    assert png_size(base64.b64decode(edit.json()["data"][0]["b64_json"])) == (512, 128)
    assert missing.status_code == 400
    assert missing.json()["error"]["type"] == "invalid_request_error"
    assert missing.json()["error"]["code"] == "invalid_parameters"


@pytest.mark.parametrize(
    "body",
    [
        {"model": "gemini-2.5-flash-image", "prompt": "x", "image_config": {"image_size": "2K"}},
        {"model": "gemini-2.5-flash-image", "prompt": "x", "image_config": {"aspect_ratio": "1:4"}},
        {"model": "gemini-2.5-flash-image"},
        {"model": "dall-e-3", "prompt": "x"},
        {"prompt": "x"},
    ],
)
def test_images_validation_in_openai_shape(body):
    async def main():
        async with client() as http:
            return await http.post("/v1/images/generations", json=body)

    response = asyncio.run(main())
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "code"}


def test_gemini_failure_knobs():
    async def main():
        async with client() as http:
            results = []
            for mode in ("moderation", "error"):
                results.append(
                    await http.post(
                        "/v1/images/generations",
                        json={
                            "model": "gemini-2.5-flash-image",
                            "prompt": f"x [sim job=0 fail={mode}]",
                        },
                    )
                )
            return results

    moderation, error = asyncio.run(main())
    assert moderation.status_code == 400
    assert moderation.json()["error"]["code"] == "content_policy_violation"
    assert error.status_code == 500
    assert error.json()["error"]["type"] == "server_error"


def test_kling_image_o1_queue():
    async def main():
        async with client() as http:
            created = await http.post(
                "/queue/fal-ai/kling-image/o1",
                json={
                    "prompt": "Watercolour of <<<image_1>>> [sim job=0.9 queue=0.3]",
                    "image_urls": ["https://example.com/ref.jpg"],
                    "num_images": 2,
                    "resolution": "2k",
                    "aspect_ratio": "4:3",
                },
            )
            request_id = created.json()["request_id"]
            statuses = await poll(
                http,
                f"/queue/fal-ai/kling-image/requests/{request_id}/status",
                lambda body: body["status"] in ("COMPLETED", "FAILED"),
            )
            result = await http.get(f"/queue/fal-ai/kling-image/requests/{request_id}")
            image = await http.get(result.json()["images"][1]["url"])
            return created, statuses, result, image

    created, statuses, result, image = asyncio.run(main())
    envelope = created.json()
    request_id = envelope["request_id"]
    assert envelope["status"] == "IN_QUEUE"
    assert request_id.startswith("qimage-root-")
    assert envelope["status_url"] == (
        f"{BASE}/queue/fal-ai/kling-image/requests/{request_id}/status"
    )
    assert envelope["response_url"] == f"{BASE}/queue/fal-ai/kling-image/requests/{request_id}"
    assert envelope["cancel_url"] == ""
    assert distinct([r.json()["status"] for r in statuses]) == [
        "IN_QUEUE",
        "IN_PROGRESS",
        "COMPLETED",
    ]
    assert {r.status_code for r in statuses[:-1]} == {202}
    final = statuses[-1].json()
    assert statuses[-1].status_code == 200
    assert final["metrics"]["inference_time"] >= 1
    assert [i["content_type"] for i in final["result"]["images"]] == ["image/png"] * 2
    assert result.status_code == 200
    assert result.json()["images"][0]["width"] == 1024
    assert png_size(image.content) == (1024, 768)


def test_kling_image_o1_failure_validation_and_unknown():
    async def main():
        async with client() as http:
            failed = await http.post(
                "/queue/fal-ai/kling-image/o1", json={"prompt": "x [sim job=0 fail=moderation]"}
            )
            request_id = failed.json()["request_id"]
            status = await http.get(f"/queue/fal-ai/kling-image/requests/{request_id}/status")
            result = await http.get(f"/queue/fal-ai/kling-image/requests/{request_id}")
            bad = await http.post(
                "/queue/fal-ai/kling-image/o1", json={"prompt": "x", "num_images": 10}
            )
            missing = await http.get("/queue/fal-ai/kling-image/requests/qimage-root-1/status")
            return status, result, bad, missing

    status, result, bad, missing = asyncio.run(main())
    assert status.json()["status"] == "FAILED"
    assert status.json()["error"]["code"] == "content_policy_violation"
    assert result.status_code == 400 and result.json()["detail"]
    assert bad.status_code == 400 and "num_images" in bad.json()["detail"]
    assert missing.status_code == 404 and missing.json()["detail"]
