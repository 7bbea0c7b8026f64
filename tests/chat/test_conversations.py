import pytest
from django.urls import reverse

from playground.chat.models import Conversation, Message, Run
from playground.chat.services import title_from_message
from playground.chat.views import CONVERSATIONS_PER_PAGE

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_title_comes_from_the_first_message():
    assert title_from_message("  What is\nthe sun?  ") == "What is the sun?"
    long = "word " * 40
    title = title_from_message(long)
    assert len(title) <= 60 and title.endswith("…")


def test_rename_through_htmx_returns_the_updated_sidebar_entry(owner_client, owner):
    conversation = Conversation.objects.create(owner=owner, title="Old", model="deepseek-v3")
    url = reverse("chat:conversation-rename", args=[conversation.pk])
    form = owner_client.get(url, **HTMX)
    assert b'name="title"' in form.content and b'value="Old"' in form.content
    response = owner_client.post(url, {"title": "  New name "}, **HTMX)
    assert response.status_code == 200
    assert b"New name" in response.content
    conversation.refresh_from_db()
    assert conversation.title == "New name"


def test_rename_to_an_empty_title_is_refused_with_a_message(owner_client, owner):
    conversation = Conversation.objects.create(owner=owner, title="Keep me", model="deepseek-v3")
    url = reverse("chat:conversation-rename", args=[conversation.pk])
    response = owner_client.post(url, {"title": "   "}, **HTMX)
    assert response.status_code == 400
    assert b"This field is required" in response.content
    conversation.refresh_from_db()
    assert conversation.title == "Keep me"


def test_delete_asks_for_confirmation_then_deletes_everything(owner_client, owner):
    conversation = Conversation.objects.create(owner=owner, title="Doomed", model="deepseek-v3")
    Message.objects.create(conversation=conversation, role="user", content="hi")
    url = reverse("chat:conversation-delete", args=[conversation.pk])
    confirm = owner_client.get(url)
    assert b"cannot be undone" in confirm.content
    assert Conversation.objects.filter(pk=conversation.pk).exists()
    response = owner_client.post(url)
    assert response.status_code == 302
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Message.objects.exists()


def test_deleting_the_open_conversation_sends_the_page_home(owner_client, owner):
    conversation = Conversation.objects.create(owner=owner, title="Open", model="deepseek-v3")
    url = reverse("chat:conversation-delete", args=[conversation.pk])
    page_url = "http://testserver" + reverse("chat:conversation", args=[conversation.pk])
    response = owner_client.post(url, HTTP_HX_CURRENT_URL=page_url, **HTMX)
    assert response["HX-Redirect"] == reverse("chat:home")


def test_sidebar_is_newest_first_and_paginated(owner_client, owner):
    for number in range(CONVERSATIONS_PER_PAGE + 5):
        Conversation.objects.create(owner=owner, title=f"Chat {number:02d}", model="deepseek-v3")
    first_page = owner_client.get(reverse("chat:home")).content.decode()
    newest = f"Chat {CONVERSATIONS_PER_PAGE + 4:02d}"
    assert newest in first_page and "Chat 00" not in first_page
    assert first_page.index(newest) < first_page.index(f"Chat {CONVERSATIONS_PER_PAGE + 3:02d}")
    assert "Load more" in first_page
    second_page = owner_client.get(reverse("chat:conversation-list") + "?page=2", **HTMX)
    assert b"Chat 00" in second_page.content and b"Load more" not in second_page.content


def test_an_empty_message_is_refused_with_a_message_and_the_settings_kept(owner_client):
    response = owner_client.post(
        reverse("chat:send"),
        {
            "text": "   ",
            "model": "deepseek-v3",
            "system_prompt": "Be brief.",
            "p_temperature": "0.3",
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#composer"
    assert b"Type a message first." in response.content
    assert b"Be brief." in response.content and b'value="0.3"' in response.content
    assert not Conversation.objects.exists()


def test_out_of_range_settings_are_refused_and_the_text_kept(owner_client):
    response = owner_client.post(
        reverse("chat:send"),
        {"text": "my long careful question", "model": "deepseek-v3", "p_temperature": "7"},
        **HTMX,
    )
    assert response.status_code == 422
    assert b"my long careful question" in response.content
    assert b"Temperature must be between 0 and 2." in response.content


def test_an_unknown_model_is_refused(owner_client):
    response = owner_client.post(
        reverse("chat:send"), {"text": "hi", "model": "no-such-model"}, **HTMX
    )
    assert response.status_code == 422
    assert b"Select a valid choice" in response.content


def test_an_answer_left_behind_by_a_restart_does_not_block_the_conversation(owner_client, owner):
    conversation = Conversation.objects.create(owner=owner, title="Busy", model="deepseek-v3")
    answer = Message.objects.create(conversation=conversation, role="assistant", content="Half")
    orphan = Run.objects.create(message=answer, model="deepseek-v3", status=Run.Status.STREAMING)
    page = owner_client.get(reverse("chat:conversation", args=[conversation.pk]))
    assert b"Half" in page.content
    response = owner_client.post(
        reverse("chat:send"),
        {
            "text": "another one [sim tokens=3 rate=0]",
            "model": "deepseek-v3",
            "conversation": conversation.pk,
        },
        **HTMX,
    )
    assert response.status_code == 200
    orphan.refresh_from_db()
    assert orphan.status == Run.Status.INTERRUPTED
    assert "restarted" in orphan.error_message
    assert Message.objects.get(pk=answer.pk).content == "Half"


def test_model_picker_lists_the_models_from_the_api(owner_client):
    content = owner_client.get(reverse("chat:home")).content.decode()
    for model_id in ("deepseek-v3", "claude-4.5-sonnet", "openai/gpt-5", "moonshotai/kimi-k2.5"):
        assert f'<option value="{model_id}"' in content
