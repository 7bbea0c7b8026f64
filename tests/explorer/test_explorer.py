"""The explorer's pages and requests: the schema table, the form, validation before sending,
the answer with its timing, headers and explanation, our own event stream, budgets, history,
polling and the gallery, code and curl import. Against the simulator, over the app's views."""

import asyncio
import html
import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

from playground.accounts import keys
from playground.explorer.models import ExplorerRequest
from playground.nexconn import endpoints
from playground.nexconn import files as files_api
from playground.nexconn.catalog import chat_model
from playground.nexconn.client import reset_clients
from playground.nexconn.media import jobs
from playground.nexconn.media.catalog import MEDIA_MODELS, media_model
from playground.simulator.app import Simulator
from playground.simulator.app import application as simulator
from playground.studio.models import Generation
from playground.usage.models import Limit, UsageRecord
from tests.conftest import serve_in_thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    monkeypatch.setenv("SIMULATOR_TOKEN_RATE", "0")
    simulator.reset()


def send(client, endpoint_id, body=None, *, model="", mode="", path=None, unchecked="", **headers):
    data = {"model": model, "mode": mode, "unchecked": unchecked}
    if body is not None:
        data["body"] = body if isinstance(body, str) else json.dumps(body)
    data |= {f"path_{name}": value for name, value in (path or {}).items()}
    return client.post(reverse("explorer:send", args=[endpoint_id]), data, headers=headers)


def example(endpoint_id, model="", mode=""):
    return json.loads(
        json.dumps(endpoints.endpoint(endpoint_id).variant(model, mode).examples[0].body)
    )


# --- the one table ----------------------------------------------------------------------


def test_each_body_field_is_declared_once_in_the_catalogs_or_the_table():
    """Studio and chat forms read the catalogs; the explorer's fields are those same fields,
    where the wire code puts them: each catalog field of a variant lands somewhere, every
    field says where it is declared, and what the table declares itself names no catalog
    field."""
    for endpoint in endpoints.endpoints():
        for variant in endpoint.variants:
            paths = [spec.path for spec in variant.fields]
            assert len(paths) == len(set(paths)), (endpoint.id, variant.key)
            assert all(spec.source for spec in variant.fields)
            params = {spec.param for spec in variant.fields if spec.param}
            own = [spec for spec in variant.fields if spec.source.startswith("endpoints.py")]
            assert not any(spec.param for spec in own), (endpoint.id, variant.key)
            if endpoint.kind in ("image", "video") and variant.mode:
                media = media_model(variant.model, kind=endpoint.kind)
                declared = {f.name for f in media.fields_for(variant.mode)}
                assert params == declared, (endpoint.id, variant.key, params ^ declared)
            elif endpoint.kind == "chat":
                declared = {f.name for f in chat_model(variant.model).fields}
                assert params == declared, (endpoint.id, variant.key, params ^ declared)


def test_a_catalog_field_keeps_its_declared_limits_on_the_wire():
    variant = endpoints.endpoint("kling-video-create").variant("kling-v3", "text")
    seconds = variant.field_at("seconds")  # the catalog's "duration", sent as text
    assert (seconds.param, seconds.minimum, seconds.maximum, seconds.numeric_text) == (
        "duration",
        3,
        15,
        True,
    )
    fixed = endpoints.endpoint("kling-video-create").variant("kling-v2-6", "first_last")
    assert fixed.field_at("mode").enum == ("pro",)  # the mode's fixed value
    veo = endpoints.endpoint("veo-create").variant("veo-3.1-generate-preview", "text")
    assert veo.field_at("parameters.aspectRatio").enum == ("16:9", "9:16")
    claude = endpoints.endpoint("anthropic-messages").variant("claude-4.5-sonnet")
    assert claude.field_at("max_tokens").required  # Anthropic's rule, as the protocol sends
    assert claude.field_at("thinking.budget_tokens").minimum == 1024


class RecordingClient:
    def __init__(self):
        self.paths = []

    async def request_json(self, method, path, **kwargs):
        self.paths.append((method, path))
        return {"status": "COMPLETED", "id": "qfile-1"}


def test_the_query_endpoints_are_where_the_wire_code_polls():
    for endpoint in endpoints.endpoints():
        if endpoint.kind != "query" or not endpoint.task_param:
            continue
        client = RecordingClient()
        if endpoint.family:
            model = next(m for m in MEDIA_MODELS.values() if m.family == endpoint.family)
            asyncio.run(jobs.poll(client, model=model, task_id="TASK-1"))
        else:
            asyncio.run(files_api.get_file(client, file_id="TASK-1"))
        filled = ("GET", endpoint.filled_path({endpoint.task_param: "TASK-1"}))
        assert filled in client.paths, (endpoint.id, client.paths)


# --- the form ---------------------------------------------------------------------------


def test_the_form_is_drawn_from_the_schema_with_examples(owner_client):
    url = reverse("explorer:endpoint", args=["anthropic-messages"]) + "?model=claude-4.5-sonnet"
    page = owner_client.get(url).content.decode()
    assert 'data-path="thinking.type"' in page
    assert 'data-path="thinking.budget_tokens"' in page
    assert 'min="1024"' in page
    assert ">Thinking on</button>" in page and 'id="example-2"' in page  # loads in one click
    assert "claude-4.6-opus" in page  # the models this endpoint serves
    assert "anthropic-version: 2023-06-01" in page  # the request preview
    assert "Bearer &lt;the key that pays" in page


def test_another_mode_keeps_what_fits_it(owner_client):
    body = example("veo-create", "veo-3.1-generate-preview", "text")
    body["instances"][0]["prompt"] = "A lighthouse in a storm"
    body["parameters"]["aspectRatio"] = "9:16"
    url = reverse("explorer:panel", args=["veo-create"])
    query = {"model": "veo-3.1-generate-preview", "mode": "image", "body": json.dumps(body)}
    panel = owner_client.post(url, query).content.decode()
    assert "A lighthouse in a storm" in panel
    assert "&quot;aspectRatio&quot;: &quot;9:16&quot;" in panel
    assert "https://example.com/images/image-1.png" in panel  # the mode's own image


def test_validation_refuses_before_anything_is_sent(owner_client):
    body = example("kling-video-create", "kling-v2-6", "first_last")
    body["seconds"] = "7"
    del body["prompt"]
    response = send(owner_client, "kling-video-create", body, model="kling-v2-6", mode="first_last")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Duration must be one of: 5, 10." in page
    assert "Prompt is required." in page
    body = example("kling-video-create", "kling-v2-6", "first_last") | {"sound": "on"}
    response = send(owner_client, "kling-video-create", body, model="kling-v2-6", mode="first_last")
    assert "With sound on, a first-and-last-frame video must be 10 seconds long." in (
        response.content.decode()
    )
    response = send(owner_client, "chat-completions", '{"model": "deepseek-v3",')
    assert response.status_code == 400
    assert "The JSON is not valid" in response.content.decode()
    assert simulator.received == []
    assert not ExplorerRequest.objects.exists()


# --- sending ----------------------------------------------------------------------------


def test_the_answer_shows_status_timings_headers_and_body(owner_client):
    response = send(owner_client, "models-list")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'status-code--ok">200<' in page
    assert "Headers after" in page and "Total" in page
    assert "<dt>content-type</dt>" in page
    assert 'class="jt"' in page and "deepseek-v3" in page  # the body, folding
    record = ExplorerRequest.objects.get()
    assert record.key_label == "Demo" and record.path == "/v1/models"


def test_unchecked_a_wrong_body_gets_the_apis_own_error(owner_client):
    body = example("kling-video-create", "kling-v2-6", "text") | {"seconds": "7"}
    response = send(
        owner_client, "kling-video-create", body, model="kling-v2-6", mode="text", unchecked="yes"
    )
    page = response.content.decode()
    assert response.status_code == 200  # sent: the answer is the API's
    assert 'status-code--bad">400<' in page
    assert "The request was rejected (400): `seconds` must be one of 5, 10" in page


def test_an_upstream_error_is_shown_raw_and_explained(owner_client):
    body = example("chat-completions", "deepseek-v3")
    body["messages"][0]["content"] += " [sim error=429]"
    page = send(owner_client, "chat-completions", body, model="deepseek-v3").content.decode()
    assert 'status-code--bad">429<' in page
    assert "In plain words:" in page and "Too many requests to the Nexconn API (429)" in page
    assert "retry-after" in page  # the header that says when


def test_a_streamed_answer_comes_through_our_own_event_stream(owner):
    async def run():
        client = AsyncClient()
        await client.aforce_login(owner)
        body = example("chat-completions", "deepseek-v3")
        body["messages"][0]["content"] += " [sim tokens=6]"
        response = await client.post(
            reverse("explorer:send", args=["chat-completions"]),
            {"model": "deepseek-v3", "body": json.dumps(body)},
            headers={"Accept": "text/event-stream"},
        )
        assert response["Content-Type"] == "text/event-stream"
        return b"".join([chunk async for chunk in response.streaming_content]).decode()

    stream = async_to_sync(run)()
    names = re.findall(r"^event: (\w+)$", stream, re.M)
    assert names[:2] == ["start", "head"] and names[-1] == "done"
    assert names.count("upstream") >= 6
    first = json.loads(re.search(r"^event: upstream\ndata: (.*)$", stream, re.M)[1])
    assert set(first) == {"at", "event", "data", "text"} and first["at"] >= 0
    record = ExplorerRequest.objects.get()
    assert record.text and record.events[0][0] >= 0  # kept with arrival times
    assert "answer&#x27;s text" in stream or "put together" in stream


def test_requests_count_against_the_budget_and_limits(owner_client, owner):
    Limit.objects.create(user=owner, requests_per_minute=1)
    body = example("chat-completions", "deepseek-v3")
    assert send(owner_client, "chat-completions", body, model="deepseek-v3").status_code == 200
    refused = send(owner_client, "chat-completions", body, model="deepseek-v3")
    assert refused.status_code == 429
    assert "at most 1 a minute" in refused.content.decode()
    row = UsageRecord.objects.get()
    assert (row.kind, row.status, row.source) == ("answer", "done", f"explorer:{row.source[9:]}")
    assert row.output_tokens > 0
    assert ExplorerRequest.objects.count() == 1  # the refused one was neither sent nor kept


def test_keys_are_never_kept_nor_shown(owner_client, owner, settings):
    """The instance key and the personal key that pays, echoed back by the upstream, are
    blanked from the history and the page; the code carries a placeholder."""
    instance, personal = "sk-instance-secret-0123456789", "sk-personal-secret-9876543210"
    url, stop = serve_in_thread(Simulator(token_rate=0))
    settings.NEXCONN_API_KEY, settings.DEMO_MODE, settings.NEXCONN_BASE_URL = instance, False, url
    reset_clients()
    keys.key_save(api_key=personal, by=owner, user=owner)
    try:
        # Not streamed: an answer (or an error body) that echoes a key in one piece.
        body = example("chat-completions", "deepseek-v3") | {"stream": False}
        del body["stream_options"]
        body["messages"][0]["content"] = f"Repeat {instance} and {personal} [sim echo]"
        page = send(owner_client, "chat-completions", body, model="deepseek-v3").content.decode()
    finally:
        stop()
    record = ExplorerRequest.objects.get()
    assert record.ok and record.key_label == f"Personal key …{personal[-4:]}"
    stored = json.dumps([record.body, record.response_body, record.events, record.text])
    assert instance not in stored and personal not in stored
    assert record.response_body.count("***") == 2
    answer = page.split('id="response"')[1].split('id="code-heading"')[0]
    assert instance not in answer and personal not in answer  # what came back, blanked
    assert "$NEXCONN_API_KEY" in page


# --- tasks, previews and the gallery ------------------------------------------------------


def test_a_task_is_polled_until_done_previewed_and_saved(
    owner_client, other_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    body = example("kling-image-generations", "kling-v2-1", "text")
    body["prompt"] += " [sim job=0]"
    page = send(owner_client, "kling-image-generations", body, model="kling-v2-1").content.decode()
    task_id = re.search(r'data-task="([^"]+)"', page)[1]
    assert "?task=" in page  # the id links to its query endpoint
    poll_url = reverse("explorer:poll", args=["kling-image-task"])
    source = ExplorerRequest.objects.get().pk
    round_html = owner_client.post(
        poll_url, {"task": task_id, "model": "kling-v2-1", "source": source}
    ).content
    round_html = round_html.decode()
    assert 'data-done="yes"' in round_html and "succeeded" in round_html
    preview = re.search(r'src="(/explorer/media/[^"]+)"', round_html)[1]
    image = owner_client.get(preview)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    token = re.search(r'name="token" value="([^"]+)"', round_html)[1]
    saved = owner_client.post(
        reverse("explorer:save"),
        {"token": token, "history": source},
        headers={"HX-Request": "true"},
    )
    assert "Open it in the gallery" in saved.content.decode()
    generation = Generation.objects.get()
    assert generation.status == "succeeded" and generation.outputs.count() == 1
    assert (generation.model, generation.prompt) == ("kling-v2-1", body["prompt"])
    assert not UsageRecord.objects.filter(source__startswith="generation:").exists()
    kept = ExplorerRequest.objects.filter(endpoint="kling-image-task")
    assert kept.count() == 1  # the poll's last look, in history
    owner_client.force_login(other_user)
    assert owner_client.get(preview).status_code == 404  # the link is the owner's


def test_a_synchronous_picture_is_shown_and_can_be_saved(owner_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    body = example("gemini-image-generations", "gemini-2.5-flash-image", "text")
    body["prompt"] += " [sim job=0]"
    page = send(owner_client, "gemini-image-generations", body, model="gemini-2.5-flash-image")
    page = page.content.decode()
    data_url = re.search(r'name="data" value="(data:image/png;base64,[^"]+)"', page)[1]
    record = ExplorerRequest.objects.get()
    assert "<base64" in record.response_body and len(record.response_body) < 10_000
    owner_client.post(reverse("explorer:save"), {"data": data_url, "history": record.pk})
    assert Generation.objects.get().outputs.get().content_type == "image/png"


# --- history, code, curl ------------------------------------------------------------------


def test_history_is_searchable_replayable_and_private(owner_client, client, other_user):
    send(owner_client, "models-list")
    body = example("veo-create", "veo-3.1-generate-preview", "text")
    body["instances"][0]["prompt"] = "A heron lifting off a misty lake"
    send(owner_client, "veo-create", body, model="veo-3.1-generate-preview", mode="text")
    history = reverse("explorer:history")
    assert owner_client.get(history).content.decode().count('class="history__item"') == 2
    found = owner_client.get(history, {"q": "heron"}).content.decode()
    assert found.count('class="history__item"') == 1 and "/v1/videos/generations" in found
    record = ExplorerRequest.objects.get(endpoint="veo-create")
    replay = owner_client.get(
        reverse("explorer:endpoint", args=["veo-create"]), {"from": record.pk}
    ).content.decode()
    assert "A heron lifting off a misty lake" in replay
    detail = reverse("explorer:history-detail", args=[record.pk])
    assert owner_client.get(detail).status_code == 200
    client.force_login(other_user)
    assert client.get(detail).status_code == 404
    assert (
        client.get(
            reverse("explorer:endpoint", args=["veo-create"]), {"from": record.pk}
        ).status_code
        == 404
    )
    results = client.get(history, {"q": "heron"}).content.decode().split('id="history-results"')
    assert "Nothing matches." in results[1]
    client.logout()
    assert client.get(history).status_code == 302


def test_the_code_follows_the_request(owner_client):
    body = example("chat-completions", "openai/gpt-5") | {"temperature": 0.3}
    code = owner_client.post(
        reverse("explorer:code", args=["chat-completions"]),
        {"model": "openai/gpt-5", "body": json.dumps(body)},
    ).content.decode()
    assert "from openai import OpenAI" in code and "temperature=0.3" in code
    assert (
        "import httpx" in code
        and "curl -N https://api-xmodel.nexconn.ai/v1/chat/completions" in code
    )
    models = owner_client.post(reverse("explorer:code", args=["models-list"])).content.decode()
    assert "client.models.list()" in models
    path = {"path_file_id": "qfile-1"}
    delete = owner_client.post(
        reverse("explorer:code", args=["files-delete"]), path
    ).content.decode()
    assert "curl -X DELETE https://api-xmodel.nexconn.ai/v1/files/qfile-1" in delete


def test_a_curl_command_fills_the_form(owner_client):
    body = example("veo-create", "veo-2.0-generate-001", "first_last")
    command = (
        "curl https://api-xmodel.nexconn.ai/v1/videos/generations \\\n"
        '  -H "Authorization: Bearer sk-pasted-key-0000" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{json.dumps(body)}'"
    )
    page = owner_client.post(reverse("explorer:import"), {"curl": command}).content.decode()
    assert "Filled from your curl command" in page
    assert '<option value="first_last" selected>' in page  # the mode the body fits
    assert "sk-pasted-key-0000" not in page
    status = "curl -s https://api-xmodel.nexconn.ai/queue/fal-ai/vidu/requests/req-42/status"
    page = owner_client.post(reverse("explorer:import"), {"curl": status}).content.decode()
    assert 'value="req-42"' in page and "Query task status" in page
    refused = owner_client.post(
        reverse("explorer:import"), {"curl": "curl https://example.com/v9/nope"}
    )
    assert (
        refused.status_code == 400
        and "is not an endpoint of the explorer" in refused.content.decode()
    )


@pytest.mark.parametrize(
    ("endpoint_id", "model", "body"),
    [
        (
            "chat-completions",
            "deepseek-v3",
            {
                "model": "deepseek-v3",
                "stream": False,
                "messages": [
                    {"role": "system", "content": "Answer like a pirate."},
                    {"role": "user", "content": "Why is the sky blue?"},
                ],
            },
        ),
        (
            "anthropic-messages",
            "deepseek-v3",
            {
                "model": "deepseek-v3",
                "max_tokens": 256,
                "system": "Answer like a pirate.",
                "messages": [
                    {"role": "user", "content": [{"type": "text", "text": "Why is the sky blue?"}]}
                ],
            },
        ),
    ],
)
def test_a_chat_request_opens_in_a_new_chat_set_the_same_way(
    owner_client, endpoint_id, model, body
):
    page = send(owner_client, endpoint_id, body, model=model).content.decode()
    link = re.search(r'<a href="([^"]+)">Open this request in a chat</a>', page)
    assert link, "no link to a chat"

    def posts():
        return [request for request in simulator.received if request["method"] == "POST"]

    sent = len(posts())
    chat = owner_client.get(html.unescape(link.group(1))).content.decode()
    assert len(posts()) == sent  # opening the chat sends nothing
    protocol = endpoints.endpoint(endpoint_id).protocol
    assert re.search(rf'<option value="{model}"[^>]*selected', chat)
    assert re.search(rf'<option value="{protocol}" selected', chat)
    assert ">Answer like a pirate.</textarea>" in chat
    assert ">Why is the sky blue?</textarea>" in chat
