"""Every explorer URL: anonymous visitors are sent to log in; another user's requests,
previews and results are not found."""

import json

import pytest
from django.core import signing
from django.urls import reverse

from playground.explorer.models import ExplorerRequest
from playground.explorer.presenting import MEDIA_SALT

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(owner):
    return ExplorerRequest.objects.create(
        owner=owner,
        endpoint="models-list",
        method="GET",
        path="/v1/models",
        status=200,
        response_body=json.dumps({"object": "list", "data": []}),
    )


def urls(record):
    token = signing.dumps({"u": "https://example.com/a.png", "o": record.owner_id}, salt=MEDIA_SALT)
    return [
        ("get", reverse("explorer:index")),
        ("get", reverse("explorer:endpoint", args=["models-list"])),
        ("get", reverse("explorer:endpoint", args=["models-list"]) + f"?from={record.pk}"),
        ("post", reverse("explorer:panel", args=["veo-create"])),
        ("post", reverse("explorer:code", args=["models-list"])),
        ("post", reverse("explorer:send", args=["models-list"])),
        ("post", reverse("explorer:poll", args=["veo-query"])),
        ("get", reverse("explorer:media", args=[token])),
        ("post", reverse("explorer:save")),
        ("post", reverse("explorer:import")),
        ("get", reverse("explorer:history")),
        ("get", reverse("explorer:history-detail", args=[record.pk])),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, record):
    for method, url in urls(record):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_another_users_requests_previews_and_results_are_not_found(client, other_user, record):
    client.force_login(other_user)
    token = urls(record)[7][1]
    assert client.get(token).status_code == 404
    assert client.get(reverse("explorer:history-detail", args=[record.pk])).status_code == 404
    replay = reverse("explorer:endpoint", args=["models-list"]) + f"?from={record.pk}"
    assert client.get(replay).status_code == 404
    assert client.post(reverse("explorer:save"), {"history": record.pk}).status_code == 404
    assert (
        f"/explorer/history/{record.pk}/"
        not in client.get(reverse("explorer:history")).content.decode()
    )


def test_an_unknown_endpoint_is_not_found(owner_client):
    assert owner_client.get(reverse("explorer:endpoint", args=["no-such-thing"])).status_code == 404
    assert owner_client.post(reverse("explorer:send", args=["no-such-thing"])).status_code == 404
