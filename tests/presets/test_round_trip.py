"""A preset's round trip, as the pages send it: saved from a chat's settings, listed, applied
in a new chat whose answer goes to the model with that system prompt, model and settings; and
applied to a new comparison. Against the simulator, over the app's own views."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse

from playground.chat.models import Run
from playground.compare.models import Comparison
from playground.presets import services
from playground.presets.models import Preset
from playground.simulator.app import application as simulator
from tests.chat.streaming import iter_stream, open_events, read_all, send_message, stream_url_of
from tests.presets.pages import form_values

pytestmark = pytest.mark.django_db(transaction=True)  # answers run beside the test
HTMX = {"HTTP_HX_REQUEST": "true"}
PIRATE = "Answer like a pirate, in two sentences at most."


@pytest.fixture(autouse=True)
def _fresh():
    simulator.reset()


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def chat_requests():
    return [r for r in simulator.received if r["method"] == "POST"]


def send_as_page(user, composer: dict[str, str]) -> Run:
    """Send the composer as drawn and follow the answer to its end."""

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(user)
        extra = {k: v for k, v in composer.items() if k not in ("text", "model", "conversation")}
        _, run_id = await send_message(
            client, composer["text"], model=composer["model"], extra=extra
        )
        await read_all(await open_events(client, run_id))
        return run_id

    return Run.objects.select_related("message__conversation").get(pk=async_to_sync(scenario)())


def test_presets_round_trip(owner, member, team):
    client = logged_in(owner)
    # 1. In a chat's settings: a model, a protocol, a system prompt and settings, saved.
    chat_page = client.get(reverse("chat:home")).content.decode()
    assert 'id="preset-picker"' in chat_page and "Save this setup as a preset" in chat_page
    composer = {
        "text": "A draft that stays where it is",
        "conversation": "",
        "model": "claude-4.5-sonnet",
        "protocol": "anthropic",
        "system_prompt": PIRATE,
        "p_temperature": "0.4",
        "p_max_tokens": "2048",
        "p_top_p": "",
        "p_thinking": "",
        "p_thinking_budget": "2048",
    }
    saved = client.post(
        reverse("presets:save-from-chat"),
        composer | {"preset_name": "Pirate", "preset_team": str(team.pk)},
        **HTMX,
    )
    assert saved.status_code == 200
    preset = Preset.objects.get(name="Pirate")
    assert "Saved “Pirate”" in saved.content.decode()
    assert f'<option value="{preset.pk}" selected>' in saved.content.decode()
    assert (preset.owner, preset.team, preset.model, preset.protocol) == (
        owner,
        team,
        "claude-4.5-sonnet",
        "anthropic",
    )
    # Typed, and only what was set (the budget only counts with thinking on).
    assert preset.settings == {"temperature": 0.4, "max_tokens": 2048}
    assert preset.system_prompt == PIRATE

    # 2. It is on the Presets page, in "Yours", marked as the team's.
    page = client.get(reverse("presets:list")).content.decode()
    yours = page.split("<h2", 2)[1]
    assert "Pirate" in yours and "Team Model reviewers" in yours and "Temperature 0.4" in yours

    # 3. Applied in a new chat: the composer is set to it, and the typed message stays.
    blank = form_values(client.get(reverse("chat:home")).content, "composer")
    assert blank["model"] == "deepseek-v3" and blank["system_prompt"] == ""
    applied = client.post(
        reverse("presets:apply-chat"), blank | {"preset": preset.pk, "text": "Ahoy?"}, **HTMX
    )
    assert applied.status_code == 200
    assert "Applied “Pirate”" in applied.content.decode()
    composer = form_values(applied.content, "composer")
    assert composer["text"] == "Ahoy?"
    assert composer["model"] == "claude-4.5-sonnet" and composer["protocol"] == "anthropic"
    assert composer["system_prompt"] == PIRATE
    assert (composer["p_temperature"], composer["p_max_tokens"]) == ("0.4", "2048")
    assert "preset" not in composer  # the picker's own fields go with its buttons only

    # 4. The answer goes to the model with that system prompt, model and settings.
    run = send_as_page(owner, composer | {"text": "Ahoy? [sim tokens=6 reasoning=off]"})
    assert run.status == Run.Status.DONE, run.error_message
    sent = chat_requests()[-1]
    assert sent["path"] == "/v1/messages"
    body = sent["json"]
    assert body["model"] == "claude-4.5-sonnet" and body["system"] == PIRATE
    assert (body["temperature"], body["max_tokens"]) == (0.4, 2048)
    conversation = run.message.conversation
    assert (run.model, conversation.system_prompt) == ("claude-4.5-sonnet", PIRATE)

    # 5. A teammate applies it too, from a link on the Presets page.
    page = logged_in(member).get(reverse("chat:home"), {"preset": preset.pk}).content.decode()
    assert "Applied “Pirate”" in page
    assert form_values(page, "composer")["system_prompt"] == PIRATE


def test_applying_needs_a_preset_you_may_use(owner, other_user):
    client = logged_in(owner)
    refused = client.post(reverse("presets:apply-chat"), {"model": "deepseek-v3"}, **HTMX)
    assert refused.status_code == 422 and refused["HX-Retarget"] == "#preset-picker"
    assert "Choose a preset first." in refused.content.decode()
    theirs = services.preset_create(user=other_user, name="Theirs", model="deepseek-v3")
    for url in ("presets:apply-chat", "presets:apply-compare"):
        assert client.post(reverse(url), {"preset": theirs.pk}, **HTMX).status_code == 404
    assert client.get(reverse("chat:home"), {"preset": theirs.pk}).status_code == 404
    assert client.get(reverse("compare:list"), {"preset": "x"}).status_code == 400
    # Saving checks the settings and wants a name; what was typed stays in the picker.
    bad = {"model": "deepseek-v3", "p_temperature": "9", "preset_name": "Hot"}
    refused = client.post(reverse("presets:save-from-chat"), bad, **HTMX)
    assert refused.status_code == 422
    assert "Temperature must be between 0 and 2" in refused.content.decode()
    assert 'value="Hot"' in refused.content.decode()
    nameless = client.post(reverse("presets:save-from-chat"), {"model": "deepseek-v3"}, **HTMX)
    assert nameless.status_code == 422 and "Give the preset a name." in nameless.content.decode()
    assert not Preset.objects.filter(owner=owner).exists()


def test_a_comparison_from_a_preset(owner):
    preset = services.preset_create(
        user=owner,
        name="French GPT",
        model="openai/gpt-5",
        system_prompt="Reply in French.",
        settings={"reasoning_effort": "low"},
    )
    client = logged_in(owner)
    form = form_values(client.get(reverse("compare:list")).content, "comparison-form")
    assert (form["model_0"], form["model_1"], form["model_2"]) == (
        "deepseek-v3",
        "claude-4.5-sonnet",
        "",
    )
    form |= {"prompt": "Say hello [sim tokens=5 reasoning=off]", "c1-p_temperature": "0.5"}
    applied = client.post(reverse("presets:apply-compare"), form | {"preset": preset.pk}, **HTMX)
    assert applied.status_code == 200
    assert "model 3 is openai/gpt-5" in applied.content.decode()
    form = form_values(applied.content, "comparison-form")
    # Its model joins the chosen ones with its settings; its system prompt is everyone's;
    # what was typed stays.
    assert [form[f"model_{i}"] for i in range(3)] == [
        "deepseek-v3",
        "claude-4.5-sonnet",
        "openai/gpt-5",
    ]
    assert form["c2-p_reasoning_effort"] == "low" and form["c1-p_temperature"] == "0.5"
    assert form["system_prompt"] == "Reply in French."
    assert form["prompt"].startswith("Say hello")

    async def create_and_follow():
        client = AsyncClient()
        await client.aforce_login(owner)
        response = await client.post(reverse("compare:create"), form)
        assert response.status_code == 302, response.content[:800]
        comparison = await Comparison.objects.alatest("id")
        page = await client.get(reverse("compare:comparison", args=[comparison.pk]))
        [event async for event in iter_stream(await client.get(stream_url_of(page.content)))]

    async_to_sync(create_and_follow)()
    sent = {r["json"]["model"]: r["json"] for r in chat_requests()}
    assert set(sent) == {"deepseek-v3", "claude-4.5-sonnet", "openai/gpt-5"}
    for body in sent.values():
        system = body.get("system") or body["messages"][0]["content"]
        assert "Reply in French." in json.dumps(system)
    assert sent["openai/gpt-5"]["reasoning_effort"] == "low"
    assert sent["claude-4.5-sonnet"]["temperature"] == 0.5

    # From a link on the Presets page: the defaults, with the preset's model added.
    page = client.get(reverse("compare:list"), {"preset": preset.pk}).content
    form = form_values(page, "comparison-form")
    assert form["model_2"] == "openai/gpt-5" and form["system_prompt"] == "Reply in French."
