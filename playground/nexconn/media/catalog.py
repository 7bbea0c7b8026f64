"""The image and video model catalog, as data (docs/api/images.md and docs/api/videos.md).

Forms, validation, the explorer and the simulator all read it. Field names are the
playground's own (the same name means the same thing on every model); each family adapter
translates them into its wire names. Where the reference gives no default, the default is
None and the provider decides.
"""

from dataclasses import replace

from playground.nexconn.media.schema import (
    ImageSlot,
    MediaField,
    MediaGroup,
    MediaKind,
    MediaMode,
    MediaModel,
    MediaRule,
    ModeName,
    ParamValue,
)

# --- shared building blocks ------------------------------------------------------------

KLING_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
GEMINI_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
KLING_VIDEO_SIZES = ("1920x1080", "1080x1920", "1280x720", "720x1280", "1080x1080", "720x720")


# The ratios that are not ratios.
_RATIO_LABELS = {"auto": "Automatic", "adaptive": "Like my pictures"}


def _aspect_ratio(
    choices: tuple[str, ...],
    *,
    default: str | None = None,
    modes: tuple[ModeName, ...] | None = None,
) -> MediaField:
    return MediaField(
        "aspect_ratio",
        "Aspect ratio",
        "The shape of the picture: wide, tall or square.",
        "aspect_ratio",
        choices=choices,
        default=default,
        modes=modes,
        choice_labels=_RATIO_LABELS,
    )


def _count(maximum: int, *, kind: MediaKind = "image") -> MediaField:
    return MediaField(
        "n",
        f"Number of {kind}s",
        f"How many {kind}s to make from one request; each one is billed.",
        "int",
        default=1,
        minimum=1,
        maximum=maximum,
    )


def _negative_prompt(
    *, max_length: int | None = 2500, modes: tuple[ModeName, ...] | None = None
) -> MediaField:
    return MediaField(
        "negative_prompt",
        "Avoid",
        "Things you do not want to see, for example “blurry, text, extra fingers”.",
        "text",
        maximum=max_length,
        modes=modes,
    )


def _seed(*, modes: tuple[ModeName, ...] | None = None) -> MediaField:
    return MediaField(
        "seed",
        "Seed",
        "Leave blank for a surprise; reuse a number to get a similar result again.",
        "seed",
        modes=modes,
    )


def _switch(
    name: str,
    label: str,
    help: str,
    *,
    default: bool = False,
    modes: tuple[ModeName, ...] | None = None,
) -> MediaField:
    return MediaField(name, label, help, "bool", default=default, modes=modes)


def _duration_choice(
    choices: tuple[str, ...], *, default: str, modes: tuple[ModeName, ...] | None = None
) -> MediaField:
    return MediaField(
        "duration",
        "Duration",
        "How long the video is.",
        "choice",
        choices=choices,
        default=default,
        unit="seconds",
        modes=modes,
    )


def _duration_range(
    low: int, high: int, *, default: int, modes: tuple[ModeName, ...] | None = None
) -> MediaField:
    return MediaField(
        "duration",
        "Duration",
        "How long the video is, in seconds.",
        "int",
        default=default,
        minimum=low,
        maximum=high,
        unit="seconds",
        modes=modes,
    )


def _resolution(
    choices: tuple[str, ...], *, default: str | None = None, help: str = ""
) -> MediaField:
    return MediaField(
        "resolution",
        "Resolution",
        help or "Higher resolutions look sharper but take longer and may cost more.",
        "choice",
        choices=choices,
        default=default,
    )


def _image_slot(label: str = "Reference image", help: str = "") -> ImageSlot:
    return ImageSlot("image", label, help or "The picture the model starts from.")


_FIRST_FRAME = ImageSlot("first_frame", "First frame", "The picture the video opens with.")
_LAST_FRAME = ImageSlot("last_frame", "Last frame", "The picture the video ends on.")


def _reference_slot(maximum: int) -> ImageSlot:
    return ImageSlot(
        "reference",
        "Reference images",
        "Pictures of people, objects or styles the result should borrow from.",
        min_count=1,
        max_count=maximum,
    )


def _text_mode(kind: MediaKind) -> MediaMode:
    return MediaMode("text", f"Text to {kind}", f"Describe the {kind} in words.")


def _image_mode(kind: MediaKind, *, slot: ImageSlot, prompt_required: bool = True) -> MediaMode:
    verb = "Change or restyle" if kind == "image" else "Bring to life"
    return MediaMode(
        "image",
        f"Image to {kind}",
        f"{verb} a picture you provide.",
        slots=(slot,),
        prompt_required=prompt_required,
    )


def _first_last_mode(
    *, prompt_required: bool = True, fixed: dict[str, ParamValue] | None = None
) -> MediaMode:
    return MediaMode(
        "first_last",
        "First and last frame",
        "The video moves from one picture to another.",
        slots=(_FIRST_FRAME, _LAST_FRAME),
        prompt_required=prompt_required,
        fixed=fixed or {},
    )


def _reference_mode(
    kind: MediaKind, maximum: int, *, help: str = "", fixed: dict[str, ParamValue] | None = None
) -> MediaMode:
    return MediaMode(
        "reference",
        "From reference images",
        help or f"A new {kind} that features the people or things in your pictures.",
        slots=(_reference_slot(maximum),),
        fixed=fixed or {},
    )


# --- Kling images (docs/api/images.md §3) ----------------------------------------------

_KLING_IMAGE_MULTI = MediaMode(
    "multi_image",
    "Combine several images",
    "Put the subjects of 2 to 4 pictures into one new image.",
    slots=(
        ImageSlot(
            "images", "Subject images", "The people or things to combine.", min_count=2, max_count=4
        ),
        ImageSlot("scene_image", "Scene image", "Optional: the place or layout.", min_count=0),
        ImageSlot("style_image", "Style image", "Optional: the look to copy.", min_count=0),
    ),
)
_IMAGE_FIDELITY = MediaField(
    "image_fidelity",
    "Follow the reference",
    "From 0 to 1: how closely the result sticks to your picture.",
    "float",
    default=0.5,
    minimum=0,
    maximum=1,
    modes=("image",),
)


def _kling_image(
    model_id: str,
    label: str,
    *,
    text: bool = True,
    multi: bool = False,
    extra: tuple[MediaField, ...] = (),
    notes: str = "",
) -> MediaModel:
    modes = (
        *((_text_mode("image"),) if text else ()),
        _image_mode("image", slot=_image_slot()),
        *((_KLING_IMAGE_MULTI,) if multi else ()),
    )
    return MediaModel(
        model_id,
        label,
        "image",
        "kling_image",
        modes=modes,
        fields=(
            _aspect_ratio(KLING_RATIOS, default="16:9"),
            _count(9),
            # Kling refuses a negative prompt once a reference image is given.
            *((_negative_prompt(modes=("text",)),) if text else ()),
            *extra,
        ),
        max_prompt_length=2500,
        notes=notes,
    )


KLING_IMAGE_MODELS = (
    _kling_image("kling-v1", "Kling v1", extra=(_IMAGE_FIDELITY,)),
    _kling_image(
        "kling-v1-5",
        "Kling v1.5",
        extra=(
            MediaField(
                "image_reference",
                "Keep from the picture",
                "The whole character, or only the face (the picture must show one face).",
                "choice",
                choices=("subject", "face"),
                default="subject",
                modes=("image",),
                required=True,
                choice_labels={"subject": "The whole character", "face": "Only the face"},
            ),
            _IMAGE_FIDELITY,
            MediaField(
                "human_fidelity",
                "Follow the person",
                "From 0 to 1: how closely a person's look is kept (when keeping the subject).",
                "float",
                default=0.45,
                minimum=0,
                maximum=1,
                modes=("image",),
            ),
        ),
    ),
    _kling_image("kling-v2", "Kling v2", multi=True),
    _kling_image(
        "kling-v2-new", "Kling v2 New", text=False, notes="Works from a picture you provide."
    ),
    _kling_image("kling-v2-1", "Kling v2.1", multi=True),
)

# --- Gemini images (docs/api/images.md §4) ---------------------------------------------


def _gemini_image(
    model_id: str, label: str, *, ratios: tuple[str, ...], sizes: tuple[str, ...]
) -> MediaModel:
    size_field = MediaField(
        "image_size",
        "Image size",
        "Bigger sizes show more detail but take longer.",
        "choice",
        choices=sizes,
        choice_labels={"512": "512 px"},
    )
    return MediaModel(
        model_id,
        label,
        "image",
        "gemini_image",
        modes=(
            _text_mode("image"),
            _image_mode(
                "image",
                slot=ImageSlot(
                    "images",
                    "Images to edit",
                    "One picture to change, or several to blend together.",
                    min_count=1,
                    max_count=14,
                ),
            ),
        ),
        fields=(
            _aspect_ratio(ratios),
            *((size_field,) if sizes else ()),
            MediaField(
                "temperature",
                "Creativity",
                "From 0 to 2: higher values give more surprising pictures.",
                "float",
                minimum=0,
                maximum=2,
            ),
        ),
        max_prompt_length=None,
        notes="Answers in one go: the picture is ready as soon as the request returns.",
    )


GEMINI_IMAGE_MODELS = (
    _gemini_image(
        "gemini-2.5-flash-image",
        "Nano Banana (Gemini 2.5 Flash Image)",
        ratios=GEMINI_RATIOS,
        sizes=(),  # 1K only: Google rejects a size on this model
    ),
    _gemini_image(
        "gemini-3.0-pro-image-preview",
        "Nano Banana Pro (Gemini 3.0 Pro Image, preview)",
        ratios=GEMINI_RATIOS,
        sizes=("1K", "2K", "4K"),
    ),
    _gemini_image(
        "gemini-3.1-flash-image-preview",
        "Gemini 3.1 Flash Image (preview)",
        ratios=(*GEMINI_RATIOS, "1:4", "4:1", "1:8", "8:1"),
        sizes=("512", "1K", "2K", "4K"),
    ),
)

# --- kling-image-o1 (docs/api/images.md §5) --------------------------------------------

KLING_IMAGE_O1 = MediaModel(
    "kling-image-o1",
    "Kling Image O1",
    "image",
    "kling_image_o1",
    modes=(
        _text_mode("image"),
        _reference_mode(
            "image",
            10,
            help="Use your pictures in a new image; mention them as <<<image_1>>>, <<<image_2>>>…",
        ),
    ),
    fields=(
        _aspect_ratio(("auto", *KLING_RATIOS), default="auto"),
        _resolution(("1K", "2K"), default="1K"),
        _count(9),
    ),
    max_prompt_length=2500,
)

# --- Veo (docs/api/videos.md §3) -------------------------------------------------------


def _veo(model_id: str, label: str, *, generation: int, reference: bool = False) -> MediaModel:
    modes = (
        _text_mode("video"),
        _image_mode("video", slot=_image_slot("Starting image"), prompt_required=False),
        _first_last_mode(prompt_required=False),
    )
    if reference:
        # Veo only takes reference images for 8-second clips.
        eight_seconds = {"duration": 8 if generation == 2 else "8"}
        modes = (*modes, _reference_mode("video", 3, fixed=eight_seconds))
    veo3_fields = (
        _resolution(("720p", "1080p")),
        _switch("generate_audio", "Sound", "Add sound and speech to the video."),
    )
    return MediaModel(
        model_id,
        label,
        "video",
        "veo",
        modes=modes,
        fields=(
            _duration_range(5, 8, default=8)
            if generation == 2
            else _duration_choice(("4", "6", "8"), default="8"),
            _aspect_ratio(("16:9", "9:16"), default="16:9"),
            *(veo3_fields if generation >= 3 else ()),
            _count(4, kind="video"),
            _negative_prompt(max_length=None),
            _seed(),
            MediaField(
                "person_generation",
                "People",
                "Whether the video may show adults; “No people” keeps people out.",
                "choice",
                choices=("dont_allow", "allow_adult"),
                choice_labels={"dont_allow": "No people", "allow_adult": "Adults allowed"},
            ),
            _switch("enhance_prompt", "Improve my prompt", "Let the model rewrite the prompt."),
        ),
        max_prompt_length=None,
    )


VEO_MODELS = (
    _veo("veo-2.0-generate-001", "Veo 2", generation=2),
    _veo("veo-2.0-generate-exp", "Veo 2 (experimental)", generation=2, reference=True),
    _veo("veo-2.0-generate-preview", "Veo 2 (preview)", generation=2),
    _veo("veo-3.0-generate-preview", "Veo 3 (preview)", generation=3),
    _veo("veo-3.0-fast-generate-preview", "Veo 3 Fast (preview)", generation=3),
    _veo("veo-3.1-generate-preview", "Veo 3.1 (preview)", generation=3, reference=True),
    _veo("veo-3.1-fast-generate-preview", "Veo 3.1 Fast (preview)", generation=3),
)

# --- Sora 2 (docs/api/videos.md §4) ----------------------------------------------------


def _sora(model_id: str, label: str, *, sizes: tuple[str, ...]) -> MediaModel:
    return MediaModel(
        model_id,
        label,
        "video",
        "openai_video",
        modes=(
            _text_mode("video"),
            _image_mode(
                "video",
                slot=_image_slot(
                    "Starting image", "The opening picture; best cropped to the chosen size."
                ),
            ),
        ),
        fields=(
            _duration_choice(("4", "8", "12"), default="4"),
            MediaField(
                "size",
                "Size",
                "Width × height in pixels: wide (landscape) or tall (portrait).",
                "size",
                choices=sizes,
                default="1280x720",
            ),
        ),
        max_prompt_length=2500,
        supports_remix=True,
        notes="Makes videos with sound. A finished video can be remixed with a new prompt.",
    )


SORA_MODELS = (
    _sora("sora-2", "Sora 2", sizes=("1280x720", "720x1280")),
    _sora("sora-2-pro", "Sora 2 Pro", sizes=("1280x720", "1024x1792", "1792x1024")),
)

# --- Kling video (docs/api/videos.md §5) -----------------------------------------------


def _quality(default: str) -> MediaField:
    return MediaField(
        "quality",
        "Quality",
        "“Standard” makes 720p video; “Pro” makes 1080p video and costs more.",
        "choice",
        choices=("std", "pro"),
        default=default,
        choice_labels={"std": "Standard (720p)", "pro": "Pro (1080p)"},
    )


_SOUND = _switch("sound", "Sound", "Add sound to the video.")
_KLING_SIZE = MediaField(
    "size",
    "Size",
    "Width × height in pixels: wide, tall or square.",
    "size",
    choices=KLING_VIDEO_SIZES,
    default="1920x1080",
)


# Motion control (kling-v2-6) and a reference video (o1, v3-omni): docs/api/media-modes.md §4.1
# and §4.2, the OpenAI-videos route the other Kling modes use.
_MOTION_CONTROL = MediaMode(
    "motion_control",
    "Copy a movement",
    "Your character performs the movement of a video you link to.",
    slots=(
        ImageSlot("character", "Character picture", "The person or character that should move."),
        ImageSlot(
            "motion",
            "Movement video",
            "A link to a video of the movement to copy (MP4 or MOV).",
            video=True,
        ),
    ),
    prompt_required=False,
)
_VIDEO_REFERENCE = MediaMode(
    "video_reference",
    "From a video",
    "Make a new video from one you link to: borrow its look and camera, or edit it.",
    slots=(
        ImageSlot(
            "video",
            "Video",
            "A link to the video (MP4 or MOV, at least 3 seconds long).",
            video=True,
        ),
        ImageSlot(
            "reference",
            "Reference images",
            "Optional: up to 4 pictures of people or things to bring in.",
            min_count=0,
            max_count=4,
        ),
    ),
)
_KLING_VIDEO_INPUT_FIELDS = (
    MediaField(
        "character_orientation",
        "Facing",
        "“As in my picture”: the character keeps the pose of your picture (movement video up "
        "to 10 s); “As in the video”: it turns as the person in the video does (up to 30 s).",
        "choice",
        choices=("image", "video"),
        default="image",
        modes=("motion_control",),
        choice_labels={"image": "As in my picture", "video": "As in the video"},
    ),
    MediaField(
        "refer_type",
        "Use the video",
        "“Borrow its look”: its look and camera moves; “Edit it”: change this very video.",
        "choice",
        choices=("feature", "base"),
        default="feature",
        modes=("video_reference",),
        choice_labels={"feature": "Borrow its look", "base": "Edit it"},
    ),
    _switch(
        "keep_original_sound",
        "Keep the video's sound",
        "Keep the sound of the video you link to.",
        modes=("motion_control", "video_reference"),
    ),
)
# Multi-shot (kling-v3, kling-v3-omni): docs/api/media-modes.md §4.3.
_SHOTS = MediaGroup(
    "shot",
    "Shot",
    "One scene of the film: what happens, and for how long.",
    fields=(
        MediaField(
            "prompt",
            "Description",
            "What happens in this shot.",
            "text",
            maximum=512,
            required=True,
        ),
        MediaField(
            "duration",
            "Length",
            "How long this shot lasts.",
            "int",
            minimum=1,
            maximum=15,
            unit="seconds",
            required=True,
        ),
    ),
    max_count=6,
    total_field="duration",
)


def _multi_shot_mode(*, prompt_required: bool) -> MediaMode:
    return MediaMode(
        "multi_shot",
        "Several shots",
        "A film of up to 6 shots, each with its own description and length; the lengths "
        "add up to the video's duration.",
        prompt_required=prompt_required,
        group=_SHOTS,
    )


def _kling_video(
    model_id: str,
    label: str,
    *,
    modes: tuple[MediaMode, ...],
    quality: str = "std",
    durations: MediaField,
    negative_prompt: bool = True,
    sound: bool = False,
    rules: tuple[MediaRule, ...] = (),
    notes: str = "",
) -> MediaModel:
    names = tuple(mode.name for mode in modes)
    # Motion control's length follows the movement video, and it takes no size; with a
    # reference video Kling wants no generated sound (docs/api/media-modes.md §4.1, §4.2).
    clip = tuple(name for name in names if name != "motion_control")
    with_sound = tuple(name for name in clip if name != "video_reference")
    inputs = tuple(
        spec for spec in _KLING_VIDEO_INPUT_FIELDS if any(name in names for name in spec.modes)
    )
    return MediaModel(
        model_id,
        label,
        "video",
        "openai_video",
        modes=modes,
        fields=(
            _quality(quality),
            replace(durations, modes=clip),
            replace(_KLING_SIZE, modes=clip),
            *((_negative_prompt(modes=clip),) if negative_prompt else ()),
            *((replace(_SOUND, modes=with_sound),) if sound else ()),
            *inputs,
        ),
        max_prompt_length=2500,
        rules=rules,
        notes=notes,
    )


_KLING_SHORT_LONG = _duration_choice(("5", "10"), default="5")
_KLING_3_TO_15 = _duration_range(3, 15, default=5)
_KLING_START = _image_mode("video", slot=_image_slot("Starting image"))

KLING_VIDEO_MODELS = (
    _kling_video(
        "kling-v2-1",
        "Kling v2.1 (video)",
        modes=(
            _KLING_START,
            # Kling only draws an end frame in 10-second "pro" videos on v2.1.
            _first_last_mode(fixed={"quality": "pro", "duration": "10"}),
        ),
        durations=_KLING_SHORT_LONG,
        notes="Starts from a picture; it cannot work from text alone.",
    ),
    _kling_video(
        "kling-v2-5-turbo",
        "Kling v2.5 Turbo",
        modes=(_text_mode("video"), _KLING_START, _first_last_mode(fixed={"quality": "pro"})),
        durations=_KLING_SHORT_LONG,
    ),
    _kling_video(
        "kling-v2-6",
        "Kling v2.6",
        modes=(
            _text_mode("video"),
            _KLING_START,
            _first_last_mode(fixed={"quality": "pro"}),
            _MOTION_CONTROL,
        ),
        durations=_KLING_SHORT_LONG,
        sound=True,
        rules=(
            MediaRule(
                modes=("first_last",),
                when={"sound": True, "duration": "5"},
                field="duration",
                message="With sound on, a first-and-last-frame video must be 10 seconds long.",
            ),
        ),
    ),
    # kling-v3's table in docs/api/media-modes.md §4.4 lists no `image_tail` and no
    # `negative_prompt`, so it offers neither an end frame nor "Avoid".
    _kling_video(
        "kling-v3",
        "Kling v3",
        modes=(_text_mode("video"), _KLING_START, _multi_shot_mode(prompt_required=True)),
        quality="pro",
        durations=_KLING_3_TO_15,
        negative_prompt=False,
        sound=True,
    ),
    _kling_video(
        "kling-video-o1",
        "Kling Video O1",
        modes=(
            _text_mode("video"),
            _KLING_START,
            _first_last_mode(),
            _reference_mode("video", 7),
            _VIDEO_REFERENCE,
        ),
        durations=_KLING_SHORT_LONG,
        negative_prompt=False,
    ),
    _kling_video(
        "kling-v3-omni",
        "Kling v3 Omni",
        modes=(
            _text_mode("video"),
            _KLING_START,
            _first_last_mode(),
            _reference_mode("video", 7),
            _VIDEO_REFERENCE,
            # v3-omni takes the shots' descriptions alone (docs/api/media-modes.md §4.3).
            _multi_shot_mode(prompt_required=False),
        ),
        quality="pro",
        durations=_KLING_3_TO_15,
        negative_prompt=False,
        sound=True,
    ),
)

# --- Seedance 2.0 (docs/api/videos.md §6) ----------------------------------------------

SEEDANCE = MediaModel(
    "bytedance/doubao-seedance-2-0-260128",
    "Seedance 2.0",
    "video",
    "seedance",
    modes=(
        _text_mode("video"),
        _image_mode("video", slot=_image_slot("Starting image"), prompt_required=False),
        _first_last_mode(prompt_required=False),
        _reference_mode("video", 9),
    ),
    fields=(
        _resolution(("480p", "720p", "1080p"), default="720p"),
        MediaField(
            "aspect_ratio",
            "Aspect ratio",
            "The shape of the video; “Like my pictures” follows your pictures.",
            "aspect_ratio",
            choices=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"),
            choice_labels=_RATIO_LABELS,
        ),
        _duration_range(4, 15, default=5),
        _switch("generate_audio", "Sound", "Add sound to the video.", default=True),
        _seed(),
        _switch("camera_fixed", "Steady camera", "Keep the camera still."),
        _switch("watermark", "Watermark", "Put the provider's watermark on the video."),
    ),
    max_prompt_length=None,
)

# --- Vidu (docs/api/videos.md §7, media-modes.md §1-§3) --------------------------------

_VIDU_START = _image_mode("video", slot=_image_slot("Starting image"), prompt_required=False)
_VIDU_FIRST_LAST = _first_last_mode(prompt_required=False)
_VIDU_REFERENCE = _reference_mode("video", 7)
# "Subject invocation" (docs/api/media-modes.md §1): 1-7 named subjects, 1-3 pictures each and
# 7 in all, each with an optional voice; the prompt names them as @name.
_VIDU_SUBJECTS = MediaMode(
    "subjects",
    "From named subjects",
    "Up to 7 people or things, each from its own pictures. Write @name in the description "
    "where one appears; with sound on they can speak.",
    group=MediaGroup(
        "subject",
        "Subject",
        "A person, animal or thing in the video.",
        fields=(
            MediaField(
                "id",
                "Name",
                "One word, such as “host”; write @host in the description.",
                "text",
                maximum=64,
                required=True,
            ),
            MediaField(
                "voice_id",
                "Voice ID",
                "Optional: the voice it speaks with when sound is on; blank lets Vidu choose.",
                "text",
                maximum=200,
            ),
        ),
        max_count=7,
        images=ImageSlot(
            "images", "Pictures", "1 to 3 pictures of this subject.", min_count=1, max_count=3
        ),
        max_images_total=7,
        key_field="id",
    ),
)
_VIDU_MOVEMENT = MediaField(
    "movement_amplitude",
    "Movement",
    "How much things move in the video.",
    "choice",
    choices=("auto", "small", "medium", "large"),
    default="auto",
    choice_labels={"auto": "Automatic", "small": "A little", "medium": "Some", "large": "A lot"},
)
_FROM_TEXT_OR_REFERENCES: tuple[ModeName, ...] = ("text", "reference", "subjects")
_VIDU_BGM = _switch(
    "bgm", "Background music", "Add background music.", modes=_FROM_TEXT_OR_REFERENCES
)
_VIDU_RESOLUTION = _resolution(("720p", "1080p"))
_VIDU_WATERMARK = _switch("watermark", "Watermark", "Put the provider's watermark on the video.")
_VIDU_SUBJECT_AUDIO = _switch(
    "audio",
    "Sound and speech",
    "Let the subjects talk and make sounds; write what they say in the description.",
    modes=("subjects",),
)


def _vidu(
    model_id: str,
    label: str,
    *,
    modes: tuple[MediaMode, ...],
    ratios: tuple[str, ...],
    extra: tuple[MediaField, ...],
    notes: str = "",
) -> MediaModel:
    names = tuple(mode.name for mode in modes)
    # The subject route lists no watermark (docs/api/media-modes.md §1).
    watermarked = tuple(name for name in names if name != "subjects")
    return MediaModel(
        model_id,
        label,
        "video",
        "vidu",
        modes=modes,
        fields=tuple(
            spec
            for spec in (
                *extra,
                _aspect_ratio(ratios, default="16:9", modes=_FROM_TEXT_OR_REFERENCES),
                _VIDU_MOVEMENT,
                _VIDU_BGM,
                _seed(),
                replace(_VIDU_WATERMARK, modes=watermarked),
            )
            if spec.modes is None or set(spec.modes) & set(names)
        ),
        max_prompt_length=2000,
        notes=notes,
    )


_Q2_RATIOS = ("16:9", "9:16", "1:1", "3:4", "4:3")
_Q1_RATIOS = ("16:9", "9:16", "1:1")
_Q3_MODES = (_text_mode("video"), _VIDU_START, _VIDU_FIRST_LAST)
# The speaking-video switch exists on the q2 "pro" image-to-video route only.
_VIDU_AUDIO = _switch(
    "audio", "Sound and speech", "Let the video talk and make sounds.", modes=("image",)
)
_TEXT_DURATION = _duration_range(1, 10, default=5, modes=("text",))
# q2 reference and the q2 pro/turbo routes: 1-10 seconds, and 560p on the reference route,
# after Qiniu's cookbook (docs/api/media-modes.md §1, §3: first-party, over third-party code's "5").
_Q2_DURATION = _duration_range(1, 10, default=5)
_Q2_REFERENCE_RESOLUTION = replace(
    _resolution(("560p", "720p", "1080p")), modes=("reference", "subjects")
)

# Each model offers the modes the Nexconn menu lists for it, each on its own route
# (docs/api/media-modes.md §3): q1 and q2 text and reference (with and without subjects);
# q2-pro and q2-turbo start from pictures.
VIDU_MODELS = (
    _vidu(
        "viduq1",
        "Vidu Q1",
        modes=(_text_mode("video"), _VIDU_REFERENCE, _VIDU_SUBJECTS),
        ratios=_Q1_RATIOS,
        extra=(
            MediaField(
                "style",
                "Style",
                "“Realistic” or “Anime”, which looks like a cartoon.",
                "choice",
                choices=("general", "anime"),
                default="general",
                modes=("text",),
                choice_labels={"general": "Realistic", "anime": "Anime"},
            ),
            _VIDU_SUBJECT_AUDIO,
        ),
        notes="Makes 5-second 1080p videos.",
    ),
    _vidu(
        "viduq2",
        "Vidu Q2",
        modes=(_text_mode("video"), _VIDU_REFERENCE, _VIDU_SUBJECTS),
        ratios=_Q2_RATIOS,
        extra=(
            _Q2_DURATION,
            replace(_VIDU_RESOLUTION, modes=("text",)),
            _Q2_REFERENCE_RESOLUTION,
            _VIDU_SUBJECT_AUDIO,
        ),
    ),
    _vidu(
        "viduq2-pro",
        "Vidu Q2 Pro",
        modes=(_VIDU_START, _VIDU_FIRST_LAST),
        ratios=_Q2_RATIOS,
        extra=(_Q2_DURATION, _VIDU_RESOLUTION, _VIDU_AUDIO),
        notes="Starts from pictures; for text-only videos use Vidu Q2.",
    ),
    _vidu(
        "viduq2-turbo",
        "Vidu Q2 Turbo",
        modes=(_VIDU_START, _VIDU_FIRST_LAST),
        ratios=_Q2_RATIOS,
        extra=(_Q2_DURATION, _VIDU_RESOLUTION),
        notes="Starts from pictures; for text-only videos use Vidu Q2.",
    ),
    _vidu(
        "viduq3-pro",
        "Vidu Q3 Pro",
        modes=_Q3_MODES,
        ratios=_Q1_RATIOS,
        extra=(_TEXT_DURATION, _VIDU_RESOLUTION),
    ),
    _vidu(
        "viduq3-turbo",
        "Vidu Q3 Turbo",
        modes=_Q3_MODES,
        ratios=_Q1_RATIOS,
        extra=(_TEXT_DURATION, _VIDU_RESOLUTION),
    ),
)

# --- lookups ---------------------------------------------------------------------------

# Keyed by (kind, id): "kling-v2-1" is both an image model and a video model.
MEDIA_MODELS: dict[tuple[MediaKind, str], MediaModel] = {
    (model.kind, model.id): model
    for model in (
        *KLING_IMAGE_MODELS,
        *GEMINI_IMAGE_MODELS,
        KLING_IMAGE_O1,
        *VEO_MODELS,
        *SORA_MODELS,
        *KLING_VIDEO_MODELS,
        SEEDANCE,
        *VIDU_MODELS,
    )
}


def media_model(model_id: str, *, kind: MediaKind) -> MediaModel | None:
    return MEDIA_MODELS.get((kind, model_id))


def image_models() -> tuple[MediaModel, ...]:
    return tuple(model for model in MEDIA_MODELS.values() if model.kind == "image")


def video_models() -> tuple[MediaModel, ...]:
    return tuple(model for model in MEDIA_MODELS.values() if model.kind == "video")
