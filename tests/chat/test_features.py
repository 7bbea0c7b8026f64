"""What a chat user gets beyond plain text: protocols, parameters, attachments, tools,
branches, and the code behind each answer. Through the app's views, against the simulator."""

import base64
import io
import json
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse

from playground.chat.models import Attachment, Conversation, Message, ModelPrice, Run
from playground.simulator.app import application as simulator
from tests.chat.streaming import open_events, read_all, send_message, text_of
from tests.studio.factories import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HTTP_HX_REQUEST": "true"}

WEATHER_TOOL = json.dumps(
    [
        {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
    ]
)


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    simulator.reset()


def ask(user, text, *, model="deepseek-v3", conversation_id=None, **extra):
    """Send a message through the app and follow its answer to the end."""

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(user)
        _, run_id = await send_message(
            client, text, model=model, conversation_id=conversation_id, extra=extra
        )
        return run_id, await read_all(await open_events(client, run_id))

    run_id, events = async_to_sync(scenario)()
    return Run.objects.select_related("message__conversation").get(pk=run_id), events


def act(user, url, data=None):
    """POST an action that starts an answer (regenerate, edit, tool results) and follow that
    answer to its end, in one event loop (the run lives in the loop that started it)."""

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.post(url, data or {}, headers={"HX-Request": "true"})
        assert response.status_code == 200, response.content[:500]
        run = await Run.objects.alatest("id")
        return response, run, await read_all(await open_events(client, run.pk))

    response, run, events = async_to_sync(scenario)()
    run.refresh_from_db()
    return response, run, events


def chat_requests():
    return [r for r in simulator.received if r["method"] == "POST"]


def shown(page: str) -> str:
    """The messages on show, without the title and the sidebar."""
    return page[page.index('id="messages"') : page.index('id="composer"')]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("protocol", "path"),
    [
        ("chat_completions", "/v1/chat/completions"),
        ("anthropic", "/v1/messages"),
        ("anthropic_bypass", "/bypass/anthropic/v1/messages"),
        ("gemini", "/bypass/vertex/v1/models/gemini-2.5-flash:streamGenerateContent"),
        ("responses", "/bypass/openai/v1/responses"),
    ],
)
def test_each_protocol_gives_the_same_answer(owner, protocol, path):
    model = {
        "anthropic_bypass": "claude-4.5-sonnet",
        "gemini": "gemini-2.5-flash",
        "responses": "openai/gpt-5",
    }.get(protocol, "deepseek-v3")
    run, events = ask(
        owner, "Tell me about tides [sim tokens=12 reasoning=off]", model=model, protocol=protocol
    )
    assert run.status == Run.Status.DONE, run.error_message
    assert run.protocol == protocol
    assert chat_requests()[-1]["path"] == path
    assert run.message.content == text_of(events)
    assert run.output_tokens == 12
    reference, _ = ask(owner, "Tell me about tides [sim tokens=12 reasoning=off]", model=model)
    assert reference.message.content == run.message.content


def test_reasoning_settings_reach_the_request_and_are_checked(owner):
    run, _ = ask(
        owner,
        "Think first [sim tokens=5]",
        model="claude-4.5-sonnet",
        p_thinking="true",
        p_thinking_budget="2048",
        p_max_tokens="4096",
    )
    body = chat_requests()[-1]["json"]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert run.message.reasoning  # the reasoning streamed into its own field

    client = logged_in(owner)
    for budget, words in (("512", "at least 1024"), ("5000", "below")):
        response = client.post(
            reverse("chat:send"),
            {
                "text": "keep me",
                "model": "claude-4.5-sonnet",
                "p_thinking": "true",
                "p_thinking_budget": budget,
                "p_max_tokens": "4096",
            },
            **HTMX,
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert words in page and "keep me" in page


def test_the_panel_shows_only_what_the_model_supports(owner):
    client = logged_in(owner)
    claude = client.get(reverse("chat:composer-options"), {"model": "claude-4.5-sonnet"})
    deepseek = client.get(reverse("chat:composer-options"), {"model": "deepseek-v3"})
    gpt = client.get(reverse("chat:composer-options"), {"model": "openai/gpt-5"})
    assert 'name="p_thinking_budget"' in claude.content.decode()
    assert 'name="p_thinking_budget"' not in deepseek.content.decode()
    assert 'name="p_reasoning_effort"' in gpt.content.decode()
    assert 'name="p_reasoning_effort"' not in deepseek.content.decode()
    assert 'value="responses"' in gpt.content.decode()
    assert 'value="responses"' not in deepseek.content.decode()
    unknown = client.get(reverse("chat:composer-options"), {"model": "someone/new-model"})
    assert unknown.status_code == 200 and 'name="p_temperature"' in unknown.content.decode()


def test_an_attached_image_is_stored_as_a_file_and_sent_as_a_data_url(owner):
    picture = png_bytes()
    upload = io.BytesIO(picture)
    upload.name = "chart.png"
    client = logged_in(owner)
    refused = client.post(
        reverse("chat:send"),
        {"text": "look", "model": "deepseek-v3", "images": io.BytesIO(picture)},
        **HTMX,
    )
    assert refused.status_code == 422
    assert b"does not take images" in refused.content
    assert not Attachment.objects.exists()

    run, _ = ask(
        owner, "What is in this picture? [sim tokens=4]", model="openai/gpt-5", images=upload
    )
    assert run.status == Run.Status.DONE, run.error_message
    question = run.message.parent
    attachment = Attachment.objects.get(message=question)
    assert attachment.file and attachment.content_type == "image/png"
    assert "base64" not in question.content
    content = chat_requests()[-1]["json"]["messages"][-1]["content"]
    image_part = next(part for part in content if part["type"] == "image_url")
    assert image_part["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(picture).decode()
    )
    page = client.get(reverse("chat:conversation", args=[run.message.conversation_id]))
    assert reverse("chat:attachment", args=[attachment.pk]) in page.content.decode()


def test_a_tool_round_trip(owner):
    run, _ = ask(
        owner, "What is the weather in Paris?", model="deepseek-v3",
        p_tools=WEATHER_TOOL, p_tool_choice="auto",
    )  # fmt: skip
    assert run.status == Run.Status.DONE, run.error_message
    answer = run.message
    answer.refresh_from_db()
    assert answer.tool_calls and answer.tool_calls[0]["name"] == "get_weather"
    assert json.loads(answer.tool_calls[0]["arguments"])["city"]

    client = logged_in(owner)
    page = client.get(reverse("chat:conversation", args=[answer.conversation_id])).content.decode()
    assert "get_weather" in page and f"result-{answer.tool_calls[0]['id']}" in page

    _, follow_up, events = act(
        owner,
        reverse("chat:tool-results", args=[answer.pk]),
        {f"result-{answer.tool_calls[0]['id']}": '{"temperature": 21, "sky": "clear"}'},
    )
    assert follow_up.status == Run.Status.DONE, follow_up.error_message
    sent = chat_requests()[-1]["json"]["messages"]
    assert sent[-1] == {
        "role": "tool",
        "tool_call_id": answer.tool_calls[0]["id"],
        "content": '{"temperature": 21, "sky": "clear"}',
    }
    assert sent[-2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert "21" in text_of(events)


THINKING_TOOL_CASES = {
    "chat_completions": ("deepseek/deepseek-v3.2-251201", {"p_thinking": "true"}),
    "anthropic": ("claude-4.5-sonnet", {"p_thinking": "true", "p_thinking_budget": "2048"}),
    "anthropic_bypass": ("claude-4.5-sonnet", {"p_thinking": "true", "p_thinking_budget": "2048"}),
    "gemini": ("gemini-3.1-pro-preview", {"p_reasoning_effort": "high"}),
    "responses": ("openai/gpt-5", {"p_reasoning_effort": "high"}),
}


@pytest.mark.parametrize("protocol", THINKING_TOOL_CASES)
def test_a_tool_round_trip_with_thinking_gives_back_what_the_protocol_needs(owner, protocol):
    """The simulator refuses, as each real API does, a tool result whose call comes back
    without its reasoning state; the state is never shown as the answer."""
    model, thinking = THINKING_TOOL_CASES[protocol]
    run, _ = ask(
        owner, "What is the weather in Paris?", model=model, protocol=protocol,
        p_tools=WEATHER_TOOL, p_tool_choice="auto", p_max_tokens="4096", **thinking,
    )  # fmt: skip
    assert run.status == Run.Status.DONE, run.error_message
    answer = run.message
    answer.refresh_from_db()
    [call] = answer.tool_calls
    assert answer.reasoning and not answer.content

    _, follow_up, events = act(
        owner,
        reverse("chat:tool-results", args=[answer.pk]),
        {f"result-{call['id']}": '{"temperature": 21}'},
    )
    assert follow_up.status == Run.Status.DONE, follow_up.error_message
    assert "21" in text_of(events)
    first, second = (request["json"] for request in chat_requests()[-2:])
    match protocol:
        case "chat_completions":
            replayed = second["messages"][-2]
            assert replayed["reasoning_content"] == answer.reasoning
            kept = None  # the reasoning is shown as reasoning, as always
        case "anthropic" | "anthropic_bypass":
            [thinking_block, tool_use] = second["messages"][-2]["content"]
            assert thinking_block["type"] == "thinking" and tool_use["type"] == "tool_use"
            assert thinking_block["thinking"] == answer.reasoning
            kept = thinking_block["signature"]
        case "gemini":
            [part] = second["contents"][-2]["parts"]
            kept = part["thoughtSignature"]
            assert kept == answer.replay_state["thought_signatures"][0]["signature"]
            assert kept != "skip_thought_signature_validator"
        case "responses":
            assert first["include"] == ["reasoning.encrypted_content"]
            reasoning_item, call_item = second["input"][-3:-1]
            assert reasoning_item["type"] == "reasoning"
            kept = reasoning_item["encrypted_content"]
            assert (call_item["type"], call_item["call_id"]) == ("function_call", call["id"])
            assert call_item["id"].startswith("fc_")
    page = logged_in(owner).get(reverse("chat:conversation", args=[answer.conversation_id]))
    assert kept is None or kept not in page.content.decode()


def test_edit_and_regenerate_make_branches_that_stay_navigable(owner):
    first, _ = ask(owner, "Name a colour [sim tokens=3]")
    conversation = first.message.conversation
    question = first.message.parent
    client = logged_in(owner)

    # Regenerate: a second answer beside the first.
    act(owner, reverse("chat:message-regenerate", args=[first.message_id]))
    page = client.get(reverse("chat:conversation", args=[conversation.pk])).content.decode()
    assert "2/2" in page

    # Edit the question: a new branch beside it, with its own answer.
    edit_url = reverse("chat:message-edit", args=[question.pk])
    _, edited, _ = act(owner, edit_url, {"text": "Name a fruit [sim tokens=3]"})
    assert edited.status == Run.Status.DONE
    page = shown(client.get(reverse("chat:conversation", args=[conversation.pk])).content.decode())
    assert "Name a fruit" in page and "Name a colour" not in page
    # Only the path on show is sent to the model.
    assert "Name a colour" not in json.dumps(chat_requests()[-1]["json"])

    # Back to the first version of the question: its latest answer shows again.
    response = client.post(reverse("chat:message-show", args=[question.pk]), **HTMX)
    page = response.content.decode()
    assert "Name a colour" in page and "Name a fruit" not in page and "1/2" in page
    assert Message.objects.filter(conversation=conversation).count() == 5  # nothing lost


def test_delete_removes_the_message_and_what_followed(owner):
    first, _ = ask(owner, "One [sim tokens=2]")
    conversation = first.message.conversation
    ask(owner, "Two [sim tokens=2]", conversation_id=conversation.pk)
    client = logged_in(owner)
    second_question = Message.objects.filter(
        conversation=conversation, content__startswith="Two"
    ).get()
    client.post(reverse("chat:message-delete", args=[second_question.pk]), **HTMX)
    assert list(conversation.messages.values_list("role", flat=True)) == ["user", "assistant"]
    conversation.refresh_from_db()
    assert conversation.current_leaf_id == first.message_id


def test_view_code_shows_the_exact_request_without_the_key(owner, other_user, settings):
    settings.NEXCONN_BASE_URL = "https://api-xmodel.nexconn.ai"
    run, _ = ask(owner, "Hello there [sim tokens=3]", p_temperature="0.4")
    url = reverse("chat:run-inspect", args=[run.pk])
    page = logged_in(owner).get(url).content.decode()
    assert "https://api-xmodel.nexconn.ai/v1/chat/completions" in page
    assert "NEXCONN_API_KEY" in page
    assert "&quot;temperature&quot;: 0.4" in page or "temperature=0.4" in page
    assert "data: [DONE]" in page  # the raw exchange, as it arrived
    assert logged_in(other_user).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_cost_and_totals_follow_the_administrators_prices(owner):
    ModelPrice.objects.create(
        model="deepseek-v3", input_per_million=Decimal("1"), output_per_million=Decimal("2")
    )
    run, _ = ask(owner, "Price me [sim tokens=10]")
    expected = (Decimal(run.input_tokens) * 1 + Decimal(10) * 2) / Decimal(1_000_000)
    assert run.cost == expected.quantize(Decimal("0.000001"))
    second, _ = ask(owner, "Again [sim tokens=10]", conversation_id=run.message.conversation_id)
    page = logged_in(owner).get(reverse("chat:conversation", args=[run.message.conversation_id]))
    page = page.content.decode()
    assert f"${format(run.cost.normalize(), 'f')}" in page  # the answer's own cost
    total = (run.cost + second.cost).normalize()
    assert f"${format(total, 'f')} in all" in page  # and the conversation's
    assert "not priced" not in page

    ModelPrice.objects.all().delete()  # an answer of a model without a price: said so
    ask(owner, "Unpriced [sim tokens=10]", conversation_id=run.message.conversation_id)
    page = logged_in(owner).get(reverse("chat:conversation", args=[run.message.conversation_id]))
    assert f"${format(total, 'f')} in all · 1 not priced" in page.content.decode()


def test_a_price_the_administrator_changes_applies_to_the_next_answer(owner):
    price = ModelPrice.objects.create(
        model="deepseek-v3", input_per_million=Decimal("1"), output_per_million=Decimal("2")
    )
    first, _ = ask(owner, "Price me [sim tokens=10]")
    assert first.cost is not None
    price.output_per_million = Decimal("4")
    price.save()  # as Admin → Model prices does
    conversation_id = first.message.conversation_id
    second, _ = ask(owner, "Again [sim tokens=10]", conversation_id=conversation_id)
    expected = (Decimal(second.input_tokens) * 1 + Decimal(10) * 4) / Decimal(1_000_000)
    assert second.cost == expected.quantize(Decimal("0.000001"))
    price.delete()
    third, _ = ask(owner, "Once more [sim tokens=10]", conversation_id=conversation_id)
    assert third.cost is None


def test_another_user_cannot_act_on_messages(owner, other_user):
    run, _ = ask(owner, "Mine [sim tokens=2]")
    intruder = logged_in(other_user)
    for name in ("message-regenerate", "message-show", "message-delete", "tool-results"):
        assert intruder.post(reverse(f"chat:{name}", args=[run.message_id])).status_code == 404
    assert (
        intruder.get(reverse("chat:message-edit", args=[run.message.parent_id])).status_code == 404
    )
    assert Conversation.objects.get().messages.count() == 2


def test_a_ready_document_from_the_files_page_is_cited_as_a_file_part(owner, other_user):
    from playground.files.models import UpstreamFile

    document = UpstreamFile.objects.create(
        owner=owner,
        file_id="qfile-1-2-abc",
        source_url="https://example.com/report.pdf",
        model="gemini-2.5-pro",
        status=UpstreamFile.Status.READY,
        name="report.pdf",
        content_type="application/pdf",
    )
    someone_elses = UpstreamFile.objects.create(
        owner=other_user,
        file_id="qfile-9-9-zzz",
        source_url="https://example.com/secret.pdf",
        model="gemini-2.5-pro",
        status=UpstreamFile.Status.READY,
    )
    # Someone else's file (or one deleted since the page was drawn) is refused in place,
    # with what was typed kept, rather than left out without a word.
    for chosen in ([str(document.pk), str(someone_elses.pk)], ["²"]):
        refused = logged_in(owner).post(
            reverse("chat:send"),
            {"text": "Summarise the report", "model": "gemini-2.5-pro", "files": chosen},
            **HTMX,
        )
        assert refused.status_code == 422
        assert "choose" in refused.content.decode().lower()
        assert "Summarise the report" in refused.content.decode()
    assert not chat_requests() and not Run.objects.exists()

    run, _ = ask(
        owner, "Summarise the report [sim tokens=4]", model="gemini-2.5-pro", files=[document.pk]
    )
    assert run.status == Run.Status.DONE, run.error_message
    content = chat_requests()[-1]["json"]["messages"][-1]["content"]
    files = [part["file"] for part in content if part["type"] == "file"]
    assert files == [{"file_id": "qfile-1-2-abc", "format": "application/pdf"}]
    page = logged_in(owner).get(reverse("chat:conversation", args=[run.message.conversation_id]))
    assert "report.pdf" in page.content.decode()


def test_audio_goes_as_input_audio(owner):
    wav = io.BytesIO(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40)
    wav.name = "question.wav"
    run, _ = ask(owner, "Transcribe this [sim tokens=4]", model="gemini-2.5-flash", audio=wav)
    assert run.status == Run.Status.DONE, run.error_message
    content = chat_requests()[-1]["json"]["messages"][-1]["content"]
    audio = next(part for part in content if part["type"] == "input_audio")
    assert audio["input_audio"]["format"] == "wav"
    assert base64.b64decode(audio["input_audio"]["data"]).startswith(b"RIFF")


def test_changing_model_keeps_the_system_prompt_and_settings(owner):
    page = logged_in(owner).get(
        reverse("chat:composer-options"),
        {"model": "claude-4.5-sonnet", "system_prompt": "Be a pirate.", "p_temperature": "0.7"},
    )
    html = page.content.decode()
    assert "Be a pirate.</textarea>" in html and 'value="0.7"' in html
    assert "System prompt" in html
