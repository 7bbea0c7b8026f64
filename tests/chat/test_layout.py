"""The chat page's layout as the server draws it: comparisons grouped in the sidebar (not
listed as chats), the settings panel kept open or closed per person, the model picker grouped
by provider, and examples on the first visit in demo mode."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from playground.accounts.selectors import preference_for
from playground.chat.models import Conversation, Message
from playground.compare.models import Column, Comparison
from playground.nexconn import catalog

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def chat(owner, title, *texts) -> Conversation:
    conversation = Conversation.objects.create(owner=owner, title=title, model="deepseek-v3")
    parent = None
    for role, text in zip(("user", "assistant") * len(texts), texts, strict=False):
        parent = Message.objects.create(
            conversation=conversation, role=role, content=text, parent=parent
        )
    conversation.current_leaf = parent
    conversation.save()
    return conversation


def comparison(owner, title, answers: dict[str, str]) -> Comparison:
    """A comparison (not blind) whose columns answered as `answers` says, as compare makes
    one: each column has a conversation of its own."""
    made = Comparison.objects.create(owner=owner, title=title)
    for position, (model, answer) in enumerate(answers.items()):
        conversation = chat(owner, f"{title} · {model}", "Explain tides", answer)
        Column.objects.create(
            comparison=made, position=position, model=model, conversation=conversation
        )
    return made


def sidebar(client, **query) -> str:
    return client.get(reverse("chat:conversation-list"), query, **HTMX).content.decode()


def top_level_items(html: str) -> list[str]:
    """The ids of the sidebar's own entries (not those inside a comparison's group)."""
    outside = re.sub(r'<ul class="comparison-group__columns">.*?</ul>', "", html, flags=re.S)
    return re.findall(r'<li class="conversation-list__\w+[^"]*" id="([\w-]+)"', outside)


def group_html(html: str, made: Comparison) -> str:
    start = html.index(f'id="comparison-{made.pk}"')
    return html[start : html.index("</details>", start)]


def test_a_comparisons_column_chats_are_grouped_under_it_not_listed_as_chats(owner_client, owner):
    plain = chat(owner, "My own chat", "Hello", "Hi")
    made = comparison(owner, "Tides", {"deepseek-v3": "The moon.", "claude-4.5-sonnet": "Gravity."})
    columns = list(made.columns.order_by("position"))

    html = sidebar(owner_client)
    # One entry for the chat, one for the comparison: its columns are not chats of their own.
    assert top_level_items(html) == [f"comparison-{made.pk}", f"conversation-{plain.pk}"]
    group = group_html(html, made)
    assert "Tides" in group and "2 models" in group
    assert reverse("compare:comparison", args=[made.pk]) in group
    for column in columns:
        assert f'id="conversation-{column.conversation_id}"' in group
        assert f"{column.letter} · {column.model}" in group
    home = owner_client.get(reverse("chat:home")).content.decode()
    assert top_level_items(home[home.index('id="conversation-list"') :]) == top_level_items(html)

    # Search finds the comparison through any of its columns, and still lists it once.
    found = sidebar(owner_client, q="gravity")
    assert top_level_items(found) == [f"comparison-{made.pk}"]
    assert f'id="conversation-{columns[1].conversation_id}"' in group_html(found, made)
    assert top_level_items(sidebar(owner_client, q="hello")) == [f"conversation-{plain.pk}"]

    # A column opened as a chat says which comparison it belongs to, and opens its group.
    page = owner_client.get(reverse("chat:conversation", args=[columns[1].conversation_id]))
    page = page.content.decode()
    assert "column B of" in page
    assert f'href="{reverse("compare:comparison", args=[made.pk])}"' in page
    assert '<details class="comparison-group" open>' in page


def test_a_comparison_whose_first_column_chat_was_deleted_keeps_its_entry(owner_client, owner):
    made = comparison(owner, "Rivers", {"deepseek-v3": "Nile.", "claude-4.5-sonnet": "Amazon."})
    first, second = made.columns.order_by("position")
    first.conversation.delete()
    html = sidebar(owner_client)
    assert top_level_items(html) == [f"comparison-{made.pk}"]
    group = group_html(html, made)
    assert f'id="conversation-{second.conversation_id}"' in group and "1 model<" in group


def test_the_settings_panel_is_kept_open_or_closed_per_person(owner_client, owner, other_user):
    url = reverse("chat:settings-panel")
    assert preference_for(user=owner).settings_panel_open  # open until closed
    home = owner_client.get(reverse("chat:home")).content.decode()
    assert 'class="chat chat--panel-open"' in home

    closed = owner_client.post(url, {"open": "0"}, **HTMX)
    assert closed.status_code == 204
    assert not preference_for(user=owner).settings_panel_open
    home = owner_client.get(reverse("chat:home")).content.decode()
    assert 'class="chat"' in home  # drawn closed from the start: no flash
    assert re.search(r'name="open" value="1"\s+class="chat-bar__button chat-bar__panel"', home)
    assert 'aria-expanded="false">⚙ Settings' in home
    assert preference_for(user=other_user).settings_panel_open  # someone else's is their own

    # Without JavaScript the form goes back to the page it came from.
    back = "/c/12/?x=1"
    opened = owner_client.post(url, {"open": "1", "next": back})
    assert (opened.status_code, opened["Location"]) == (302, back)
    assert preference_for(user=owner).settings_panel_open
    elsewhere = owner_client.post(url, {"open": "1", "next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("chat:home")

    refused = owner_client.post(url, {"open": "maybe"}, **HTMX)
    assert refused.status_code == 400 and b"open=1 or open=0" in refused.content
    assert preference_for(user=owner).settings_panel_open
    assert owner_client.get(url).status_code == 405
    assert Client().post(url, {"open": "0"})["Location"].startswith(reverse("login"))


def test_settings_that_need_fixing_show_the_panel_even_when_it_is_closed(owner_client, owner):
    owner_client.post(reverse("chat:settings-panel"), {"open": "0"})
    refused = owner_client.post(
        reverse("chat:send"), {"text": "Hi", "model": "deepseek-v3", "p_temperature": "9"}
    )
    assert refused.status_code == 422
    assert 'class="chat chat--panel-open"' in refused.content.decode()


def test_the_model_picker_is_grouped_by_provider_with_what_each_model_can_do(owner_client):
    html = owner_client.get(reverse("chat:home")).content.decode()
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert groups[:3] == ["OpenAI", "Google", "Anthropic"]
    claude = re.search(r'<option value="claude-4.5-sonnet"[^>]*>([^<]*)</option>', html)
    assert claude.group(1) == "Claude Sonnet 4.5 — reasoning, vision, tools"
    assert 'data-search="claude-4.5-sonnet Claude Sonnet 4.5 Anthropic' in html
    assert 'data-model-filter="id_model"' in html  # the filter box (shown by chat.js)

    card = owner_client.get(reverse("chat:composer-options"), {"model": "claude-4.5-sonnet"})
    card = card.content.decode()
    assert '<li class="cap">reasoning</li>' in card
    # Every protocol that reaches the model, by its full name.
    assert "Anthropic messages, passed straight to Anthropic (Claude models)" in card
    assert 'id="composer-attach" class="composer__attach-slot" hx-swap-oob="true"' in card


def test_model_groups_put_the_catalogs_providers_first_and_unknown_ids_last():
    groups = catalog.model_groups(["mystery", "acme/new", "deepseek-v3", "openai/gpt-5"])
    assert [(g.vendor, [m.id for m in g.models]) for g in groups] == [
        ("OpenAI", ["openai/gpt-5"]),
        ("DeepSeek", ["deepseek-v3"]),
        ("acme", ["acme/new"]),
        (catalog.OTHER_VENDOR, ["mystery"]),
    ]


def test_the_first_visit_offers_examples_in_demo_mode(owner_client, settings):
    html = owner_client.get(reverse("chat:home")).content.decode()
    examples = re.findall(r'<form class="example".*?</form>', html, flags=re.S)
    assert len(examples) >= 3
    picker = set(re.findall(r'<option value="([^"]+)"', html))
    for example in examples:
        (model,) = re.findall(r'name="model" value="([^"]+)"', example)
        assert model in picker  # each one can be sent as it is
    settings.DEMO_MODE = False  # answers cost money: what to try, without one-click sends
    html = owner_client.get(reverse("chat:home")).content.decode()
    assert 'class="example"' not in html and "What would you like to ask?" in html
