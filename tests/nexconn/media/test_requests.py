"""build_request for every catalog model and mode against the paths and fields of the reference."""

import pytest

from playground.nexconn.media.catalog import MEDIA_MODELS, media_model
from playground.nexconn.media.jobs import build_remix_request, build_request

A, B = "https://img.test/a.png", "https://img.test/b.jpg"
CLIP = "https://video.test/dance.mp4"
# One or two images per slot name, enough for every mode's minimum; one subject, one shot.
INPUTS = {
    "image": [A],
    "images": [A, B],
    "first_frame": [A],
    "last_frame": [B],
    "reference": [A, B],
    "character": [A],
    "motion": [CLIP],
    "video": [CLIP],
    "subject_1": [A, B],
}
GROUP_VALUES = {"subject_1_id": "cat", "shot_1_prompt": "a cat naps", "shot_1_duration": "5"}

# docs/api/media-modes.md §1-§3: each model on its own routes; q2-pro/turbo first+last frames
# go to the image-to-video route with `end_image_url`.
VIDU_ROUTES = {
    ("viduq1", "text"): "q1/text-to-video",
    ("viduq1", "reference"): "q1/reference-to-video",
    ("viduq1", "subjects"): "q1/reference-to-video",
    ("viduq2", "text"): "q2/text-to-video",
    ("viduq2", "reference"): "q2/reference-to-video",
    ("viduq2", "subjects"): "q2/reference-to-video",
    ("viduq2-pro", "image"): "q2/image-to-video/pro",
    ("viduq2-pro", "first_last"): "q2/image-to-video/pro",
    ("viduq2-turbo", "image"): "q2/image-to-video/turbo",
    ("viduq2-turbo", "first_last"): "q2/image-to-video/turbo",
    **{
        (f"viduq3-{tier}", mode): f"q3/{route}/{tier}"
        for tier in ("pro", "turbo")
        for mode, route in {
            "text": "text-to-video",
            "image": "image-to-video",
            "first_last": "start-end-to-video",
        }.items()
    },
}


def expected(kind: str, model_id: str, mode: str) -> tuple[str, dict]:
    """The path and the body fields the reference documents for one model and mode."""
    model = media_model(model_id, kind=kind)
    match model.family:
        case "kling_image":
            if mode == "multi_image":
                return "/v1/images/edits", {
                    "model": model_id,
                    "image": "",
                    "subject_image_list": [{"subject_image": A}, {"subject_image": B}],
                    "aspect_ratio": "16:9",
                }
            fields = {"model": model_id, "prompt": "a cat", "aspect_ratio": "16:9", "n": 1}
            if mode == "image":
                fields["image"] = A
            return "/v1/images/generations", fields
        case "gemini_image":
            if mode == "image":
                return "/v1/images/edits", {"model": model_id, "prompt": "a cat", "image": [A, B]}
            return "/v1/images/generations", {"model": model_id, "prompt": "a cat"}
        case "kling_image_o1":
            fields = {
                "prompt": "a cat",
                "num_images": 1,
                "resolution": "1K",
                "aspect_ratio": "auto",
            }
            if mode == "reference":
                fields["image_urls"] = [A, B]
            return "/queue/fal-ai/kling-image/o1", fields
        case "veo":
            instance = {"prompt": "a cat"}
            png, jpeg = {"uri": A, "mimeType": "image/png"}, {"uri": B, "mimeType": "image/jpeg"}
            if mode == "image":
                instance["image"] = png
            elif mode == "first_last":
                instance |= {"image": png, "lastFrame": jpeg}
            elif mode == "reference":
                instance["referenceImages"] = [
                    {"image": png, "referenceType": "asset"},
                    {"image": jpeg, "referenceType": "asset"},
                ]
            return "/v1/videos/generations", {
                "model": model_id,
                "instances": [instance],
            }
        case "openai_video":
            fields = {"model": model_id, "prompt": "a cat"}
            omni = model_id in {"kling-video-o1", "kling-v3-omni"}
            if mode == "image":
                fields |= (
                    {"image_list": [{"image": A, "type": "first_frame"}]}
                    if omni
                    else {"input_reference": A}
                )
            elif mode == "first_last":
                fields |= (
                    {
                        "image_list": [
                            {"image": A, "type": "first_frame"},
                            {"image": B, "type": "end_frame"},
                        ]
                    }
                    if omni
                    else {"input_reference": A, "image_tail": B}
                )
            elif mode == "reference":
                fields["image_list"] = [{"image": A}, {"image": B}]
            elif mode == "motion_control":
                fields |= {
                    "image_url": A,
                    "video_url": CLIP,
                    "character_orientation": "image",
                    "keep_original_sound": "no",
                }
            elif mode == "video_reference":
                fields |= {
                    "video_list": [
                        {"video_url": CLIP, "refer_type": "feature", "keep_original_sound": "no"}
                    ],
                    "image_list": [{"image": A}, {"image": B}],
                }
            elif mode == "multi_shot":
                fields |= {
                    "multi_shot": True,
                    "shot_type": "customize",
                    "multi_prompt": [{"index": 1, "prompt": "a cat naps", "duration": "5"}],
                    "seconds": "5",
                }
            return "/v1/videos", fields
        case "seedance":
            content = [{"type": "text", "text": "a cat"}]
            roles = {
                "image": [(A, "first_frame")],
                "first_last": [(A, "first_frame"), (B, "last_frame")],
                "reference": [(A, "reference_image"), (B, "reference_image")],
            }.get(mode, [])
            content += [
                {"type": "image_url", "image_url": {"url": url}, "role": role}
                for url, role in roles
            ]
            return "/v3/contents/generations/tasks", {
                "model": model_id,
                "content": content,
                "resolution": "720p",
                "duration": 5,
                "generate_audio": True,
            }
        case "vidu":
            fields = {"prompt": "a cat", "movement_amplitude": "auto"}
            route = VIDU_ROUTES[model_id, mode]
            start = "image_url" if route.startswith("q2/image-to-video") else "start_image_url"
            fields |= {
                "image": {"image_url": A},
                "first_last": {start: A, "end_image_url": B},
                "reference": {"reference_image_urls": [A, B]},
                "subjects": {
                    "subjects": [{"id": "cat", "images": [A, B], "voice_id": ""}],
                    "audio": False,
                    "bgm": False,
                    "aspect_ratio": "16:9",
                },
            }.get(mode, {})
            return f"/queue/fal-ai/vidu/{VIDU_ROUTES[model_id, mode]}", fields
    raise AssertionError(model.family)


CASES = [
    pytest.param(model, mode.name, id=f"{model.kind}:{model.id}:{mode.name}")
    for model in MEDIA_MODELS.values()
    for mode in model.modes
]


@pytest.mark.parametrize(("model", "mode"), CASES)
def test_every_model_and_mode_builds_the_documented_request(model, mode):
    values = GROUP_VALUES if model.mode(mode).group else {}
    params, errors = model.clean(mode=mode, prompt="a cat", values=values, inputs=INPUTS)
    assert errors == {}
    method, path, body = build_request(
        model=model, mode=mode, prompt="a cat", params=params, inputs=INPUTS
    )
    want_path, want_fields = expected(model.kind, model.id, mode)
    assert method == "POST"
    assert path == want_path
    assert {key: body.get(key) for key in want_fields} == want_fields
    # The queue families choose the model by path; the others name it in the body.
    assert ("model" in body) == (model.family not in {"vidu", "kling_image_o1"})


def test_every_vidu_mode_has_a_route_and_no_route_lacks_a_mode():
    vidu = [model for model in MEDIA_MODELS.values() if model.family == "vidu"]
    catalog = {(model.id, mode.name) for model in vidu for mode in model.modes}
    assert catalog == set(VIDU_ROUTES)


def test_kling_image_sends_bare_base64_and_keeps_urls():
    model = media_model("kling-v2-1", kind="image")
    data_url = "data:image/png;base64,iVBORw0KGgo="
    inputs = {"images": [data_url, A], "style_image": [data_url]}
    _, path, body = build_request(
        model=model, mode="multi_image", prompt="mix", params={}, inputs=inputs
    )
    assert path == "/v1/images/edits"
    assert body["subject_image_list"] == [{"subject_image": "iVBORw0KGgo="}, {"subject_image": A}]
    assert body["style_image"] == "iVBORw0KGgo="
    assert "scene_image" not in body


def test_kling_image_v1_5_reference_fields_and_text_only_negative_prompt():
    model = media_model("kling-v1-5", kind="image")
    values = {"image_reference": "face", "image_fidelity": "0.8", "negative_prompt": "blur"}
    params, errors = model.clean(mode="image", prompt="p", values=values, inputs={"image": [A]})
    assert errors == {}
    _, _, body = build_request(model=model, mode="image", prompt="p", params=params, inputs=INPUTS)
    assert body["image_reference"] == "face"
    assert body["image_fidelity"] == 0.8
    assert body["human_fidelity"] == 0.45
    assert "negative_prompt" not in body  # Kling refuses it next to a reference image
    params, _ = model.clean(mode="text", prompt="p", values=values, inputs={})
    _, _, body = build_request(model=model, mode="text", prompt="p", params=params, inputs={})
    assert body["negative_prompt"] == "blur"
    assert "image_fidelity" not in body


def test_gemini_image_config_and_data_urls_pass_unchanged():
    model = media_model("gemini-3.1-flash-image-preview", kind="image")
    values = {"aspect_ratio": "8:1", "image_size": "512", "temperature": "0.7"}
    data_url = "data:image/png;base64,AAAA"
    inputs = {"images": [data_url]}
    params, errors = model.clean(mode="image", prompt="p", values=values, inputs=inputs)
    assert errors == {}
    _, path, body = build_request(
        model=model, mode="image", prompt="p", params=params, inputs=inputs
    )
    assert path == "/v1/images/edits"
    assert body == {
        "model": "gemini-3.1-flash-image-preview",
        "prompt": "p",
        "image_config": {"aspect_ratio": "8:1", "image_size": "512"},
        "temperature": 0.7,
        "image": data_url,
    }
    _, errors = media_model("gemini-2.5-flash-image", kind="image").clean(
        mode="text", prompt="p", values={"aspect_ratio": "8:1"}, inputs={}
    )
    assert "aspect_ratio" in errors


def test_veo_parameters_use_vertex_names_and_base64_images():
    model = media_model("veo-3.1-generate-preview", kind="video")
    values = {
        "duration": "6",
        "aspect_ratio": "9:16",
        "resolution": "1080p",
        "generate_audio": "on",
        "n": "2",
        "negative_prompt": "rain",
        "seed": "42",
        "person_generation": "allow_adult",
    }
    inputs = {"image": ["data:image/jpeg;base64,/9j/AA=="]}
    params, errors = model.clean(mode="image", prompt="", values=values, inputs=inputs)
    assert errors == {}
    _, _, body = build_request(model=model, mode="image", prompt="", params=params, inputs=inputs)
    assert body["instances"] == [
        {"image": {"bytesBase64Encoded": "/9j/AA==", "mimeType": "image/jpeg"}}
    ]
    assert body["parameters"] == {
        "durationSeconds": 6,
        "aspectRatio": "9:16",
        "resolution": "1080p",
        "generateAudio": True,
        "sampleCount": 2,
        "negativePrompt": "rain",
        "seed": 42,
        "personGeneration": "allow_adult",
        "enhancePrompt": False,
    }


def test_veo_reference_mode_is_always_eight_seconds():
    model = media_model("veo-2.0-generate-exp", kind="video")
    params, errors = model.clean(
        mode="reference", prompt="p", values={"duration": "5"}, inputs={"reference": [A]}
    )
    assert errors == {}
    _, _, body = build_request(
        model=model, mode="reference", prompt="p", params=params, inputs={"reference": [A]}
    )
    assert body["parameters"]["durationSeconds"] == 8
    assert "resolution" not in body["parameters"]  # Veo 2 has no resolution choice
    assert "generateAudio" not in body["parameters"]


def test_kling_video_wire_values():
    model = media_model("kling-v2-6", kind="video")
    values = {"quality": "pro", "duration": "10", "sound": "true", "size": "720x720"}
    params, errors = model.clean(mode="text", prompt="p", values=values, inputs={})
    assert errors == {}
    _, _, body = build_request(model=model, mode="text", prompt="p", params=params, inputs={})
    assert body == {
        "model": "kling-v2-6",
        "prompt": "p",
        "mode": "pro",
        "seconds": "10",
        "size": "720x720",
        "sound": "on",
    }
    v3 = media_model("kling-v3", kind="video")
    params, _ = v3.clean(mode="text", prompt="p", values={"duration": "12"}, inputs={})
    _, _, body = build_request(model=v3, mode="text", prompt="p", params=params, inputs={})
    assert body["seconds"] == "12"
    assert body["mode"] == "pro"


def test_kling_v2_1_end_frame_forces_pro_and_ten_seconds():
    model = media_model("kling-v2-1", kind="video")
    inputs = {"first_frame": [A], "last_frame": [B]}
    values = {"quality": "std", "duration": "5"}
    params, errors = model.clean(mode="first_last", prompt="p", values=values, inputs=inputs)
    assert errors == {}
    assert params["quality"] == "pro"
    assert params["duration"] == "10"


def test_sora_sizes_and_remix():
    model = media_model("sora-2-pro", kind="video")
    params, errors = model.clean(
        mode="text", prompt="p", values={"duration": "12", "size": "1792x1024"}, inputs={}
    )
    assert errors == {}
    _, _, body = build_request(model=model, mode="text", prompt="p", params=params, inputs={})
    assert body == {"model": "sora-2-pro", "prompt": "p", "seconds": "12", "size": "1792x1024"}
    assert build_remix_request(model=model, task_id="qvideo-1", prompt="in snow") == (
        "POST",
        "/v1/videos/qvideo-1/remix",
        {"prompt": "in snow"},
    )
    with pytest.raises(ValueError, match="cannot remix"):
        build_remix_request(
            model=media_model("kling-v3", kind="video"), task_id="qvideo-1", prompt="p"
        )


def test_seedance_optional_fields_and_prompt_free_image_mode():
    model = media_model("bytedance/doubao-seedance-2-0-260128", kind="video")
    values = {"aspect_ratio": "adaptive", "seed": "7", "generate_audio": "false"}
    params, errors = model.clean(mode="image", prompt=" ", values=values, inputs={"image": [A]})
    assert errors == {}
    _, _, body = build_request(
        model=model, mode="image", prompt=" ", params=params, inputs={"image": [A]}
    )
    assert body["content"] == [
        {"type": "image_url", "image_url": {"url": A}, "role": "first_frame"}
    ]
    assert body["ratio"] == "adaptive"
    assert body["seed"] == 7
    assert body["generate_audio"] is False


def test_an_unknown_mode_is_a_programming_error():
    with pytest.raises(ValueError, match="no 'multi_image' mode"):
        build_request(
            model=media_model("sora-2", kind="video"),
            mode="multi_image",
            prompt="p",
            params={},
            inputs={},
        )
