"""Writes for presets: create, change, delete, duplicate, and the starters kept in step with
starters.py. A preset's settings are checked against its model's catalog entry before they
are kept, whoever writes them: a form, a duplicate or the starters table."""

import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from playground.chat.services import chat_models_cached
from playground.nexconn import catalog
from playground.nexconn.protocols import protocols_for
from playground.presets import selectors
from playground.presets.models import MAX_SYSTEM_PROMPT_CHARS, Preset
from playground.presets.starters import STARTERS
from playground.teams.models import Team
from playground.teams.selectors import member_team_ids

_IMAGE_CONFIG = ("aspect_ratio", "image_size")


class PresetError(Exception):
    """A write we refuse, with a message to show as it is. `errors` holds the settings'
    own messages by field name, `field` the form field the message belongs beside."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, errors=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or {}


class NotAllowed(PresetError):
    """The user sees the preset but may not change it (a starter, a teammate's preset)."""

    status = 403


def known_models() -> list[str]:
    """The models a preset can name: the live list and the catalog."""
    ids = list(chat_models_cached().ids)
    return ids + [model.id for model in catalog.CHAT_MODELS if model.id not in ids]


def settings_clean(*, model_id: str, raw: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """The settings a preset keeps, typed, from the parameters panel's raw values, and the
    model's own error messages by field. A blank means the model's default: it is not kept,
    so a preset follows the model's defaults as they change."""
    model = catalog.chat_model(model_id)
    params, errors = model.clean_params(raw)
    if errors:
        return {}, errors
    kept: dict[str, Any] = {}
    for field in model.fields:
        if not str(raw.get(field.name) or "").strip():
            continue
        if field.name in _IMAGE_CONFIG:
            value = params.image_config.get(field.name)
        else:
            value = getattr(params, field.name)
        if field.name == "tools":
            value = [tool["function"] for tool in value]  # as people write them
        if value is not None and value != []:
            kept[field.name] = value
    return kept, {}


def settings_as_form(settings: Mapping[str, Any]) -> dict[str, str]:
    """A preset's settings as the parameters panel's raw values (the reverse of the above)."""
    values = {}
    for name, value in settings.items():
        if isinstance(value, bool):
            values[name] = "true" if value else "false"
        elif isinstance(value, list | dict):
            values[name] = json.dumps(value, indent=2, ensure_ascii=False)
        else:
            values[name] = str(value)
    return values


def _checked(*, model: str, protocol: str, settings: Mapping[str, Any]) -> tuple[str, dict]:
    if model not in known_models():
        raise PresetError(f"There is no chat model “{model[:200]}”.", field="model")
    if protocol and protocol not in {p.id for p in protocols_for(model)}:
        raise PresetError(f"{model} cannot be reached with that protocol.", field="protocol")
    kept, errors = settings_clean(model_id=model, raw=settings_as_form(settings))
    if errors:
        raise PresetError("Check the highlighted settings.", errors=errors)
    return protocol, kept


def _check_team(*, user, team: Team | None) -> None:
    if team is not None and team.pk not in member_team_ids(user=user):
        raise PresetError("You can only share with a team you are in.", field="team")


def _check_text(*, name: str, system_prompt: str) -> str:
    name = name.strip()
    if not name:
        raise PresetError("Give the preset a name.", field="name")
    if len(system_prompt) > MAX_SYSTEM_PROMPT_CHARS:
        raise PresetError(
            f"The system prompt can have at most {MAX_SYSTEM_PROMPT_CHARS:,} characters.",
            field="system_prompt",
        )
    return name[:100]


def preset_create(
    *,
    user,
    name: str,
    model: str,
    system_prompt: str = "",
    description: str = "",
    protocol: str = "",
    settings: Mapping[str, Any] | None = None,
    team: Team | None = None,
) -> Preset:
    fields = _checked_fields(
        name=name,
        model=model,
        system_prompt=system_prompt,
        description=description,
        protocol=protocol,
        settings=settings,
    )
    _check_team(user=user, team=team)
    return Preset.objects.create(owner=user, team=team, **fields)


def _checked_fields(*, name, model, system_prompt, description, protocol, settings) -> dict:
    """What a preset holds, checked (PresetError by field) and trimmed to its columns."""
    name = _check_text(name=name, system_prompt=system_prompt)
    protocol, kept = _checked(model=model, protocol=protocol, settings=settings or {})
    return {
        "name": name,
        "description": description.strip()[:300],
        "system_prompt": system_prompt,
        "model": model,
        "protocol": protocol,
        "settings": kept,
    }


def _check_may_change(*, preset: Preset, by) -> None:
    if preset.is_starter:
        raise NotAllowed("Starters cannot be changed: duplicate one to make it your own.")
    if not selectors.may_change(user=by, preset=preset):
        raise NotAllowed("Only the preset's owner or an owner of its team can change it.")


def preset_update(
    *,
    preset: Preset,
    by,
    name: str,
    model: str,
    system_prompt: str = "",
    description: str = "",
    protocol: str = "",
    settings: Mapping[str, Any] | None = None,
    team: Team | None = None,
) -> Preset:
    """Change a preset. Only its owner moves it between their teams (or back to themselves);
    an owner of its team changes what it says and does, not who it is shared with."""
    _check_may_change(preset=preset, by=by)
    fields = _checked_fields(
        name=name,
        model=model,
        system_prompt=system_prompt,
        description=description,
        protocol=protocol,
        settings=settings,
    )
    if (team.pk if team else None) != preset.team_id:
        if by.pk != preset.owner_id:
            raise NotAllowed("Only the preset's owner can change who it is shared with.")
        _check_team(user=by, team=team)
        preset.team = team
    for field, value in fields.items():
        setattr(preset, field, value)
    preset.save()
    return preset


def preset_delete(*, preset: Preset, by) -> None:
    _check_may_change(preset=preset, by=by)
    preset.delete()


def preset_duplicate(*, preset: Preset, user) -> Preset:
    """The user's own copy of a preset they can see (a starter, a teammate's), unshared."""
    return Preset.objects.create(
        owner=user,
        name=f"{preset.name} (copy)"[:100],
        description=preset.description,
        system_prompt=preset.system_prompt,
        model=preset.model,
        protocol=preset.protocol,
        settings=preset.settings,
    )


@transaction.atomic
def starters_sync(*, using: str = "default", model=Preset) -> None:
    """Make the starter rows what starters.py says: added, changed, or gone. `model` is the
    historical model when called after a migration. One query when nothing changed."""
    rows = model.objects.using(using).exclude(starter_key=None)
    existing = {row.starter_key: row for row in rows}
    fresh = []
    for starter in STARTERS:
        values = {
            "name": starter.name,
            "description": starter.description,
            "system_prompt": starter.system_prompt,
            "model": starter.model,
            "protocol": starter.protocol,
            "settings": starter.settings,
        }
        row = existing.pop(starter.key, None)
        if row is None:
            fresh.append(model(starter_key=starter.key, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            model.objects.using(using).filter(pk=row.pk).update(**values)
    if fresh:
        model.objects.using(using).bulk_create(fresh)
    if existing:
        model.objects.using(using).filter(pk__in=[row.pk for row in existing.values()]).delete()
