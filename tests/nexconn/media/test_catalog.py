"""The catalog covers the reference's scope, is internally consistent, and validates forms."""

import pytest

from playground.nexconn.media.catalog import (
    MEDIA_MODELS,
    image_models,
    media_model,
    video_models,
)

# The scope checklist of docs/api/README.md (Veo ids from docs/api/videos.md §3.4).
SCOPE_IMAGE_MODELS = {
    "kling-v1",
    "kling-v1-5",
    "kling-v2",
    "kling-v2-new",
    "kling-v2-1",
    "gemini-2.5-flash-image",
    "gemini-3.0-pro-image-preview",
    "gemini-3.1-flash-image-preview",
    "kling-image-o1",
}
SCOPE_VIDEO_MODELS = {
    "veo-2.0-generate-001",
    "veo-2.0-generate-exp",
    "veo-2.0-generate-preview",
    "veo-3.0-generate-preview",
    "veo-3.0-fast-generate-preview",
    "veo-3.1-generate-preview",
    "veo-3.1-fast-generate-preview",
    "sora-2",
    "sora-2-pro",
    "kling-v2-1",
    "kling-v2-5-turbo",
    "kling-v2-6",
    "kling-v3",
    "kling-video-o1",
    "kling-v3-omni",
    "bytedance/doubao-seedance-2-0-260128",
    "viduq1",
    "viduq2",
    "viduq2-pro",
    "viduq2-turbo",
    "viduq3-pro",
    "viduq3-turbo",
}
MODES = {
    ("image", "kling-v1"): {"text", "image"},
    ("image", "kling-v2"): {"text", "image", "multi_image"},
    ("image", "kling-v2-new"): {"image"},
    ("image", "kling-v2-1"): {"text", "image", "multi_image"},
    ("image", "kling-image-o1"): {"text", "reference"},
    ("video", "kling-v2-1"): {"image", "first_last"},
    ("video", "kling-video-o1"): {"text", "image", "first_last", "reference", "video_reference"},
    ("video", "kling-v2-6"): {"text", "image", "first_last", "motion_control"},
    # No end frame on kling-v3: no source documents `image_tail` for it
    # (docs/api/media-modes.md §4.4).
    ("video", "kling-v3"): {"text", "image", "multi_shot"},
    ("video", "kling-v3-omni"): {
        "text",
        "image",
        "first_last",
        "reference",
        "video_reference",
        "multi_shot",
    },
    ("video", "veo-3.0-generate-preview"): {"text", "image", "first_last"},
    ("video", "veo-3.1-generate-preview"): {"text", "image", "first_last", "reference"},
    ("video", "sora-2"): {"text", "image"},
    # The Nexconn menu's modes, each on the model's own route (docs/api/media-modes.md §3).
    ("video", "viduq1"): {"text", "reference", "subjects"},
    ("video", "viduq2"): {"text", "reference", "subjects"},
    ("video", "viduq2-pro"): {"image", "first_last"},
    ("video", "viduq2-turbo"): {"image", "first_last"},
    ("video", "viduq3-pro"): {"text", "image", "first_last"},
}


def test_every_model_in_the_reference_scope_is_in_the_catalog():
    assert {model.id for model in image_models()} == SCOPE_IMAGE_MODELS
    assert {model.id for model in video_models()} == SCOPE_VIDEO_MODELS
    assert media_model("kling-v2-1", kind="image").family == "kling_image"
    assert media_model("kling-v2-1", kind="video").family == "openai_video"
    assert media_model("kling-v2-1", kind="chat") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("key", "modes"), MODES.items(), ids=[f"{k}:{m}" for k, m in MODES])
def test_modes_follow_the_capability_tables(key, modes):
    assert {mode.name for mode in MEDIA_MODELS[key].modes} == modes


@pytest.mark.parametrize("model", MEDIA_MODELS.values(), ids=lambda m: f"{m.kind}:{m.id}")
def test_model_entries_are_consistent(model):
    mode_names = [mode.name for mode in model.modes]
    assert mode_names and len(set(mode_names)) == len(mode_names)
    field_names = [f.name for f in model.fields]
    for name in mode_names:
        names_in_mode = [f.name for f in model.fields_for(name)]
        assert len(set(names_in_mode)) == len(names_in_mode)
    assert model.supports_remix == model.id.startswith("sora-")
    for media_field in model.fields:
        assert media_field.help and "\n" not in media_field.help
        assert media_field.modes is None or set(media_field.modes) & set(mode_names)
        if media_field.type in {"choice", "aspect_ratio"}:
            assert media_field.choices
            assert media_field.default is None or media_field.default in media_field.choices
    for mode in model.modes:
        assert mode.help
        assert set(mode.fixed) <= set(field_names)
        slot_names = [slot.name for slot in mode.slots]
        assert len(set(slot_names)) == len(slot_names)
        for slot in mode.slots:
            assert 0 <= slot.min_count <= slot.max_count
        # The defaults alone (and one filled block of a repeated group) make a valid request.
        inputs = {
            slot.name: [f"https://img.test/x.{'mp4' if slot.video else 'png'}"] * slot.min_count
            for slot in mode.slots
        }
        values = {}
        if mode.group is not None:
            inputs["subject_1"] = ["https://img.test/x.png"]
            values = {"subject_1_id": "cat", "shot_1_prompt": "a cat", "shot_1_duration": "5"}
        _, errors = model.clean(mode=mode.name, prompt="a cat", values=values, inputs=inputs)
        assert errors == {}


def clean(model_id, *, kind="video", mode="text", prompt="a cat", values=None, inputs=None):
    return media_model(model_id, kind=kind).clean(
        mode=mode, prompt=prompt, values=values or {}, inputs=inputs or {}
    )


def test_defaults_fill_missing_and_blank_values_and_none_defaults_are_left_out():
    params, errors = clean("sora-2", values={"size": "  "})
    assert errors == {}
    assert params == {"duration": "4", "size": "1280x720"}
    params, _ = clean("veo-3.0-generate-preview")
    assert "resolution" not in params  # no documented default: the provider decides
    assert "seed" not in params


def test_int_limits_name_the_range_and_unit():
    _, errors = clean("kling-v3", values={"duration": "20"})
    assert errors == {"duration": "Duration must be between 3 and 15 seconds."}
    _, errors = clean("viduq2", values={"duration": "0"})
    assert errors["duration"] == "Duration must be between 1 and 10 seconds."
    _, errors = clean("kling-v3", values={"duration": "five"})
    assert errors["duration"] == "Duration must be a whole number."
    _, errors = clean("kling-v2", kind="image", values={"n": "10"})
    assert errors["n"] == "Number of images must be between 1 and 9."


def test_float_bool_choice_seed_and_text_limits():
    _, errors = clean(
        "kling-v1",
        kind="image",
        mode="image",
        values={"image_fidelity": "1.5"},
        inputs={"image": ["https://img.test/a.png"]},
    )
    assert errors == {"image_fidelity": "Follow the reference must be between 0 and 1."}
    _, errors = clean("gemini-2.5-flash-image", kind="image", values={"temperature": "nan"})
    assert errors == {"temperature": "Creativity must be a number."}
    _, errors = clean("kling-v2-6", values={"sound": "maybe"})
    assert errors == {"sound": "Sound must be on or off."}
    _, errors = clean("sora-2", values={"size": "1792x1024"})
    assert errors == {"size": "Size must be one of: 1280 × 720, 720 × 1280."}
    _, errors = clean("veo-3.0-generate-preview", values={"seed": "-1"})
    assert errors == {"seed": "Seed must be between 0 and 4294967295."}
    _, errors = clean("kling-v2-5-turbo", values={"negative_prompt": "x" * 2501})
    assert errors == {"negative_prompt": "Avoid is too long: at most 2500 characters."}
    params, errors = clean("kling-v2-6", values={"sound": "on", "duration": "10"})
    assert errors == {}
    assert params["sound"] is True
    assert params["duration"] == "10"


def test_a_value_for_another_mode_is_ignored():
    params, errors = clean(
        "viduq3-pro",
        mode="image",
        values={"duration": "99"},
        inputs={"image": ["https://img.test/a.png"]},
    )
    assert errors == {}
    assert "duration" not in params  # the image route always makes 5-second videos


def test_prompt_rules():
    _, errors = clean("sora-2", prompt="  ")
    assert errors == {"prompt": "Describe what you want to see."}
    _, errors = clean("sora-2", prompt="x" * 2501)
    assert errors == {
        "prompt": "The prompt is too long (2501 characters); Sora 2 accepts at most 2500."
    }
    _, errors = clean("viduq2", prompt="x" * 2001)
    assert "prompt" in errors
    # Animating a picture needs no words on Vidu, Veo and Seedance.
    _, errors = clean("viduq2-pro", mode="image", prompt="", inputs={"image": ["https://a.test/x"]})
    assert errors == {}
    _, errors = clean("gemini-3.0-pro-image-preview", kind="image", prompt="x" * 50_000)
    assert errors == {}  # no documented limit


def test_unknown_mode():
    params, errors = clean("sora-2", mode="reference")
    assert params == {}
    assert errors == {"mode": "Sora 2 cannot do that. Pick one of: Text to video, Image to video."}


def test_image_counts_and_references():
    _, errors = clean(
        "kling-v2", kind="image", mode="multi_image", inputs={"images": ["https://img.test/a.png"]}
    )
    assert errors == {"images": "Add at least 2 images for subject images."}
    _, errors = clean(
        "kling-v2",
        kind="image",
        mode="multi_image",
        inputs={"images": ["https://img.test/a.png"] * 5},
    )
    assert errors == {"images": "Use at most 4 images for subject images."}
    _, errors = clean("sora-2", mode="image", inputs={"image": ["", " "]})
    assert errors == {"image": "Add the starting image."}
    _, errors = clean(
        "sora-2", mode="image", inputs={"image": ["https://a.test/1", "https://a.test/2"]}
    )
    assert errors == {"image": "Use only one image for starting image."}
    _, errors = clean(
        "veo-3.0-generate-preview",
        mode="first_last",
        inputs={"first_frame": ["http://plain.test/a.png"], "last_frame": ["file:///etc/passwd"]},
    )
    assert errors == {
        "first_frame": "Each image must be an uploaded picture or a web address starting with https://.",
        "last_frame": "Each image must be an uploaded picture or a web address starting with https://.",
    }
    _, errors = clean(
        "veo-3.0-generate-preview",
        mode="first_last",
        inputs={
            "first_frame": ["data:image/png;base64,iVBORw0KGgo="],
            "last_frame": ["https://a.test/b"],
        },
    )
    assert errors == {}


def test_a_rejected_combination_is_reported_on_its_field():
    inputs = {"first_frame": ["https://a.test/1"], "last_frame": ["https://a.test/2"]}
    _, errors = clean(
        "kling-v2-6", mode="first_last", values={"sound": "on", "duration": "5"}, inputs=inputs
    )
    assert errors == {
        "duration": "With sound on, a first-and-last-frame video must be 10 seconds long."
    }
    params, errors = clean(
        "kling-v2-6", mode="first_last", values={"sound": "on", "duration": "10"}, inputs=inputs
    )
    assert errors == {}
    assert params["quality"] == "pro"


def test_required_choice_without_value_uses_its_default():
    params, errors = clean(
        "kling-v1-5", kind="image", mode="image", inputs={"image": ["https://img.test/a.png"]}
    )
    assert errors == {}
    assert params["image_reference"] == "subject"


PNG = "https://img.test/a.png"


def subjects(*blocks, **extra):
    """Form values and inputs for subject blocks given as (name, images, voice)."""
    values, inputs = dict(extra), {}
    for index, (name, images, voice) in enumerate(blocks, start=1):
        values |= {f"subject_{index}_id": name, f"subject_{index}_voice_id": voice}
        inputs[f"subject_{index}"] = images
    return values, inputs


def test_vidu_subjects_are_checked_block_by_block():
    values, inputs = subjects(("host", [PNG], ""), ("dog", [PNG, PNG], "voice-7"), audio="on")
    params, errors = clean(
        "viduq2", mode="subjects", prompt="@host and @dog", values=values, inputs=inputs
    )
    assert errors == {}
    assert params["audio"] is True
    assert (params["subject_1_id"], params["subject_2_voice_id"]) == ("host", "voice-7")
    assert "subject_1_voice_id" not in params  # blank: the adapter sends ""
    assert "watermark" not in params  # the subject route lists none

    _, errors = clean("viduq1", mode="subjects")
    assert errors == {"subject_1_id": "Add at least one subject."}
    values, inputs = subjects(("", [PNG], ""), ("my dog", [PNG], ""), ("Host", [], ""))
    values |= {"subject_4_id": "host"}
    inputs["subject_4"] = [PNG] * 4
    _, errors = clean("viduq2", mode="subjects", values=values, inputs=inputs)
    assert errors == {
        "subject_1_id": "Subject 1 name is required.",
        "subject_2_id": "Subject 2 name must be one word, without spaces or “@”.",
        "subject_3": "Add the pictures of subject 3.",
        "subject_4_id": ("Subject 4 name is already used by subject 3; give each one its own."),
        "subject_4": "Use at most 3 images for pictures of subject 4.",
    }
    values, inputs = subjects(*[(f"s{i}", [PNG, PNG], "") for i in range(4)])
    _, errors = clean("viduq2", mode="subjects", values=values, inputs=inputs)
    assert errors == {"subject_1": "Use at most 7 pictures in all; these subjects have 8."}


def test_kling_shots_must_add_up_to_the_duration():
    values = {
        "duration": "6",
        "shot_1_prompt": "morning",
        "shot_1_duration": "2",
        "shot_3_prompt": "night",
        "shot_3_duration": "3",
    }
    _, errors = clean("kling-v3", mode="multi_shot", values=values)
    assert errors == {
        "duration": "The shots last 5 seconds in all, but the video is 6 seconds long: "
        "make them match."
    }
    params, errors = clean(
        "kling-v3-omni", mode="multi_shot", prompt="", values=values | {"duration": "5"}
    )
    assert errors == {}
    assert params["shot_3_duration"] == 3
    _, errors = clean("kling-v3", mode="multi_shot", values={"shot_2_prompt": "x" * 513})
    assert errors == {
        "shot_2_prompt": "Shot 2 description is too long: at most 512 characters.",
        "shot_2_duration": "Shot 2 length is required.",
    }


def test_video_slots_take_https_links_only_and_v3_has_no_end_frame_or_avoid():
    inputs = {"character": [PNG], "motion": ["data:video/mp4;base64,AAAA"]}
    _, errors = clean("kling-v2-6", mode="motion_control", prompt="", inputs=inputs)
    assert errors == {"motion": "Give the video as a web address starting with https://."}
    params, errors = clean(
        "kling-v2-6",
        mode="motion_control",
        prompt="",
        values={"duration": "10", "keep_original_sound": "on"},
        inputs=inputs | {"motion": ["https://video.test/dance.mp4"]},
    )
    assert errors == {}
    assert params == {
        "quality": "std",
        "character_orientation": "image",
        "keep_original_sound": True,
    }  # the movement video sets the length and size
    _, errors = clean("kling-video-o1", mode="video_reference", inputs={})
    assert errors == {"video": "Add the video."}
    v3 = media_model("kling-v3", kind="video")
    assert v3.mode("first_last") is None
    assert "negative_prompt" not in {f.name for f in v3.fields}
