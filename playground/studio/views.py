from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from playground.accounts.keys import NoPayingKey
from playground.compare.selectors import blind_comparison_hiding
from playground.core.files import stored_file_response
from playground.core.ids import optional_id
from playground.nexconn.media.catalog import MediaModel, media_model
from playground.studio import selectors, services
from playground.studio.estimates import cost_estimate
from playground.studio.forms import (
    DEFAULT_VIDEO_MODEL,
    GalleryFilterForm,
    GenerationForm,
    choice_key,
    default_model,
    form_initial_from,
    model_from_choice,
)
from playground.studio.models import Generation
from playground.usage.budgets import LimitExceeded

STUDIO_TEMPLATE = "studio/studio.html"
GALLERY_TEMPLATE = "studio/gallery.html"
DETAIL_TEMPLATE = "studio/generation.html"
RECENT_JOBS = 8
GALLERY_PAGE_SIZE = 24
# What a first visit offers to try: (what it makes, model, prompt). In demo mode one click
# makes it (the simulator costs nothing); with a real key it fills the form, to be checked.
EXAMPLES = (
    (
        "A picture of a fox",
        "image:gemini-2.5-flash-image",
        "A red fox in fresh snow at dawn, soft golden light, photograph",
    ),
    (
        "A watercolour city",
        "image:kling-v2-1",
        "A small harbour town at sunset, loose watercolour, boats and gulls",
    ),
    (
        "A 5-second video",
        "video:kling-v2-5-turbo",
        "A paper boat drifting down a rainy street, the camera following it",
    ),
)


def _chosen_model(data) -> MediaModel:
    return model_from_choice(data.get("model", "")) or default_model()


def _initial_from_query(request) -> tuple[MediaModel, dict]:
    """Prefill from ?from=<job> (settings again) or ?ref=<output> (use one of your images as
    the reference or first frame of the chosen model and mode), plus ?model, ?mode, ?prompt."""
    initial: dict = {}
    source = optional_id(request.GET, "from", what="one of your jobs")
    if source is not None:
        initial = form_initial_from(selectors.generation_get(user=request.user, pk=source))
    for key in ("model", "mode", "prompt"):
        if key in request.GET:
            initial[key] = request.GET[key]
    if "seed" in request.GET:  # “same seed, new prompt”
        initial["opt_seed"] = request.GET["seed"]
    media = _chosen_model(initial)
    initial["model"] = choice_key(media)
    mode = media.mode(initial.get("mode", "")) or media.modes[0]
    ref = optional_id(request.GET, "ref", what="one of your images")
    if ref is not None:
        output = selectors.output_get(user=request.user, pk=ref)
        if not mode.slots:  # the reference needs a mode that takes images
            mode = next((m for m in media.modes if m.slots), mode)
        if mode.slots:
            initial[f"{mode.slots[0].name}__outputs"] = str(output.pk)
    initial["mode"] = mode.name
    return media, initial


def _options_context(form: GenerationForm) -> dict:
    return {
        "form": form,
        "media": form.media_model,
        "estimate": cost_estimate(
            media=form.media_model, mode=form.mode.name, values=form.option_values()
        ),
    }


def _studio_context(request, form: GenerationForm) -> dict:
    return {
        **_options_context(form),
        "recent": selectors.generation_list(user=request.user)[:RECENT_JOBS],
        "examples": EXAMPLES,
        "studio_page": True,
    }


@require_GET
def studio(request):
    services.generations_recover(user=request.user)
    media, initial = _initial_from_query(request)
    form = GenerationForm(initial=initial, user=request.user, media=media)
    return render(request, STUDIO_TEMPLATE, _studio_context(request, form))


@require_GET
def studio_options(request):
    """The part of the form that depends on the model and mode, re-rendered when they change.
    What the user typed in the other options is kept."""
    media = _chosen_model(request.GET)
    values = request.GET.copy()
    values["model"] = choice_key(media)
    if values.get("mode") not in {mode.name for mode in media.modes}:
        values["mode"] = media.modes[0].name
    form = GenerationForm(initial=values.dict(), user=request.user, media=media)
    return render(request, f"{STUDIO_TEMPLATE}#options", _options_context(form))


@require_GET
def studio_estimate(request):
    """The cost line beside Generate, redrawn as the count, length or size changes."""
    media = _chosen_model(request.GET)
    form = GenerationForm(initial=request.GET.dict(), user=request.user, media=media)
    return render(request, f"{STUDIO_TEMPLATE}#estimate", _options_context(form))


def _form_refused(request, form: GenerationForm, *, status: int) -> HttpResponse:
    """The form again, with what the user typed and why it was not sent."""
    if request.htmx:
        response = render(
            request, f"{STUDIO_TEMPLATE}#generation-form", _options_context(form), status=status
        )
        return reswap(retarget(response, "#generation-form"), "outerHTML")
    return render(request, STUDIO_TEMPLATE, _studio_context(request, form), status=status)


@require_POST
def generation_create(request):
    media = model_from_choice(request.POST.get("model", ""))
    form = GenerationForm(
        request.POST, request.FILES, user=request.user, media=media or default_model()
    )
    if media is None:
        form.add_error("model", "Choose a model from the list.")
    if not form.is_valid():
        return _form_refused(request, form, status=400)
    try:
        generation = services.generation_create(
            user=request.user,
            model=media,
            mode=form.mode.name,
            prompt=form.cleaned_data["prompt"],
            params=form.params,
            inputs=form.inputs,
        )
    except NoPayingKey as refused:
        form.add_error(None, refused.message)
        return _form_refused(request, form, status=409)
    except LimitExceeded as limit:  # nothing was stored or sent; the form keeps its values
        form.add_error(None, limit.message)
        return _form_refused(request, form, status=limit.status)
    if request.htmx:
        return render(request, f"{STUDIO_TEMPLATE}#created", {"generation": generation})
    return redirect("studio:generation", pk=generation.pk)


@require_GET
def generation_detail(request, pk: int):
    # A blind comparison's job is seen through the comparison until the vote (the page
    # would name the model).
    comparison_id = blind_comparison_hiding(user=request.user, generation_id=pk)
    if comparison_id is not None:
        return redirect("compare:comparison", pk=comparison_id)
    generation = selectors.generation_get(user=request.user, pk=pk)
    return render(
        request,
        DETAIL_TEMPLATE,
        {
            "generation": generation,
            "media": generation.media,
            "inputs": _inputs_in_words(generation),
            "video_model": DEFAULT_VIDEO_MODEL,
        },
    )


def _inputs_in_words(generation: Generation) -> list[tuple[str, object]]:
    """(the slot's label, reference) of each reference the job was given."""
    labels = {}
    for mode in generation.media.modes if generation.media else ():
        for slot in mode.slots:
            labels.setdefault(slot.name, slot.label)
        group = mode.group
        for index in range(1, group.max_count + 1) if group and group.images else ():
            labels[group.prefix(index)] = group.block_slot(index).label
    return [
        (labels.get(item.slot, item.slot.replace("_", " ").capitalize()), item)
        for item in generation.inputs.all()
    ]


@require_GET
def generation_card(request, pk: int):
    generation = selectors.generation_get(user=request.user, pk=pk)
    return render(request, f"{STUDIO_TEMPLATE}#card", {"generation": generation})


@require_GET
def generation_tile(request, pk: int):
    generation = selectors.generation_get(user=request.user, pk=pk)
    return render(request, f"{GALLERY_TEMPLATE}#tile", {"generation": generation})


@require_POST
def generation_delete(request, pk: int):
    generation = selectors.generation_get(user=request.user, pk=pk)
    services.generation_delete(generation=generation)
    if request.htmx and request.POST.get("from") == "card":
        return HttpResponse("")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("studio:gallery"))
    return redirect("studio:gallery")


@require_POST
def generation_remix(request, pk: int):
    source = selectors.generation_get(user=request.user, pk=pk)
    media = media_model(source.model, kind=source.kind)
    prompt = request.POST.get("prompt", "").strip()
    error = ""
    if media is None or not media.supports_remix:
        error = "Only Sora videos can be remixed."
    elif source.status != Generation.Status.SUCCEEDED or not source.upstream_task_id:
        error = "Only a finished video can be remixed."
    elif not prompt:
        error = "Describe the change you want."
    elif media.max_prompt_length and len(prompt) > media.max_prompt_length:
        error = f"The description is longer than {media.max_prompt_length} characters."
    if error:
        context = {"generation": source, "remix_error": error, "remix_prompt": prompt}
        return render(request, f"{DETAIL_TEMPLATE}#remix-form", context, status=400)
    try:
        remix = services.generation_create(
            user=request.user,
            model=media,
            mode=source.mode,
            prompt=prompt,
            params=source.params,
            inputs=[],
            remix_of=source,
        )
    except NoPayingKey as refused:
        context = {"generation": source, "remix_error": refused.message, "remix_prompt": prompt}
        return render(request, f"{DETAIL_TEMPLATE}#remix-form", context, status=409)
    except LimitExceeded as limit:
        context = {"generation": source, "remix_error": limit.message, "remix_prompt": prompt}
        return render(request, f"{DETAIL_TEMPLATE}#remix-form", context, status=limit.status)
    if request.htmx:
        return HttpResponseClientRedirect(reverse("studio:generation", args=[remix.pk]))
    return redirect("studio:generation", pk=remix.pk)


@require_GET
def gallery(request):
    models = selectors.generation_models(user=request.user)
    filters = GalleryFilterForm(request.GET or None, models=models)
    status = 200
    if filters.is_bound and not filters.is_valid():
        status = 400
    page = Paginator(
        selectors.generation_list(user=request.user, **filters.filters()), GALLERY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(filters.filters().values()),
        "examples": EXAMPLES,
    }
    template = f"{GALLERY_TEMPLATE}#results" if request.htmx else GALLERY_TEMPLATE
    return render(request, template, context, status=status)


@require_GET
def output_file(request, pk: int):
    output = selectors.output_get(user=request.user, pk=pk)
    extension = output.file.name.rsplit(".", 1)[-1]
    name = f"{slugify(output.generation.model)}-{output.generation_id}-{output.position + 1}"
    return stored_file_response(
        request,
        output.file,
        output.content_type,
        download="download" in request.GET,
        filename=f"{name}.{extension}",
    )


@require_GET
def output_preview(request, pk: int):
    output = selectors.output_get(user=request.user, pk=pk)
    if not output.preview:
        raise Http404("No preview.")
    return stored_file_response(
        request, output.preview, "image/webp", download=False, filename="preview.webp"
    )


@require_GET
def input_file(request, pk: int):
    item = selectors.input_get(user=request.user, pk=pk)
    if not item.file:
        raise Http404("This reference is a link, not a stored file.")
    return stored_file_response(
        request, item.file, item.content_type or "image/png", download=False, filename="reference"
    )
