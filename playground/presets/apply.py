"""A preset put to use: the chat composer's settings, or a new comparison's form."""

from collections.abc import Mapping

from playground.chat.panel import PREFIX
from playground.chat.services import ChatSettings
from playground.compare.forms import CHAT_SLOTS, ComparisonForm, column_prefix
from playground.core.ids import optional_id
from playground.nexconn.protocols import default_protocol_for
from playground.presets.models import Preset
from playground.presets.selectors import preset_get
from playground.presets.services import settings_as_form


def preset_in_query(request) -> Preset | None:
    """The preset a link names (`?preset=`, one the user may use), or None."""
    pk = optional_id(request.GET, "preset", what="a preset")
    return None if pk is None else preset_get(user=request.user, pk=pk)


def chat_settings(preset: Preset) -> ChatSettings:
    return ChatSettings(
        model=preset.model,
        protocol=preset.protocol or default_protocol_for(preset.model),
        system_prompt=preset.system_prompt,
        params=settings_as_form(preset.settings),
    )


def comparison_values(preset: Preset, data: Mapping[str, str]) -> tuple[dict, int]:
    """The new-comparison form's values with the preset applied, and the column it set.

    Its system prompt goes to every model. Its model, protocol and settings go to the column
    that has its model already, else to the first empty one, else to the last: the preset is
    compared with the models already chosen."""
    values = {name: value for name, value in data.items() if name != "csrfmiddlewaretoken"}
    models = [values.get(f"model_{index}", "") for index in CHAT_SLOTS]
    if preset.model in models:
        column = models.index(preset.model)
    elif "" in models:
        column = models.index("")
    else:
        column = CHAT_SLOTS[-1]
    prefix = column_prefix(column)
    values = {name: value for name, value in values.items() if not name.startswith(prefix)}
    values[f"model_{column}"] = preset.model
    values[prefix + "protocol"] = preset.protocol or default_protocol_for(preset.model)
    for name, value in settings_as_form(preset.settings).items():
        values[prefix + PREFIX + name] = value
    values["system_prompt"] = preset.system_prompt
    values["kind"] = "chat"
    return values, column


def comparison_form(*, user, preset: Preset, data=None) -> tuple[ComparisonForm, int]:
    """A new-comparison form set up from the preset, on top of what was typed (`data`, a
    POST) or of the form's defaults; and the column the preset's model is in."""
    if data is None:
        blank = ComparisonForm(user=user)
        data = {name: f.initial for name, f in blank.fields.items() if f.initial not in (None, "")}
    else:
        data = data.dict()
    values, column = comparison_values(preset, data)
    return ComparisonForm(user=user, initial=values), column
