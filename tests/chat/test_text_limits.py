"""Every text a user sends to a model has the composer's limit, on every path: an edit, tool
results, a comparison and its follow-ups. Over it: a 4xx that says so where the text was
typed, and the text is kept."""

import pytest
from django.urls import reverse

from playground.chat.forms import MAX_MESSAGE_CHARS
from playground.chat.models import Conversation, Message, Run
from playground.compare.models import Column, Comparison, Turn

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TOO_LONG = "word " * (MAX_MESSAGE_CHARS // 5) + "end"


def _conversation(owner, *, tool_calls=()):
    conversation = Conversation.objects.create(owner=owner, model="deepseek-v3")
    question = Message.objects.create(conversation=conversation, role="user", content="hi")
    answer = Message.objects.create(
        conversation=conversation,
        role="assistant",
        parent=question,
        content="",
        tool_calls=list(tool_calls),
    )
    conversation.current_leaf = answer
    conversation.save()
    Run.objects.create(message=answer, model="deepseek-v3", status=Run.Status.DONE)
    return conversation, question, answer


def test_an_edit_over_the_limit_is_refused_in_place_with_the_text_kept(owner_client, owner):
    conversation, question, _ = _conversation(owner)
    response = owner_client.post(
        reverse("chat:message-edit", args=[question.pk]), {"text": TOO_LONG}, **HTMX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == f"#message-{question.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    page = response.content.decode()
    assert f"{MAX_MESSAGE_CHARS:,} characters" in page
    assert TOO_LONG in page  # the edit form again, with what was typed
    assert conversation.messages.count() == 2


def test_tool_results_over_the_limit_are_refused_beside_the_form(owner_client, owner):
    call = {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    conversation, _, answer = _conversation(owner, tool_calls=[call])
    response = owner_client.post(
        reverse("chat:tool-results", args=[answer.pk]), {"result-call_1": TOO_LONG}, **HTMX
    )
    assert response.status_code == 400
    # The message goes into the form's own error slot; the form, and what was typed in it,
    # stays as it is.
    assert response["HX-Retarget"] == f"#tool-results-error-{answer.pk}"
    assert f"{MAX_MESSAGE_CHARS:,} characters" in response.content.decode()
    assert not conversation.messages.filter(role="tool").exists()
    page = owner_client.get(reverse("chat:conversation", args=[conversation.pk])).content
    assert f'id="tool-results-error-{answer.pk}"'.encode() in page


def test_a_follow_up_over_the_limit_is_refused_and_the_form_kept(owner_client, owner):
    comparison = Comparison.objects.create(owner=owner, title="Long")
    conversation, _, _ = _conversation(owner)
    Column.objects.create(
        comparison=comparison, position=0, model="deepseek-v3", conversation=conversation
    )
    Turn.objects.create(comparison=comparison, index=0, prompt="hi")
    response = owner_client.post(
        reverse("compare:turn", args=[comparison.pk]), {"prompt": TOO_LONG}, **HTMX
    )
    assert response.status_code == 400
    assert "HX-Retarget" not in response  # into the notice above the form, which stays
    assert f"{MAX_MESSAGE_CHARS:,} characters" in response.content.decode()
    assert comparison.turns.count() == 1


def test_a_new_comparison_over_the_limit_keeps_the_prompt(owner_client):
    response = owner_client.post(
        reverse("compare:create"),
        {"kind": "chat", "prompt": TOO_LONG, "model_0": "deepseek-v3", "model_1": "openai/gpt-5"},
    )
    assert response.status_code == 400
    assert f"{MAX_MESSAGE_CHARS:,} characters" in response.content.decode()
    assert TOO_LONG in response.content.decode()
    assert not Comparison.objects.exists()
