"""Finding conversations by title and content, and taking them away as Markdown or JSON."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from playground.chat.models import Conversation, Message

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def conversation(owner, title, *texts):
    chat = Conversation.objects.create(owner=owner, title=title, model="deepseek-v3")
    parent = None
    for role, text in zip(("user", "assistant") * len(texts), texts, strict=False):
        parent = Message.objects.create(conversation=chat, role=role, content=text, parent=parent)
    chat.current_leaf = parent
    chat.save()
    return chat


def test_search_finds_titles_and_message_text_of_ones_own_conversations(owner, other_user):
    conversation(owner, "Sourdough notes", "How long should dough rest?", "About twelve hours.")
    conversation(owner, "Garden", "When to plant tomatoes?", "After the last frost.")
    conversation(other_user, "Sourdough too", "Someone else's bread")
    client = Client()
    client.force_login(owner)
    search = reverse("chat:conversation-list")

    by_title = client.get(search, {"q": "sourdough"}, **HTMX).content.decode()
    assert "Sourdough notes" in by_title and "Garden" not in by_title
    assert "Sourdough too" not in by_title
    by_content = client.get(search, {"q": "frost"}, **HTMX).content.decode()
    assert "Garden" in by_content and "Sourdough" not in by_content
    nothing = client.get(search, {"q": "volcano"}, **HTMX).content.decode()
    assert "Nothing matches" in nothing


def test_markdown_export_is_the_branch_on_show(owner):
    chat = conversation(owner, "Trip", "Plan a day in Lyon", "Start at the old town.")
    client = Client()
    client.force_login(owner)
    response = client.get(reverse("chat:conversation-export", args=[chat.pk, "md"]))
    assert response["Content-Disposition"].startswith('attachment; filename="trip-')
    text = response.content.decode()
    assert text.startswith("# Trip")
    assert "## You\n\nPlan a day in Lyon" in text and "Start at the old town." in text


def test_json_export_has_every_message_and_figure(owner, other_user):
    chat = conversation(owner, "Trip", "Plan a day in Lyon", "Start at the old town.")
    client = Client()
    client.force_login(owner)
    data = json.loads(
        client.get(reverse("chat:conversation-export", args=[chat.pk, "json"])).content
    )
    assert data["title"] == "Trip"
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["parent"] == data["messages"][0]["id"]
    assert data["branch_on_show"] == [m["id"] for m in data["messages"]]
    client.force_login(other_user)
    assert (
        client.get(reverse("chat:conversation-export", args=[chat.pk, "json"])).status_code == 404
    )
