"""The new-comparison form: the models (each with its own settings), the prompt, and who
it is for."""

from django import forms

from playground.chat import panel
from playground.chat.forms import MAX_MESSAGE_CHARS, TOO_LONG
from playground.chat.services import chat_models_cached
from playground.compare.models import SHARED_IMAGE_RATIOS, Comparison
from playground.compare.services import MAX_CHAT_COLUMNS, MAX_IMAGE_COLUMNS, ColumnSpec
from playground.nexconn import catalog
from playground.nexconn.media.catalog import image_models, media_model
from playground.nexconn.protocols import default_protocol_for, protocols_for
from playground.teams.selectors import teams_for

CHAT_SLOTS = range(MAX_CHAT_COLUMNS)
IMAGE_SLOTS = range(MAX_IMAGE_COLUMNS)
RATIO_NAMES = {"1:1": "square", "16:9": "wide", "9:16": "tall", "21:9": "very wide"}
# Every image model that lets one choose a size is asked for this one (the only size some of
# them make), so no column gets the edge of a bigger, sharper picture.
SHARED_IMAGE_SIZE = "1K"
SIZE_FIELDS = ("image_size", "resolution")


def column_prefix(index: int) -> str:
    return f"c{index}-"


def text_image_models() -> list[tuple[str, str]]:
    """Image models that can start from words alone."""
    return [(m.id, m.label) for m in image_models() if m.mode("text") is not None]


class ComparisonForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("chat", "Chat models"), ("image", "Image models")],
        initial="chat",
        widget=forms.RadioSelect,
        label="Compare",
    )
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_MESSAGE_CHARS,
        error_messages={"required": "Type a prompt first.", "max_length": TOO_LONG},
        help_text="Every model gets the same prompt; follow-ups go to all of them.",
    )
    aspect_ratio = forms.ChoiceField(
        required=False,
        initial="1:1",
        choices=[
            (r, f"{r} {RATIO_NAMES[r]}" if r in RATIO_NAMES else r) for r in SHARED_IMAGE_RATIOS
        ],
        label="Aspect ratio, for every model",
        error_messages={
            "invalid_choice": "Pick one of the listed shapes: every model makes those."
        },
        help_text="Each model makes one picture of this shape and the same size, so none "
        "gets an edge from a bigger or differently framed image.",
    )
    system_prompt = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Instructions for every model (optional)",
        help_text="The system prompt: every model follows it for the whole comparison.",
    )
    title = forms.CharField(required=False, max_length=200)
    blind = forms.BooleanField(
        required=False,
        label="Blind: hide the model names until I vote",
        help_text="The columns are shown as A, B, … in random order; votes count on the "
        "leaderboard.",
    )
    team = forms.ChoiceField(required=False, label="Share with")
    tags = forms.CharField(
        required=False, max_length=200, help_text="Comma-separated, e.g. “coding, sql”."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.teams = {str(team.pk): team for team in teams_for(user=user)}
        self.fields["team"].choices = [("", "Just me")] + [
            (pk, f"Team {team.name}") for pk, team in self.teams.items()
        ]
        models = chat_models_cached()
        model_ids = self.chat_model_ids = models.ids
        self.models_notice = models.notice  # shown above the model pickers
        chat_choices = [("", "—")] + [(model_id, model_id) for model_id in model_ids]
        for index in CHAT_SLOTS:
            self.fields[f"model_{index}"] = forms.ChoiceField(
                required=False, choices=chat_choices, label=f"Model {index + 1}"
            )
        image_choices = [("", "—"), *text_image_models()]
        for index in IMAGE_SLOTS:
            self.fields[f"image_model_{index}"] = forms.ChoiceField(
                required=False, choices=image_choices, label=f"Image model {index + 1}"
            )
        if not self.is_bound:
            defaults = [m for m in ("deepseek-v3", "claude-4.5-sonnet") if m in model_ids]
            for index, model_id in enumerate(defaults):
                self.fields[f"model_{index}"].initial = model_id

    def chat_slots(self):
        """Per chat column: its model field and its settings panel (for the template)."""
        slots = []
        values = self.data if self.is_bound else self.initial  # initial: a preset applied
        for index in CHAT_SLOTS:
            field = self[f"model_{index}"]
            model_id = field.value() or ""
            options = column_options(values, index, model_id)
            slots.append({"index": index, "field": field, **options})
        return slots

    def image_slots(self):
        return [self[f"image_model_{index}"] for index in IMAGE_SLOTS]

    def clean(self):
        cleaned = super().clean()
        self.columns: list[ColumnSpec] = []
        if cleaned.get("kind") == Comparison.Kind.IMAGE:
            for index in IMAGE_SLOTS:
                if model_id := cleaned.get(f"image_model_{index}"):
                    self.columns.append(self._image_column(index, model_id))
        else:
            for index in CHAT_SLOTS:
                if model_id := cleaned.get(f"model_{index}"):
                    self.columns.append(self._chat_column(index, model_id))
        return cleaned

    def _chat_column(self, index: int, model_id: str) -> ColumnSpec:
        model = catalog.chat_model(model_id)
        values = _column_values(self.data, index, model)
        _, errors = model.clean_params(values)
        for message in errors.values():
            self.add_error(None, f"Model {index + 1} ({model_id}): {message}")
        protocol = self.data.get(column_prefix(index) + "protocol", "")
        if protocol not in {p.id for p in protocols_for(model_id)}:
            protocol = default_protocol_for(model_id)
        return ColumnSpec(model=model_id, protocol=protocol, params=values)

    def _image_column(self, index: int, model_id: str) -> ColumnSpec:
        """The column's job settings: the shared aspect ratio and size, the model's own
        defaults for the rest (one picture each)."""
        model = media_model(model_id, kind="image")
        values = {"aspect_ratio": self.cleaned_data.get("aspect_ratio") or "1:1"}
        for media_field in model.fields_for("text"):
            if media_field.name in SIZE_FIELDS and SHARED_IMAGE_SIZE in media_field.choices:
                values[media_field.name] = SHARED_IMAGE_SIZE
        params, errors = model.clean(
            mode="text", prompt=self.cleaned_data.get("prompt", ""), values=values, inputs={}
        )
        if "prompt" not in self.cleaned_data:
            errors.pop("prompt", None)  # the prompt's own error says it already
        for message in errors.values():
            self.add_error(None, f"Image model {index + 1} ({model.label}): {message}")
        return ColumnSpec(model=model_id, params=params)

    def comparison(self) -> dict:
        """The arguments of services.comparison_create."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "columns": self.columns,
            "prompt": data["prompt"],
            "system_prompt": data.get("system_prompt", ""),
            "blind": data["blind"],
            "team": self.teams.get(data.get("team") or ""),
            "tags": data.get("tags", ""),
            "title": data.get("title", ""),
        }


def _column_values(data, index: int, model) -> dict[str, str]:
    prefix = column_prefix(index) + panel.PREFIX
    return {f.name: data.get(prefix + f.name, "") for f in model.fields if prefix + f.name in data}


def column_options(data, index: int, model_id: str) -> dict:
    """A column's protocol choice and settings panel, for its model."""
    if not model_id:
        return {"panel": [], "protocol_choices": [], "protocol": "", "prefix": column_prefix(index)}
    model = catalog.chat_model(model_id)
    values = _column_values(data or {}, index, model)
    choices = panel.protocol_choices(model_id)
    protocol = (data or {}).get(column_prefix(index) + "protocol", "")
    if protocol not in {value for value, _ in choices}:
        protocol = default_protocol_for(model_id)
    return {
        "panel": panel.panel(model, values, {}),
        "protocol_choices": choices,
        "protocol": protocol,
        "prefix": column_prefix(index),
    }
