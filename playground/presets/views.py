from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from playground.chat import panel
from playground.chat import views as chat_views
from playground.compare import views as compare_views
from playground.core.ids import parse_id
from playground.core.responses import refusal
from playground.nexconn import catalog
from playground.presets import apply, selectors, services
from playground.presets.forms import PresetForm
from playground.presets.models import Preset
from playground.presets.services import PresetError
from playground.teams.models import Team

TEMPLATE = "presets/presets.html"
FORM_TEMPLATE = "presets/preset_form.html"
PICKER = "presets/picker.html"


def _go(request, url: str):
    """Leave this page: htmx follows a client redirect, a plain form a normal one."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
def preset_list(request):
    """Your presets, your teams' and the starters; with ?q= only those that match."""
    query = request.GET.get("q", "").strip()[:200]
    context = {"groups": selectors.presets_grouped(user=request.user, query=query), "query": query}
    if request.htmx and request.htmx.target == "preset-groups":
        return render(request, f"{TEMPLATE}#groups", context)
    return render(request, TEMPLATE, context)


def _settings_context(*, model_id: str, protocol: str, values: dict, errors: dict) -> dict:
    """The parts of the form that follow the chosen model: its protocols and settings."""
    model = catalog.chat_model(model_id)
    choices = panel.protocol_choices(model_id)
    if protocol not in {value for value, _ in choices}:
        protocol = ""
    return {
        "chat_model": model,
        "panel": panel.panel(model, values, errors),
        "protocol_choices": choices,
        "protocol": protocol,
    }


def _form_page(request, form: PresetForm, *, preset: Preset | None = None, status: int = 200):
    model_id = form["model"].value() or catalog.DEFAULT_CHAT_MODEL
    if form.is_bound:
        values = panel.raw_values(form.data, catalog.chat_model(model_id))
    else:
        values = services.settings_as_form(preset.settings) if preset else {}
    context = {
        "form": form,
        "preset": preset,
        **_settings_context(
            model_id=model_id,
            protocol=form["protocol"].value() or "",
            values=values,
            errors=form.settings_errors,
        ),
    }
    return render(request, FORM_TEMPLATE, context, status=status)


def _show_error(form: PresetForm, error: PresetError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
    form.settings_errors = error.errors


@require_http_methods(["GET", "POST"])
def preset_create(request):
    initial = {"model": catalog.DEFAULT_CHAT_MODEL}
    form = PresetForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "GET":
        return _form_page(request, form)
    if form.is_valid():
        try:
            preset = services.preset_create(user=request.user, **form.preset_fields())
        except PresetError as error:
            _show_error(form, error)
        else:
            messages.success(request, f"Saved “{preset.name}”.")
            return _go(request, reverse("presets:list") + f"#preset-{preset.pk}")
    return _form_page(request, form, status=422)


def _changeable(request, pk: int) -> tuple[Preset, HttpResponse | None]:
    """A preset the user sees (else 404), and a refusal when they may not change it."""
    preset = selectors.preset_get(user=request.user, pk=pk)
    if preset.is_starter:
        reason = "Starters cannot be changed: duplicate one to make it your own."
        return preset, refusal(request, reason, status=403)
    if not selectors.may_change(user=request.user, preset=preset):
        reason = "Only the preset's owner or an owner of its team can change it."
        return preset, refusal(request, reason, status=403)
    return preset, None


@require_http_methods(["GET", "POST"])
def preset_edit(request, pk: int):
    preset, refused = _changeable(request, pk)
    if refused is not None:
        return refused
    initial = PresetForm.initial_for(preset)
    form = PresetForm(request.POST or None, initial=initial, user=request.user, preset=preset)
    if request.method == "GET":
        return _form_page(request, form, preset=preset)
    if form.is_valid():
        try:
            services.preset_update(preset=preset, by=request.user, **form.preset_fields())
        except PresetError as error:
            if error.status == 403:
                return refusal(request, error.message, status=403)
            _show_error(form, error)
        else:
            messages.success(request, f"Saved “{preset.name}”.")
            return _go(request, reverse("presets:list") + f"#preset-{preset.pk}")
    return _form_page(request, form, preset=preset, status=422)


@require_POST
def preset_delete(request, pk: int):
    preset, refused = _changeable(request, pk)
    if refused is not None:
        return refused
    services.preset_delete(preset=preset, by=request.user)
    if request.htmx:
        return HttpResponse("")  # the card is replaced by nothing
    messages.success(request, f"Deleted “{preset.name}”.")
    return redirect("presets:list")


@require_POST
def preset_duplicate(request, pk: int):
    """Your own copy of a preset you can see, opened for editing."""
    preset = selectors.preset_get(user=request.user, pk=pk)
    copy = services.preset_duplicate(preset=preset, user=request.user)
    return _go(request, reverse("presets:edit", args=[copy.pk]))


@require_GET
def settings_fields(request):
    """The protocol and settings of the chosen model, redrawn when the model changes; what
    was set in them is kept."""
    model_id = request.GET.get("model", "") or catalog.DEFAULT_CHAT_MODEL
    model = catalog.chat_model(model_id)
    context = _settings_context(
        model_id=model_id,
        protocol=request.GET.get("protocol", ""),
        values=panel.raw_values(request.GET, model),
        errors={},
    )
    return render(request, f"{FORM_TEMPLATE}#settings", context)


# --- The picker in the chat's settings and in the new-comparison form -------------------


def _picker(request, target: str, *, status: int = 200, **context) -> HttpResponse:
    response = render(request, PICKER, {"preset_target": target, **context}, status=status)
    if status >= 400:  # drawn in place of the picker, whatever the button aimed at
        response["HX-Retarget"] = "#preset-picker"
        response["HX-Reselect"] = "#preset-picker"
        response["HX-Reswap"] = "outerHTML"
    return response


def _chosen(request) -> Preset | None:
    """The preset picked in the picker (one the user may use; another's is a 404)."""
    pk = parse_id(request.POST.get("preset", ""))
    return None if pk is None else selectors.preset_get(user=request.user, pk=pk)


@require_POST
def apply_to_chat(request):
    """Set the chat's composer to a preset: model, protocol, system prompt and settings.
    The message typed so far stays."""
    preset = _chosen(request)
    if preset is None:
        return _picker(request, "chat", status=422, picker_error="Choose a preset first.")
    if not request.htmx:
        conversation = parse_id(request.POST.get("conversation", ""))
        page = (
            reverse("chat:conversation", args=[conversation])
            if conversation
            else reverse("chat:home")
        )
        return redirect(f"{page}?preset={preset.pk}")
    return chat_views.composer_applied(request, apply.chat_settings(preset), preset_applied=preset)


@require_POST
def apply_to_comparison(request):
    """Set the new-comparison form up from a preset (apply.comparison_values says how); the
    prompt and everything else typed stays."""
    preset = _chosen(request)
    if preset is None:
        return _picker(request, "compare", status=422, picker_error="Choose a preset first.")
    if not request.htmx:
        return redirect(f"{reverse('compare:list')}?preset={preset.pk}")
    form, column = apply.comparison_form(user=request.user, preset=preset, data=request.POST)
    return compare_views.new_comparison_page(
        request, form, preset_applied=preset, preset_column=column + 1
    )


@require_POST
def save_from_chat(request):
    """Save the chat's settings as they are in its composer as a new preset."""
    model_id = request.POST.get("model", "")
    name = request.POST.get("preset_name", "")
    team_value = request.POST.get("preset_team", "")
    kept = {"picker_name": name, "picker_team": team_value}
    settings, errors = services.settings_clean(
        model_id=model_id, raw=panel.raw_values(request.POST, catalog.chat_model(model_id))
    )
    if errors:
        problem = "Fix the settings first: " + " ".join(errors.values())
        return _picker(request, "chat", status=422, picker_save_error=problem, **kept)
    team_id = parse_id(team_value)
    try:
        preset = services.preset_create(
            user=request.user,
            name=name,
            model=model_id,
            protocol=request.POST.get("protocol", ""),
            system_prompt=request.POST.get("system_prompt", ""),
            settings=settings,
            team=Team.objects.filter(pk=team_id).first() if team_id else None,
        )
    except PresetError as error:
        return _picker(request, "chat", status=422, picker_save_error=error.message, **kept)
    if not request.htmx:
        messages.success(request, f"Saved “{preset.name}”.")
        return redirect(reverse("presets:list") + f"#preset-{preset.pk}")
    return _picker(request, "chat", picker_selected=preset.pk, picker_saved=preset)
