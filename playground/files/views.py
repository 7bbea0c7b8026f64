from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from playground.files import selectors, services
from playground.files.forms import UpstreamFileForm
from playground.nexconn.errors import NexconnError

FILES_TEMPLATE = "files/files.html"


def _files_context(request, form: UpstreamFileForm) -> dict:
    return {"form": form, "files": selectors.upstream_file_list(user=request.user)}


@require_GET
def files(request):
    services.upstream_files_expire(user=request.user)
    # ?source_url=…&model=… refills the form ("Try again" on a failed file).
    initial = {key: request.GET[key] for key in ("source_url", "model") if key in request.GET}
    form = UpstreamFileForm(initial=initial)
    return render(request, FILES_TEMPLATE, _files_context(request, form))


@require_POST
def file_create(request):
    form = UpstreamFileForm(request.POST)
    if form.is_valid():
        try:
            upstream_file = services.upstream_file_create(
                user=request.user,
                source_url=form.cleaned_data["source_url"],
                model=form.cleaned_data["model"],
                expires_in=form.cleaned_data["expires_in"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                context = {"file": upstream_file, "form": UpstreamFileForm(), "oob": True}
                return render(request, f"{FILES_TEMPLATE}#created", context)
            return redirect("files:files")
    if request.htmx:
        response = render(request, f"{FILES_TEMPLATE}#file-form", {"form": form}, status=400)
        return reswap(retarget(response, "#file-form"), "outerHTML")
    return render(request, FILES_TEMPLATE, _files_context(request, form), status=400)


@require_GET
def files_refresh(request):
    """The user's files as the provider lists them now; the page asks for it once loaded, so
    a slow provider never holds the page up."""
    note = services.upstream_files_refresh(user=request.user)
    services.upstream_files_expire(user=request.user)
    context = {"files": selectors.upstream_file_list(user=request.user), "refresh_note": note}
    return render(request, f"{FILES_TEMPLATE}#file-list", context)


@require_GET
def file_card(request, pk: int):
    upstream_file = selectors.upstream_file_get(user=request.user, pk=pk)
    return render(request, f"{FILES_TEMPLATE}#file-card", {"file": upstream_file})


@require_POST
def file_delete(request, pk: int):
    upstream_file = selectors.upstream_file_get(user=request.user, pk=pk)
    try:
        note = services.upstream_file_delete(upstream_file=upstream_file)
    except NexconnError as error:
        problem = f"It could not be deleted at the provider: {error.message_for_user}"
        if request.htmx:
            context = {"file": upstream_file, "delete_error": problem}
            return render(request, f"{FILES_TEMPLATE}#file-card", context)
        messages.error(request, problem)
        return redirect("files:files")
    if request.htmx:
        return render(request, f"{FILES_TEMPLATE}#deleted", {"note": note})
    messages.info(request, note)
    return redirect("files:files")


@require_GET
def file_picker(request):
    """The ready files as checkboxes named `files`, for a chat message to cite."""
    context = {"ready_files": selectors.ready_files(user=request.user)}
    return render(request, f"{FILES_TEMPLATE}#file-picker", context)
