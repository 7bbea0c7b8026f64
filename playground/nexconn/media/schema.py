"""The shapes of the media catalog, and the validation a form runs before anything is billed.

No Django imports: the standalone simulator and the explorer read the catalog too.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

type MediaKind = Literal["image", "video"]
type Family = Literal[
    "kling_image", "gemini_image", "kling_image_o1", "veo", "openai_video", "seedance", "vidu"
]
type ModeName = Literal[
    "text",
    "image",
    "multi_image",
    "first_last",
    "reference",
    "subjects",
    "motion_control",
    "video_reference",
    "multi_shot",
]
# "aspect_ratio" is a choice whose values are ratios such as "16:9" (plus the odd "auto"),
# and "size" one of "WIDTHxHEIGHT" pixel sizes, so the form can picture their shapes; "seed"
# is a whole number where blank means "random".
type FieldType = Literal["choice", "aspect_ratio", "size", "int", "float", "bool", "text", "seed"]
type ParamValue = str | int | float | bool

MAX_SEED = 4_294_967_295
_TRUE = frozenset({"true", "on", "1", "yes"})
_FALSE = frozenset({"false", "off", "0", "no"})
# Base64 images arrive as data URLs so their type travels with them; anything else must be
# a public https address the provider can fetch.
_IMAGE_REFERENCE = re.compile(r"^(https://\S+|data:image/[\w.+-]+;base64,[A-Za-z0-9+/=\s]+)$")
_VIDEO_REFERENCE = re.compile(r"^https://\S+$")
# A subject's name goes into the prompt as "@name", so it cannot hold spaces.
_GROUP_NAME = re.compile(r"^[^\s@]{1,64}$")


@dataclass(frozen=True, slots=True)
class MediaField:
    """One form field. `help` is one line a non-programmer understands.

    `default` None means "leave it to the model": the parameter is not sent at all.
    For "text" fields `maximum` is the length limit in characters. `choice_labels` names the
    choices whose wire value is not plain words ("dont_allow" → "No people"); the others are
    shown as they are, with the unit when there is one ("5" → "5 seconds").
    """

    name: str
    label: str
    help: str
    type: FieldType
    choices: tuple[str, ...] = ()
    default: ParamValue | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    modes: tuple[ModeName, ...] | None = None  # None: every mode of the model
    required: bool = False
    choice_labels: Mapping[str, str] = field(default_factory=dict)

    def applies_to(self, mode: str) -> bool:
        return self.modes is None or mode in self.modes

    def display(self, value: ParamValue) -> str:
        """A value of this field as people read it: a choice's label, "On" or "Off", a size
        as "1280 × 720", a number with its unit."""
        if isinstance(value, bool):
            return "On" if value else "Off"
        text = _num(value) if isinstance(value, int | float) else str(value)
        if text in self.choice_labels:
            return self.choice_labels[text]
        if self.type == "size" and (size := pixel_size(text)):
            return f"{size[0]} × {size[1]}"
        if not self.unit:
            return text
        return f"{text} {self.unit[:-1] if text == '1' and self.unit.endswith('s') else self.unit}"


def is_on(value: object) -> bool:
    """Whether a switch's value, as a form or a stored job gives it, says "on"."""
    return value is True or str(value).strip().lower() in _TRUE


def pixel_size(value: str) -> tuple[int, int] | None:
    """ "1280x720" → (1280, 720); anything else → None."""
    width, _, height = value.partition("x")
    if width.isdigit() and height.isdigit() and int(width) and int(height):
        return int(width), int(height)
    return None


@dataclass(frozen=True, slots=True)
class ImageSlot:
    """A place for input images (uploads or URLs), with how many the mode needs.

    A `video` slot takes links to videos instead: the provider fetches them itself."""

    name: str
    label: str
    help: str
    min_count: int = 1
    max_count: int = 1
    video: bool = False


@dataclass(frozen=True, slots=True)
class MediaGroup:
    """A block of fields the user repeats: the subjects of a Vidu video, the shots of a film.

    Block i sends its fields as `<name>_<i>_<field>` and its images in slot `<name>_<i>`;
    a block left wholly blank is skipped. `key_field` must be a single word, different in
    every block (it is how the prompt names the block). `total_field` names a model field
    the blocks' own `total_field` values must add up to.
    """

    name: str
    label: str
    help: str
    fields: tuple[MediaField, ...]
    max_count: int
    images: ImageSlot | None = None
    max_images_total: int | None = None
    key_field: str | None = None
    total_field: str | None = None

    def prefix(self, index: int) -> str:
        return f"{self.name}_{index}"

    def block_field(self, index: int, media_field: MediaField) -> MediaField:
        """The field as block `index` shows it: its own name and a numbered label."""
        return replace(
            media_field,
            name=f"{self.prefix(index)}_{media_field.name}",
            label=f"{self.label} {index} {media_field.label.lower()}",
        )

    def block_slot(self, index: int) -> ImageSlot | None:
        if self.images is None:
            return None
        return replace(
            self.images,
            name=self.prefix(index),
            label=f"{self.images.label} of {self.label.lower()} {index}",
        )


@dataclass(frozen=True, slots=True)
class MediaMode:
    """A way of using a model: from text, from one image, from first and last frames, ...

    `fixed` holds values the provider insists on in this mode (e.g. Kling's end frame only
    works at "pro" quality); they replace whatever the form sent, so the request is honest.
    """

    name: ModeName
    label: str
    help: str
    slots: tuple[ImageSlot, ...] = ()
    prompt_required: bool = True
    fixed: Mapping[str, ParamValue] = field(default_factory=dict)
    group: MediaGroup | None = None


@dataclass(frozen=True, slots=True)
class MediaRule:
    """A combination of values the provider rejects: an error under `field` when every
    `when` value matches in one of `modes`."""

    modes: tuple[ModeName, ...]
    when: Mapping[str, ParamValue]
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class MediaModel:
    id: str
    label: str
    kind: MediaKind
    family: Family
    modes: tuple[MediaMode, ...]
    fields: tuple[MediaField, ...]
    max_prompt_length: int | None  # None: the provider documents no limit
    supports_remix: bool = False
    notes: str = ""
    rules: tuple[MediaRule, ...] = ()

    def mode(self, name: str) -> MediaMode | None:
        return next((mode for mode in self.modes if mode.name == name), None)

    def fields_for(self, mode: str) -> tuple[MediaField, ...]:
        return tuple(f for f in self.fields if f.applies_to(mode))

    def clean(
        self,
        *,
        mode: str,
        prompt: str,
        values: Mapping[str, str],
        inputs: Mapping[str, list[str]],
    ) -> tuple[dict[str, ParamValue], dict[str, str]]:
        """Typed parameters for `mode`, and plain-language errors keyed by field or slot name.

        `values` are raw form strings: missing or blank means the field's default, and a
        default of None leaves the parameter out. Unchecked checkboxes send nothing, so a
        form must post "false" for a switch whose default is on.
        """
        chosen = self.mode(mode)
        if chosen is None:
            names = ", ".join(m.label for m in self.modes)
            return {}, {"mode": f"{self.label} cannot do that. Pick one of: {names}."}
        errors: dict[str, str] = {}
        if prompt_error := self._prompt_error(chosen, prompt):
            errors["prompt"] = prompt_error
        params: dict[str, ParamValue] = {}
        for media_field in self.fields_for(mode):
            if media_field.name in chosen.fixed:
                continue
            value, error = _clean_value(media_field, values.get(media_field.name))
            if error:
                errors[media_field.name] = error
            elif value is not None:
                params[media_field.name] = value
        params.update(chosen.fixed)
        for rule in self.rules:
            if mode in rule.modes and all(params.get(k) == v for k, v in rule.when.items()):
                errors.setdefault(rule.field, rule.message)
        for slot in chosen.slots:
            if slot_error := _slot_error(slot, inputs.get(slot.name) or []):
                errors[slot.name] = slot_error
        if chosen.group is not None:
            _clean_group(chosen.group, values, inputs, params, errors)
        return params, errors

    def param_field(self, name: str) -> MediaField | None:
        """The field of a stored parameter, block fields ("subject_2_id") included."""
        for media_field in self.fields:
            if media_field.name == name:
                return media_field
        for mode in self.modes:
            group = mode.group
            for index in range(1, group.max_count + 1) if group else ():
                for media_field in group.fields:
                    if f"{group.prefix(index)}_{media_field.name}" == name:
                        return group.block_field(index, media_field)
        return None

    def _prompt_error(self, mode: MediaMode, prompt: str) -> str | None:
        if mode.prompt_required and not prompt.strip():
            return "Describe what you want to see."
        if self.max_prompt_length is not None and len(prompt) > self.max_prompt_length:
            return (
                f"The prompt is too long ({len(prompt)} characters); "
                f"{self.label} accepts at most {self.max_prompt_length}."
            )
        return None


def _clean_value(media_field: MediaField, raw: str | None) -> tuple[ParamValue | None, str]:
    """The typed value (None: leave out) and an error message ("" when fine)."""
    text = (raw or "").strip()
    if not text:
        if media_field.required and media_field.default is None:
            return None, f"{media_field.label} is required."
        return media_field.default, ""
    label = media_field.label
    match media_field.type:
        case "choice" | "aspect_ratio" | "size":
            if text in media_field.choices:
                return text, ""
            named = ", ".join(media_field.display(choice) for choice in media_field.choices)
            return None, f"{label} must be one of: {named}."
        case "bool":
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE, ""
            return None, f"{label} must be on or off."
        case "text":
            if media_field.maximum is not None and len(text) > media_field.maximum:
                return None, f"{label} is too long: at most {int(media_field.maximum)} characters."
            return text, ""
        case "int" | "seed":
            try:
                number: int | float = int(text)
            except ValueError:
                return None, f"{label} must be a whole number."
        case "float":
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                return None, f"{label} must be a number."
    return number, _range_error(media_field, number)


def _range_error(media_field: MediaField, number: float) -> str:
    low = media_field.minimum if media_field.type != "seed" else 0
    high = media_field.maximum if media_field.type != "seed" else MAX_SEED
    unit = f" {media_field.unit}" if media_field.unit else ""
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return f"{media_field.label} must be between {_num(low)} and {_num(high)}{unit}."
        if low is not None:
            return f"{media_field.label} must be at least {_num(low)}{unit}."
        return f"{media_field.label} must be at most {_num(high)}{unit}."
    return ""


def _slot_error(slot: ImageSlot, references: list[str]) -> str | None:
    references = [ref for ref in references if ref.strip()]
    thing = "video" if slot.video else "image"
    if len(references) < slot.min_count:
        if slot.min_count == 1:
            return f"Add the {slot.label.lower()}."
        return f"Add at least {slot.min_count} {thing}s for {slot.label.lower()}."
    if len(references) > slot.max_count:
        if slot.max_count == 1:
            return f"Use only one {thing} for {slot.label.lower()}."
        return f"Use at most {slot.max_count} {thing}s for {slot.label.lower()}."
    if slot.video:
        if any(not _VIDEO_REFERENCE.match(ref.strip()) for ref in references):
            return "Give the video as a web address starting with https://."
    elif any(not _IMAGE_REFERENCE.match(ref.strip()) for ref in references):
        return "Each image must be an uploaded picture or a web address starting with https://."
    return None


def _clean_group(
    group: MediaGroup,
    values: Mapping[str, str],
    inputs: Mapping[str, list[str]],
    params: dict[str, ParamValue],
    errors: dict[str, str],
) -> None:
    """Check the filled blocks of `group`, adding their values to `params`."""
    filled: list[int] = []
    keys: dict[str, int] = {}
    images_total = 0
    total = 0
    for index in range(1, group.max_count + 1):
        block_fields = [group.block_field(index, f) for f in group.fields]
        slot = group.block_slot(index)
        images = [ref for ref in (inputs.get(slot.name) or []) if ref.strip()] if slot else []
        if not images and not any((values.get(f.name) or "").strip() for f in block_fields):
            continue
        filled.append(index)
        for original, block_field in zip(group.fields, block_fields, strict=True):
            value, error = _clean_value(block_field, values.get(block_field.name))
            if not error and original.name == group.key_field and isinstance(value, str):
                if not _GROUP_NAME.match(value):
                    error = f"{block_field.label} must be one word, without spaces or “@”."
                elif value.lower() in keys:
                    error = f"{block_field.label} is already used by {group.label.lower()} "
                    error += f"{keys[value.lower()]}; give each one its own."
                else:
                    keys[value.lower()] = index
            if error:
                errors[block_field.name] = error
            elif value is not None:
                params[block_field.name] = value
                if original.name == group.total_field and isinstance(value, int | float):
                    total += value
        if slot is not None:
            images_total += len(images)
            if slot_error := _slot_error(slot, images):
                errors[slot.name] = slot_error
    first = group.prefix(1)
    if not filled:
        errors[f"{first}_{group.fields[0].name}"] = f"Add at least one {group.label.lower()}."
    if group.max_images_total is not None and images_total > group.max_images_total:
        errors.setdefault(
            group.prefix(filled[0]),
            f"Use at most {group.max_images_total} pictures in all; these "
            f"{group.label.lower()}s have {images_total}.",
        )
    wanted = params.get(group.total_field) if group.total_field else None
    if filled and isinstance(wanted, int | float) and not errors and total != wanted:
        errors[group.total_field] = (
            f"The {group.label.lower()}s last {_num(total)} seconds in all, but the video is "
            f"{_num(wanted)} seconds long: make them match."
        )


def _num(value: float | None) -> str:
    return str(int(value)) if value is not None and value == int(value) else str(value)
