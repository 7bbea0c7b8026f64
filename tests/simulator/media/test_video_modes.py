"""The seed's video modes (docs/api/media-modes.md §1-§4): what the simulator takes and refuses.

Every request the catalog builds is accepted; bodies the documented API would refuse (missing
required fields, wrong counts, a mode on a model that lacks it) get a 400 in the family's shape.
"""

import asyncio

import pytest

from playground.nexconn.media.catalog import MEDIA_MODELS
from playground.nexconn.media.jobs import build_request
from tests.simulator.media.support import client

IMAGE = "https://example.com/a.png"
CLIP = "https://example.com/dance.mp4"
INPUTS = {
    "image": [IMAGE],
    "images": [IMAGE, IMAGE],
    "first_frame": [IMAGE],
    "last_frame": [IMAGE],
    "reference": [IMAGE],
    "character": [IMAGE],
    "motion": [CLIP],
    "video": [CLIP],
    "subject_1": [IMAGE],
    "subject_2": [IMAGE, IMAGE],
}
GROUP_VALUES = {
    "subject_1_id": "host",
    "subject_2_id": "dog",
    "subject_2_voice_id": "voice-7",
    "shot_1_prompt": "morning light",
    "shot_1_duration": "2",
    "shot_2_prompt": "night, neon",
    "shot_2_duration": "3",
    "audio": "on",
}

VIDEO_CASES = [
    pytest.param(model, mode.name, id=f"{model.id}:{mode.name}")
    for model in MEDIA_MODELS.values()
    if model.kind == "video" and model.family in ("openai_video", "vidu")
    for mode in model.modes
]


def post(path, body):
    async def main():
        async with client() as http:
            return await http.post(path, json=body)

    return asyncio.run(main())


@pytest.mark.parametrize(("model", "mode"), VIDEO_CASES)
def test_every_catalog_request_of_the_queue_and_videos_families_is_accepted(model, mode):
    values = GROUP_VALUES if model.mode(mode).group else {}
    params, errors = model.clean(mode=mode, prompt="@host waves", values=values, inputs=INPUTS)
    assert errors == {}
    _, path, body = build_request(
        model=model, mode=mode, prompt="@host waves", params=params, inputs=INPUTS
    )
    response = post(path, body)
    assert response.status_code == 200, (body, response.json())


SUBJECT = {"id": "host", "images": [IMAGE], "voice_id": ""}
SUBJECTS = {"prompt": "@host says hi", "aspect_ratio": "16:9", "bgm": False}


@pytest.mark.parametrize(
    ("route", "body", "words"),
    [
        ("q2/reference-to-video", SUBJECTS | {"subjects": []}, "1 to 7 subjects"),
        ("q2/reference-to-video", SUBJECTS | {"subjects": [SUBJECT] * 8}, "1 to 7 subjects"),
        (
            "q2/reference-to-video",
            SUBJECTS | {"subjects": [SUBJECT | {"images": [IMAGE] * 4}]},
            "1 to 3",
        ),
        (
            "q1/reference-to-video",
            SUBJECTS | {"subjects": [SUBJECT | {"images": [IMAGE] * 3}] * 3},
            "7 images in all",
        ),
        ("q2/reference-to-video", SUBJECTS | {"subjects": [{"images": [IMAGE]}]}, "`id`"),
        (
            "q2/reference-to-video",
            SUBJECTS | {"subjects": [{"id": "host", "images": [IMAGE]}]},
            "voice_id",
        ),
        (
            "q2/reference-to-video",
            SUBJECTS | {"subjects": [SUBJECT], "reference_image_urls": [IMAGE]},
            "either",
        ),
        (
            "q2/reference-to-video",
            SUBJECTS | {"reference_image_urls": [IMAGE], "audio": True},
            "only supported with `subjects`",
        ),
        ("q2/text-to-video", {"prompt": "x", "audio": True}, "audio"),
        ("q2/text-to-video", {"prompt": "x", "subjects": [SUBJECT]}, "reference-to-video"),
        (
            "q2/image-to-video/pro",
            {"image_url": IMAGE, "reference_image_urls": [IMAGE]},
            "reference-to-video",
        ),
        ("q2/reference-to-video", {"prompt": "x", "subjects": [SUBJECT]}, "aspect_ratio"),
        (
            "q2/reference-to-video",
            {"prompt": "x", "aspect_ratio": "16:9", "subjects": [SUBJECT]},
            "bgm",
        ),
        ("q1/reference-to-video", SUBJECTS | {"subjects": [SUBJECT], "duration": 8}, "duration"),
        ("q2/text-to-video", {"prompt": "x", "resolution": "560p"}, "resolution"),
        ("q2/text-to-video", {"prompt": "x", "end_image_url": IMAGE}, "end_image_url"),
        ("q3/image-to-video/pro", {"image_url": IMAGE, "end_image_url": IMAGE}, "end_image_url"),
    ],
)
def test_vidu_refuses_what_the_reference_routes_refuse(route, body, words):
    response = post(f"/queue/fal-ai/vidu/{route}", body)
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_vidu_q2_reference_takes_560p_and_ten_seconds_and_q2_pro_a_last_frame():
    subjects = post(
        "/queue/fal-ai/vidu/q2/reference-to-video",
        SUBJECTS | {"subjects": [SUBJECT], "audio": True, "resolution": "560p", "duration": 10},
    )
    assert subjects.status_code == 200, subjects.json()
    first_last = post(
        "/queue/fal-ai/vidu/q2/image-to-video/turbo", {"image_url": IMAGE, "end_image_url": IMAGE}
    )
    assert first_last.status_code == 200, first_last.json()


MOTION = {
    "model": "kling-v2-6",
    "image_url": IMAGE,
    "video_url": CLIP,
    "character_orientation": "image",
    "keep_original_sound": "yes",
}
VIDEO_LIST = [{"video_url": CLIP, "refer_type": "feature", "keep_original_sound": "no"}]
SHOTS = [
    {"index": 1, "prompt": "morning", "duration": "2"},
    {"index": 2, "prompt": "night", "duration": "3"},
]
MULTI_SHOT = {
    "model": "kling-v3",
    "prompt": "a day",
    "multi_shot": True,
    "shot_type": "customize",
    "multi_prompt": SHOTS,
    "seconds": "5",
}


@pytest.mark.parametrize(
    "body",
    [
        {"model": "kling-v2-6", "prompt": "x"},
        MOTION,
        MOTION | {"character_orientation": "video", "prompt": "dance", "mode": "pro"},
        {"model": "kling-video-o1", "prompt": "x", "video_list": VIDEO_LIST},
        {
            "model": "kling-v3-omni",
            "prompt": "x",
            "video_list": [VIDEO_LIST[0] | {"refer_type": "base"}],
            "image_list": [{"image": IMAGE}],
        },
        MULTI_SHOT,
        MULTI_SHOT | {"model": "kling-v3-omni", "prompt": ""},
    ],
    ids=["plain", "motion", "motion-video", "o1-video", "omni-edit", "shots", "omni-shots"],
)
def test_kling_takes_the_documented_new_modes(body):
    response = post("/v1/videos", body)
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        # kling-v3's own table lists neither (docs/api/media-modes.md §4.4).
        ({"model": "kling-v3", "prompt": "x", "image_tail": IMAGE, "mode": "pro"}, "image_tail"),
        ({"model": "kling-v3", "prompt": "x", "negative_prompt": "blur"}, "negative_prompt"),
        ({"model": "kling-v3-omni", "prompt": "x", "negative_prompt": "blur"}, "negative_prompt"),
        (MOTION | {"model": "kling-v3"}, "not supported by kling-v3"),
        ({k: v for k, v in MOTION.items() if k != "video_url"}, "video_url"),
        ({k: v for k, v in MOTION.items() if k != "character_orientation"}, "orientation"),
        (MOTION | {"character_orientation": "left"}, "character_orientation"),
        (MOTION | {"keep_original_sound": True}, "keep_original_sound"),
        ({"model": "kling-v2-6", "prompt": "x", "video_list": VIDEO_LIST}, "not supported"),
        (
            {"model": "kling-video-o1", "prompt": "x", "video_list": VIDEO_LIST * 2},
            "at most 1",
        ),
        ({"model": "kling-video-o1", "prompt": "x", "video_list": [{"refer_type": "base"}]}, "url"),
        (
            {"model": "kling-video-o1", "prompt": "x", "video_list": [{"video_url": CLIP}]},
            "refer_type",
        ),
        (
            {"model": "kling-v3-omni", "prompt": "x", "sound": "on", "video_list": VIDEO_LIST},
            "sound",
        ),
        (
            {
                "model": "kling-v3-omni",
                "prompt": "x",
                "video_list": [VIDEO_LIST[0] | {"refer_type": "base"}],
                "image_list": [{"image": IMAGE, "type": "first_frame"}],
            },
            "first or end frame",
        ),
        (MULTI_SHOT | {"seconds": "6"}, "seconds"),
        (MULTI_SHOT | {"shot_type": "auto"}, "shot_type"),
        ({k: v for k, v in MULTI_SHOT.items() if k != "multi_shot"}, "multi_shot"),
        (MULTI_SHOT | {"multi_prompt": []}, "1 to 6"),
        (MULTI_SHOT | {"multi_prompt": [SHOTS[0]] * 7, "seconds": "14"}, "1 to 6"),
        (MULTI_SHOT | {"multi_prompt": [SHOTS[1], SHOTS[0]]}, "index"),
        (MULTI_SHOT | {"multi_prompt": [SHOTS[0] | {"prompt": "x" * 513}]}, "512"),
        (MULTI_SHOT | {"model": "kling-v2-6", "seconds": "5"}, "not supported by kling-v2-6"),
        (MULTI_SHOT | {"model": "kling-v3", "prompt": ""}, "prompt"),
    ],
)
def test_kling_refuses_undocumented_or_malformed_modes(body, words):
    response = post("/v1/videos", body)
    assert response.status_code == 400, body
    error = response.json()["error"]
    assert set(error) == {"message", "type", "code"}
    assert words in error["message"]
