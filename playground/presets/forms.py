from django import forms

from playground.chat import panel
from playground.nexconn import catalog
from playground.nexconn.protocols import protocols_for
from playground.presets import services
from playground.presets.models import MAX_SYSTEM_PROMPT_CHARS, Preset
from playground.teams.selectors import teams_for


class PresetForm(forms.Form):
    """A preset on its own page. The model's settings come as the chat panel's `p_<name>`
    fields and are checked by the model's catalog entry."""

    name = forms.CharField(
        max_length=100,
        strip=True,
        error_messages={"required": "Give the preset a name."},
        help_text="How it shows in the lists, e.g. “SQL explainer”.",
    )
    description = forms.CharField(
        required=False, max_length=300, help_text="One line on what it is for (optional)."
    )
    model = forms.ChoiceField(help_text="The model a chat started from this preset uses.")
    protocol = forms.CharField(required=False)
    system_prompt = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_SYSTEM_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Instructions the model follows for the whole conversation.",
    )
    team = forms.ChoiceField(
        required=False,
        label="Share with",
        help_text="Every member of the team can use it; you and the team's owners can change it.",
    )

    def __init__(self, *args, user, preset: Preset | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {str(team.pk): team for team in teams_for(user=user)}
        if preset is not None and preset.team is not None:
            self.teams.setdefault(str(preset.team_id), preset.team)
        self.fields["team"].choices = [("", "Just me")] + [
            (pk, f"Team {team.name}") for pk, team in self.teams.items()
        ]
        if preset is not None and preset.owner_id != user.pk:
            # An owner of the team edits what the preset does, not who it is shared with.
            self.fields["team"].disabled = True
            self.fields["team"].help_text = "Only the preset's owner can change this."
        model_ids = services.known_models()
        if preset is not None and preset.model not in model_ids:
            model_ids.insert(0, preset.model)  # keep a model the list no longer offers
        self.fields["model"].choices = [(model_id, model_id) for model_id in model_ids]
        self.settings: dict = {}
        self.settings_errors: dict[str, str] = {}

    @classmethod
    def initial_for(cls, preset: Preset) -> dict:
        return {
            "name": preset.name,
            "description": preset.description,
            "model": preset.model,
            "protocol": preset.protocol,
            "system_prompt": preset.system_prompt,
            "team": str(preset.team_id or ""),
        }

    def clean(self):
        cleaned = super().clean()
        model_id = cleaned.get("model")
        if not model_id:
            return cleaned
        raw = panel.raw_values(self.data, catalog.chat_model(model_id))
        self.settings, self.settings_errors = services.settings_clean(model_id=model_id, raw=raw)
        if self.settings_errors:
            self.add_error(None, "Check the highlighted settings.")
        protocol = cleaned.get("protocol", "")
        if protocol and protocol not in {p.id for p in protocols_for(model_id)}:
            cleaned["protocol"] = ""  # the model changed under it: its default
        return cleaned

    def preset_fields(self) -> dict:
        """The arguments of services.preset_create and preset_update."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "model": data["model"],
            "protocol": data["protocol"],
            "system_prompt": data["system_prompt"],
            "settings": self.settings,
            "team": self.teams.get(data.get("team") or ""),
        }
