"""Every URL that takes an object id answers 404 to anyone but the owner."""

from urllib.parse import parse_qsl

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from playground.chat.models import Attachment, Conversation, Message, Run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def conversation(owner):
    conversation = Conversation.objects.create(
        owner=owner, title="Secret plans", model="deepseek-v3"
    )
    Message.objects.create(conversation=conversation, role="user", content="top secret question")
    answer = Message.objects.create(
        conversation=conversation, role="assistant", content="top secret answer"
    )
    Run.objects.create(message=answer, model="deepseek-v3", status=Run.Status.DONE)
    return conversation


def _urls(conversation):
    run = Run.objects.get(message__conversation=conversation)
    question = Message.objects.get(conversation=conversation, role="user")
    attachment = Attachment(message=question, kind="image", content_type="image/png")
    attachment.file.save("a.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    pk = conversation.pk
    return [
        ("get", reverse("chat:conversation-export", args=[pk, "md"])),
        ("get", reverse("chat:conversation-export", args=[pk, "json"])),
        ("get", reverse("chat:run-inspect", args=[run.pk])),
        ("get", reverse("chat:message-edit", args=[question.pk])),
        ("post", reverse("chat:message-edit", args=[question.pk])),
        ("post", reverse("chat:message-regenerate", args=[run.message_id])),
        ("post", reverse("chat:message-show", args=[question.pk])),
        ("post", reverse("chat:message-delete", args=[question.pk])),
        ("post", reverse("chat:tool-results", args=[run.message_id])),
        ("get", reverse("chat:attachment", args=[attachment.pk])),
        ("get", reverse("chat:conversation", args=[pk])),
        ("get", reverse("chat:conversation-item", args=[pk])),
        ("get", reverse("chat:conversation-rename", args=[pk])),
        ("post", reverse("chat:conversation-rename", args=[pk])),
        ("get", reverse("chat:conversation-delete", args=[pk])),
        ("post", reverse("chat:conversation-delete", args=[pk])),
        ("post", reverse("chat:send")),  # continuing this conversation
        ("get", f"{reverse('chat:page-events', args=['a' * 24])}?run={run.pk}"),
        ("post", reverse("chat:run-stop", args=[run.pk])),
        ("post", reverse("chat:run-retry", args=[run.pk])),
    ]


def test_owner_can_open_everything(owner_client, conversation):
    for method, url in _urls(conversation):
        if method == "get":
            assert owner_client.get(url).status_code == 200, url


def test_another_user_gets_404_everywhere_and_changes_nothing(other_client, conversation):
    for method, url in _urls(conversation):
        path, _, query = url.partition("?")  # the data below would replace a query string
        response = getattr(other_client, method)(
            path,
            {
                **dict(parse_qsl(query)),
                "title": "pwned",
                "text": "hi",
                "model": "deepseek-v3",
                "conversation": conversation.pk,
            },
        )
        assert response.status_code == 404, url
        assert b"top secret" not in response.content
    conversation.refresh_from_db()
    assert conversation.title == "Secret plans"
    assert conversation.messages.count() == 2


def test_anonymous_is_sent_to_login_everywhere(client, conversation):
    for method, url in _urls(conversation):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
        assert b"top secret" not in response.content


def test_sidebar_lists_only_my_conversations(other_client, conversation):
    response = other_client.get(reverse("chat:home"))
    assert b"Secret plans" not in response.content
