"""Actions on one message: edit and resend, regenerate, switch branch, delete, tool results.

Each answers with the whole thread on show (the branch may have changed), and starts the
new answer's run when there is one.
"""

from asgiref.sync import sync_to_async
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from playground.accounts.keys import NoPayingKey
from playground.chat import page_stream, runs, selectors, services
from playground.chat.forms import MAX_MESSAGE_CHARS, TOO_LONG
from playground.chat.models import Conversation, Message, Run
from playground.core.responses import refusal
from playground.usage.budgets import LimitExceeded

TEMPLATE = "chat/chat.html"


def _thread_response(request, conversation: Conversation, *, status: int = 200) -> HttpResponse:
    conversation.refresh_from_db(fields=["current_leaf"])
    if not request.htmx:
        return redirect("chat:conversation", pk=conversation.pk)
    thread = selectors.conversation_thread(conversation=conversation)
    context = {
        "conversation": conversation,
        "thread": thread,
        "leaf_id": thread[-1].message.pk if thread else None,
    }
    return render(request, f"{TEMPLATE}#thread", context, status=status)


async def _then_start(request, response_and_run: tuple[HttpResponse, Run | None]) -> HttpResponse:
    """Start the new answer, and put the thread on the page through the page's stream when
    it listens (chat/page_stream.py), ahead of the answer's first piece."""
    response, run = response_and_run
    if run is None:
        return response
    await runs.run_start(run.pk)
    if response.status_code == 200 and await page_stream.place_on_page(
        request, run.pk, response.content.decode(), swap="innerHTML"
    ):
        return reswap(HttpResponse(), "none")
    return response


def _busy_guarded(request, action):
    """Run a write that starts an answer; refuse clearly while another one is running."""
    try:
        return action(), None
    except services.ConversationBusy:
        return None, refusal(
            request, "An answer is still being written. Stop it or wait, then try again."
        )
    except services.NotRetryable:
        return None, refusal(request, "That can only be done on the latest message.")
    except NoPayingKey as refused:
        return None, refusal(request, refused.message)
    except LimitExceeded as limit:
        return None, refusal(request, limit.message, status=limit.status)


@require_http_methods(["GET", "POST"])
async def message_edit(request, pk: int):
    return await _then_start(request, await sync_to_async(_message_edit)(request, pk))


def _message_edit(request, pk: int):
    message = selectors.message_get(user=request.user, pk=pk)
    if message.role != Message.Role.USER:
        return refusal(request, "Only your own messages can be edited."), None
    if request.method == "GET":
        return render(request, f"{TEMPLATE}#edit-form", {"message": message}), None
    text = request.POST.get("text", "").strip()
    error = "Type a message first." if not text else ""
    if len(text) > MAX_MESSAGE_CHARS:
        error = TOO_LONG
    if error:
        # The form again in place of the message, with what was typed.
        context = {"message": message, "edit_error": error, "edit_text": text}
        response = render(request, f"{TEMPLATE}#edit-form", context, status=400)
        return reswap(retarget(response, f"#message-{message.pk}"), "outerHTML"), None
    result, refused = _busy_guarded(
        request, lambda: services.message_edit(message=message, text=text)
    )
    if refused:
        return refused, None
    _, run = result
    return _thread_response(request, message.conversation), run


@require_POST
async def message_regenerate(request, pk: int):
    return await _then_start(request, await sync_to_async(_message_regenerate)(request, pk))


def _message_regenerate(request, pk: int):
    message = selectors.message_get(user=request.user, pk=pk)
    if message.role != Message.Role.ASSISTANT:
        return refusal(request, "Only an answer can be regenerated."), None
    run, refused = _busy_guarded(request, lambda: services.answer_regenerate(message=message))
    if refused:
        return refused, None
    return _thread_response(request, message.conversation), run


@require_POST
def message_show(request, pk: int):
    """Switch to another branch: the sibling `pk` and the newest messages after it."""
    message = selectors.message_get(user=request.user, pk=pk)
    services.branch_show(conversation=message.conversation, message=message)
    return _thread_response(request, message.conversation)


@require_POST
def message_delete(request, pk: int):
    message = selectors.message_get(user=request.user, pk=pk)
    conversation = message.conversation
    _, refused = _busy_guarded(request, lambda: services.message_delete(message=message))
    return refused or _thread_response(request, conversation)


@require_POST
async def tool_results(request, pk: int):
    return await _then_start(request, await sync_to_async(_tool_results)(request, pk))


def _tool_results(request, pk: int):
    message = selectors.message_get(user=request.user, pk=pk)
    if not message.tool_calls:
        return refusal(request, "This answer did not call any tool."), None
    results = {}
    for call in message.tool_calls:
        value = request.POST.get(f"result-{call['id']}", "")
        if len(value) > MAX_MESSAGE_CHARS:
            # Said beside the form, which keeps what was typed.
            response = refusal(request, f"{call['name']}: {TOO_LONG}", status=400)
            return retarget(response, f"#tool-results-error-{message.pk}"), None
        results[call["id"]] = value
    run, refused = _busy_guarded(
        request, lambda: services.tool_results_submit(message=message, results=results)
    )
    if refused and refused.status_code in (403, 429):  # a limit: beside the form, kept
        return retarget(refused, f"#tool-results-error-{message.pk}"), None
    if refused:
        return refused, None
    return _thread_response(request, message.conversation), run
