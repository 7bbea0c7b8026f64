import json
import secrets
from functools import partial
from urllib.parse import urlencode

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap

from playground.accounts.keys import NoPayingKey
from playground.accounts.services import preference_save
from playground.chat import export, page_stream, panel, rendering, runs, selectors, services
from playground.chat.forms import MessageForm, RenameForm, message_form_initial
from playground.chat.live import get_broker
from playground.chat.models import Conversation, Run
from playground.compare.selectors import blind_comparison_hiding
from playground.core.db import close_request_connections
from playground.core.files import stored_file_response
from playground.core.ids import parse_id
from playground.core.responses import refusal
from playground.core.sse import SSE_HEADERS
from playground.files.selectors import ready_files
from playground.nexconn import catalog, snippets
from playground.nexconn.protocols import default_protocol_for, protocols_for
from playground.presets.apply import chat_settings, preset_in_query
from playground.usage.budgets import LimitExceeded

CONVERSATIONS_PER_PAGE = 30
TEMPLATE = "chat/chat.html"


def _model_ids(conversation: Conversation | None) -> tuple[list[str], str, str]:
    """Model ids for the picker, the default one, and a notice if the live list is missing."""
    choices = services.chat_models_cached()
    ids = list(choices.ids)
    if conversation is not None and conversation.model not in ids:
        ids.insert(0, conversation.model)  # keep a model the list no longer offers
    default = catalog.DEFAULT_CHAT_MODEL if catalog.DEFAULT_CHAT_MODEL in ids else ids[0]
    return ids, default, choices.notice


def _sidebar_page(request, *, page_number=1, query: str = ""):
    conversations = (
        selectors.conversation_search(user=request.user, query=query)
        if query
        else selectors.conversation_list(user=request.user)
    )
    page = Paginator(conversations, CONVERSATIONS_PER_PAGE).get_page(page_number)
    page.object_list = selectors.with_comparison_groups(page.object_list)
    return page


def _composer_context(
    *, user, model_id: str, protocol: str = "", values: dict | None = None, errors=None
) -> dict:
    """The parts of the composer that follow the chosen model."""
    model = catalog.chat_model(model_id)
    choices = panel.protocol_choices(model_id)
    if protocol not in {value for value, _ in choices}:
        protocol = default_protocol_for(model_id)
    return {
        "chat_model": model,
        "panel": panel.panel(model, values or {}, errors or {}),
        "protocol_choices": choices,
        "protocol": protocol,
        "attachment_errors": {},
        "ready_files": ready_files(user=user) if model.file_input else [],
    }


def _chat_page(request, conversation: Conversation | None):
    model_ids, default_model, models_notice = _model_ids(conversation)
    initial = message_form_initial(conversation, default_model)
    params = conversation.params if conversation else {}
    # A link from the Presets page (?preset=) opens the composer set to that preset.
    if (preset := preset_in_query(request)) is not None:
        applied = chat_settings(preset)
        if applied.model not in model_ids:
            model_ids.insert(0, applied.model)
        initial |= {
            "model": applied.model,
            "protocol": applied.protocol,
            "system_prompt": applied.system_prompt,
        }
        params = applied.params
    elif conversation is None:
        initial |= _composer_from_link(request.GET, model_ids)
    form = MessageForm(initial=initial, model_ids=model_ids)
    thread = selectors.conversation_thread(conversation=conversation) if conversation else []
    page_id = secrets.token_urlsafe(18)
    return render(
        request,
        TEMPLATE,
        {
            "conversation": conversation,
            "comparison_column": selectors.comparison_column_of(conversation=conversation)
            if conversation
            else None,
            "page_id": page_id,
            "page_stream_url": _page_stream_url(page_id, thread),
            "thread": thread,
            "leaf_id": thread[-1].message.pk if thread else None,
            "totals": selectors.conversation_totals(conversation=conversation)
            if conversation
            else None,
            "form": form,
            "models_notice": models_notice,
            "model_groups": catalog.model_groups(model_ids),
            "conversations": _sidebar_page(request),
            "preset_applied": preset,
            **_composer_context(
                user=request.user,
                model_id=initial["model"],
                protocol=initial.get("protocol", ""),
                values=params,
            ),
        },
    )


# What a link may fill in a new chat's composer (the API explorer's "Open in chat"): nothing
# is sent, and sending checks it all as it checks what was typed.
_LINK_TEXT_LIMIT = 20_000


def _composer_from_link(query, model_ids: list[str]) -> dict:
    values = {}
    if (model := query.get("model", "")) in model_ids:
        values["model"] = model
        protocols = {protocol.id for protocol in protocols_for(model)}
        if (protocol := query.get("protocol", "")) in protocols:
            values["protocol"] = protocol
    if system := query.get("system", ""):
        values["system_prompt"] = system[:_LINK_TEXT_LIMIT]
    if text := query.get("text", ""):
        values["text"] = text[:_LINK_TEXT_LIMIT]
    return values


def composer_applied(request, chat: services.ChatSettings, **context) -> HttpResponse:
    """The composer (an htmx render) set to `chat`, as a preset applied from its settings
    sets it, keeping the message typed and the conversation it continues. `context` goes to
    the template (the preset picker's notice)."""
    conversation = _posted_conversation(request)
    model_ids, _, models_notice = _model_ids(conversation)
    if chat.model not in model_ids:
        model_ids.insert(0, chat.model)
    initial = {
        "text": request.POST.get("text", ""),
        "model": chat.model,
        "system_prompt": chat.system_prompt,
    }
    composer = _composer_context(
        user=request.user, model_id=chat.model, protocol=chat.protocol, values=chat.params
    )
    return render(
        request,
        f"{TEMPLATE}#composer",
        {
            "form": MessageForm(initial=initial, model_ids=model_ids),
            "conversation": conversation,
            "models_notice": models_notice,
            "model_groups": catalog.model_groups(model_ids),
            **composer,
            **context,
        },
    )


def _page_stream_url(page_id: str, thread) -> str:
    """The page's stream, naming the answers the page draws while they are written: the
    stream carries them from a snapshot."""
    live = [
        run.pk
        for entry in thread
        if (run := getattr(entry.message, "run", None)) is not None and run.is_active
    ]
    url = reverse("chat:page-events", args=[page_id])
    return f"{url}?{urlencode({'run': live}, doseq=True)}" if live else url


@require_GET
def composer_options(request):
    """The model-dependent part of the composer, re-drawn when the model changes; what the
    user set in the panel is kept."""
    model_id = request.GET.get("model", "") or catalog.DEFAULT_CHAT_MODEL
    model = catalog.chat_model(model_id)
    context = _composer_context(
        user=request.user,
        model_id=model_id,
        protocol=request.GET.get("protocol", ""),
        values=panel.raw_values(request.GET, model),
    )
    # The system prompt lives in the same panel: keep what was typed in it.
    context["form"] = MessageForm(
        initial={"system_prompt": request.GET.get("system_prompt", "")}, model_ids=[model_id]
    )
    # The attachments (beside the message box) follow the model too: drawn out of band.
    return render(request, f"{TEMPLATE}#composer-options-redraw", context)


@require_POST
def settings_panel(request):
    """Keep whether the settings panel beside the conversation is open (wide screens), for
    every chat page and browser. The page has already opened or closed it; without
    JavaScript the form comes back to the page it was sent from."""
    state = request.POST.get("open", "")
    if state not in ("0", "1"):
        return refusal(request, "Say open=1 or open=0.", status=400)
    preference_save(user=request.user, settings_panel_open=state == "1")
    if request.htmx:
        return HttpResponse(status=204)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("chat:home")
    return redirect(back)


@require_GET
def home(request):
    return _chat_page(request, None)


@require_GET
def conversation_detail(request, pk: int):
    # A blind comparison's column is not a chat until the vote: the page would name the model.
    comparison_id = blind_comparison_hiding(user=request.user, conversation_id=pk)
    if comparison_id is not None:
        return redirect("compare:comparison", pk=comparison_id)
    return _chat_page(request, selectors.conversation_get(user=request.user, pk=pk))


@require_GET
def conversation_list(request):
    """The sidebar's list, a page at a time; with ?q= only the conversations that match."""
    query = request.GET.get("q", "").strip()[:200]
    page = _sidebar_page(request, page_number=request.GET.get("page", 1), query=query)
    context = {"conversations": page, "query": query}
    if request.htmx:
        return render(request, f"{TEMPLATE}#sidebar-items", context)
    return render(request, "chat/conversation_list.html", context)


@require_GET
def conversation_export(request, pk: int, file_format: str):
    """The conversation as Markdown (the branch on show) or JSON (every branch)."""
    conversation = selectors.conversation_get(user=request.user, pk=pk)
    filename = f"{slugify(conversation.title) or 'conversation'}-{conversation.pk}"
    if file_format == "md":
        body = export.as_markdown(conversation)
        content_type = "text/markdown; charset=utf-8"
    elif file_format == "json":
        body = json.dumps(export.as_json(conversation), indent=2, ensure_ascii=False)
        content_type = "application/json"
    else:
        raise Http404("Export as .md or .json.")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response


@require_GET
def conversation_item(request, pk: int):
    conversation = selectors.conversation_get(user=request.user, pk=pk)
    return render(request, f"{TEMPLATE}#conversation-item", {"item": conversation})


@require_POST
async def message_send(request):
    """Store the message, start the answer, and put both on the page: through the page's
    own stream when it listens (ahead of the answer's first piece), else in the response.

    The answer starts before the messages are drawn, and drawing waits (briefly) for the
    upstream to answer: drawing is not on the way to the first token."""
    refused, sent = await sync_to_async(_message_send)(request)
    if refused is not None:
        return refused
    question, run, new_conversation, loaded = sent
    upstream_answered = await runs.run_start(run.pk, loaded=loaded)
    await runs.until_upstream_answered(upstream_answered)  # drawing takes a thread
    conversation = run.message.conversation
    if not request.htmx:
        return redirect("chat:conversation", pk=conversation.pk)
    # The composer stays as it is (the page clears the text); a new conversation only
    # needs its id in the form and its entry in the sidebar.
    messages, extra = await sync_to_async(_sent_html)(request, question, run, new_conversation)
    placed = await page_stream.place_on_page(request, run.pk, messages, swap="beforeend")
    response = HttpResponse(extra if placed else messages + extra)
    if placed:
        reswap(response, "none")
    if new_conversation:
        response["HX-Push-Url"] = reverse("chat:conversation", args=[conversation.pk])
    return response


def _message_send(request) -> tuple[HttpResponse | None, tuple | None]:
    conversation = _posted_conversation(request)
    model_ids, _, _ = _model_ids(conversation)
    form = MessageForm(request.POST, model_ids=model_ids)
    model_id = request.POST.get("model", "")
    model = catalog.chat_model(model_id)
    values = panel.raw_values(request.POST, model)
    protocol = request.POST.get("protocol", "")

    def refuse(status: int, errors=None, attachment_errors=None) -> HttpResponse:
        composer = _composer_context(
            user=request.user, model_id=model_id, protocol=protocol, values=values, errors=errors
        )
        composer["attachment_errors"] = attachment_errors or {}
        composer["model_groups"] = catalog.model_groups(model_ids)
        # The settings panel shows itself when what it holds needs fixing.
        panel_fields = {"model", "system_prompt"} & set(form.errors)
        composer["panel_errors"] = bool(errors or panel_fields)
        return _composer_error(request, form, conversation, composer, status=status)

    if not form.is_valid():
        return refuse(422), None
    _, param_errors = model.clean_params(values)
    attachments, attachment_errors = panel.attachments_from(request, model)
    if param_errors or attachment_errors:
        for message in attachment_errors.values():
            form.add_error(None, message)
        if param_errors:
            form.add_error(None, "Please check the highlighted settings.")
        return refuse(422, param_errors, attachment_errors), None
    data = form.cleaned_data
    if protocol not in {p.id for p in protocols_for(model_id)}:
        protocol = default_protocol_for(model_id)
    chat = services.ChatSettings(
        model=data["model"],
        protocol=protocol,
        system_prompt=data["system_prompt"],
        params=values,
    )
    send = partial(
        services.message_send,
        user=request.user,
        conversation=conversation,
        text=data["text"],
        chat=chat,
        attachments=attachments,
    )
    try:
        try:
            question, run = send()
        except services.ConversationBusy as busy:
            if not _release_if_orphaned(busy.run):
                form.add_error(None, "The answer to your last message is still being written. "
                               "Stop it or wait for it to finish, then send again.")  # fmt: skip
                return refuse(409), None
            question, run = send()
    except NoPayingKey as refused:
        form.add_error(None, refused.message)
        return refuse(409), None
    except LimitExceeded as limit:  # nothing was sent upstream
        form.add_error(None, limit.message)
        return refuse(limit.status), None
    # The wire request is built here, in this request's thread, so the answer's upstream
    # request goes out as soon as it starts. A new conversation's first message is the
    # whole branch; with no attachments there is nothing more to read for it.
    branch = [(question, [])] if conversation is None and not attachments else None
    return None, (question, run, conversation is None, runs.load(run, branch=branch))


def _sent_html(request, question, run, new_conversation: bool) -> tuple[str, str]:
    """The new messages, and for a new conversation what else the page updates."""
    conversation = run.message.conversation
    context = {"chat_messages": [question, run.message], "conversation": conversation}
    messages = render_to_string(f"{TEMPLATE}#sent-messages", context, request)
    if not new_conversation:
        return messages, ""
    context = {"conversation": conversation, "item": conversation}
    return messages, render_to_string(f"{TEMPLATE}#new-conversation", context, request)


def _posted_conversation(request) -> Conversation | None:
    """The conversation the message continues (the owner's only), or None for a new one."""
    value = request.POST.get("conversation", "")
    if not value:
        return None
    pk = parse_id(value)
    if pk is None:
        raise Http404
    return selectors.conversation_get(user=request.user, pk=pk)


def _composer_error(request, form, conversation, composer: dict, *, status: int) -> HttpResponse:
    """Show the problem next to the form, keeping everything the user typed."""
    if not request.htmx:
        return render(
            request,
            TEMPLATE,
            {
                "conversation": conversation,
                "thread": selectors.conversation_thread(conversation=conversation)
                if conversation
                else [],
                "leaf_id": None,
                "form": form,
                "conversations": _sidebar_page(request),
                **composer,
            },
            status=status,
        )
    context = {"form": form, "conversation": conversation, **composer}
    response = render(request, f"{TEMPLATE}#composer", context, status=status)
    response["HX-Retarget"] = "#composer"
    response["HX-Reswap"] = "outerHTML"
    return response


@require_http_methods(["GET", "POST"])
def conversation_rename(request, pk: int):
    conversation = selectors.conversation_get(user=request.user, pk=pk)
    form = RenameForm(request.POST or None, initial={"title": conversation.title})
    if request.method == "POST" and form.is_valid():
        services.conversation_rename(conversation=conversation, title=form.cleaned_data["title"])
        if request.htmx:
            return render(request, f"{TEMPLATE}#conversation-item", {"item": conversation})
        return redirect("chat:conversation", pk=pk)
    status = 400 if request.method == "POST" else 200
    context = {"item": conversation, "rename_form": form}
    if request.htmx:
        return render(request, f"{TEMPLATE}#rename-form", context, status=status)
    return render(request, "chat/conversation_rename.html", context, status=status)


@require_http_methods(["GET", "POST"])
def conversation_delete(request, pk: int):
    conversation = selectors.conversation_get(user=request.user, pk=pk)
    if request.method == "GET":
        return render(request, "chat/conversation_delete.html", {"item": conversation})
    conversation_url = reverse("chat:conversation", args=[pk])
    services.conversation_delete(conversation=conversation)
    if not request.htmx:
        return redirect("chat:home")
    if request.htmx.current_url_abs_path == conversation_url:
        return HttpResponseClientRedirect(reverse("chat:home"))
    return HttpResponse("")  # the sidebar entry is replaced by nothing


# --- Streaming a run to the page ---------------------------------------------------


def _release_if_orphaned(run: Run) -> bool:
    """An active run that no process generates any more (after a restart) is interrupted."""
    if async_to_sync(get_broker().is_live)(run.pk):
        return False
    services.run_mark_interrupted(run=run)
    return True


# --- Following, stopping and retrying a run -----------------------------------------


@require_GET
async def page_events(request, page: str):
    """SSE: the page's own stream (chat/page_stream.py). It carries the answers the page
    names (`?run=`, the user's own: another's is not found) and those started from the
    page. Read-only and safe to repeat: the browser's EventSource reconnects on its own."""
    if not page_stream.PAGE_ID.fullmatch(page):
        raise Http404
    shown = [run_id for value in request.GET.getlist("run") if (run_id := parse_id(value))]
    user, run_ids = await sync_to_async(_user_and_runs)(request, shown)
    return StreamingHttpResponse(
        page_stream.page_event_stream(
            runs=run_ids,
            page=page_stream.page_channel(user.pk, page),
            draw_final=rendering.message_html,
            markdown=True,
        ),
        content_type="text/event-stream",
        headers=SSE_HEADERS,
    )


def _user_and_runs(request, run_ids: list[int]):
    """The user, and the runs if they are all theirs (else 404), in one trip to a thread;
    then the stream holds no connection while it waits (core/db.py)."""
    user = request.user
    user.pk  # noqa: B018 - read here, in the request's thread, not in the stream
    owned = selectors.run_ids_owned(user=user, ids=run_ids[:20]) if run_ids else []
    if len(owned) != len(run_ids):
        raise Http404
    close_request_connections()
    return user, owned


@require_POST
async def run_stop(request, pk: int):
    """Stop generating: the upstream request is cancelled and the text so far is kept."""
    user = await request.auser()
    run = await sync_to_async(selectors.run_get)(user=user, pk=pk, in_blind_column=True)
    if run.is_active and not await get_broker().request_stop(run.pk):
        # Nobody is generating it any more (a restart): it ends here.
        await sync_to_async(services.run_mark_interrupted)(run=run)
    if request.htmx:
        return HttpResponse(status=204)  # the run's stream brings the final state
    return redirect("chat:conversation", pk=run.message.conversation_id)


@require_POST
async def run_retry(request, pk: int):
    """Try an answer again as a new attempt below the failed one."""
    response, run_id = await sync_to_async(_run_retry)(request, pk)
    if run_id is not None:
        await runs.run_start(run_id)
        if response.status_code == 200 and await page_stream.place_on_page(
            request, run_id, response.content.decode(), swap="beforeend"
        ):
            return reswap(HttpResponse(), "none")
    return response


def _run_retry(request, pk: int) -> tuple[HttpResponse, int | None]:
    run = selectors.run_get(user=request.user, pk=pk)
    conversation_id = run.message.conversation_id
    try:
        new_run = services.run_retry(run=run)
    except services.ConversationBusy as busy:
        if not _release_if_orphaned(busy.run):
            return refusal(request, "Another answer is still being written."), None
        new_run = services.run_retry(run=run)
    except services.NotRetryable:
        return refusal(request, "Only the latest answer can be tried again."), None
    except NoPayingKey as refused:
        return refusal(request, refused.message), None
    except LimitExceeded as limit:
        return refusal(request, limit.message, status=limit.status), None
    if not request.htmx:
        return redirect("chat:conversation", pk=conversation_id), new_run.pk
    return render(request, f"{TEMPLATE}#message", {"message": new_run.message}), new_run.pk


@require_GET
def attachment_file(request, pk: int):
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    if not attachment.file:
        raise Http404("This attachment is a link, not a stored file.")
    return stored_file_response(
        request,
        attachment.file,
        attachment.content_type or "application/octet-stream",
        download="download" in request.GET,
        filename=attachment.name or "attachment",
    )


@require_GET
def run_inspect(request, pk: int):
    """The exact request as code (curl, Python, JavaScript) and the raw exchange."""
    run = selectors.run_get(user=request.user, pk=pk)
    request_record = run.request or {}
    body = request_record.get("body") or {}
    path = request_record.get("path", "")
    code = {}
    if body:
        code = snippets.snippets(
            protocol=run.protocol,
            base_url=settings.NEXCONN_BASE_URL,
            path=path,
            body=body,
            stream=bool(body.get("stream")) or "streamGenerateContent" in path,
            headers=request_record.get("headers"),
        )
    context = {
        "run": run,
        "conversation": run.message.conversation,
        "code": code,
        "request_json": json.dumps(request_record, indent=2, ensure_ascii=False),
        "shortened": "<base64 " in json.dumps(body),
        "exchange": run.exchange or [],
    }
    return render(request, "chat/inspect.html", context)
