"""Every endpoint of the docs' menu is in the explorer's table, has a page, and sends
successfully against the simulator through the explorer's own send view, with each model
and mode the table offers."""

import json

import pytest
from django.urls import reverse

from playground.explorer.models import ExplorerRequest
from playground.nexconn import endpoints

pytestmark = pytest.mark.django_db

# The docs' menu (docs/api/README.md's scope checklist; the Vidu routes as
# docs/api/media-modes.md §3 settles them): (method, path).
MENU = {
    ("GET", "/v1/models"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/messages"),
    ("POST", "/bypass/anthropic/v1/messages"),
    ("POST", "/bypass/vertex/v1/models/{model}:streamGenerateContent?alt=sse"),
    ("POST", "/bypass/openai/v1/responses"),
    ("POST", "/v1/files"),
    ("GET", "/v1/files/{file_id}"),
    ("GET", "/v1/files"),
    ("DELETE", "/v1/files/{file_id}"),
    ("POST", "/v1/images/generations"),
    ("POST", "/v1/images/edits"),
    ("GET", "/v1/images/tasks/{task_id}"),
    ("POST", "/queue/fal-ai/kling-image/o1"),
    ("GET", "/queue/fal-ai/kling-image/requests/{request_id}/status"),
    ("GET", "/queue/fal-ai/kling-image/requests/{request_id}"),
    ("POST", "/v1/videos/generations"),
    ("GET", "/v1/videos/generations/{id}"),
    ("POST", "/v1/videos"),
    ("GET", "/v1/videos/{id}"),
    ("POST", "/v1/videos/{id}/remix"),
    ("POST", "/v3/contents/generations/tasks"),
    ("GET", "/v3/contents/generations/tasks/{id}"),
    *(
        ("POST", f"/queue/fal-ai/vidu/{route}")
        for route in (
            "q1/text-to-video",
            "q1/reference-to-video",
            "q2/text-to-video",
            "q2/reference-to-video",
            "q2/image-to-video/pro",
            "q2/image-to-video/turbo",
            "q3/text-to-video/pro",
            "q3/image-to-video/pro",
            "q3/start-end-to-video/pro",
            "q3/text-to-video/turbo",
            "q3/image-to-video/turbo",
            "q3/start-end-to-video/turbo",
        )
    ),
    ("GET", "/queue/fal-ai/vidu/requests/{request_id}/status"),
    ("GET", "/queue/fal-ai/vidu/requests/{request_id}"),
}
# Menu sections that share a path serve different models there (Sora and Kling video).
SECTIONS = {
    "Chat",
    "Bypass",
    "Models",
    "Files",
    "Kling image",
    "Gemini image",
    "kling-image-o1",
    "Veo",
    "sora-2 / sora-2-pro",
    "Kling video",
    "Seedance 2.0",
    "Vidu",
}

ENDPOINTS = [endpoint.id for endpoint in endpoints.endpoints()]


def test_every_endpoint_of_the_menu_is_in_the_table_and_has_a_page(owner_client):
    table = {(e.method, e.path) for e in endpoints.endpoints()}
    assert table == MENU
    assert {e.section for e in endpoints.endpoints()} == SECTIONS
    page = owner_client.get(reverse("explorer:index")).content.decode()
    for endpoint in endpoints.endpoints():
        assert reverse("explorer:endpoint", args=[endpoint.id]) in page


@pytest.fixture(autouse=True)
def _fast_simulator(monkeypatch):
    monkeypatch.setenv("SIMULATOR_TOKEN_RATE", "0")


def send(client, endpoint, variant, body, path_params=None):
    data = {"model": variant.model, "mode": variant.mode}
    if body is not None:
        data["body"] = json.dumps(body)
    data |= {f"path_{name}": value for name, value in (path_params or {}).items()}
    response = client.post(
        reverse("explorer:send", args=[endpoint.id]), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return ExplorerRequest.objects.latest("pk")


def quick(body):
    """The example, finished at once: the simulator's knob in the prompt (media only)."""
    body = json.loads(json.dumps(body))
    for key in ("prompt",):
        if isinstance(body, dict) and isinstance(body.get(key), str):
            body[key] += " [sim job=0]"
    if isinstance(body, dict) and isinstance(body.get("instances"), list):
        body["instances"][0]["prompt"] = body["instances"][0].get("prompt", "") + " [sim job=0]"
    if isinstance(body, dict) and isinstance(body.get("content"), list):
        body["content"][0]["text"] += " [sim job=0]"
    return body


def created_task(client, query):
    """A finished task (or file) that `query` can look at: made through the explorer."""
    create = next(e for e in endpoints.endpoints() if query.id in e.queries)
    variant = create.variants[0]
    record = send(client, create, variant, quick(variant.examples[0].body))
    assert record.ok, record.response_body
    answer = json.loads(record.response_body)
    from playground.explorer.services import task_id_in

    task_id = task_id_in(create, answer)
    assert task_id
    return task_id, variant.model


@pytest.mark.parametrize("endpoint_id", ENDPOINTS)
def test_each_endpoint_sends_successfully_with_each_model_and_mode(owner_client, endpoint_id):
    endpoint = endpoints.endpoint(endpoint_id)
    path_params = {}
    if endpoint.task_param:
        path_params[endpoint.task_param], _ = created_task(owner_client, endpoint)
    elif endpoint.id == "files-delete":
        path_params["file_id"], _ = created_task(owner_client, endpoints.endpoint("files-get"))
    elif endpoint.id == "sora-remix":
        path_params["id"], _ = created_task(owner_client, endpoints.endpoint("sora-query"))
    for variant in endpoint.variants:
        for param in endpoint.path_params:
            if param.from_model:
                path_params[param.name] = variant.model
        body = quick(variant.examples[0].body) if endpoint.has_body else None
        record = send(owner_client, endpoint, variant, body, path_params)
        assert record.ok, (variant.key, record.status, record.error, record.response_body[:500])
        assert record.method == endpoint.method
        if endpoint.kind == "chat" and body.get("stream", True):
            assert record.events and record.text  # streamed, and put together
