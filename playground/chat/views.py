import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from django.core.paginator import Paginator
from django.db import close_old_connections
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from playground.chat import broker, runs, selectors, services
from playground.chat.forms import MessageForm, RenameForm, message_form_initial
from playground.chat.models import Conversation, Message, Run
from playground.core.sse import SSE_HEADERS, SSE_KEEPALIVE, sse_message, sse_text
from playground.nexconn import catalog

CONVERSATIONS_PER_PAGE = 30
KEEPALIVE_SECONDS = 15
TEMPLATE = "chat/chat.html"


def _model_ids(conversation: Conversation | None) -> tuple[list[str], str, str]:
    """Model ids for the picker, the default one, and why the live list is missing if it is."""
    choices = async_to_sync(services.chat_models_available)()
    ids = list(choices.ids)
    if conversation is not None and conversation.model not in ids:
        ids.insert(0, conversation.model)  # keep a model the list no longer offers
    default = catalog.DEFAULT_CHAT_MODEL if catalog.DEFAULT_CHAT_MODEL in ids else ids[0]
    return ids, default, choices.error


def _sidebar_page(request, *, page_number=1):
    return Paginator(
        selectors.conversation_list(user=request.user), CONVERSATIONS_PER_PAGE
    ).get_page(page_number)


def _chat_page(request, conversation: Conversation | None):
    model_ids, default_model, models_error = _model_ids(conversation)
    form = MessageForm(
        initial=message_form_initial(conversation, default_model), model_ids=model_ids
    )
    messages = selectors.conversation_messages(conversation=conversation) if conversation else []
    return render(
        request,
        TEMPLATE,
        {
            "conversation": conversation,
            "chat_messages": messages,
            "form": form,
            "models_error": models_error,
            "conversations": _sidebar_page(request),
        },
    )


@require_GET
def home(request):
    return _chat_page(request, None)


@require_GET
def conversation_detail(request, pk: int):
    return _chat_page(request, selectors.conversation_get(user=request.user, pk=pk))


@require_GET
def conversation_list(request):
    page = _sidebar_page(request, page_number=request.GET.get("page", 1))
    if request.htmx:
        return render(request, f"{TEMPLATE}#sidebar-items", {"conversations": page})
    return render(request, "chat/conversation_list.html", {"conversations": page})


@require_GET
def conversation_item(request, pk: int):
    conversation = selectors.conversation_get(user=request.user, pk=pk)
    return render(request, f"{TEMPLATE}#conversation-item", {"item": conversation})


@require_POST
async def message_send(request, pk: int | None = None):
    """Store the message, start the answer, and return both for the page to append."""
    response, run_id = await sync_to_async(_message_send)(request, pk)
    if run_id is not None:
        runs.run_start(run_id)
    return response


def _message_send(request, pk: int | None) -> tuple[HttpResponse, int | None]:
    conversation = selectors.conversation_get(user=request.user, pk=pk) if pk else None
    model_ids, _, _ = _model_ids(conversation)
    form = MessageForm(request.POST, model_ids=model_ids)
    if not form.is_valid():
        return _composer_error(request, form, conversation, status=422), None
    data = form.cleaned_data
    chat = services.ChatSettings(
        model=data["model"],
        system_prompt=data["system_prompt"],
        temperature=data["temperature"],
        max_tokens=data["max_tokens"],
    )
    try:
        run = services.message_send(
            user=request.user, conversation=conversation, text=data["text"], chat=chat
        )
    except services.ConversationBusy:
        form.add_error(None, "The answer to your last message is still being written. "
                       "Wait for it to finish, then send again.")  # fmt: skip
        return _composer_error(request, form, conversation, status=409), None

    new_conversation = conversation is None
    conversation = run.message.conversation
    if not request.htmx:
        return redirect("chat:conversation", pk=conversation.pk), run.pk
    user_message = conversation.messages.filter(role=Message.Role.USER).latest("id")
    fresh_form = MessageForm(
        initial=message_form_initial(conversation, chat.model), model_ids=model_ids
    )
    response = render(
        request,
        f"{TEMPLATE}#send-response",
        {
            "chat_messages": [user_message, run.message],
            "conversation": conversation,
            "form": fresh_form,
            "new_conversation": new_conversation,
            "item": conversation,
        },
    )
    if new_conversation:
        response["HX-Push-Url"] = reverse("chat:conversation", args=[conversation.pk])
    return response, run.pk


def _composer_error(request, form, conversation, *, status: int) -> HttpResponse:
    """Show the problem next to the form, keeping everything the user typed."""
    if not request.htmx:
        return render(
            request,
            TEMPLATE,
            {
                "conversation": conversation,
                "chat_messages": selectors.conversation_messages(conversation=conversation)
                if conversation
                else [],
                "form": form,
                "conversations": _sidebar_page(request),
            },
            status=status,
        )
    response = render(
        request, f"{TEMPLATE}#composer", {"form": form, "conversation": conversation}, status=status
    )
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


@require_GET
async def run_events(request, pk: int):
    """SSE: what the run has produced so far, then live pieces, then the final rendering.

    Read-only and safe to repeat: the browser's EventSource reconnects on its own.
    """
    user = await request.auser()
    run = await sync_to_async(selectors.run_get)(user=user, pk=pk)
    # Let go of the request's database connection before a stream that may last minutes.
    await sync_to_async(close_old_connections)()
    return StreamingHttpResponse(
        _run_event_stream(run, _last_event_id(request)),
        content_type="text/event-stream",
        headers=SSE_HEADERS,
    )


def _last_event_id(request) -> int | None:
    value = request.headers.get("Last-Event-ID", "")
    return int(value) if value.isdigit() else None


async def _run_event_stream(run: Run, last_event_id: int | None):
    stream = broker.stream_get(run.pk)
    if stream is not None:
        queue = stream.subscribe()
        try:
            if last_event_id is not None and last_event_id <= stream.seq:
                backlog = _pieces_message(stream.since(last_event_id))
            else:
                backlog = _snapshot_message(stream, run.message_id)
            yield b"retry: 1000\n\n" + backlog
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield SSE_KEEPALIVE
                    continue
                items, ended = _drain(item, queue)
                if items:
                    yield _pieces_message(items)
                if ended:
                    break
        finally:
            stream.unsubscribe(queue)
    try:
        final_html = await runs.db(_final_html)(run.pk)
    except Run.DoesNotExist:  # the conversation was deleted meanwhile
        final_html = ""
    yield sse_message(final_html, event="done")


def _drain(first, queue: asyncio.Queue) -> tuple[list, bool]:
    """Take everything already waiting, so a burst of tokens becomes one message."""
    items, item = [], first
    while item is not None:
        items.append(item)
        if queue.empty():
            return items, False
        item = queue.get_nowait()
    return items, True


def _pieces_message(items: list[tuple[int, str, str]]) -> bytes:
    """Consecutive pieces of the same kind become one SSE message (fewer DOM swaps)."""
    out, group, group_kind = [], [], None
    for seq, kind, piece in items:
        if kind != group_kind and group:
            out.append(_group_message(group_kind, group))
            group = []
        group_kind = kind
        group.append((seq, piece))
    if group:
        out.append(_group_message(group_kind, group))
    return b"".join(out)


def _group_message(kind: str, group: list[tuple[int, str]]) -> bytes:
    last_seq = group[-1][0]
    if kind == broker.STATUS:  # a notice replaces the previous one
        return sse_text(group[-1][1], event=kind, id=last_seq)
    return sse_text("".join(piece for _, piece in group), event=kind, id=last_seq)


def _snapshot_message(stream: broker.RunStream, message_id: int) -> bytes:
    """Replace (not append to) whatever the page shows with the exact state so far."""
    parts = {
        broker.TEXT: stream.text_so_far(broker.TEXT),
        broker.REASONING: stream.text_so_far(broker.REASONING),
        broker.STATUS: stream.latest(broker.STATUS),
    }
    html = "".join(
        f'<div id="message-{message_id}-{kind}" hx-swap-oob="innerHTML">{escape(text)}</div>'
        for kind, text in parts.items()
        if text or kind != broker.STATUS
    )
    return sse_message(html, event="snapshot", id=stream.seq)


def _final_html(run_id: int) -> str:
    run = Run.objects.select_related("message").get(pk=run_id)
    if run.is_active and broker.stream_get(run_id) is None:
        # Nobody is generating it any more: the process that was has gone away.
        run.status = Run.Status.INTERRUPTED
        run.error_message = "The server restarted before this answer finished."
        Run.objects.filter(pk=run_id).update(status=run.status, error_message=run.error_message)
    return render_to_string(f"{TEMPLATE}#message", {"message": run.message})
