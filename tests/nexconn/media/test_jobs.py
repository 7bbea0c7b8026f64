"""submit / poll / remix through the real client, with respx standing in for Nexconn."""

import asyncio
import base64
import json

import httpx
import pytest
import respx

from playground.nexconn.client import NexconnClient
from playground.nexconn.errors import NexconnError
from playground.nexconn.media.catalog import media_model
from playground.nexconn.media.jobs import poll, remix, submit
from playground.nexconn.media.status import CONTENT_FILTER_MESSAGE, MediaOutput

PNG = b"\x89PNG\r\n\x1a\nfake"
QINIU = "https://api.qnaigc.com"  # where Nexconn's own examples point status_url


def run(job):
    """Run `job(client)` on a fresh client that makes no retries of its own."""

    async def main():
        client = NexconnClient(base_url="https://api.test", api_key="k", max_retries=0)
        try:
            return await job(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def submit_with(model, *, mode="text", prompt="a cat", params=None, inputs=None):
    return lambda client: submit(
        client, model=model, mode=mode, prompt=prompt, params=params or {}, inputs=inputs or {}
    )


def poll_with(model, task_id):
    return lambda client: poll(client, model=model, task_id=task_id)


def sent_json(route) -> dict:
    return json.loads(route.calls.last.request.content)


@respx.mock(base_url="https://api.test")
def test_kling_image_task_from_submit_to_result(respx_mock):
    model = media_model("kling-v2-1", kind="image")
    create = respx_mock.post("/v1/images/generations").respond(json={"task_id": "image-17"})
    created = run(submit_with(model, params={"aspect_ratio": "1:1", "n": 2}))
    assert created.task_id == "image-17"
    assert created.state == "queued"
    assert sent_json(create) == {
        "model": "kling-v2-1",
        "prompt": "a cat",
        "aspect_ratio": "1:1",
        "n": 2,
    }

    task = respx_mock.get("/v1/images/tasks/image-17")
    task.respond(json={"task_id": "image-17", "status": "processing", "status_message": "处理中"})
    assert run(poll_with(model, "image-17")).state == "running"
    task.respond(
        json={
            "task_id": "image-17",
            "status": "succeed",
            "status_message": "success",
            "data": [
                {"index": 0, "url": "https://cdn.test/0.png"},
                {"index": 1, "url": "https://cdn.test/1.png"},
            ],
        }
    )
    done = run(poll_with(model, "image-17"))
    assert done.state == "succeeded"
    assert done.raw_status == "succeed"
    assert [o.url for o in done.outputs] == ["https://cdn.test/0.png", "https://cdn.test/1.png"]
    task.respond(json={"task_id": "image-17", "status": "failed", "status_message": "图片尺寸过小"})
    failed = run(poll_with(model, "image-17"))
    assert failed.state == "failed"
    assert failed.error == "The generation failed: 图片尺寸过小"


@respx.mock(base_url="https://api.test")
def test_gemini_images_come_back_decoded_and_finished(respx_mock):
    model = media_model("gemini-3.0-pro-image-preview", kind="image")
    encoded = base64.b64encode(PNG).decode()
    respx_mock.post("/v1/images/edits").respond(
        json={
            "created": 1,
            "data": [{"b64_json": encoded}],
            "output_format": "jpeg",
            "usage": {"total_tokens": 9},
        }
    )
    status = run(
        submit_with(
            model, mode="image", prompt="brighter", inputs={"images": ["https://img.test/a.png"]}
        )
    )
    assert status.state == "succeeded"
    assert status.task_id == ""
    assert status.outputs == (MediaOutput(url=None, data=PNG, content_type="image/jpeg"),)
    assert encoded not in json.dumps(status.raw)  # the stored answer does not carry the bytes
    assert status.raw["usage"] == {"total_tokens": 9}


@respx.mock(base_url="https://api.test")
def test_gemini_answer_without_a_picture_fails_plainly(respx_mock):
    model = media_model("gemini-2.5-flash-image", kind="image")
    respx_mock.post("/v1/images/generations").respond(json={"created": 1, "data": []})
    status = run(submit_with(model))
    assert status.state == "failed"
    assert "without a picture" in status.error


@respx.mock(base_url="https://api.test")
def test_gemini_malformed_answers_raise_protocol_errors(respx_mock):
    model = media_model("gemini-2.5-flash-image", kind="image")
    route = respx_mock.post("/v1/images/generations")
    route.respond(json={"created": 1})
    with pytest.raises(NexconnError) as missing:
        run(submit_with(model))
    assert missing.value.kind == "protocol"
    route.respond(json={"data": [{"b64_json": "not base64!"}]})
    with pytest.raises(NexconnError) as garbled:
        run(submit_with(model))
    assert garbled.value.kind == "protocol"
    with pytest.raises(ValueError, match="no task to poll"):
        run(poll_with(model, "x"))


@respx.mock(base_url="https://api.test", assert_all_mocked=True)
def test_kling_image_o1_polls_on_our_host_and_fetches_the_result(respx_mock):
    model = media_model("kling-image-o1", kind="image")
    request_id = "qimage-root-1770199726278452760"
    respx_mock.post("/queue/fal-ai/kling-image/o1").respond(
        json={
            "status": "IN_QUEUE",
            "request_id": request_id,
            "response_url": f"{QINIU}/queue/fal-ai/kling-image/requests/{request_id}",
            "status_url": f"{QINIU}/queue/fal-ai/kling-image/requests/{request_id}/status",
            "cancel_url": "",
        }
    )
    created = run(submit_with(model, params={"n": 1}))
    assert (created.task_id, created.state, created.raw_status) == (
        request_id,
        "queued",
        "IN_QUEUE",
    )

    status = respx_mock.get(f"/queue/fal-ai/kling-image/requests/{request_id}/status")
    result = respx_mock.get(f"/queue/fal-ai/kling-image/requests/{request_id}")
    status.respond(202, json={"status": "IN_PROGRESS", "request_id": request_id})
    assert run(poll_with(model, request_id)).state == "running"
    assert not result.called

    status.respond(json={"status": "COMPLETED", "request_id": request_id})
    result.respond(
        json={"images": [{"url": "https://cdn.test/o1.png", "content_type": "image/png"}]}
    )
    done = run(poll_with(model, request_id))
    assert done.state == "succeeded"
    assert done.outputs == (MediaOutput(url="https://cdn.test/o1.png", content_type="image/png"),)
    assert result.call_count == 1

    # Qiniu's variant puts the result in the status answer: no second call.
    status.respond(
        json={"status": "COMPLETED", "result": {"images": [{"url": "https://cdn.test/inline.png"}]}}
    )
    inline = run(poll_with(model, request_id))
    assert [o.url for o in inline.outputs] == ["https://cdn.test/inline.png"]
    assert result.call_count == 1


@respx.mock(base_url="https://api.test")
def test_fal_completed_with_a_detail_is_a_failure(respx_mock):
    model = media_model("viduq2", kind="video")
    status = respx_mock.get("/queue/fal-ai/vidu/requests/qvideo-root-1/status")
    result = respx_mock.get("/queue/fal-ai/vidu/requests/qvideo-root-1")
    status.respond(json={"status": "COMPLETED", "detail": "Image aspect ratio out of range"})
    failed = run(poll_with(model, "qvideo-root-1"))
    assert failed.state == "failed"
    assert failed.error == "The generation failed: Image aspect ratio out of range"
    assert not result.called

    status.respond(json={"status": "COMPLETED"})
    result.respond(
        json={"detail": [{"msg": "content moderation failed", "type": "content_policy"}]}
    )
    blocked = run(poll_with(model, "qvideo-root-1"))
    assert blocked.state == "failed"
    assert blocked.error == f"{CONTENT_FILTER_MESSAGE} (content moderation failed)"


@respx.mock(base_url="https://api.test")
def test_fal_completed_with_nothing_anywhere_keeps_polling(respx_mock):
    model = media_model("viduq1", kind="video")
    respx_mock.get("/queue/fal-ai/vidu/requests/r1/status").respond(json={"status": "COMPLETED"})
    respx_mock.get("/queue/fal-ai/vidu/requests/r1").respond(json={"status": "COMPLETED"})
    status = run(poll_with(model, "r1"))
    assert status.state == "running"
    assert status.raw_status == "COMPLETED"


@respx.mock(base_url="https://api.test")
def test_vidu_submit_and_inline_video_result(respx_mock):
    model = media_model("viduq3-turbo", kind="video")
    create = respx_mock.post("/queue/fal-ai/vidu/q3/start-end-to-video/turbo").respond(
        json={"status": "IN_QUEUE", "request_id": "qvideo-root-9"}
    )
    inputs = {
        "first_frame": ["data:image/png;base64,AAAA"],
        "last_frame": ["https://img.test/b.png"],
    }
    created = run(submit_with(model, mode="first_last", prompt="", inputs=inputs))
    assert created.task_id == "qvideo-root-9"
    assert sent_json(create) == {
        "start_image_url": "data:image/png;base64,AAAA",
        "end_image_url": "https://img.test/b.png",
    }
    respx_mock.get("/queue/fal-ai/vidu/requests/qvideo-root-9/status").respond(
        json={
            "status": "COMPLETED",
            "metrics": {"inference_time": 2252},
            "result": {"video": {"url": "https://cdn.test/1.mp4", "content_type": "video/mp4"}},
        }
    )
    done = run(poll_with(model, "qvideo-root-9"))
    assert done.outputs == (MediaOutput(url="https://cdn.test/1.mp4", content_type="video/mp4"),)


@respx.mock(base_url="https://api.test")
def test_veo_task(respx_mock):
    model = media_model("veo-3.1-fast-generate-preview", kind="video")
    respx_mock.post("/v1/videos/generations").respond(
        json={"id": "chatvideo-1709712000000000000-uid123"}
    )
    created = run(submit_with(model, params={"duration": "8"}))
    assert created.state == "queued"
    task = respx_mock.get("/v1/videos/generations/chatvideo-1709712000000000000-uid123")
    task.respond(json={"id": "x", "status": "Running", "message": "生成中", "data": {"videos": []}})
    running = run(poll_with(model, created.task_id))
    assert (running.state, running.raw_status, running.error) == ("running", "Running", None)
    task.respond(
        json={
            "status": "Completed",
            "message": "done",
            "data": {
                "videos": [{"url": "https://cdn.test/s0.mp4", "mimeType": "video/mp4"}],
                "raiMediaFilteredCount": 0,
            },
        }
    )
    done = run(poll_with(model, created.task_id))
    assert done.outputs == (MediaOutput(url="https://cdn.test/s0.mp4", content_type="video/mp4"),)
    task.respond(json={"status": "Completed", "data": {"videos": [], "raiMediaFilteredCount": 1}})
    filtered = run(poll_with(model, created.task_id))
    assert (filtered.state, filtered.error) == ("failed", CONTENT_FILTER_MESSAGE)
    task.respond(json={"status": "Failed", "message": "quota exceeded for this project"})
    failed = run(poll_with(model, created.task_id))
    assert failed.error == "The generation failed: quota exceeded for this project"


@respx.mock(base_url="https://api.test")
def test_sora_task_moderation_and_remix(respx_mock):
    model = media_model("sora-2", kind="video")
    task_id = "qvideo-user123-1766453713089395279"
    respx_mock.post("/v1/videos").respond(
        json={
            "id": task_id,
            "object": "video",
            "model": "sora-2",
            "status": "queued",
            "seconds": "4",
        }
    )
    created = run(submit_with(model, params={"duration": "4", "size": "1280x720"}))
    assert (created.task_id, created.state, created.raw_status) == (task_id, "queued", "queued")

    task = respx_mock.get(f"/v1/videos/{task_id}")
    task.respond(json={"id": task_id, "status": "in_progress", "progress": 35})
    running = run(poll_with(model, task_id))
    assert (running.state, running.progress) == ("running", 35)
    task.respond(
        json={
            "id": task_id,
            "status": "completed",
            "task_result": {
                "videos": [{"id": "v", "url": "https://cdn.test/s.mp4", "duration": "4.0"}]
            },
        }
    )
    assert run(poll_with(model, task_id)).outputs == (MediaOutput(url="https://cdn.test/s.mp4"),)
    task.respond(
        json={
            "id": task_id,
            "status": "failed",
            "error": {"code": "moderation_blocked", "message": ""},
        }
    )
    blocked = run(poll_with(model, task_id))
    assert (blocked.state, blocked.error) == ("failed", CONTENT_FILTER_MESSAGE)

    remix_route = respx_mock.post(f"/v1/videos/{task_id}/remix").respond(
        json={"id": "qvideo-user123-2", "status": "queued", "remixed_from_video_id": task_id}
    )
    remixed = run(lambda client: remix(client, model=model, task_id=task_id, prompt="at night"))
    assert (remixed.task_id, remixed.state) == ("qvideo-user123-2", "queued")
    assert sent_json(remix_route) == {"prompt": "at night"}


@respx.mock(base_url="https://api.test")
def test_seedance_task(respx_mock):
    model = media_model("bytedance/doubao-seedance-2-0-260128", kind="video")
    respx_mock.post("/v3/contents/generations/tasks").respond(json={"id": "qvideo-abc"})
    assert run(submit_with(model, params={"duration": 5})).task_id == "qvideo-abc"
    task = respx_mock.get("/v3/contents/generations/tasks/qvideo-abc")
    task.respond(
        json={
            "id": "qvideo-abc",
            "status": "succeeded",
            "error": None,
            "content": {"video_url": "https://cdn.test/o.mp4"},
        }
    )
    assert run(poll_with(model, "qvideo-abc")).outputs == (
        MediaOutput(url="https://cdn.test/o.mp4"),
    )
    task.respond(json={"id": "qvideo-abc", "status": "expired"})
    expired = run(poll_with(model, "qvideo-abc"))
    assert expired.state == "expired"


@respx.mock(base_url="https://api.test")
def test_a_create_answer_without_a_usable_task_id_is_malformed(respx_mock):
    model = media_model("kling-v2-5-turbo", kind="video")
    route = respx_mock.post("/v1/videos")
    for body in ({"status": "queued"}, {"id": ""}, {"id": "../../v1/files"}, {"id": None}):
        route.respond(json=body)
        with pytest.raises(NexconnError) as caught:
            run(submit_with(model))
        assert caught.value.kind == "protocol"
        assert (
            caught.value.message_for_user
            == "The Nexconn API sent an answer that could not be read."
        )


@respx.mock(base_url="https://api.test")
def test_http_errors_propagate_and_a_submit_is_sent_once(respx_mock):
    model = media_model("kling-v2-6", kind="video")
    route = respx_mock.post("/v1/videos")
    route.respond(402, json={"error": {"message": "insufficient balance"}})
    with pytest.raises(NexconnError) as payment:
        run(submit_with(model))
    assert payment.value.kind == "payment"
    route.respond(500, json={"error": {"message": "boom"}})
    with pytest.raises(NexconnError) as upstream:
        run(submit_with(model))
    assert upstream.value.kind == "upstream"
    assert route.call_count == 2  # one call per submit: nothing re-sent a paid request


@respx.mock(base_url="https://api.test")
def test_task_ids_are_escaped_in_poll_paths(respx_mock):
    model = media_model("sora-2", kind="video")
    route = respx_mock.get(url__regex=r"/v1/videos/a%2Fb$").mock(
        return_value=httpx.Response(200, json={"status": "queued"})
    )
    assert run(poll_with(model, "a/b")).state == "queued"
    assert route.called
