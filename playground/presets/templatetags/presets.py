"""What the preset picker lists, read where it is drawn: the chat and compare pages include
it with one line and pass nothing."""

from django import template

from playground.nexconn import catalog
from playground.presets.selectors import presets_grouped
from playground.teams.selectors import teams_for

register = template.Library()


@register.simple_tag(takes_context=True)
def picker_presets(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"groups": [], "teams": []}
    return {"groups": presets_grouped(user=user), "teams": list(teams_for(user=user))}


@register.simple_tag
def settings_summary(preset) -> list[str]:
    """A preset's settings in words, as its model's panel labels them: “Temperature 0.3”."""
    labels = {field.name: field.label for field in catalog.chat_model(preset.model).fields}
    words = []
    for name, value in preset.settings.items():
        label = labels.get(name, name)
        if isinstance(value, bool):
            words.append(f"{label} {'on' if value else 'off'}")
        elif isinstance(value, list):
            words.append(f"{len(value)} tool{'s' if len(value) != 1 else ''}")
        else:
            words.append(f"{label} {value}")
    return words
