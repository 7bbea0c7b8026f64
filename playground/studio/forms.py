"""The studio form, built from the catalog entry of the chosen model."""

import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from playground.core.files import checked_upload
from playground.core.ids import parse_ids
from playground.nexconn.media.catalog import (
    ImageSlot,
    MediaField,
    MediaModel,
    image_models,
    media_model,
    video_models,
)
from playground.nexconn.media.schema import is_on
from playground.studio.models import Generation, Output
from playground.studio.services import InputSpec

# Model choices are "<kind>:<id>": one id (kling-v2-1) names both an image and a video model.
DEFAULT_IMAGE_MODEL = "image:gemini-2.5-flash-image"
DEFAULT_VIDEO_MODEL = "video:kling-v2-5-turbo"
UPLOAD_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP"}
_OPTION_PREFIX = "opt_"
_STORED_IMAGE = "data:image/png;base64,AA=="


def choice_key(model: MediaModel) -> str:
    return f"{model.kind}:{model.id}"


def model_from_choice(value: str) -> MediaModel | None:
    kind, _, model_id = (value or "").partition(":")
    if kind not in ("image", "video"):
        return None
    return media_model(model_id, kind=kind)


def _model_label(model_id: str) -> str:
    """A model's name for a list that filters by id alone (one id can be an image and a
    video model: the image one's name stands for both)."""
    media = media_model(model_id, kind="image") or media_model(model_id, kind="video")
    return media.label if media else model_id


def default_model() -> MediaModel:
    return model_from_choice(DEFAULT_IMAGE_MODEL) or image_models()[0]


def model_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        ("Images", [(choice_key(model), model.label) for model in image_models()]),
        ("Videos", [(choice_key(model), model.label) for model in video_models()]),
    ]


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleImageInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


def option_field(spec: MediaField) -> forms.Field:
    """A form field for one catalog option; the catalog itself checks the limits."""
    attrs = {"aria-describedby": f"help-{spec.name}"}
    common = {"label": spec.label, "required": False, "help_text": spec.help}
    if spec.type in ("choice", "aspect_ratio", "size"):
        choices = [(str(value), spec.display(value)) for value in spec.choices]
        if spec.default is None and spec.type == "choice":
            choices.insert(0, ("", "Model default"))
        widget = forms.Select if spec.type == "choice" else forms.RadioSelect
        return forms.ChoiceField(choices=choices, widget=widget(attrs=attrs), **common)
    if spec.type == "bool":
        return forms.BooleanField(widget=forms.CheckboxInput(attrs=attrs), **common)
    if spec.type in ("int", "float", "seed"):
        number_attrs = {**attrs, "step": "any" if spec.type == "float" else "1"}
        if spec.minimum is not None:
            number_attrs["min"] = spec.minimum
        if spec.maximum is not None:
            number_attrs["max"] = spec.maximum
        return forms.CharField(widget=forms.NumberInput(attrs=number_attrs), **common)
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)


class GenerationForm(forms.Form):
    """Model, mode, prompt, the model's own options, and the reference images of the mode."""

    model = forms.ChoiceField(label="Model")
    # Left out, it is the model's first mode (the studio's examples send none).
    mode = forms.ChoiceField(label="What to make", widget=forms.RadioSelect, required=False)
    prompt = forms.CharField(
        label="Describe what you want",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "A red fox in the snow, at dawn"}),
    )

    def __init__(self, *args, user, media: MediaModel, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.media_model = media
        self.fields["model"].choices = model_choices()
        self.fields["mode"].choices = [(mode.name, mode.label) for mode in media.modes]
        if media.max_prompt_length:
            self.fields["prompt"].widget.attrs["maxlength"] = media.max_prompt_length
        self.mode = self._chosen_mode()
        for spec in media.fields:
            if spec.modes is None or self.mode.name in spec.modes:
                field = option_field(spec)
                field.initial = spec.default
                self.fields[_OPTION_PREFIX + spec.name] = field
                if spec.type == "bool" and _OPTION_PREFIX + spec.name in self.initial:
                    # A redrawn form gets the box's text back ("false" is posted before
                    # each box, "on" by a ticked one): a string would tick it, and would
                    # become the value the box sends.
                    self.initial[_OPTION_PREFIX + spec.name] = is_on(
                        self.initial[_OPTION_PREFIX + spec.name]
                    )
        for slot in self._all_slots():
            self._add_slot_fields(slot)
        for _index, block_fields, _slot in self._group_blocks():
            for spec in block_fields:
                self.fields[_OPTION_PREFIX + spec.name] = option_field(spec)

    def _add_slot_fields(self, slot: ImageSlot) -> None:
        if slot.video:  # the provider fetches videos itself: links only
            self.fields[f"{slot.name}__urls"] = forms.CharField(
                label=f"{slot.label}: link",
                required=False,
                help_text=slot.help,
                widget=forms.URLInput(attrs={"placeholder": "https://…/clip.mp4"}),
            )
            return
        self.fields[f"{slot.name}__files"] = MultipleImageField(
            label=slot.label, required=False, help_text=slot.help
        )
        self.fields[f"{slot.name}__urls"] = forms.CharField(
            label="or image links, one per line",
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://…"}),
        )
        self.fields[f"{slot.name}__outputs"] = forms.CharField(
            required=False, widget=forms.HiddenInput
        )

    def _group_blocks(self) -> list[tuple[int, list[MediaField], ImageSlot | None]]:
        """(number, fields, image slot) of each block of the mode's repeated group."""
        group = self.mode.group
        if group is None:
            return []
        return [
            (index, [group.block_field(index, f) for f in group.fields], group.block_slot(index))
            for index in range(1, group.max_count + 1)
        ]

    def _all_slots(self) -> list[ImageSlot]:
        blocks = [slot for _, _, slot in self._group_blocks() if slot is not None]
        return [*self.mode.slots, *blocks]

    def _chosen_mode(self):
        wanted = (self.data or {}).get("mode") or (self.initial or {}).get("mode")
        for mode in self.media_model.modes:
            if mode.name == wanted:
                return mode
        return self.media_model.modes[0]

    # --- what the template walks through -------------------------------------------------

    @property
    def mode_help(self) -> str:
        return self.mode.help

    @property
    def mode_label(self) -> str:
        return self.mode.label

    @property
    def repeated_group(self):
        """The mode's repeated block (subjects, shots), if any; `form.mode` in a template is
        the mode field."""
        return self.mode.group

    def option_fields(self):
        """(field spec, bound field, what the mode fixes it to in words, or "")."""
        fixed = self.mode.fixed
        return [
            (
                spec,
                self[_OPTION_PREFIX + spec.name],
                spec.display(fixed[spec.name]) if spec.name in fixed else "",
            )
            for spec in self.media_model.fields_for(self.mode.name)
            if _OPTION_PREFIX + spec.name in self.fields
        ]

    def carried_values(self) -> list[tuple[str, str]]:
        """Options and image links the form was given that this model and mode do not show,
        kept as hidden fields: switching to another mode (or model) and back finds them as
        they were. Sending them is harmless: only the mode's own fields are read."""
        source = self.data if self.is_bound else self.initial
        carried = []
        for name in source or ():
            carriable = name.startswith(_OPTION_PREFIX) or name.endswith(("__urls", "__outputs"))
            if name in self.fields or not carriable:
                continue
            value = _last(source, name)
            if value not in (None, ""):
                carried.append((name, str(value)))
        return carried

    def option_values(self) -> dict[str, str]:
        """name → text of the model's options as the form has them (sent or prefilled)."""
        source = self.data if self.is_bound else self.initial
        return {
            name.removeprefix(_OPTION_PREFIX): str(_last(source, name))
            for name in self.fields
            if name.startswith(_OPTION_PREFIX) and _last(source, name) is not None
        }

    def slot_fields(self):
        return [self._slot_item(slot) for slot in self.mode.slots]

    def _slot_item(self, slot: ImageSlot) -> dict:
        if slot.video:
            return {"slot": slot, "urls": self[f"{slot.name}__urls"]}
        return {
            "slot": slot,
            "files": self[f"{slot.name}__files"],
            "urls": self[f"{slot.name}__urls"],
            "outputs": self[f"{slot.name}__outputs"],
            "chosen_outputs": self._chosen_outputs(slot.name),
        }

    def group_blocks(self):
        """The repeated blocks (subjects, shots) for the template: the first one open, the
        others folded until used, so a phone shows one block at a time."""
        blocks = []
        for index, block_fields, slot in self._group_blocks():
            fields = [(spec, self[_OPTION_PREFIX + spec.name]) for spec in block_fields]
            item = self._slot_item(slot) if slot is not None else None
            used = any(field.value() for _, field in fields) or bool(
                item and (item["urls"].value() or item["chosen_outputs"])
            )
            has_errors = any(field.errors for _, field in fields) or bool(
                item and (item["files"].errors or item["urls"].errors)
            )
            blocks.append(
                {
                    "index": index,
                    "fields": fields,
                    "slot": item,
                    "open": index == 1 or used or has_errors,
                }
            )
        return blocks

    def _chosen_outputs(self, slot_name: str) -> list[Output]:
        source = self.data if self.is_bound else self.initial
        raw = (source or {}).get(f"{slot_name}__outputs") or ""
        ids = parse_ids(part.strip() for part in str(raw).split(","))
        if not ids:
            return []
        found = {
            output.pk: output
            for output in Output.objects.filter(pk__in=ids, generation__owner=self.user)
        }
        return [found[pk] for pk in ids if pk in found and not found[pk].is_video]

    # --- validation ----------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.inputs: list[InputSpec] = []
        references: dict[str, list[str]] = {}
        for slot in self._all_slots():
            specs = self._slot_inputs(slot.name, video=slot.video)
            self.inputs.extend(specs)
            # The catalog checks how many images each slot has; uploads and gallery images
            # were checked above, so they stand in as an empty data URL of their type.
            references[slot.name] = [spec.url or _STORED_IMAGE for spec in specs]
        block_fields = [spec for _, fields, _ in self._group_blocks() for spec in fields]
        values = {
            spec.name: self.data.get(_OPTION_PREFIX + spec.name, "")
            for spec in [*(spec for spec, _, _ in self.option_fields()), *block_fields]
        }
        params, errors = self.media_model.clean(
            mode=self.mode.name, prompt=cleaned.get("prompt", ""), values=values, inputs=references
        )
        for name, message in errors.items():
            self.add_error(self._field_for_error(name), message)
        # A seed left blank is drawn here rather than by the provider, so the job page can
        # show it and “same seed” can bring the look back (1 and up: 0 means “random” to Vidu).
        for spec in self.media_model.fields_for(self.mode.name):
            if spec.type == "seed" and spec.name not in params:
                params[spec.name] = 1 + secrets.randbelow(2**31 - 1)
        self.params = params
        return cleaned

    def _field_for_error(self, name: str) -> str | None:
        for candidate in (name, _OPTION_PREFIX + name, f"{name}__files", f"{name}__urls"):
            if candidate in self.fields:
                return candidate
        return None

    def _slot_inputs(self, slot_name: str, *, video: bool = False) -> list[InputSpec]:
        specs: list[InputSpec] = []
        for output in [] if video else self._chosen_outputs(slot_name):
            specs.append(InputSpec(slot=slot_name, position=len(specs), output=output))
        for upload in self.cleaned_data.get(f"{slot_name}__files") or []:
            try:
                specs.append(
                    InputSpec(slot=slot_name, position=len(specs), upload=_checked_upload(upload))
                )
            except ValidationError as error:
                self.add_error(f"{slot_name}__files", error)
        validate_url = URLValidator(schemes=["http", "https"])
        for line in (self.cleaned_data.get(f"{slot_name}__urls") or "").splitlines():
            url = line.strip()
            if not url:
                continue
            try:
                validate_url(url)
            except ValidationError:
                self.add_error(f"{slot_name}__urls", f"“{url[:80]}” is not an http(s) link.")
                continue
            specs.append(InputSpec(slot=slot_name, position=len(specs), url=url))
        return specs


def _last(source, name: str):
    """The value of `name` in a QueryDict (its last one, as a ticked box comes after its
    "false") or a plain dict; None when absent."""
    if source is None or name not in source:
        return None
    return source.get(name)


def _checked_upload(upload):
    upload.content_type = checked_upload(
        upload, limit_mb=settings.STUDIO_MAX_UPLOAD_MB, allowed=UPLOAD_TYPES
    )
    return upload


def form_initial_from(generation: Generation) -> dict:
    """The form values of an earlier job, for “use these settings again”."""
    initial = {
        "model": f"{generation.kind}:{generation.model}",
        "mode": generation.mode,
        "prompt": generation.prompt,
    }
    for name, value in (generation.params or {}).items():
        initial[_OPTION_PREFIX + name] = value
    return initial


class GalleryFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Generation.Kind.choices])
    model = forms.ChoiceField(required=False, label="Model")
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            ("active", "In progress"),
            *[
                (value, label)
                for value, label in Generation.Status.choices
                if value not in Generation.ACTIVE
            ],
        ],
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, models: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = [(model, _model_label(model)) for model in models]
        self.fields["model"].choices = [("", "Any model"), *sorted(labels, key=lambda c: c[1])]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or "",
            "model": data.get("model") or "",
            "status": data.get("status") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }
